import { describe, expect, it, vi } from "vitest";
import { DEBIAN_PACKAGES, ensureDebianTools, installDecision, type Probes } from "../../../scripts/ensure-debian-tools.mjs";

const AWS_V2 = "aws-cli/2.9.19 Python/3.11.2 Linux/6.1 source/x86_64.debian.12 prompt/off";
const AWS_V1 = "aws-cli/1.19.1 Python/3.9.2 Linux/5.10 botocore/1.20.0";
const BOTO3 = "boto3/1.26.27 botocore/1.29.27";

/** Probes whose answers change after a (fake) apt-get install, recording what was asked of apt. */
function fakeProbes(state: {
  aws: string | null;
  boto3: string | null;
  root?: boolean;
  apt?: boolean;
  afterInstall?: { aws: string | null; boto3: string | null };
  aptResult?: { ok: boolean; output: string };
  throwOnProbe?: boolean;
}) {
  let installed = false;
  const aptInstall = vi.fn(async (_packages: readonly string[], _timeoutMs: number) => {
    installed = true;
    return state.aptResult ?? { ok: true, output: "done" };
  });
  const probes: Probes = {
    awsVersion: async () => {
      if (state.throwOnProbe) throw new Error("spawn EACCES");
      return installed && state.afterInstall ? state.afterInstall.aws : state.aws;
    },
    boto3Version: async () => (installed && state.afterInstall ? state.afterInstall.boto3 : state.boto3),
    isRoot: () => state.root ?? true,
    hasAptGet: () => state.apt ?? true,
    aptInstall,
  };
  return { probes, aptInstall };
}

const quiet = { log: () => {} };

describe("installDecision", () => {
  it.each([
    ["both present", { awsVersion: AWS_V2, boto3Version: BOTO3, isRoot: true, hasAptGet: true }, false, /already installed/],
    ["a v1 aws present (apt would give the same v1)", { awsVersion: AWS_V1, boto3Version: BOTO3, isRoot: true, hasAptGet: true }, false, /not v2/],
    ["aws missing, root with apt-get", { awsVersion: null, boto3Version: BOTO3, isRoot: true, hasAptGet: true }, true, /missing awscli$/],
    ["boto3 missing, root with apt-get", { awsVersion: AWS_V2, boto3Version: null, isRoot: true, hasAptGet: true }, true, /missing python3-boto3$/],
    [
      "both missing but not root",
      { awsVersion: null, boto3Version: null, isRoot: false, hasAptGet: true },
      false,
      /needs root.*sudo apt-get install -y awscli python3-boto3/,
    ],
    ["both missing and no apt-get", { awsVersion: null, boto3Version: null, isRoot: true, hasAptGet: false }, false, /apt-get is not available/],
  ])("%s ⇒ install=%s", (_, state, install, reason) => {
    const decision = installDecision(state);
    expect(decision.install).toBe(install);
    expect(decision.reason).toMatch(reason);
    // Installing always asks for both packages: apt skips whatever is present already.
    if (install) expect(decision.packages).toEqual(DEBIAN_PACKAGES);
  });
});

describe("ensureDebianTools", () => {
  it("reports both tools without touching apt when they are installed", async () => {
    const { probes, aptInstall } = fakeProbes({ aws: AWS_V2, boto3: BOTO3 });
    const result = await ensureDebianTools({ probes, ...quiet });
    expect(result.aws).toEqual({ available: true, path: "/usr/bin/aws", version: AWS_V2 });
    expect(result.boto3).toEqual({ available: true, python: "/usr/bin/python3", version: BOTO3 });
    expect(result.install.attempted).toBe(false);
    expect(aptInstall).not.toHaveBeenCalled();
  });

  it("installs both Debian packages within the time bound and probes again", async () => {
    const { probes, aptInstall } = fakeProbes({ aws: null, boto3: null, afterInstall: { aws: AWS_V2, boto3: BOTO3 } });
    const result = await ensureDebianTools({ probes, timeoutMs: 1234, ...quiet });
    expect(aptInstall).toHaveBeenCalledWith(["awscli", "python3-boto3"], 1234);
    expect(result.install).toEqual({ attempted: true, ok: true, reason: "missing awscli, python3-boto3" });
    expect(result.aws.available).toBe(true);
    expect(result.boto3.available).toBe(true);
  });

  it("says why when apt-get fails (e.g. offline), without throwing", async () => {
    const { probes } = fakeProbes({
      aws: null,
      boto3: null,
      aptResult: { ok: false, output: "apt-get update failed: Could not resolve deb.debian.org" },
    });
    const result = await ensureDebianTools({ probes, ...quiet });
    expect(result.install).toMatchObject({ attempted: true, ok: false, output: expect.stringContaining("Could not resolve") });
    expect(result.aws).toMatchObject({ available: false, reason: expect.stringContaining("awscli") });
    expect(result.boto3).toMatchObject({ available: false, reason: expect.stringContaining("python3-boto3") });
  });

  it("does not try to install without root and tells the user the command", async () => {
    const { probes, aptInstall } = fakeProbes({ aws: null, boto3: BOTO3, root: false });
    const result = await ensureDebianTools({ probes, ...quiet });
    expect(aptInstall).not.toHaveBeenCalled();
    expect(result.install.reason).toContain("sudo apt-get install");
    expect(result.aws.available).toBe(false);
    expect(result.boto3.available).toBe(true);
  });

  it("marks an AWS CLI v1 as unavailable with its version (the tests need v2's --cli-binary-format)", async () => {
    const { probes } = fakeProbes({ aws: AWS_V1, boto3: BOTO3 });
    const result = await ensureDebianTools({ probes, ...quiet });
    expect(result.aws).toEqual({ available: false, version: AWS_V1, reason: expect.stringContaining("not AWS CLI v2") });
  });

  it("never throws, even when a probe does", async () => {
    const { probes } = fakeProbes({ aws: AWS_V2, boto3: BOTO3, throwOnProbe: true });
    const result = await ensureDebianTools({ probes, ...quiet });
    expect(result.aws).toEqual({ available: false, reason: "probing failed: spawn EACCES" });
    expect(result.boto3.available).toBe(false);
  });

  it("logs what it found and did", async () => {
    const lines: string[] = [];
    const { probes } = fakeProbes({ aws: null, boto3: null, afterInstall: { aws: AWS_V2, boto3: BOTO3 } });
    await ensureDebianTools({ probes, log: (line) => lines.push(line) });
    expect(lines[0]).toMatch(/apt-get install awscli python3-boto3/);
    expect(lines[1]).toContain(AWS_V2);
  });
});
