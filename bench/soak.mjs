#!/usr/bin/env node
// `npm run bench:soak`: chooses how `npm start` serves, with figures (README "Performance"). Starts the project both
// ways side by side — `npm run dev` (wrangler dev) and `npm start` (Miniflare's API) — each with fresh state, then:
// 1. throughput: GetThingShadow and UpdateThingShadow (one thing, autocannon, 16 connections), the two servers
//    alternating run by run (bench/load/http.mjs, as `npm run bench` measures);
// 2. memory soak: the same steady traffic against both at once for SOAK_MINUTES (10) — signed updates and gets,
//    MQTT subscribers, a QoS 1 publisher, connection churn (bench/load/soak.mjs) — reading the RSS of each server's
//    whole process tree (Node and workerd) every 10 s.
// Writes bench/results/soak.json and prints a summary. Not part of `npm test`.
import { fork } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { descendants, freePort, killAllStartedSync, rssBytes, startProcess, stopProcess, waitForHttp } from "./lib/processes.mjs";
import { median } from "./lib/stats.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const minutes = Number(process.env.SOAK_MINUTES ?? "10");
const workDir = mkdtempSync(join(tmpdir(), "iot-soak-"));
const logDir = join(root, "bench", "results", "logs");
mkdirSync(logDir, { recursive: true });
const log = (message) => process.stderr.write(`[soak] ${message}\n`);
const load = () => Math.round(loadavg()[0] * 100) / 100;
process.on("exit", () => {
  killAllStartedSync();
  rmSync(workDir, { recursive: true, force: true });
});

const MODES = { dev: "dev.mjs", start: "start.mjs" };
const servers = {};
for (const [mode, script] of Object.entries(MODES)) {
  const port = await freePort();
  mkdirSync(join(workDir, mode));
  servers[mode] = startProcess(mode, process.execPath, [join(root, "scripts", script), "--var", "THING_REQUESTS_PER_SECOND:1000000"], {
    cwd: root,
    env: { ...process.env, PORT: String(port), PERSIST_DIR: join(workDir, mode) },
    logFile: join(logDir, `soak-${mode}.log`),
  });
  servers[mode].port = port;
  servers[mode].url = `http://127.0.0.1:${port}`;
}
await Promise.all(Object.values(servers).map((s) => waitForHttp(`${s.url}/`, s, 120_000)));
/** RSS of a server's whole process tree (the Node process, workerd, wrangler's proxy). */
const treeRss = (handle) => [handle.child.pid, ...descendants(handle.child.pid).map((p) => p.pid)].reduce((sum, pid) => sum + rssBytes(pid), 0);
const results = { startedAt: new Date().toISOString(), minutes, loadAverageAtStart: load(), throughput: {}, soak: {} };

// 1. Throughput, the two servers alternating.
function httpSession(baseUrl, operation) {
  const child = fork(join(root, "bench", "load", "http.mjs"), [
    JSON.stringify({ baseUrl, scenario: { key: operation, operation, objects: 1 }, connections: 16 }),
  ]);
  const ready = new Promise((resolve) => child.once("message", resolve));
  return {
    async run(message) {
      await ready;
      const result = new Promise((resolve) => child.once("message", resolve));
      child.send(message);
      return result;
    },
    close: () => child.send("exit"),
  };
}
for (const operation of ["update", "get"]) {
  const sessions = Object.fromEntries(Object.entries(servers).map(([mode, s]) => [mode, httpSession(s.url, operation)]));
  const runs = { dev: [], start: [] };
  for (const mode of Object.keys(servers)) await sessions[mode].run({ durationS: 1 });
  for (let round = 0; round < 3; round++) {
    for (const mode of Object.keys(servers)) {
      const r = await sessions[mode].run({ durationS: 3 });
      runs[mode].push(r.requestsPerSecond);
      log(`${operation} on ${mode}: ${r.requestsPerSecond} req/s (p99 ${r.p99Ms} ms, non-2xx ${r.non2xx})`);
    }
  }
  for (const s of Object.values(sessions)) s.close();
  results.throughput[operation] = Object.fromEntries(Object.entries(runs).map(([mode, list]) => [mode, { median: median(list), runs: list }]));
}

// 2. Memory soak, both at once under the same steady traffic.
const seconds = minutes * 60;
const soakConfig = { seconds, httpPerSecond: 40, things: 50, subscribers: 20, publishesPerSecond: 10, churnEveryS: 5 };
const series = Object.fromEntries(Object.keys(servers).map((mode) => [mode, [{ s: 0, bytes: treeRss(servers[mode]) }]]));
log(`soak: ${minutes} min of steady traffic against both (${JSON.stringify(soakConfig)})`);
const loads = Object.entries(servers).map(([mode, s]) => {
  const child = fork(join(root, "bench", "load", "soak.mjs"), [JSON.stringify({ ...soakConfig, baseUrl: s.url, runId: mode })]);
  return new Promise((resolve) => {
    child.once("message", (counts) => resolve([mode, counts]));
    child.once("exit", (code) => resolve([mode, { exited: code }]));
  });
});
const started = Date.now();
while (Date.now() - started < seconds * 1000) {
  await sleep(10_000);
  const s = Math.round((Date.now() - started) / 1000);
  for (const mode of Object.keys(servers)) series[mode].push({ s, bytes: treeRss(servers[mode]) });
  log(
    `${s} s: ${Object.keys(servers)
      .map((m) => `${m} ${(series[m].at(-1).bytes / 2 ** 20).toFixed(0)} MiB`)
      .join(", ")} (load ${load()})`,
  );
}
const counts = Object.fromEntries(await Promise.all(loads));
for (const mode of Object.keys(servers)) {
  const points = series[mode];
  const firstMinute = points.filter((p) => p.s > 0 && p.s <= 60).map((p) => p.bytes);
  const lastMinute = points.filter((p) => p.s > seconds - 60).map((p) => p.bytes);
  results.soak[mode] = {
    idleBytes: points[0].bytes,
    firstMinuteMedianBytes: median(firstMinute),
    lastMinuteMedianBytes: median(lastMinute),
    maxBytes: Math.max(...points.map((p) => p.bytes)),
    growthAfterFirstMinuteBytes: median(lastMinute) - median(firstMinute),
    traffic: counts[mode],
    series: points,
  };
}
results.loadAverageAtEnd = load();
await Promise.all(Object.values(servers).map((s) => stopProcess(s)));
writeFileSync(join(root, "bench", "results", "soak.json"), `${JSON.stringify(results, null, 2)}\n`);
const mib = (b) => `${(b / 2 ** 20).toFixed(0)} MiB`;
process.stdout.write(
  [
    `| | npm run dev (wrangler dev) | npm start (Miniflare) |`,
    `|---|---|---|`,
    `| UpdateThingShadow req/s (median of 3) | ${results.throughput.update.dev.median} | ${results.throughput.update.start.median} |`,
    `| GetThingShadow req/s (median of 3) | ${results.throughput.get.dev.median} | ${results.throughput.get.start.median} |`,
    ...["idleBytes", "firstMinuteMedianBytes", "lastMinuteMedianBytes", "maxBytes"].map(
      (k) => `| RSS ${k.replace("Bytes", "")} | ${mib(results.soak.dev[k])} | ${mib(results.soak.start[k])} |`,
    ),
    `| growth after the first minute | ${mib(results.soak.dev.growthAfterFirstMinuteBytes)} | ${mib(results.soak.start.growthAfterFirstMinuteBytes)} |`,
    `load average ${results.loadAverageAtStart} → ${results.loadAverageAtEnd}`,
  ].join("\n") + "\n",
);
process.exit(0);
