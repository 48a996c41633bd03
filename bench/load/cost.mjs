// Load process for the cost of each operation (forked by bench/run.mjs) against a project started with COST_METER=on
// (src/metering): for each operation, the meter is zeroed, the operation runs once (with its subscribers connected
// beforehand), the process waits until every expected message has arrived and the counters stop moving, and reads
// GET /_bench/cost: Durable Object requests, incoming WebSocket messages, rows read and written, by object class.
// Each operation runs once unmeasured (objects and tables exist, caches are warm: the steady state), then `reps` times.
import { setTimeout as sleep } from "node:timers/promises";
import { connectMany, connectMqtt, endMqtt, subscribe } from "../lib/clients.mjs";
import { presignedMqttUrl, signedForFetch } from "../lib/signing.mjs";

const { baseUrl, reps, manySubscribers, runId } = JSON.parse(process.argv[2]);
const host = new URL(baseUrl).host;
const name = (what) => `cost-${what}-${runId}`;

async function readCost(reset) {
  const response = await fetch(`${baseUrl}/_bench/cost${reset ? "?reset=1" : ""}`);
  if (!response.ok) throw new Error(`GET /_bench/cost: ${response.status} (is the project running with COST_METER=on?)`);
  return response.json();
}

/** The counters once they stopped moving (notifications leave after the response): two equal readings 150 ms apart. */
async function settledCost() {
  let last = JSON.stringify(await readCost(false));
  for (let i = 0; i < 20; i++) {
    await sleep(150);
    const now = JSON.stringify(await readCost(false));
    if (now === last) break;
    last = now;
  }
  return readCost(true);
}

async function signedFetch(operation, args) {
  const { url, init } = await signedForFetch(baseUrl, operation, args);
  const response = await fetch(url, init);
  const body = await response.text();
  if (!response.ok) throw new Error(`${operation} ${JSON.stringify(args)}: ${response.status} ${body.slice(0, 200)}`);
}

/** Resolves once `count` messages have arrived on `clients` (each client's "message" events). */
function arrivals(clients, count, timeoutMs = 10_000) {
  return new Promise((resolve, reject) => {
    let seen = 0;
    const timer = setTimeout(() => reject(new Error(`only ${seen} of ${count} messages arrived`)), timeoutMs);
    const onMessage = () => {
      if (++seen < count) return;
      clearTimeout(timer);
      for (const c of clients) c.off("message", onMessage);
      resolve();
    };
    for (const c of clients) c.on("message", onMessage);
  });
}

async function subscribers(count, topic, qos, prefix) {
  const url = await presignedMqttUrl(host);
  return connectMany(count, async (i) => {
    const client = await connectMqtt(url, `${prefix}-${i}`);
    await subscribe(client, topic, qos);
    return client;
  });
}

let sequence = 0;
const operations = [
  {
    key: "updateNoSubscribers",
    label: "UpdateThingShadow, nobody subscribed",
    run: () => signedFetch("update", { thingName: name("quiet"), desired: { n: ++sequence } }),
  },
  {
    key: "updateOneSubscriber",
    label: "UpdateThingShadow, one MQTT subscriber to its delta",
    setup: async (state) => (state.clients = await subscribers(1, `$aws/things/${name("watched")}/shadow/update/delta`, 0, name("watcher"))),
    run: async (state) => {
      const delivered = arrivals(state.clients, 1);
      await signedFetch("update", { thingName: name("watched"), desired: { n: ++sequence } });
      await delivered;
    },
  },
  { key: "getShadow", label: "GetThingShadow", run: () => signedFetch("get", { thingName: name("quiet") }) },
  {
    key: "publishNoSubscribers",
    label: "Publish (HTTP) QoS 1, nobody subscribed",
    run: () => signedFetch("publish", { topic: `bench/cost/${runId}/none`, qos: 1, payload: { n: ++sequence } }),
  },
  {
    key: "publishRetained",
    label: "Publish (HTTP) QoS 1 retain=true, nobody subscribed",
    run: () => signedFetch("publish", { topic: `bench/cost/${runId}/retained`, qos: 1, retain: true, payload: { n: ++sequence } }),
  },
  {
    key: "publishOneSubscriber",
    label: "Publish (HTTP) QoS 1, one MQTT subscriber",
    setup: async (state) => (state.clients = await subscribers(1, `bench/cost/${runId}/one`, 0, name("one"))),
    run: async (state) => {
      const delivered = arrivals(state.clients, 1);
      await signedFetch("publish", { topic: `bench/cost/${runId}/one`, qos: 1, payload: { n: ++sequence } });
      await delivered;
    },
  },
  {
    key: "publishManySubscribers",
    label: `Publish (HTTP) QoS 1, ${manySubscribers} MQTT subscribers`,
    setup: async (state) => (state.clients = await subscribers(manySubscribers, `bench/cost/${runId}/many`, 0, name("many"))),
    run: async (state) => {
      const delivered = arrivals(state.clients, manySubscribers, 30_000);
      await signedFetch("publish", { topic: `bench/cost/${runId}/many`, qos: 1, payload: { n: ++sequence } });
      await delivered;
    },
  },
  {
    key: "mqttQos1Delivery",
    label: "MQTT PUBLISH QoS 1 → one QoS 1 subscriber (PUBACKs included)",
    setup: async (state) => {
      state.clients = await subscribers(1, `bench/cost/${runId}/qos1`, 1, name("qos1sub"));
      state.publisher = await connectMqtt(await presignedMqttUrl(host), name("qos1pub"));
    },
    run: async (state) => {
      const delivered = arrivals(state.clients, 1);
      await new Promise((resolve, reject) =>
        state.publisher.publish(`bench/cost/${runId}/qos1`, JSON.stringify({ n: ++sequence }), { qos: 1 }, (e) => (e ? reject(e) : resolve())),
      );
      await delivered;
    },
    teardown: (state) => endMqtt(state.publisher),
  },
];

async function measure() {
  const results = {};
  for (const op of operations) {
    const state = {};
    try {
      if (op.setup) await op.setup(state);
      await op.run(state); // unmeasured: the steady state is what is counted
      await settledCost();
      const runs = [];
      for (let i = 0; i < reps; i++) {
        await op.run(state);
        runs.push(await settledCost());
      }
      results[op.key] = { label: op.label, runs };
    } catch (error) {
      results[op.key] = { label: op.label, error: error.message };
    } finally {
      if (op.teardown) await op.teardown(state).catch(() => {});
      await Promise.all((state.clients ?? []).map((c) => endMqtt(c)));
    }
  }
  return results;
}

process.send(await measure());
process.exit(0);
