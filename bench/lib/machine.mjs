// What the figures were measured on: they mean little without it.
import { readFileSync } from "node:fs";
import { cpus, loadavg, release, totalmem } from "node:os";
import { join } from "node:path";

function packageVersion(root, name) {
  try {
    return JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")).version;
  } catch {
    return null;
  }
}

function osName() {
  try {
    return /^PRETTY_NAME="?([^"\n]*)"?/m.exec(readFileSync("/etc/os-release", "utf8"))?.[1] ?? null;
  } catch {
    return null;
  }
}

export function describeMachine(root) {
  const cpuList = cpus();
  return {
    cpuModel: cpuList[0]?.model ?? null,
    cores: cpuList.length,
    memoryBytes: totalmem(),
    os: osName(),
    kernel: release(),
    node: process.version,
    wrangler: packageVersion(root, "wrangler"),
    workerd: packageVersion(root, "workerd"),
    miniflare: packageVersion(root, "miniflare"),
    mqttJs: packageVersion(root, "mqtt"),
    autocannon: packageVersion(root, "autocannon"),
    /** 1-minute load average when the run started: other work on the machine skews every figure. */
    loadAverageAtStart: Math.round(loadavg()[0] * 100) / 100,
  };
}
