// Load process for one fan-out measurement (forked by bench/run.mjs): N subscribers, then one trigger at a time
// (latency) and a burst of triggers (delivered messages/s). mode "raw": plain WebSockets held by one Durable Object of
// the ceiling worker, triggered by GET /fanout; mode "mqtt": MQTT-over-WebSocket clients subscribed to a thing's
// shadow delta topic, triggered by an UpdateThingShadow with a new desired value (signed as the SDK sends it).
// Every latency runs from the trigger's send time, carried in the message, to its receipt here (one clock).
import { setTimeout as sleep } from "node:timers/promises";
import { latencySummary } from "../lib/stats.mjs";
import { closeWebSocket, connectMany, connectMqtt, connectWebSocket, endMqtt, nowMs, subscribe } from "../lib/clients.mjs";
import { presignedMqttUrl, signedUpdateForFetch } from "../lib/signing.mjs";

const cfg = JSON.parse(process.argv[2]);
const { mode, baseUrl, subscribers: n, runId } = cfg;
const host = new URL(baseUrl).host;
const target = `bench-fanout-${runId}`;
const deltaTopic = `$aws/things/${target}/shadow/update/delta`;

/** The phase being measured: messages whose seq starts with its id count; late ones from earlier phases do not. */
let phase = { id: "none", samples: [], received: 0, lastAt: 0 };
let payloadBytes = 0;

function onMessage(body) {
  const at = nowMs();
  const parsed = JSON.parse(body);
  const { t, seq } = mode === "mqtt" ? parsed.state : parsed;
  if (typeof seq !== "string" || !seq.startsWith(`${phase.id}:`)) return;
  payloadBytes = body.length;
  phase.samples.push(at - t);
  phase.received++;
  phase.lastAt = at;
}

async function connectSubscribers() {
  if (mode === "raw") {
    return connectMany(n, async () => {
      const ws = await connectWebSocket(`ws://${host}/ws/${target}`);
      ws.on("message", (data) => onMessage(data.toString()));
      return ws;
    });
  }
  const url = await presignedMqttUrl(host);
  return connectMany(n, async (i) => {
    const client = await connectMqtt(url, `${target}-sub-${i}`);
    client.on("message", (_topic, payload) => onMessage(payload.toString()));
    await subscribe(client, deltaTopic, 0);
    return client;
  });
}

/** A trigger ready to send: its message says it was sent at `t`. */
async function prepareTrigger(t, seq) {
  if (mode === "raw") {
    return { url: `${baseUrl}/fanout/${target}?t=${t}&seq=${encodeURIComponent(seq)}&bytes=${cfg.frameBytes}`, init: {} };
  }
  return signedUpdateForFetch(baseUrl, target, { t, seq });
}

const triggerErrors = [];
async function send({ url, init }) {
  try {
    const response = await fetch(url, init);
    const text = await response.text();
    if (!response.ok) triggerErrors.push(`${response.status} ${text.slice(0, 200)}`);
  } catch (error) {
    triggerErrors.push(String(error));
  }
}

async function waitForDeliveries(expected, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (phase.received < expected && Date.now() < deadline) await sleep(20);
}

/** One trigger every `intervalMs`, each signed beforehand with its scheduled send time. */
async function latencyPhase(id, messages, intervalMs) {
  phase = { id, samples: [], received: 0, lastAt: 0 };
  const start = nowMs() + 20 + messages; // time to prepare the triggers
  const triggers = await Promise.all(Array.from({ length: messages }, (_, k) => prepareTrigger(start + k * intervalMs, `${id}:${k}`)));
  const sends = [];
  for (const [k, trigger] of triggers.entries()) {
    const wait = start + k * intervalMs - nowMs();
    if (wait > 0) await sleep(wait);
    sends.push(send(trigger));
  }
  await Promise.all(sends);
  const expected = messages * n;
  await waitForDeliveries(expected, cfg.settleTimeoutMs);
  return { ...latencySummary(phase.samples), expected, missing: expected - phase.received };
}

/** `messages` triggers, `concurrency` in flight at a time, each stamped when it is prepared: messages/s delivered. */
async function burstPhase(id, messages, concurrency) {
  phase = { id, samples: [], received: 0, lastAt: 0 };
  const start = nowMs();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < messages) {
        const k = next++;
        await send(await prepareTrigger(nowMs(), `${id}:${k}`));
      }
    }),
  );
  const expected = messages * n;
  await waitForDeliveries(expected, cfg.settleTimeoutMs);
  const elapsedMs = (phase.lastAt || nowMs()) - start;
  return {
    messagesPerSecond: Math.round((phase.received / elapsedMs) * 1000 * 10) / 10,
    delivered: phase.received,
    expected,
    elapsedMs: Math.round(elapsedMs),
    ...latencySummary(phase.samples),
  };
}

const connectStart = nowMs();
const clients = await connectSubscribers();
const connectMs = Math.round(nowMs() - connectStart);

await latencyPhase("warm", cfg.warmupMessages, cfg.latency.intervalMs);
await sleep(200);
const reps = [];
for (let rep = 0; rep < cfg.reps; rep++) {
  const latency = await latencyPhase(`lat${rep}`, cfg.latency.messages, cfg.latency.intervalMs);
  await sleep(200);
  const burst = await burstPhase(`burst${rep}`, cfg.burst.messages, cfg.burst.concurrency);
  await sleep(200);
  reps.push({ latency, burst });
}

await connectMany(clients.length, (i) => (mode === "raw" ? closeWebSocket(clients[i]) : endMqtt(clients[i])), 100);
process.send({ mode, subscribers: n, connectMs, payloadBytes, reps, triggerErrors: triggerErrors.slice(0, 5), triggerErrorCount: triggerErrors.length });
process.disconnect();
