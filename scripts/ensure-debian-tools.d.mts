// Types for ensure-debian-tools.mjs (the TypeScript config does not check JavaScript files).

export declare const AWS_CLI: "/usr/bin/aws";
export declare const PYTHON: "/usr/bin/python3";
export declare const DEBIAN_PACKAGES: readonly string[];
export declare const INSTALL_TIMEOUT_MS: number;

export declare function isolatedAwsEnv(extra?: Record<string, string>): Record<string, string>;

export interface Probes {
  /** `aws --version` output, or null when /usr/bin/aws is absent or fails. */
  awsVersion(): Promise<string | null>;
  /** boto3/botocore versions, or null when /usr/bin/python3 cannot import boto3. */
  boto3Version(): Promise<string | null>;
  isRoot(): boolean;
  hasAptGet(): boolean;
  aptInstall(packages: readonly string[], timeoutMs: number): Promise<{ ok: boolean; output: string }>;
}
export declare const systemProbes: Probes;

export declare function isAwsCliV2(version: string): boolean;

export interface InstallDecision {
  install: boolean;
  packages: readonly string[];
  reason: string;
}
export declare function installDecision(state: {
  awsVersion: string | null;
  boto3Version: string | null;
  isRoot: boolean;
  hasAptGet: boolean;
}): InstallDecision;

export type ToolStatus =
  | { available: true; version: string; path?: string; python?: string }
  | { available: false; reason: string; version?: string };

export interface EnsureResult {
  aws: ToolStatus;
  boto3: ToolStatus;
  install: { attempted: boolean; ok?: boolean; reason: string; output?: string };
}

export declare function ensureDebianTools(options?: { probes?: Probes; log?: (line: string) => void; timeoutMs?: number }): Promise<EnsureResult>;
