#!/usr/bin/env node
// `node bench/profile.mjs [update|get|publish] [seconds]`: a CPU profile of the project on workerd alone under one
// HTTP scenario of `npm run bench` (one thing / one topic, 16 connections), taken through workerd's inspector
// (V8's sampling profiler, 100 µs). Prints the functions with the most self time and writes the whole profile to
// bench/results/profile-<scenario>.cpuprofile (open it in Chrome DevTools). Where README's Performance section says
// "from a profile", this is how it was taken.
import { fork } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import WebSocket from "ws";
import { freePort, killAllStartedSync, stopProcess } from "./lib/processes.mjs";
import { startProjectDirect } from "./lib/servers.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const operation = process.argv[2] ?? "update";
const seconds = Number(process.argv[3] ?? "5");
const workDir = mkdtempSync(join(tmpdir(), "iot-profile-"));
const logDir = join(root, "bench", "results", "logs");
mkdirSync(logDir, { recursive: true });
process.on("exit", () => {
  killAllStartedSync();
  rmSync(workDir, { recursive: true, force: true });
});

const [port, inspectorPort] = [await freePort(), await freePort()];
const server = await startProjectDirect({ root, port, inspectorPort, dir: workDir, logDir, readyTimeoutMs: 90_000 });
const baseUrl = `http://127.0.0.1:${port}`;

const load = fork(join(root, "bench", "load", "http.mjs"), [
  JSON.stringify({ baseUrl, scenario: { key: operation, operation, objects: 1 }, connections: 16 }),
]);
await new Promise((resolve) => load.once("message", resolve));
const run = (message) =>
  new Promise((resolve) => {
    load.once("message", resolve);
    load.send(message);
  });
await run({ durationS: 2 }); // warm-up

const targets = await (await fetch(`http://127.0.0.1:${inspectorPort}/json/list`)).json();
const ws = new WebSocket(targets[0].webSocketDebuggerUrl);
await new Promise((resolve) => ws.once("open", resolve));
let id = 0;
const pending = new Map();
ws.on("message", (data) => {
  const message = JSON.parse(data.toString());
  pending.get(message.id)?.(message.result);
});
const call = (method, params = {}) =>
  new Promise((resolve) => {
    pending.set(++id, resolve);
    ws.send(JSON.stringify({ id, method, params }));
  });
await call("Profiler.enable");
await call("Profiler.setSamplingInterval", { interval: 100 });
await call("Profiler.start");
const result = await run({ durationS: seconds });
const { profile } = await call("Profiler.stop");
ws.close();
load.send("exit");

writeFileSync(join(root, "bench", "results", `profile-${operation}.cpuprofile`), JSON.stringify(profile));
const self = new Map();
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const counts = new Map();
for (const sample of profile.samples) counts.set(sample, (counts.get(sample) ?? 0) + 1);
let total = 0;
for (const [nodeId, count] of counts) {
  const { callFrame } = byId.get(nodeId);
  const file = callFrame.url.split("/").pop();
  const key = `${callFrame.functionName || "(anonymous)"} ${file}:${callFrame.lineNumber + 1}`;
  self.set(key, (self.get(key) ?? 0) + count);
  total += count;
}
process.stdout.write(`${operation}: ${result.requestsPerSecond} req/s during the profile; ${total} samples\n`);
for (const [key, count] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
  process.stdout.write(`${((100 * count) / total).toFixed(1).padStart(5)} %  ${key}\n`);
}
await stopProcess(server);
process.exit(0);
