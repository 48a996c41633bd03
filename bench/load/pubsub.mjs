// Load process for pub/sub through one broker (forked by bench/run.mjs): S subscribers on one topic and one
// publisher, all mqtt.js, QoS 0, fixed message size — or, for the runtime's ceiling ("raw relay"), plain WebSockets
// to one ceiling Durable Object that relays each publisher frame to its subscribers. Two phases:
//  - latency: one message at a time (the next is published once every subscriber has the previous one);
//  - throughput: up to `window` messages in flight; deliveries per second over the phase.
// Each payload carries its publish time; latency runs from publish to receipt (one process, one clock).
import { setTimeout as sleep } from "node:timers/promises";
import { closeWebSocket, connectMany, connectMqtt, connectWebSocket, endMqtt, nowMs, subscribe } from "../lib/clients.mjs";
import { presignedMqttUrl } from "../lib/signing.mjs";
import { latencySummary } from "../lib/stats.mjs";

const cfg = JSON.parse(process.argv[2]);
const { subscribers: s, messageBytes, runId } = cfg;
const topic = `bench/pubsub/${runId}`;
const url = cfg.presignHost ? await presignedMqttUrl(cfg.presignHost) : cfg.url;

/** Deliveries counted per phase; a message belongs to the phase that published it. */
let phase = { id: 0, samples: [], deliveries: 0, published: 0, measuring: false };
let nextSeq = 0;
let pump = () => {};

function payloadOf(phaseId, seq) {
  const payload = Buffer.alloc(messageBytes);
  payload.writeDoubleLE(nowMs(), 0);
  payload.writeUInt32LE(phaseId, 8);
  payload.writeUInt32LE(seq, 12);
  return payload;
}

function onMessage(payload) {
  const at = nowMs();
  if (payload.length < 16 || payload.readUInt32LE(8) !== phase.id) return;
  phase.deliveries++;
  if (phase.measuring) phase.samples.push(at - payload.readDoubleLE(0));
  pump();
}

/** One kind of client: connect a subscriber or the publisher, publish, close. */
const clientKinds = {
  mqtt: {
    async subscriber(i) {
      const client = await connectMqtt(url, `bench-ps-${runId}-sub-${i}`);
      client.on("message", (_topic, payload) => onMessage(payload));
      await subscribe(client, topic, 0);
      return client;
    },
    publisher: () => connectMqtt(url, `bench-ps-${runId}-pub`),
    publish: (client, payload) => client.publish(topic, payload, { qos: 0 }),
    close: endMqtt,
  },
  ws: {
    async subscriber() {
      const ws = await connectWebSocket(`${url}/ws/relay-${runId}`);
      ws.on("message", (data) => onMessage(data));
      return ws;
    },
    publisher: () => connectWebSocket(`${url}/ws/relay-${runId}?role=pub`),
    publish: (ws, payload) => ws.send(payload),
    close: closeWebSocket,
  },
};
const kind = clientKinds[cfg.client];

const connectStart = nowMs();
const subs = await connectMany(s, (i) => kind.subscriber(i));
const publisher = await kind.publisher();
const connectMs = Math.round(nowMs() - connectStart);

/**
 * Publishes while fewer than `window` messages are still owed to some subscriber, for `warmupS` unmeasured then
 * `durationS` measured seconds. A phase whose deliveries stop for `stallMs` ends early and says so.
 */
async function runPhase(window, warmupS, durationS) {
  phase = { id: phase.id + 1, samples: [], deliveries: 0, published: 0, measuring: false };
  const current = phase;
  let stopped = false;
  let scheduled = false;
  pump = () => {
    if (stopped || scheduled) return;
    scheduled = true;
    setImmediate(() => {
      scheduled = false;
      while (!stopped && current.published * s - current.deliveries < window * s) {
        kind.publish(publisher, payloadOf(current.id, nextSeq++));
        current.published++;
      }
    });
  };
  pump();
  await sleep(warmupS * 1000);
  const startDeliveries = current.deliveries;
  const startPublished = current.published;
  const startCpu = process.cpuUsage();
  const start = nowMs();
  current.measuring = true;
  let stalled = false;
  let lastDeliveries = current.deliveries;
  let lastProgress = nowMs();
  while (nowMs() - start < durationS * 1000) {
    await sleep(50);
    if (current.deliveries !== lastDeliveries) {
      lastDeliveries = current.deliveries;
      lastProgress = nowMs();
    } else if (nowMs() - lastProgress > cfg.stallMs) {
      stalled = true;
      break;
    }
  }
  current.measuring = false;
  stopped = true;
  const elapsedS = (nowMs() - start) / 1000;
  const cpu = process.cpuUsage(startCpu);
  const result = {
    window,
    messagesPerSecond: Math.round(((current.deliveries - startDeliveries) / elapsedS) * 10) / 10,
    publishedPerSecond: Math.round(((current.published - startPublished) / elapsedS) * 10) / 10,
    ...latencySummary(current.samples),
    stalled,
    /** CPU time of this load process ÷ wall time: near 1 means the client, not the broker, set the pace. */
    loadProcessCpuShare: Math.round(((cpu.user + cpu.system) / 1e6 / elapsedS) * 100) / 100,
  };
  // Let the messages still in flight arrive before the next phase, so they do not count against it.
  const drainDeadline = Date.now() + cfg.stallMs;
  while (current.deliveries < current.published * s && Date.now() < drainDeadline) await sleep(20);
  result.lostMessages = current.published * s - current.deliveries;
  return result;
}

const latency = await runPhase(1, cfg.warmupS, cfg.latencyS);
const throughput = await runPhase(cfg.window, cfg.warmupS / 2, cfg.throughputS);
await Promise.all([...subs, publisher].map(kind.close));
// Exit at once: keep-alive sockets and client timers would otherwise hold the process open.
process.send({ broker: cfg.broker, subscribers: s, messageBytes, connectMs, latency, throughput }, () => process.exit(0));
