// What one `npm run bench` measures and for how long, from the environment (bench/README.md lists the variables).

const number = (value, fallback) => (value === undefined || value === "" ? fallback : Number(value));
const numbers = (value, fallback) => (value ? value.split(",").map(Number) : fallback);

export function settingsFromEnv(env = process.env) {
  const quick = env.BENCH_QUICK === "1";
  return {
    quick,
    /** Measured runs of every figure; each figure is the median of these, with min, max and spread. */
    runs: number(env.BENCH_RUNS, quick ? 2 : 3),
    /** The whole run is stopped (everything it started with it) after this many seconds. */
    timeLimitS: number(env.BENCH_TIME_LIMIT_S, 595),
    http: {
      /** Concurrent connections of autocannon, the same for every HTTP scenario, ceiling included. */
      connections: number(env.BENCH_CONNECTIONS, 16),
      durationS: number(env.BENCH_HTTP_SECONDS, 2),
      warmupS: 1,
      /** The scenarios measured on wrangler dev: the ceiling and one hot object (the spread ones on workerd alone). */
      scenarios: ["noopWorker", "noopDoHot", "writeDoHot", "updateHot", "getHot", "publishRetainHot"],
      /** Things (and ceiling objects, and topics) the "spread" scenarios cycle through. */
      spreadObjects: number(env.BENCH_SPREAD_OBJECTS, quick ? 100 : 1000),
    },
    fanout: {
      subscriberCounts: numbers(env.BENCH_FANOUT_N, quick ? [10, 100] : [100, 1000]),
      warmupMessages: 3,
      latencyMessages: quick ? 10 : 16,
      /** Gap between two triggers of the latency phase: long enough for one fan-out to finish before the next. */
      intervalMs: (n) => Math.max(100, Math.min(500, Math.round(n / 4))),
      /** Triggers of the throughput burst: about `burstDeliveries` deliveries whatever N is. */
      burstMessages: (n) => Math.max(5, Math.min(100, Math.ceil((quick ? 2000 : 5000) / n))),
      burstConcurrency: 4,
      /** N at which the same fan-out also runs through Mosquitto (same mqtt.js subscribers; the client's floor). */
      mosquittoAt: quick ? [100] : [1000],
      /** Raw fan-out frame size: about what one shadow delta message weighs (its size is reported beside). */
      frameBytes: 160,
      /** How long a phase waits for its last deliveries; later ones count as missing. */
      settleTimeoutMs: 10_000,
    },
    pubsub: {
      subscribers: number(env.BENCH_PUBSUB_SUBSCRIBERS, quick ? 3 : 10),
      messageBytes: 256,
      /** Messages in flight during the throughput phase. */
      window: 32,
      /** Unmeasured publishing before the latency phase (the throughput phase gets half of it). */
      warmupS: 0.5,
      latencyS: 1,
      throughputS: 2,
      stallMs: 5000,
    },
    /**
     * The second runtime, workerd alone (bench/lib/direct.mjs), after wrangler dev's: every HTTP scenario, fan-out at
     * the largest N, and memory (measured with wrangler dev's, at the start).
     */
    direct: {
      enabled: env.BENCH_DIRECT !== "0",
      /** HTTP scenarios (null: every one, the spread ones too — under wrangler dev creating 1,000 objects alone takes a minute). */
      httpScenarios: null,
      subscriberCounts: numbers(env.BENCH_DIRECT_FANOUT_N, quick ? [100] : [1000]),
      /** Pub/sub on workerd alone too (against the raw relay; Mosquitto's figures come from the first half). */
      pubsub: env.BENCH_DIRECT_PUBSUB !== "0",
    },
    /** The cost of each operation (COST_METER, on workerd alone): runs per operation, subscribers of the large publish. */
    cost: {
      enabled: env.BENCH_COST !== "0",
      reps: 3,
      manySubscribers: number(env.BENCH_COST_SUBSCRIBERS, quick ? 100 : 1000),
    },
    memory: {
      connections: number(env.BENCH_IDLE_CONNECTIONS, quick ? 100 : 1000),
      /** Connections opened and closed first, so objects and code paths exist before the baseline is read. */
      warmupConnections: 10,
      /** Time the connections are left idle before the runtime's memory is read. */
      settleS: quick ? 5 : 6,
    },
  };
}
