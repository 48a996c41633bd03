// Load process of the memory soak (bench/soak.mjs): steady traffic at a fixed rate against one server for a fixed
// time, the same for every server compared — signed UpdateThingShadow and GetThingShadow over `things` things, MQTT
// subscribers to those things' delta topics, an MQTT publisher at a fixed rate (QoS 1) to a topic they also
// subscribe to, and connection churn (one subscriber closed and reconnected at every churn tick). Reports what it
// sent and what failed; the orchestrator reads the server's memory meanwhile.
import { setTimeout as sleep } from "node:timers/promises";
import { connectMany, connectMqtt, endMqtt, subscribe } from "../lib/clients.mjs";
import { presignedMqttUrl, signedForFetch } from "../lib/signing.mjs";

const { baseUrl, seconds, httpPerSecond, things, subscribers, publishesPerSecond, churnEveryS, runId } = JSON.parse(process.argv[2]);
const host = new URL(baseUrl).host;
const thingName = (i) => `soak-${runId}-${i % things}`;
const counts = { http: 0, httpFailed: 0, httpSkipped: 0, published: 0, publishSkipped: 0, received: 0, reconnects: 0, errors: [] };
/**
 * Requests in flight at most: a tick that finds this many still waiting is skipped (and counted), so a server slower
 * than the offered rate sees a bounded queue — open connections and pending requests do not pile up in it, which
 * would measure the load generator, not the server.
 */
const MAX_IN_FLIGHT = 16;
let inFlight = 0;
let publishing = 0;
let churning = false;
const fail = (what, error) => {
  if (counts.errors.length < 10) counts.errors.push(`${what}: ${error.message ?? error}`);
};

async function connectSubscriber(i) {
  const client = await connectMqtt(await presignedMqttUrl(host), `soak-${runId}-sub-${i}`);
  client.on("message", () => counts.received++);
  await subscribe(client, `$aws/things/${thingName(i)}/shadow/update/delta`, 0);
  await subscribe(client, `soak/${runId}/news`, 1);
  return client;
}

const clients = await connectMany(subscribers, connectSubscriber, 10);
const publisher = await connectMqtt(await presignedMqttUrl(host), `soak-${runId}-pub`);
const end = Date.now() + seconds * 1000;
let sequence = 0;

async function httpTick() {
  if (inFlight >= MAX_IN_FLIGHT) {
    counts.httpSkipped++;
    return;
  }
  inFlight++;
  const i = sequence++;
  const operation = i % 2 ? "get" : "update";
  try {
    const { url, init } = await signedForFetch(baseUrl, operation, { thingName: thingName(i >> 1), desired: { n: i } });
    const response = await fetch(url, init);
    await response.arrayBuffer();
    counts.http++;
    if (!response.ok && response.status !== 404) counts.httpFailed++;
  } catch (error) {
    counts.httpFailed++;
    fail("http", error);
  } finally {
    inFlight--;
  }
}

async function every(periodMs, work) {
  let next = Date.now();
  while (Date.now() < end) {
    work().catch((error) => fail("tick", error));
    next += periodMs;
    const wait = next - Date.now();
    if (wait > 0) await sleep(wait);
  }
}

await Promise.all([
  every(1000 / httpPerSecond, httpTick),
  every(1000 / publishesPerSecond, async () => {
    if (publishing >= MAX_IN_FLIGHT) {
      counts.publishSkipped++;
      return;
    }
    publishing++;
    try {
      await publisher.publishAsync(`soak/${runId}/news`, JSON.stringify({ n: sequence }), { qos: 1 });
      counts.published++;
    } finally {
      publishing--;
    }
  }),
  every(churnEveryS * 1000, async () => {
    if (churning) return;
    churning = true;
    try {
      const i = counts.reconnects % subscribers;
      await endMqtt(clients[i]);
      clients[i] = await connectSubscriber(i);
      counts.reconnects++;
    } finally {
      churning = false;
    }
  }),
]);
// The counts first: closing may not finish against a server in trouble, and then the process is stopped anyway.
process.send(counts, () => {
  for (const c of [...clients, publisher]) c.end(true);
  process.exit(0);
});
