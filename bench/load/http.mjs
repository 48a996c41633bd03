// Load process for one HTTP scenario (forked by bench/run.mjs): autocannon against one route, requests signed
// beforehand (fresh per run; a signature stays valid 5 minutes), then one JSON result back over IPC.
import autocannon from "autocannon";
import { signedRequests } from "../lib/signing.mjs";

const { baseUrl, scenario, connections, durationS } = JSON.parse(process.argv[2]);
const names = Array.from({ length: scenario.objects }, (_, i) => (scenario.objects === 1 ? "bench-hot" : `bench-${i}`));

/** The request sequence: one request per object (a thing, a topic, a ceiling Durable Object). */
async function requestsOf() {
  switch (scenario.operation) {
    case "noop":
      return [{ method: "GET", path: "/noop" }];
    case "noopDo":
      return names.map((name) => ({ method: "GET", path: `/do/${name}` }));
    default:
      return signedRequests(baseUrl, scenario.operation, names);
  }
}

const requests = await requestsOf();
let nextClient = 0;
const result = await autocannon({
  url: baseUrl,
  connections,
  duration: durationS,
  requests,
  // Each connection starts at a different object, so the load is spread over all of them from the first second.
  setupClient(client) {
    const offset = Math.floor((nextClient++ * requests.length) / connections) % requests.length;
    client.setRequests([...requests.slice(offset), ...requests.slice(0, offset)]);
  },
});

const ok = result["2xx"];
process.send({
  requestsPerSecond: Math.round((ok / result.duration) * 10) / 10,
  p50Ms: result.latency.p50,
  p99Ms: result.latency.p99,
  ok,
  non2xx: result.non2xx,
  statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count])),
  errors: result.errors,
  timeouts: result.timeouts,
  durationS: result.duration,
});
process.disconnect();
