#!/usr/bin/env node
// Makes sure Debian's AWS CLI v2 (`awscli`, /usr/bin/aws) and boto3 (`python3-boto3`, /usr/bin/python3) are
// present for the CLI/boto3 end-to-end tests. Installs them with apt-get only when that can work (root + apt-get),
// within a time bound, and never throws: the caller gets a result saying what is available and, if not, why.
//
//   node scripts/ensure-debian-tools.mjs        prints what it found/did (JSON on stdout), always exits 0
import { execFile } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const AWS_CLI = "/usr/bin/aws";
export const PYTHON = "/usr/bin/python3";
export const DEBIAN_PACKAGES = ["awscli", "python3-boto3"];
/** apt-get update + install together must finish within this bound. */
export const INSTALL_TIMEOUT_MS = 5 * 60_000;
const PROBE_TIMEOUT_MS = 30_000;

/**
 * The environment every probe (and the tests) run the tools in: no user config or credentials files, no instance
 * metadata lookups, no pager, no proxy, no user site-packages. Nothing here can reach the internet by itself.
 */
export function isolatedAwsEnv(extra = {}) {
  return {
    PATH: "/usr/sbin:/usr/bin:/sbin:/bin",
    // Not the user's home: no ~/.aws/cli/alias, no credential caches.
    HOME: "/nonexistent",
    LANG: "C.UTF-8",
    AWS_CONFIG_FILE: "/dev/null",
    AWS_SHARED_CREDENTIALS_FILE: "/dev/null",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_PAGER: "",
    AWS_EC2_METADATA_DISABLED: "true",
    // Errors must surface as they are, not after retries.
    AWS_MAX_ATTEMPTS: "1",
    AWS_RETRY_MODE: "standard",
    PYTHONNOUSERSITE: "1",
    ...extra,
  };
}

function run(file, args, { timeoutMs, env }) {
  return new Promise((resolve) => {
    execFile(file, args, { timeout: timeoutMs, killSignal: "SIGKILL", env, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const output = `${stdout}${stderr}`.trim();
      if (!error) resolve({ ok: true, output });
      else resolve({ ok: false, output: error.killed ? `timed out after ${timeoutMs} ms\n${output}` : `${error.message}\n${output}`.trim() });
    });
  });
}

/** The real probes; tests inject their own. Each reports a version string, or null when the tool is absent. */
export const systemProbes = {
  async awsVersion() {
    if (!existsSync(AWS_CLI)) return null;
    const result = await run(AWS_CLI, ["--version"], { timeoutMs: PROBE_TIMEOUT_MS, env: isolatedAwsEnv() });
    return result.ok ? result.output : null;
  },
  async boto3Version() {
    if (!existsSync(PYTHON)) return null;
    // -I: Debian's packages only, not a pip install in the user's site-packages or on PYTHONPATH.
    const script = "import boto3, botocore; print('boto3/' + boto3.__version__, 'botocore/' + botocore.__version__)";
    const result = await run(PYTHON, ["-I", "-c", script], { timeoutMs: PROBE_TIMEOUT_MS, env: isolatedAwsEnv() });
    return result.ok ? result.output : null;
  },
  isRoot: () => typeof process.getuid === "function" && process.getuid() === 0,
  hasAptGet: () => existsSync("/usr/bin/apt-get"),
  /** apt-get update, then install; both share one deadline. */
  async aptInstall(packages, timeoutMs) {
    const deadline = Date.now() + timeoutMs;
    const env = { PATH: "/usr/sbin:/usr/bin:/sbin:/bin", DEBIAN_FRONTEND: "noninteractive", LANG: "C.UTF-8" };
    const update = await run("/usr/bin/apt-get", ["-q", "update"], { timeoutMs, env });
    if (!update.ok) return { ok: false, output: `apt-get update failed: ${update.output}` };
    const remaining = deadline - Date.now();
    if (remaining <= 0) return { ok: false, output: `apt-get update used up the ${timeoutMs} ms bound` };
    const install = await run(
      "/usr/bin/apt-get",
      [
        "-q",
        "-y",
        "--no-install-recommends",
        "-o",
        "Dpkg::Options::=--force-confdef",
        "-o",
        "Dpkg::Options::=--force-confold",
        "install",
        ...packages,
      ],
      { timeoutMs: remaining, env },
    );
    return install.ok ? install : { ok: false, output: `apt-get install failed: ${install.output}` };
  },
};

