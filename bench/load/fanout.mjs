// Load process for one fan-out measurement (forked by bench/run.mjs): N subscribers, then one trigger at a time
// (latency) and a burst of triggers (delivered messages/s). mode "raw": plain WebSockets held by one Durable Object of
// the ceiling worker, triggered by GET /fanout; mode "mqtt": MQTT-over-WebSocket clients subscribed to a thing's
// shadow delta topic, triggered by an UpdateThingShadow with a new desired value (signed as the SDK sends it); mode
// "mosquitto": the same mqtt.js subscribers on Mosquitto (`brokerUrl`), triggered by a QoS 0 publish of a message
// shaped and sized like a delta from one more mqtt.js client — the floor the client library itself sets.
// Every latency runs from the moment the trigger's request is handed to `fetch` to the message's receipt here (one
// clock): the message names its trigger (`seq`); signing happens before, so it is not counted.
import { setTimeout as sleep } from "node:timers/promises";
import { closeWebSocket, connectMany, connectMqtt, connectWebSocket, endMqtt, nowMs, subscribe } from "../lib/clients.mjs";
import { presignedMqttUrl, signedUpdateForFetch } from "../lib/signing.mjs";
import { latencySummary } from "../lib/stats.mjs";

const cfg = JSON.parse(process.argv[2]);
const { mode, baseUrl, brokerUrl, subscribers: n, runId } = cfg;
const host = baseUrl ? new URL(baseUrl).host : undefined;
const target = `bench-fanout-${runId}`;
// Mosquitto gets the same topic without the leading `$` (topics beginning with `$` are the broker's own).
const deltaTopic = `${mode === "mosquitto" ? "" : "$"}aws/things/${target}/shadow/update/delta`;

/** Subscribers whose connection closed during the run (e.g. the runtime restarted): the run is void after one. */
let droppedSubscribers = 0;
let closing = false;

/** The phase being measured: messages whose seq starts with its id count; late ones from earlier phases do not. */
let phase = { id: "none", samples: [], received: 0, lastAt: 0 };
let payloadBytes = 0;
/** seq → when its trigger was sent. */
const sentAt = new Map();

function onMessage(body) {
  const at = nowMs();
  const parsed = JSON.parse(body);
  const { seq } = mode === "raw" ? parsed : parsed.state;
  if (typeof seq !== "string" || !seq.startsWith(`${phase.id}:`)) return;
  payloadBytes = body.length;
  phase.samples.push(at - sentAt.get(seq));
  phase.received++;
  phase.lastAt = at;
}

async function connectSubscribers() {
  if (mode === "raw") {
    return connectMany(n, async () => {
      const ws = await connectWebSocket(`ws://${host}/ws/${target}`);
      ws.on("message", (data) => onMessage(data.toString()));
      ws.once("close", () => closing || droppedSubscribers++);
      return ws;
    });
  }
  const url = mode === "mosquitto" ? brokerUrl : await presignedMqttUrl(host);
  return connectMany(n, async (i) => {
    const client = await connectMqtt(url, `${target}-sub-${i}`);
    client.on("message", (_topic, payload) => onMessage(payload.toString()));
    client.once("close", () => closing || droppedSubscribers++);
    await subscribe(client, deltaTopic, 0);
    return client;
  });
}

/** A trigger ready to send; its message carries `seq` (and `t`, the time it was prepared for, for the curious). */
async function prepareTrigger(t, seq) {
  if (mode === "raw") {
    return { url: `${baseUrl}/fanout/${target}?t=${t}&seq=${encodeURIComponent(seq)}&bytes=${cfg.frameBytes}`, init: {} };
  }
  if (mode === "mosquitto") {
    // What a delta message looks like: {"version":…,"timestamp":…,"state":{…},"metadata":{…}}, about the same size.
    const head = { version: 1, timestamp: Math.floor(t / 1000), state: { t, seq } };
    const unpadded = JSON.stringify({ ...head, metadata: { pad: "" } }).length;
    return { payload: JSON.stringify({ ...head, metadata: { pad: "x".repeat(Math.max(0, cfg.frameBytes - unpadded)) } }) };
  }
  return signedUpdateForFetch(baseUrl, target, { t, seq });
}

const triggerErrors = [];
/** Mode "mosquitto": the publishing client. */
let publisher;
async function send({ url, init, payload }, seq) {
  sentAt.set(seq, nowMs());
  if (payload !== undefined) {
    await new Promise((resolve) =>
      publisher.publish(deltaTopic, payload, { qos: 0 }, (error) => {
        if (error) triggerErrors.push(String(error));
        resolve();
      }),
    );
    return;
  }
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
  while (phase.received < expected && Date.now() < deadline && droppedSubscribers === 0) await sleep(20);
}

/** One trigger every `intervalMs`, all prepared (signed) beforehand. */
async function latencyPhase(id, messages, intervalMs) {
  phase = { id, samples: [], received: 0, lastAt: 0 };
  const planned = nowMs() + 100 + 5 * messages;
  const triggers = await Promise.all(Array.from({ length: messages }, (_, k) => prepareTrigger(planned + k * intervalMs, `${id}:${k}`)));
  const start = nowMs();
  const sends = [];
  for (const [k, trigger] of triggers.entries()) {
    const wait = start + k * intervalMs - nowMs();
    if (wait > 0) await sleep(wait);
    sends.push(send(trigger, `${id}:${k}`));
  }
  await Promise.all(sends);
  const expected = messages * n;
  await waitForDeliveries(expected, cfg.settleTimeoutMs);
  return { ...latencySummary(phase.samples), expected, missing: expected - phase.received };
}

/** `messages` triggers, `concurrency` in flight at a time, each prepared just before it is sent: messages/s delivered. */
async function burstPhase(id, messages, concurrency) {
  phase = { id, samples: [], received: 0, lastAt: 0 };
  const start = nowMs();
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < messages) {
        const seq = `${id}:${next++}`;
        await send(await prepareTrigger(nowMs(), seq), seq);
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
if (mode === "mosquitto") publisher = await connectMqtt(brokerUrl, `${target}-pub`);

await latencyPhase("warm", cfg.warmupMessages, cfg.latency.intervalMs);
await sleep(200);
const reps = [];
for (let rep = 0; rep < cfg.reps && droppedSubscribers === 0; rep++) {
  const latency = await latencyPhase(`lat${rep}`, cfg.latency.messages, cfg.latency.intervalMs);
  await sleep(200);
  const burst = await burstPhase(`burst${rep}`, cfg.burst.messages, cfg.burst.concurrency);
  await sleep(200);
  if (droppedSubscribers > 0) break; // a repetition cut short by lost connections is void
  reps.push({ latency, burst });
}

closing = true;
if (publisher) await endMqtt(publisher);
await connectMany(clients.length, (i) => (mode === "raw" ? closeWebSocket(clients[i]) : endMqtt(clients[i])), 100);
// Exit at once: keep-alive sockets and client timers would otherwise hold the process open.
process.send(
  {
    mode,
    subscribers: n,
    connectMs,
    payloadBytes,
    reps,
    droppedSubscribers,
    triggerErrors: triggerErrors.slice(0, 5),
    triggerErrorCount: triggerErrors.length,
  },
  () => process.exit(0),
);
