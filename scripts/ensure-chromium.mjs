#!/usr/bin/env node
// Makes sure Debian's Chromium (`chromium`, /usr/bin/chromium) is present for the console's browser test
// (test/e2e/console.test.ts, driven by playwright-core). Like ensure-debian-tools.mjs for the AWS CLI: installs it
// with apt-get only when that can work (root + apt-get), within a time bound, and never throws: the caller gets a
// result saying whether Chromium is there and, if not, why.
//
//   node scripts/ensure-chromium.mjs        prints what it found/did (JSON on stdout), always exits 0
import { execFile } from "node:child_process";
import { existsSync, realpathSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { systemProbes as debianProbes } from "./ensure-debian-tools.mjs";

export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_PACKAGE = "chromium";
/** apt-get update + install (Chromium and its libraries: about 100 MB) must finish within this bound. */
export const CHROMIUM_INSTALL_TIMEOUT_MS = 8 * 60_000;

/**
 * The flags the console test starts Chromium with: headless, no sandbox (root in a container), and none of the
 * background services (updates, sync, safe-browsing lists) whose connections, all refused here, slow it down.
 */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

export const chromiumProbes = {
  chromiumVersion() {
    if (!existsSync(CHROMIUM)) return Promise.resolve(null);
    return new Promise((done) =>
      execFile(CHROMIUM, ["--version"], { timeout: 30_000, env: { PATH: "/usr/bin:/bin", HOME: "/nonexistent" } }, (error, stdout) =>
        done(error ? null : stdout.trim()),
      ),
    );
  },
  isRoot: debianProbes.isRoot,
  hasAptGet: debianProbes.hasAptGet,
  aptInstall: debianProbes.aptInstall,
};

/** Whether installing can help, and why not when it cannot. */
export function chromiumInstallDecision({ version, isRoot, hasAptGet }) {
  if (version !== null) return { install: false, reason: "already installed" };
  if (!hasAptGet) return { install: false, reason: `${CHROMIUM} is missing and apt-get is not available` };
  if (!isRoot) return { install: false, reason: `${CHROMIUM} is missing; installing needs root (run: sudo apt-get install -y ${CHROMIUM_PACKAGE})` };
  return { install: true, reason: `${CHROMIUM} is missing` };
}

/**
 * Detects Chromium and installs it when missing and possible. Never throws.
 * @returns {Promise<{ available: boolean, path?: string, version?: string, reason?: string, install: { attempted: boolean, ok?: boolean, reason: string, output?: string } }>}
 */
export async function ensureChromium({
  probes = chromiumProbes,
  log = (line) => console.error(`[ensure-chromium] ${line}`),
  timeoutMs = CHROMIUM_INSTALL_TIMEOUT_MS,
} = {}) {
  try {
    const before = await probes.chromiumVersion();
    const decision = chromiumInstallDecision({ version: before, isRoot: probes.isRoot(), hasAptGet: probes.hasAptGet() });
    if (!decision.install) {
      const result = { ...status(before), install: { attempted: false, reason: decision.reason } };
      log(summary(result));
      return result;
    }
    log(`${decision.reason}: apt-get install ${CHROMIUM_PACKAGE} (bounded to ${Math.round(timeoutMs / 1000)} s)`);
    const installed = await probes.aptInstall([CHROMIUM_PACKAGE], timeoutMs);
    const after = await probes.chromiumVersion();
    const result = {
      ...status(after),
      install: {
        attempted: true,
        ok: installed.ok,
        reason: decision.reason,
        ...(installed.ok ? {} : { output: installed.output.split("\n").slice(-20).join("\n") }),
      },
    };
    log(summary(result));
    return result;
  } catch (error) {
    const reason = `probing failed: ${error instanceof Error ? error.message : String(error)}`;
    log(reason);
    return { available: false, reason, install: { attempted: false, reason } };
  }
}

function status(version) {
  return version === null
    ? { available: false, reason: `${CHROMIUM} not found or not runnable (Debian package ${CHROMIUM_PACKAGE})` }
    : { available: true, path: CHROMIUM, version };
}

function summary(result) {
  const found = result.available ? result.version : `unavailable (${result.reason})`;
  const action = result.install.attempted
    ? `installed ${result.install.ok ? "ok" : `FAILED:\n${result.install.output}`}`
    : `no install (${result.install.reason})`;
  return `chromium: ${found}; ${action}`;
}

const invokedAsScript = (() => {
  try {
    return process.argv[1] !== undefined && realpathSync(resolve(process.argv[1])) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
})();
if (invokedAsScript) console.log(JSON.stringify(await ensureChromium(), null, 2));