/** The tests use `--cli-binary-format`, which only AWS CLI v2 knows; Debian before bookworm ships v1. */
export const isAwsCliV2 = (version) => /^aws-cli\/2\./.test(version);

function awsStatus(version) {
  if (version === null) return { available: false, reason: `${AWS_CLI} not found or not runnable (Debian package awscli)` };
  if (!isAwsCliV2(version)) return { available: false, version, reason: `${AWS_CLI} is not AWS CLI v2: ${version}` };
  return { available: true, path: AWS_CLI, version };
}

function boto3Status(version) {
  if (version === null) return { available: false, reason: `${PYTHON} cannot import boto3 (Debian package python3-boto3)` };
  return { available: true, python: PYTHON, version };
}

/**
 * Whether installing can help, and why not when it cannot. A present-but-v1 `aws` is left alone: the same apt
 * repositories would give the same version.
 */
export function installDecision({ awsVersion, boto3Version, isRoot, hasAptGet }) {
  const missing = [];
  if (awsVersion === null) missing.push("awscli");
  if (boto3Version === null) missing.push("python3-boto3");
  if (missing.length === 0)
    return {
      install: false,
      packages: [],
      reason: awsVersion && !isAwsCliV2(awsVersion) ? "aws is present (not v2); apt-get would not change it" : "already installed",
    };
  if (!hasAptGet) return { install: false, packages: missing, reason: `missing ${missing.join(", ")} and apt-get is not available` };
  if (!isRoot)
    return {
      install: false,
      packages: missing,
      reason: `missing ${missing.join(", ")}; installing needs root (run: sudo apt-get install -y ${DEBIAN_PACKAGES.join(" ")})`,
    };
  // Install both: python3-boto3 alone does not bring /usr/bin/aws and vice versa; apt skips what is present.
  return { install: true, packages: DEBIAN_PACKAGES, reason: `missing ${missing.join(", ")}` };
}

/**
 * Detects the tools and installs them when missing and possible. Never throws.
 * @returns {Promise<{ aws: object, boto3: object, install: { attempted: boolean, ok?: boolean, reason: string, output?: string } }>}
 */
export async function ensureDebianTools({
  probes = systemProbes,
  log = (line) => console.error(`[ensure-debian-tools] ${line}`),
  timeoutMs = INSTALL_TIMEOUT_MS,
} = {}) {
  try {
    const before = { awsVersion: await probes.awsVersion(), boto3Version: await probes.boto3Version() };
    const decision = installDecision({ ...before, isRoot: probes.isRoot(), hasAptGet: probes.hasAptGet() });
    if (!decision.install) {
      const result = {
        aws: awsStatus(before.awsVersion),
        boto3: boto3Status(before.boto3Version),
        install: { attempted: false, reason: decision.reason },
      };
      log(summary(result));
      return result;
    }
    log(`${decision.reason}: apt-get install ${decision.packages.join(" ")} (bounded to ${Math.round(timeoutMs / 1000)} s)`);
    const installed = await probes.aptInstall(decision.packages, timeoutMs);
    const after = { awsVersion: await probes.awsVersion(), boto3Version: await probes.boto3Version() };
    const result = {
      aws: awsStatus(after.awsVersion),
      boto3: boto3Status(after.boto3Version),
      install: { attempted: true, ok: installed.ok, reason: decision.reason, ...(installed.ok ? {} : { output: tail(installed.output) }) },
    };
    log(summary(result));
    return result;
  } catch (error) {
    const reason = `probing failed: ${error instanceof Error ? error.message : String(error)}`;
    log(reason);
    return { aws: { available: false, reason }, boto3: { available: false, reason }, install: { attempted: false, reason } };
  }
}

const tail = (text, lines = 20) => text.split("\n").slice(-lines).join("\n");

function summary({ aws, boto3, install }) {
  const describe = (name, status) => `${name}: ${status.available ? status.version : `unavailable (${status.reason})`}`;
  const action = install.attempted ? `installed ${install.ok ? "ok" : `FAILED:\n${install.output}`}` : `no install (${install.reason})`;
  return `${describe("aws", aws)}; ${describe("boto3", boto3)}; ${action}`;
}

const invokedAsScript = (() => {
  try {
    return process.argv[1] !== undefined && realpathSync(resolve(process.argv[1])) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
})();
if (invokedAsScript) {
  const result = await ensureDebianTools();
  console.log(JSON.stringify(result, null, 2));
}
