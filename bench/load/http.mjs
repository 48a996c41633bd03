// Load process for one HTTP scenario (forked once per scenario by bench/run.mjs and kept for the whole section, so
// that a run costs no process start): for each `{ durationS }` or `{ amount }` message, autocannon against one
// route with requests signed just before (a signature stays valid 5 minutes), then one JSON result back over IPC.
// `durationS` runs for that long; `amount` instead sends that many requests (a warm-up pass over every object), for
// at most `maxSeconds` (requests lost with a restarting runtime would otherwise be waited for without end).
import autocannon from "autocannon";
import { signedRequests } from "../lib/signing.mjs";

const { baseUrl, scenario, connections } = JSON.parse(process.argv[2]);
const names = Array.from({ length: scenario.objects }, (_, i) => (scenario.objects === 1 ? "bench-hot" : `bench-${i}`));

/** The request sequence: one request per object (a thing, a topic, a ceiling Durable Object). */
async function requestsOf() {
  switch (scenario.operation) {
    case "noop":
      return [{ method: "GET", path: "/noop" }];
    case "noopDo":
      return names.map((name) => ({ method: "GET", path: `/do/${name}` }));
    case "writeDo":
      return names.map((name) => ({ method: "GET", path: `/write/${name}` }));
    default:
      return signedRequests(baseUrl, scenario.operation, names);
  }
}

async function measure({ durationS, amount, maxSeconds = 60 }) {
  const requests = await requestsOf();
  let nextClient = 0;
  const run = autocannon({
    url: baseUrl,
    connections,
    ...(amount ? { amount } : { duration: durationS }),
    requests,
    // Each connection starts at a different object, so the load is spread over all of them from the first second.
    setupClient(client) {
      const offset = Math.floor((nextClient++ * requests.length) / connections) % requests.length;
      client.setRequests([...requests.slice(offset), ...requests.slice(0, offset)]);
    },
  });
  const guard = setTimeout(() => run.stop(), maxSeconds * 1000);
  const result = await run;
  clearTimeout(guard);

  const ok = result["2xx"];
  const answered = result.requests.total > 0;
  return {
    requestsPerSecond: Math.round((ok / result.duration) * 10) / 10,
    // No answer at all within the run: there is no latency to report (autocannon would say 0).
    p50Ms: answered ? result.latency.p50 : null,
    p99Ms: answered ? result.latency.p99 : null,
    answered: result.requests.total,
    sent: result.requests.sent,
    ok,
    non2xx: result.non2xx,
    statusCodes: Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count])),
    errors: result.errors,
    timeouts: result.timeouts,
    durationS: result.duration,
  };
}

process.on("message", async (message) => {
  // "exit", or the orchestrator gone: leave at once (keep-alive sockets and timers would hold the process open).
  if (message === "exit") process.exit(0);
  process.send(await measure(message));
});
process.on("disconnect", () => process.exit(0));
process.send({ ready: true });
