// Types for ensure-chromium.mjs (the TypeScript config does not check JavaScript files).

export declare const CHROMIUM: "/usr/bin/chromium";
export declare const CHROMIUM_PACKAGE: "chromium";
export declare const CHROMIUM_INSTALL_TIMEOUT_MS: number;
export declare const CHROMIUM_FLAGS: readonly string[];

export interface ChromiumProbes {
  /** `chromium --version` output, or null when /usr/bin/chromium is absent or fails. */
  chromiumVersion(): Promise<string | null>;
  isRoot(): boolean;
  hasAptGet(): boolean;
  aptInstall(packages: readonly string[], timeoutMs: number): Promise<{ ok: boolean; output: string }>;
}
export declare const chromiumProbes: ChromiumProbes;

export declare function chromiumInstallDecision(state: { version: string | null; isRoot: boolean; hasAptGet: boolean }): {
  install: boolean;
  reason: string;
};

export interface ChromiumResult {
  available: boolean;
  path?: string;
  version?: string;
  reason?: string;
  install: { attempted: boolean; ok?: boolean; reason: string; output?: string };
}

export declare function ensureChromium(options?: {
  probes?: ChromiumProbes;
  log?: (line: string) => void;
  timeoutMs?: number;
}): Promise<ChromiumResult>;
