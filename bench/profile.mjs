#!/usr/bin/env node
// `node bench/profile.mjs [update|get|publish|pubsub|writeDo|noopDo] [seconds] [objects]`: a CPU profile of the project on workerd alone
// under one HTTP scenario of `npm run bench` (16 connections, on one thing / one topic, or spread over `objects` of
// them, each touched once before, as the bench's spread scenarios are) or its MQTT pub/sub (1 → 10, QoS 0), taken
// through workerd's inspector
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
import { startCeilingDirect, startProjectDirect } from "./lib/servers.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const operation = process.argv[2] ?? "update";
const seconds = Number(process.argv[3] ?? "5");
const objects = Number(process.argv[4] ?? "1");
const workDir = mkdtempSync(join(tmpdir(), "iot-profile-"));
const logDir = join(root, "bench", "results", "logs");
mkdirSync(logDir, { recursive: true });
process.on("exit", () => {
  killAllStartedSync();
  rmSync(workDir, { recursive: true, force: true });
});

const [port, inspectorPort] = [await freePort(), await freePort()];
// The ceiling's own routes (writeDo, noopDo: bench/ceiling/) profile the runtime doing the least the same work needs.
const ceiling = operation === "writeDo" || operation === "noopDo";
// PROFILE_VARS: the project's vars to override, as JSON (e.g. '{"SHADOW_HISTORY_VERSIONS":"0"}' to weigh the history).
const vars = JSON.parse(process.env.PROFILE_VARS ?? "{}");
const server = await (ceiling ? startCeilingDirect : startProjectDirect)({
  root,
  port,
  inspectorPort,
  vars,
  dir: workDir,
  logDir,
  readyTimeoutMs: 90_000,
});
const baseUrl = `http://127.0.0.1:${port}`;

const httpLoad = async (op) => {
  const child = fork(join(root, "bench", "load", "http.mjs"), [
    JSON.stringify({ baseUrl, scenario: { key: op, operation: op, objects }, connections: 16 }),
  ]);
  await new Promise((resolve) => child.once("message", resolve));
  return child;
};
// A get needs the shadows, and a spread run objects that exist: one update of each first (the bench's warm-up).
if (operation === "get" || (operation !== "pubsub" && objects > 1)) {
  const creator = await httpLoad(ceiling ? operation : "update");
  await new Promise((resolve) => {
    creator.once("message", resolve);
    creator.send({ amount: objects, maxSeconds: 120 });
  });
  creator.send("exit");
}
const pubsub = operation === "pubsub";
const load = pubsub ? null : await httpLoad(operation);
/** One measured run: an HTTP run of `durationS`, or a whole pub/sub load process (its throughput phase lasts as long). */
const run = (options) =>
  new Promise((resolve) => {
    if (!pubsub) {
      load.once("message", resolve);
      load.send(options);
      return;
    }
    const config = { subscribers: 10, messageBytes: 256, window: 32, warmupS: 0.5, latencyS: 0.5, throughputS: options.durationS, stallMs: 5000 };
    const child = fork(join(root, "bench", "load", "pubsub.mjs"), [
      JSON.stringify({ ...config, client: "mqtt", presignHost: `127.0.0.1:${port}`, broker: "ours", runId: `p${Date.now() % 1e6}` }),
    ]);
    child.once("message", (r) => resolve({ requestsPerSecond: `${JSON.stringify(r.throughput)}`, ...r }));
  });
await run({ durationS: 2 }); // warm-up
// Spread: as in the bench, whose rounds come back to a thing after the other scenarios ran (tens of seconds), the
// profiled pass touches each object once after `PROFILE_IDLE_S` seconds of quiet (0: right away, objects warm).
const idleS = Number(process.env.PROFILE_IDLE_S ?? "0");
if (objects > 1 && idleS > 0) await new Promise((resolve) => setTimeout(resolve, idleS * 1000));

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
const result = await run(objects > 1 && idleS > 0 ? { amount: objects, maxSeconds: 120 } : { durationS: seconds });
const { profile } = await call("Profiler.stop");
ws.close();
load?.send("exit");

const suffix = objects > 1 ? `-${objects}` : "";
writeFileSync(join(root, "bench", "results", `profile-${operation}${suffix}.cpuprofile`), JSON.stringify(profile));
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
process.stdout.write(`${operation} over ${objects}: ${result.requestsPerSecond} req/s during the profile; ${total} samples\n`);
for (const [key, count] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) {
  process.stdout.write(`${((100 * count) / total).toFixed(1).padStart(5)} %  ${key}\n`);
}
await stopProcess(server);
process.exit(0);
