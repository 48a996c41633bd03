#!/usr/bin/env node
// `npm run bench`: starts the local runtime (the project and the ceiling worker, both served as `npm start` serves, through Miniflare) and Mosquitto,
// drives them from separate load processes (bench/load/*), prints a Markdown table and writes
// bench/results/latest.json. What each figure means: bench/README.md.
import { fork } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { chartData, chartSvg } from "./lib/chart.mjs";
import { costSummary } from "./lib/cost.mjs";
import { describeMachine } from "./lib/machine.mjs";
import { ensureMosquitto, startMosquitto } from "./lib/mosquitto.mjs";
import { freePort, killAllStartedSync, stopProcess, workerdProcesses, workerdRss } from "./lib/processes.mjs";
import { markdownReport } from "./lib/report.mjs";
import { startCeiling, startCeilingDirect, startProject, startProjectDirect } from "./lib/servers.mjs";
import { settingsFromEnv } from "./lib/settings.mjs";
import { aggregate, median, ratio } from "./lib/stats.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const settings = settingsFromEnv();
const started = Date.now();
const workDir = mkdtempSync(join(tmpdir(), "iot-bench-"));
/** The servers' output of the last run, for a look after a warning (git-ignored: *.log). */
const logDir = join(root, "bench", "results", "logs");
mkdirSync(logDir, { recursive: true });
const log = (message) => process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(3)}s] ${message}\n`);

const results = {
  startedAt: new Date(started).toISOString(),
  finishedAt: null,
  durationS: null,
  complete: false,
  settings,
  machine: describeMachine(root),
  mosquitto: null,
  warnings: [],
  http: {},
  fanout: {},
  pubsub: {},
  memory: {},
  /** The same measurements (a subset: settings.direct) on workerd alone, without the dev tooling. */
  direct: null,
  /** What each operation costs as Cloudflare bills it (workerd alone, COST_METER): requests, WebSocket messages, rows. */
  cost: null,
  summary: {},
};
const warn = (message) => {
  results.warnings.push(message);
  log(`WARNING: ${message}`);
};

// ---------------------------------------------------------------------------------------------------------------
// Load processes: each measurement runs in its own Node process, never in this one or in the server's.

const liveChildren = new Set();
/** Set once the run is being stopped: no load process starts after that. */
let stopping = false;

function forkLoad(script, config) {
  if (stopping) throw new Error("the run is stopping");
  const child = fork(join(root, "bench", "load", script), [JSON.stringify(config)], { stdio: ["ignore", "inherit", "pipe", "ipc"] });
  let stderr = "";
  child.stderr.on("data", (chunk) => (stderr = (stderr + chunk).slice(-2000)));
  liveChildren.add(child);
  child.once("exit", () => liveChildren.delete(child));
  // A message to a process that has just died fails here; its exit is what reports the failure.
  child.on("error", () => {});
  child.stderrTail = () => stderr.trim();
  return child;
}

/** Why a load process ended without the result it was waited for. */
function exitError(script, child, { code, signal, timedOut, timeoutMs }) {
  const how = timedOut ? `timed out after ${timeoutMs} ms` : signal ? `was stopped (${signal})` : `exited with ${code}`;
  return new Error(`${script} ${how}: ${child.stderrTail()}`);
}

/** Runs a load process to its one result message, killing it after `timeoutMs`. */
function runLoad(script, config, timeoutMs) {
  const child = forkLoad(script, config);
  return new Promise((resolve, reject) => {
    let result;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.on("message", (message) => (result = message));
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      if (result) return resolve(result);
      reject(exitError(script, child, { code, signal, timedOut, timeoutMs }));
    });
  });
}

/**
 * A load process kept for many measurements (bench/load/http.mjs): `run(message)` sends one request and waits for
 * its result, killing the process after `timeoutMs` (the next run starts a new one); `close()` lets it exit.
 */
function loadSession(script, config) {
  let child = null;
  let ready = null;
  const start = () => {
    child = forkLoad(script, config);
    const starting = child;
    ready = new Promise((resolve, reject) => {
      starting.once("message", resolve);
      starting.once("exit", (code, signal) =>
        reject(new Error(`${script} exited (${code ?? signal}) before it was ready: ${starting.stderrTail()}`)),
      );
    });
  };
  return {
    async run(message, timeoutMs) {
      if (!child || child.exitCode !== null || child.signalCode !== null) start();
      const current = child;
      await ready;
      return new Promise((resolve, reject) => {
        let timedOut = false;
        const timer = setTimeout(() => {
          timedOut = true;
          current.kill("SIGKILL");
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          current.off("message", onMessage);
          current.off("exit", onExit);
        };
        const onMessage = (result) => {
          done();
          resolve(result);
        };
        const onExit = (code, signal) => {
          done();
          reject(exitError(script, current, { code, signal, timedOut, timeoutMs }));
        };
        current.on("message", onMessage);
        current.once("exit", onExit);
        current.send(message);
      });
    },
    close() {
      if (child?.connected) child.send("exit");
    },
  };
}

/** Runs `measure`, turning a failure into a warning and null, so one broken figure does not lose the others. */
async function attempt(what, measure) {
  try {
    return await measure();
  } catch (error) {
    if (stopping) throw error; // the whole run is ending: nothing more to measure
    warn(`${what} failed: ${error.message}`);
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Servers.

const servers = {};

/** The workerd processes of a server; a change means wrangler restarted the runtime (e.g. a source file changed). */
const workerdPids = (handle) =>
  workerdProcesses(handle)
    .map((p) => p.pid)
    .sort()
    .join(",");
const knownPids = new Map();
/** Warns about every server restarted since the last check; returns their names. */
function checkRestarts(section) {
  const restarted = [];
  for (const [name, handle] of Object.entries(servers)) {
    if (!handle || name === "mosquitto") continue;
    const now = workerdPids(handle);
    if (knownPids.has(name) && knownPids.get(name) !== now) {
      restarted.push(name);
      warn(
        `${section}: the ${name} runtime restarted meanwhile (its workerd processes changed: wrangler reloads when a watched source file changes) — figures taken meanwhile are suspect`,
      );
    }
    knownPids.set(name, now);
  }
  return restarted;
}

const deadline = started + settings.timeLimitS * 1000;
const secondsLeft = () => (deadline - Date.now()) / 1000;
/** Whether about `seconds` are left for `section`; if not, it is skipped with a warning rather than cut off midway. */
function timeFor(section, seconds) {
  if (secondsLeft() >= seconds) return true;
  warn(`${section} skipped: ${Math.round(secondsLeft())} s left of the time limit, it takes about ${seconds} s`);
  return false;
}

async function stopEverything() {
  stopping = true;
  for (const child of liveChildren) child.kill("SIGKILL");
  await Promise.all(
    Object.values(servers)
      .filter(Boolean)
      .map((handle) => stopProcess(handle)),
  );
}

// ---------------------------------------------------------------------------------------------------------------
// 5. Memory per idle connection (first, on fresh runtimes: resident memory hardly ever shrinks once grown).

/** `count` readings of the runtime's RSS, `gapMs` apart: medians of the total and of each workerd process. */
async function rssReading(handle, count, gapMs) {
  const samples = [];
  for (let i = 0; i < count; i++) {
    samples.push(workerdRss(handle));
    if (i < count - 1) await sleep(gapMs);
  }
  return {
    bytes: median(samples.map((r) => r.bytes)),
    proxyBytes: median(samples.map((r) => r.byRole.proxy)),
    workerBytes: median(samples.map((r) => r.byRole.worker)),
  };
}

/** Opens `connections` idle clients, waits, reads the runtime's RSS, closes them: bytes per connection. */
async function measureIdleMemory(name, handle, mode, baseUrl) {
  const { connections, warmupConnections, settleS } = settings.memory;
  const idle = (count, runId) => {
    const child = forkLoad("idle.mjs", { mode, baseUrl, connections: count, runId });
    const next = (event) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => child.kill("SIGKILL"), 240_000);
        const onMessage = (message) => {
          if (message.event !== event) return;
          clearTimeout(timer);
          child.off("exit", onExit);
          resolve(message);
        };
        const onExit = (code, signal) => {
          clearTimeout(timer);
          reject(
            new Error(`idle clients ${signal === "SIGKILL" ? `sent no "${event}" within 240 s` : `exited with ${code}`}: ${child.stderrTail()}`),
          );
        };
        child.on("message", onMessage);
        child.once("exit", onExit);
      });
    return { child, next };
  };
  const warm = idle(warmupConnections, `warm${Date.now() % 1e6}`);
  await warm.next("connected");
  if (warm.child.connected) warm.child.send("close");
  await warm.next("closed");
  await sleep(2000);
  const baseline = await rssReading(handle, 5, 500);

  const held = idle(connections, `m${Date.now() % 1e6}`);
  const connected = await held.next("connected");
  const series = [];
  for (let s = 0; s < settleS; s++) {
    await sleep(1000);
    series.push(workerdRss(handle).bytes);
  }
  const loaded = await rssReading(handle, 5, 500);
  if (held.child.connected) held.child.send("close");
  const closed = await held.next("closed");
  if (closed.droppedBeforeClose > 0)
    warn(`memory (${name}): ${closed.droppedBeforeClose} of ${connections} idle connections were dropped before the end`);
  const perConnection = (key) => Math.round((loaded[key] - baseline[key]) / connections);
  return {
    connections,
    connectMs: connected.connectMs,
    settleS,
    workerdProcesses: workerdRss(handle).processes,
    baselineBytes: baseline.bytes,
    withConnectionsBytes: loaded.bytes,
    perConnectionBytes: perConnection("bytes"),
    /** The same split by process: wrangler's proxy (a `wrangler dev` artefact) and the process running the Worker. */
    perConnectionBytesByProcess: { proxy: perConnection("proxyBytes"), worker: perConnection("workerBytes") },
    rssSeriesDuringSettle: series,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// 1–2. HTTP: the ceiling's routes and the project's signed API calls, same autocannon settings.

const httpScenarios = () => {
  const spread = settings.http.spreadObjects;
  return [
    { key: "noopWorker", target: "ceiling", operation: "noop", objects: 1, label: "no-op Worker route" },
    { key: "noopDoHot", target: "ceiling", operation: "noopDo", objects: 1, label: "no-op Worker → DO RPC, one object" },
    {
      key: "noopDoSpread",
      target: "ceiling",
      operation: "noopDo",
      objects: spread,
      createsObjects: true,
      label: `no-op Worker → DO RPC, ${spread} objects`,
    },
    { key: "writeDoHot", target: "ceiling", operation: "writeDo", objects: 1, label: "Worker → DO RPC writing one SQLite row, one object" },
    {
      key: "writeDoSpread",
      target: "ceiling",
      operation: "writeDo",
      objects: spread,
      createsObjects: true,
      label: `Worker → DO RPC writing one SQLite row, ${spread} objects`,
    },
    { key: "updateHot", target: "project", operation: "update", objects: 1, label: "UpdateThingShadow, one thing" },
    {
      key: "updateSpread",
      target: "project",
      operation: "update",
      objects: spread,
      createsObjects: true,
      label: `UpdateThingShadow, ${spread} things`,
    },
    { key: "getHot", target: "project", operation: "get", objects: 1, label: "GetThingShadow, one thing" },
    { key: "getSpread", target: "project", operation: "get", objects: spread, label: `GetThingShadow, ${spread} things` },
    { key: "publishRetainHot", target: "project", operation: "publish", objects: 1, label: "Publish retain=true QoS 1, one topic" },
    { key: "publishRetainSpread", target: "project", operation: "publish", objects: spread, label: `Publish retain=true QoS 1, ${spread} topics` },
  ];
};

async function measureHttp(urls, out, only) {
  const { connections, durationS, warmupS } = settings.http;
  const scenarios = httpScenarios().filter((s) => !only || only.includes(s.key));
  // One load process per scenario for the whole section: a run costs no process start.
  const sessions = new Map(scenarios.map((s) => [s.key, loadSession("http.mjs", { baseUrl: urls[s.target], scenario: s, connections })]));
  const load = (scenario, extra) => sessions.get(scenario.key).run({ maxSeconds: 60, ...extra }, 90_000);

  // Warm-up, nothing recorded: a scenario whose first request creates an object (a Durable Object, a thing) touches
  // every one of them once; the others (reads of those things, retained topics in 16 shards) run for a moment.
  for (const scenario of scenarios) {
    log(`http warm-up: ${scenario.label}`);
    await attempt(`warm-up ${scenario.key}`, () => load(scenario, scenario.createsObjects ? { amount: scenario.objects } : { durationS: warmupS }));
  }
  checkRestarts("http warm-up");

  // Rounds interleave the scenarios, so slow drift of the shared machine hits all of them alike.
  const runs = Object.fromEntries(scenarios.map((s) => [s.key, []]));
  for (let round = 0; round < settings.runs; round++) {
    for (const scenario of scenarios) {
      // A run during which its runtime restarted is measured again once, while time allows.
      for (let attemptNo = 1; attemptNo <= 2; attemptNo++) {
        log(`http run ${round + 1}/${settings.runs}: ${scenario.label}${attemptNo > 1 ? " (again)" : ""}`);
        const result = await attempt(`http ${scenario.key} run ${round + 1}`, () => load(scenario, { durationS }));
        const restarted = checkRestarts(`http ${scenario.key} run ${round + 1}`).includes(scenario.target);
        if (!restarted || attemptNo === 2 || secondsLeft() < 150) {
          if (result) runs[scenario.key].push(result);
          break;
        }
      }
    }
  }

  for (const session of sessions.values()) session.close();

  for (const scenario of scenarios) {
    const list = runs[scenario.key];
    const non2xx = list.reduce((sum, r) => sum + r.non2xx, 0);
    const errors = list.reduce((sum, r) => sum + r.errors + r.timeouts, 0);
    if (non2xx > 0) {
      const codes = {};
      for (const r of list)
        for (const [code, count] of Object.entries(r.statusCodes)) if (!code.startsWith("2")) codes[code] = (codes[code] ?? 0) + count;
      warn(`http ${scenario.key}: ${non2xx} non-2xx responses (${JSON.stringify(codes)}; 429/400 = throttled?) — req/s counts 2xx only`);
    }
    if (errors > 0) warn(`http ${scenario.key}: ${errors} connection errors or timeouts`);
    const unanswered = list.filter((r) => r.answered === 0).length;
    if (unanswered > 0) warn(`http ${scenario.key}: ${unanswered} of ${list.length} runs got no response at all (runtime hung or restarting?)`);
    out.http[scenario.key] = {
      label: scenario.label,
      target: scenario.target,
      operation: scenario.operation,
      objects: scenario.objects,
      requestsPerSecond: aggregate(list.map((r) => r.requestsPerSecond)),
      p50Ms: aggregate(list.map((r) => r.p50Ms)),
      p99Ms: aggregate(list.map((r) => r.p99Ms)),
      non2xx,
      errors,
    };
  }
  // Ratios to the ceiling: hot against one object, spread against as many objects; a no-op call, and a call that
  // writes one row (the ceiling of a durable operation: an update cannot beat a call that writes nothing).
  const versus = (figure, other) => ({
    requestsPerSecond: ratio(figure.requestsPerSecond.median, other?.requestsPerSecond.median),
    p50Ms: ratio(figure.p50Ms.median, other?.p50Ms.median),
    p99Ms: ratio(figure.p99Ms.median, other?.p99Ms.median),
  });
  for (const scenario of scenarios) {
    if (scenario.target !== "project") continue;
    const figure = out.http[scenario.key];
    const spread = scenario.objects > 1;
    figure.vsNoopDo = versus(figure, out.http[spread ? "noopDoSpread" : "noopDoHot"]);
    figure.vsWriteDo = versus(figure, out.http[spread ? "writeDoSpread" : "writeDoHot"]);
    figure.vsNoopWorker = versus(figure, out.http.noopWorker);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// 3. Fan-out: raw (one ceiling object, plain WebSockets) against ours (shadow update → delta, MQTT over WebSocket).

function summarizeFanout(result) {
  const { reps } = result;
  const missing = reps.reduce((sum, r) => sum + r.latency.missing, 0);
  const burstMissing = reps.reduce((sum, r) => sum + (r.burst.expected - r.burst.delivered), 0);
  return {
    connectMs: result.connectMs,
    payloadBytes: result.payloadBytes,
    latency: {
      p50Ms: aggregate(reps.map((r) => r.latency.p50Ms)),
      p99Ms: aggregate(reps.map((r) => r.latency.p99Ms)),
      missing,
    },
    burst: {
      messagesPerSecond: aggregate(reps.map((r) => r.burst.messagesPerSecond)),
      p50Ms: aggregate(reps.map((r) => r.burst.p50Ms)),
      p99Ms: aggregate(reps.map((r) => r.burst.p99Ms)),
      missing: burstMissing,
    },
    triggerErrors: result.triggerErrors,
    triggerErrorCount: result.triggerErrorCount,
  };
}

const FANOUT_LABELS = {
  raw: "raw (ceiling object → plain WebSockets)",
  mqtt: "shadow update → delta to MQTT subscribers",
  mosquitto: "Mosquitto over WebSocket, the same mqtt.js subscribers (the client library's floor)",
};

/** `mosquittoUrl`: Mosquitto's WebSocket listener, for the same fan-out through it at settings.fanout.mosquittoAt. */
async function measureFanout(urls, out, subscriberCounts, mosquittoUrl = null) {
  const f = settings.fanout;
  for (const n of subscriberCounts) {
    const common = {
      subscribers: n,
      frameBytes: f.frameBytes,
      warmupMessages: f.warmupMessages,
      latency: { messages: f.latencyMessages, intervalMs: f.intervalMs(n) },
      burst: { messages: f.burstMessages(n), concurrency: f.burstConcurrency },
      reps: settings.runs,
      settleTimeoutMs: f.settleTimeoutMs,
    };
    const entry = { subscribers: n, latencyMessages: f.latencyMessages, intervalMs: f.intervalMs(n), burstMessages: f.burstMessages(n) };
    const modes = [["raw", "ceiling"], ["mqtt", "project"], ...(mosquittoUrl && f.mosquittoAt.includes(n) ? [["mosquitto", "mosquitto"]] : [])];
    for (const [mode, target] of modes) {
      let result = null;
      // Once more if the runtime restarted under it (its connections are gone with it), while time allows.
      for (let attemptNo = 1; attemptNo <= 2; attemptNo++) {
        log(`fan-out N=${n}: ${FANOUT_LABELS[mode]}${attemptNo > 1 ? " (again)" : ""}`);
        result = await attempt(`fan-out ${mode} N=${n}`, () =>
          runLoad(
            "fanout.mjs",
            { ...common, mode, baseUrl: urls[target], brokerUrl: mosquittoUrl, runId: `${mode}${n}x${Date.now() % 1e6}` },
            300_000,
          ),
        );
        const restarted = checkRestarts(`fan-out ${mode} N=${n}`).includes(target);
        if (result?.droppedSubscribers)
          warn(`fan-out ${mode} N=${n}: ${result.droppedSubscribers} subscribers lost their connection; the repetitions after it are void`);
        if (!(restarted || result?.droppedSubscribers) || attemptNo === 2 || secondsLeft() < 150) break;
      }
      if (!result) continue;
      entry[mode] = summarizeFanout(result);
      if (entry[mode].latency.missing || entry[mode].burst.missing) {
        warn(`fan-out ${mode} N=${n}: ${entry[mode].latency.missing} latency-phase and ${entry[mode].burst.missing} burst deliveries missing`);
      }
      if (result.triggerErrorCount) warn(`fan-out ${mode} N=${n}: ${result.triggerErrorCount} failed triggers, e.g. ${result.triggerErrors[0]}`);
    }
    if (entry.raw && entry.mqtt) {
      entry.mqttVsRaw = {
        latencyP50: ratio(entry.mqtt.latency.p50Ms.median, entry.raw.latency.p50Ms.median),
        latencyP99: ratio(entry.mqtt.latency.p99Ms.median, entry.raw.latency.p99Ms.median),
        messagesPerSecond: ratio(entry.mqtt.burst.messagesPerSecond.median, entry.raw.burst.messagesPerSecond.median),
      };
    }
    // Mosquitto is measured with the first runtime; the second is compared with the same figures.
    const mosquitto = entry.mosquitto ?? results.fanout[n]?.mosquitto;
    if (entry.mqtt && mosquitto) {
      entry.mqttVsMosquitto = {
        latencyP50: ratio(entry.mqtt.latency.p50Ms.median, mosquitto.latency.p50Ms.median),
        latencyP99: ratio(entry.mqtt.latency.p99Ms.median, mosquitto.latency.p99Ms.median),
        messagesPerSecond: ratio(entry.mqtt.burst.messagesPerSecond.median, mosquitto.burst.messagesPerSecond.median),
      };
    }
    out.fanout[n] = entry;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// 4. MQTT pub/sub: our broker against Mosquitto (WebSocket and TCP), and the runtime's raw relay as its ceiling.

async function measurePubsub(urls, projectHost, mosquittoPorts, out) {
  const p = settings.pubsub;
  const brokers = [
    {
      key: "rawRelay",
      label: "raw relay (ceiling object, plain WebSockets)",
      transport: "WebSocket",
      client: "ws",
      url: urls.ceiling.replace("http:", "ws:"),
    },
    { key: "ours", label: "ours (MQTT over WebSocket)", transport: "WebSocket", client: "mqtt", presignHost: projectHost },
    ...(mosquittoPorts
      ? [
          {
            key: "mosquittoWs",
            label: `Mosquitto ${results.mosquitto.version} (MQTT over WebSocket)`,
            transport: "WebSocket",
            client: "mqtt",
            url: `ws://127.0.0.1:${mosquittoPorts.ws}/mqtt`,
          },
          {
            key: "mosquittoTcp",
            label: `Mosquitto ${results.mosquitto.version} (MQTT over TCP)`,
            transport: "TCP",
            client: "mqtt",
            url: `mqtt://127.0.0.1:${mosquittoPorts.tcp}`,
          },
        ]
      : []),
  ];
  const runs = Object.fromEntries(brokers.map((b) => [b.key, []]));
  for (let round = 0; round < settings.runs; round++) {
    for (const broker of brokers) {
      log(`pub/sub run ${round + 1}/${settings.runs}: ${broker.label}`);
      const { label: _label, transport: _transport, key, ...target } = broker;
      const result = await attempt(`pub/sub ${key} run ${round + 1}`, () =>
        runLoad("pubsub.mjs", { ...p, ...target, broker: key, runId: `${key}${round}x${Date.now() % 1e6}` }, 120_000),
      );
      checkRestarts(`pub/sub ${key} run ${round + 1}`);
      if (!result) continue;
      for (const phase of [result.latency, result.throughput]) {
        if (phase.stalled) warn(`pub/sub ${key} run ${round + 1}: deliveries stalled for ${p.stallMs} ms (window ${phase.window})`);
        if (phase.lostMessages > 0) warn(`pub/sub ${key} run ${round + 1}: ${phase.lostMessages} deliveries lost (window ${phase.window})`);
      }
      if (result.throughput.loadProcessCpuShare >= 0.9) {
        warn(
          `pub/sub ${key} run ${round + 1}: the load process used ${result.throughput.loadProcessCpuShare} of a core — its msg/s is a lower bound set by the client`,
        );
      }
      runs[key].push(result);
    }
  }
  for (const broker of brokers) {
    const list = runs[broker.key];
    out.pubsub[broker.key] = {
      label: broker.label,
      transport: broker.transport,
      subscribers: p.subscribers,
      messageBytes: p.messageBytes,
      latency: {
        p50Ms: aggregate(list.map((r) => r.latency.p50Ms)),
        p99Ms: aggregate(list.map((r) => r.latency.p99Ms)),
        messagesPerSecond: aggregate(list.map((r) => r.latency.messagesPerSecond)),
      },
      throughput: {
        window: p.window,
        messagesPerSecond: aggregate(list.map((r) => r.throughput.messagesPerSecond)),
        loadProcessCpuShare: aggregate(list.map((r) => r.throughput.loadProcessCpuShare)),
        p50Ms: aggregate(list.map((r) => r.throughput.p50Ms)),
        p99Ms: aggregate(list.map((r) => r.throughput.p99Ms)),
      },
    };
  }
  const ours = out.pubsub.ours;
  // Mosquitto is measured once, with the first runtime; the second is compared with the same figures.
  for (const key of new Set([...brokers.map((b) => b.key), ...Object.keys(results.pubsub)])) {
    const other = out.pubsub[key] ?? results.pubsub[key];
    if (key === "ours" || !ours || !other) continue;
    ours[`vs_${key}`] = {
      messagesPerSecond: ratio(ours.throughput.messagesPerSecond.median, other.throughput.messagesPerSecond.median),
      latencyP50: ratio(ours.latency.p50Ms.median, other.latency.p50Ms.median),
      latencyP99: ratio(ours.latency.p99Ms.median, other.latency.p99Ms.median),
    };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// 6. What each operation costs (a project of its own on workerd alone, started with COST_METER=on).

async function measureCost(baseUrl) {
  const c = settings.cost;
  log(`cost of each operation (COST_METER; ${c.reps} runs each, ${c.manySubscribers} subscribers for the large publish)`);
  const raw = await runLoad("cost.mjs", { baseUrl, reps: c.reps, manySubscribers: c.manySubscribers, runId: `c${Date.now() % 1e6}` }, 180_000);
  results.cost = costSummary(raw);
  for (const [key, entry] of Object.entries(results.cost)) {
    if (entry.error) warn(`cost ${key} failed: ${entry.error}`);
    else if (!entry.consistent) warn(`cost ${key}: the runs counted different figures (medians kept)`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Summary.

/** The summary of one runtime's figures (`part`: results itself, or results.direct). */
function summaryOf(part, subscriberCounts) {
  const h = part.http;
  const nullReasons = {};
  const largestN = Math.max(...subscriberCounts);
  const fan1000 = part.fanout[1000];
  const ours = part.pubsub.ours;
  const withReason = (key, value, reason) => {
    if (value === null || value === undefined) nullReasons[key] = reason;
    return value ?? null;
  };
  const summary = {
    noopWorkerRequestsPerSecond: h.noopWorker?.requestsPerSecond.median ?? null,
    noopDoRequestsPerSecond: h.noopDoHot?.requestsPerSecond.median ?? null,
    updateVsNoopDo: h.updateHot?.vsNoopDo.requestsPerSecond ?? null,
    getVsNoopDo: h.getHot?.vsNoopDo.requestsPerSecond ?? null,
    publishRetainVsNoopDo: h.publishRetainHot?.vsNoopDo.requestsPerSecond ?? null,
    writeDoRequestsPerSecond: h.writeDoHot?.requestsPerSecond.median ?? null,
    updateVsWriteDo: h.updateHot?.vsWriteDo.requestsPerSecond ?? null,
    publishRetainVsWriteDo: h.publishRetainHot?.vsWriteDo.requestsPerSecond ?? null,
    updateSpreadVsWriteDoSpread: h.updateSpread?.vsWriteDo.requestsPerSecond ?? null,
    publishRetainSpreadVsWriteDoSpread: h.publishRetainSpread?.vsWriteDo.requestsPerSecond ?? null,
    updateSpreadVsNoopDoSpread: withReason(
      "updateSpreadVsNoopDoSpread",
      h.updateSpread?.vsNoopDo.requestsPerSecond,
      "not measured on this runtime (see settings)",
    ),
    getSpreadVsNoopDoSpread: withReason(
      "getSpreadVsNoopDoSpread",
      h.getSpread?.vsNoopDo.requestsPerSecond,
      "not measured on this runtime (see settings)",
    ),
    fanout1000P99Ms: withReason(
      "fanout1000P99Ms",
      fan1000?.mqtt?.latency.p99Ms.median,
      `no MQTT fan-out measured at N = 1000 (largest N: ${largestN})`,
    ),
    fanout1000VsRaw: withReason("fanout1000VsRaw", fan1000?.mqttVsRaw?.latencyP99, `no fan-out pair measured at N = 1000 (largest N: ${largestN})`),
    rawFanout1000P99Ms: fan1000?.raw?.latency.p99Ms.median ?? null,
    fanout1000MessagesPerSecond: fan1000?.mqtt?.burst.messagesPerSecond.median ?? null,
    fanout1000VsMosquitto: fan1000?.mqttVsMosquitto?.latencyP99 ?? null,
    mqttVsMosquitto: withReason(
      "mqttVsMosquitto",
      ours?.vs_mosquittoWs?.messagesPerSecond,
      !ours
        ? "pub/sub not measured on this runtime (see settings; BENCH_DIRECT_PUBSUB=1 on workerd alone)"
        : results.mosquitto?.available
          ? "Mosquitto was available but its run failed (see warnings)"
          : `Mosquitto unavailable: ${results.mosquitto?.reason}`,
    ),
    mqttVsMosquittoTcp: ours?.vs_mosquittoTcp?.messagesPerSecond ?? null,
    mqttVsRawRelay: ours?.vs_rawRelay?.messagesPerSecond ?? null,
    idleConnectionBytes: part.memory.project?.perConnectionBytes ?? null,
    idleConnectionWorkerProcessBytes: part.memory.project?.perConnectionBytesByProcess.worker ?? null,
    rawIdleConnectionBytes: part.memory.ceiling?.perConnectionBytes ?? null,
  };
  summary.idleConnectionVsRaw = ratio(summary.idleConnectionBytes, summary.rawIdleConnectionBytes);
  if (Object.keys(nullReasons).length) summary.nullReasons = nullReasons;
  return summary;
}

/** The top-level figures are those of `npm start` (Miniflare); `direct` those of workerd alone. */
function summarize() {
  results.summary = summaryOf(results, settings.fanout.subscriberCounts);
  if (results.direct) results.summary.direct = summaryOf(results.direct, settings.direct.subscriberCounts);
  if (results.cost) {
    results.summary.cost = {
      updateBilledRequests: results.cost.updateNoSubscribers?.billedRequests ?? null,
      publishBilledRequests: results.cost.publishNoSubscribers?.billedRequests ?? null,
    };
  }
}

function finish(complete) {
  results.complete = complete;
  results.finishedAt = new Date().toISOString();
  results.durationS = Math.round((Date.now() - started) / 1000);
  results.machine.loadAverageAtEnd = Math.round(loadavg()[0] * 100) / 100;
  summarize();
  const file = join(root, "bench", "results", "latest.json");
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
  // The picture of the same figures, beside them (README's Performance section shows it).
  const m = results.machine;
  writeFileSync(
    join(dirname(file), "latest.svg"),
    chartSvg(chartData(results), {
      title: "Ours ÷ the runtime's ceiling, same run, workerd alone (1 = as fast as the ceiling)",
      subtitle: `npm run bench ${results.startedAt.slice(0, 10)}${results.complete ? "" : " (incomplete)"}, ${m.cores} cores, load ${m.loadAverageAtStart} → ${m.loadAverageAtEnd}, medians of ${settings.runs} runs`,
    }),
  );
  process.stdout.write(`${markdownReport(results)}\n`);
  log(`results written to ${file}`);
}

// ---------------------------------------------------------------------------------------------------------------
// The run.

async function main() {
  log(
    `${settings.quick ? "BENCH_QUICK: short durations, small N" : "full run"}; ${settings.runs} runs per figure; stops after ${settings.timeLimitS} s at most`,
  );
  if (results.machine.loadAverageAtStart > results.machine.cores / 2) {
    warn(`the machine is busy (load average ${results.machine.loadAverageAtStart} on ${results.machine.cores} cores): expect noisy figures`);
  }
  results.mosquitto = ensureMosquitto({ log });
  log(
    results.mosquitto.available
      ? `Mosquitto ${results.mosquitto.version}: ${results.mosquitto.how}`
      : `Mosquitto unavailable: ${results.mosquitto.reason}`,
  );

  const [projectPort, ceilingPort] = [await freePort(), await freePort()];
  const urls = { project: `http://127.0.0.1:${projectPort}`, ceiling: `http://127.0.0.1:${ceilingPort}` };
  const direct = settings.direct.enabled
    ? { project: `http://127.0.0.1:${await freePort()}`, ceiling: `http://127.0.0.1:${await freePort()}` }
    : null;
  log(
    `starting the project and the ceiling worker (npm start: Miniflare${direct ? "; and on workerd alone, bundled by wrangler deploy --dry-run" : ""})…`,
  );
  const common = { root, logDir, readyTimeoutMs: 90_000 };
  mkdirSync(join(workDir, "project-state"));
  mkdirSync(join(workDir, "ceiling-state"));
  const portOf = (url) => Number(new URL(url).port);
  [servers.project, servers.ceiling, servers.projectDirect, servers.ceilingDirect] = await Promise.all([
    startProject({ ...common, port: projectPort, persistDir: join(workDir, "project-state") }),
    startCeiling({ ...common, port: ceilingPort, persistDir: join(workDir, "ceiling-state") }),
    direct && startProjectDirect({ ...common, port: portOf(direct.project), dir: join(workDir, "project-direct") }),
    direct && startCeilingDirect({ ...common, port: portOf(direct.ceiling), dir: join(workDir, "ceiling-direct") }),
  ]);
  // Idle until its turn at the end.
  const costUrl = direct && settings.cost.enabled ? `http://127.0.0.1:${await freePort()}` : null;
  if (costUrl) {
    servers.projectCost = await attempt("starting the metered project", () =>
      startProjectDirect({ ...common, port: portOf(costUrl), dir: join(workDir, "project-cost"), costMeter: true }),
    );
  }
  if (direct) results.direct = { http: {}, fanout: {}, pubsub: {}, memory: {} };
  checkRestarts("start");

  // Memory of every runtime at once (each figure is the RSS of its own processes), while they are all fresh.
  log(
    `memory: ${settings.memory.connections} idle plain WebSockets (one frame each way, then silence) on each ceiling worker, ${settings.memory.connections} idle MQTT clients on each project`,
  );
  const memory = (part, key, handle, mode, url) => {
    const name = `${key}${part === results ? "" : ", workerd alone"}`;
    return attempt(`memory (${name})`, async () => (part.memory[key] = await measureIdleMemory(name, handle, mode, url)));
  };
  await Promise.all([
    memory(results, "ceiling", servers.ceiling, "rawEcho", urls.ceiling),
    memory(results, "project", servers.project, "mqtt", urls.project),
    ...(direct
      ? [
          memory(results.direct, "ceiling", servers.ceilingDirect, "rawEcho", direct.ceiling),
          memory(results.direct, "project", servers.projectDirect, "mqtt", direct.project),
        ]
      : []),
  ]);
  checkRestarts("memory");

  await measureHttp(urls, results, settings.http.scenarios);

  let mosquittoPorts = null;
  if (results.mosquitto.available) {
    mosquittoPorts = { tcp: await freePort(), ws: await freePort() };
    servers.mosquitto = await attempt("starting Mosquitto", () =>
      startMosquitto({ tcpPort: mosquittoPorts.tcp, wsPort: mosquittoPorts.ws, workDir, logDir }),
    );
    if (!servers.mosquitto) mosquittoPorts = null;
  }
  await measureFanout(urls, results, settings.fanout.subscriberCounts, mosquittoPorts && `ws://127.0.0.1:${mosquittoPorts.ws}/mqtt`);
  await measurePubsub(urls, `127.0.0.1:${projectPort}`, mosquittoPorts, results);
  if (!direct) return;

  // The same Workers on workerd alone (settings.direct's subset); npm start's servers and Mosquitto are stopped
  // first, so that nothing else runs beside them.
  for (const key of ["project", "ceiling", "mosquitto"]) {
    if (servers[key]) await stopProcess(servers[key]);
    delete servers[key];
  }
  log("workerd alone:");
  if (timeFor("HTTP on workerd alone", 70)) await measureHttp(direct, results.direct, settings.direct.httpScenarios);
  if (timeFor("fan-out on workerd alone", 60)) await measureFanout(direct, results.direct, settings.direct.subscriberCounts);
  if (settings.direct.pubsub && timeFor("pub/sub on workerd alone", 30)) {
    await measurePubsub(direct, direct.project.slice("http://".length), null, results.direct);
  }
  if (costUrl && servers.projectCost) {
    for (const key of ["projectDirect", "ceilingDirect"]) {
      if (servers[key]) await stopProcess(servers[key]);
      delete servers[key];
    }
    if (timeFor("cost of each operation", 40)) await attempt("cost of each operation", () => measureCost(costUrl));
  }
}

let finished = false;
const watchdog = setTimeout(async () => {
  if (finished) return;
  finished = true;
  warn(`time limit of ${settings.timeLimitS} s reached: stopping everything; the figures so far are kept`);
  await stopEverything();
  finish(false);
  process.exit(1);
}, settings.timeLimitS * 1000);

for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, async () => {
    if (finished) return;
    finished = true;
    warn(`${signal}: stopping everything; the figures so far are kept`);
    await stopEverything();
    finish(false);
    process.exit(signal === "SIGINT" ? 130 : 143);
  });
}
process.on("exit", () => {
  for (const child of liveChildren) child.kill("SIGKILL");
  killAllStartedSync();
  try {
    rmSync(workDir, { recursive: true, force: true, maxRetries: 3 });
  } catch (error) {
    process.stderr.write(`[bench] could not remove ${workDir}: ${error.message}\n`);
  }
});

let failed = null;
try {
  await main();
} catch (error) {
  failed = error;
  if (!stopping) warn(`the run stopped: ${error.stack ?? error}`);
}
if (!finished) {
  finished = true;
  clearTimeout(watchdog);
  log("stopping the servers…");
  await stopEverything();
  finish(failed === null);
  if (failed || results.warnings.length) log(`the servers' output is in ${logDir}`);
  process.exit(failed ? 1 : 0);
}
