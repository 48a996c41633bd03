import { describe, expect, it, vi } from "vitest";
import { CHROMIUM, CHROMIUM_FLAGS, type ChromiumProbes, chromiumInstallDecision, ensureChromium } from "../../../scripts/ensure-chromium.mjs";

const VERSION = "Chromium 156.0.8078.114 built on Debian GNU/Linux 12 (bookworm)";
const quiet = { log: () => {} };

function fakeProbes(state: {
  version: string | null;
  afterInstall?: string | null;
  root?: boolean;
  apt?: boolean;
  aptOk?: boolean;
  throws?: boolean;
}) {
  let installed = false;
  const aptInstall = vi.fn(async () => {
    installed = true;
    return state.aptOk === false ? { ok: false, output: "E: Unable to locate package chromium" } : { ok: true, output: "done" };
  });
  const probes: ChromiumProbes = {
    chromiumVersion: async () => {
      if (state.throws) throw new Error("spawn EACCES");
      return installed && state.afterInstall !== undefined ? state.afterInstall : state.version;
    },
    isRoot: () => state.root ?? true,
    hasAptGet: () => state.apt ?? true,
    aptInstall,
  };
  return { probes, aptInstall };
}

describe("ensureChromium", () => {
  it.each([
    ["present", { version: VERSION, isRoot: false, hasAptGet: false }, false, /already installed/],
    ["missing, root with apt-get", { version: null, isRoot: true, hasAptGet: true }, true, /is missing$/],
    ["missing, not root", { version: null, isRoot: false, hasAptGet: true }, false, /needs root \(run: sudo apt-get install -y chromium\)/],
    ["missing, no apt-get", { version: null, isRoot: true, hasAptGet: false }, false, /apt-get is not available/],
  ])("decides: %s", (_name, state, install, reason) => {
    const decision = chromiumInstallDecision(state);
    expect(decision.install).toBe(install);
    expect(decision.reason).toMatch(reason);
  });

  it("installs Debian's chromium when missing and reports it available afterwards", async () => {
    const { probes, aptInstall } = fakeProbes({ version: null, afterInstall: VERSION });
    const result = await ensureChromium({ probes, ...quiet, timeoutMs: 1000 });
    expect(aptInstall).toHaveBeenCalledWith(["chromium"], 1000);
    expect(result).toMatchObject({ available: true, path: CHROMIUM, version: VERSION, install: { attempted: true, ok: true } });
  });

  it("says why Chromium is unavailable when it cannot be installed, and never throws", async () => {
    const notRoot = await ensureChromium({ probes: fakeProbes({ version: null, root: false }).probes, ...quiet });
    expect(notRoot).toMatchObject({ available: false, install: { attempted: false } });
    expect(notRoot.reason).toContain(CHROMIUM);
    const failed = await ensureChromium({ probes: fakeProbes({ version: null, aptOk: false, afterInstall: null }).probes, ...quiet });
    expect(failed).toMatchObject({ available: false, install: { attempted: true, ok: false, output: "E: Unable to locate package chromium" } });
    const broken = await ensureChromium({ probes: fakeProbes({ version: null, throws: true }).probes, ...quiet });
    expect(broken).toMatchObject({ available: false, reason: "probing failed: spawn EACCES" });
  });

  it("starts Chromium headless with the background services that would try the network switched off", () => {
    for (const flag of [
      "--headless",
      "--no-sandbox",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--disable-quic",
    ]) {
      expect(CHROMIUM_FLAGS).toContain(flag);
    }
  });
});
