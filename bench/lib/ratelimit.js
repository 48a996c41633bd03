// The rate-limit binding for the benchmark's direct workerd runtime (bench/lib/direct.mjs): a fixed-window counter
// per key kept in the isolate's memory, as Cloudflare's limiter keeps one per location. Loaded by workerd as the
// internal module of a wrapped binding; `env` holds the wrangler.toml limit and period.

class FixedWindowLimiter {
  /** @param {number} limit @param {number} period */
  constructor(limit, period) {
    this.max = limit;
    this.periodMs = period * 1000;
    /** @type {Map<string, { window: number, count: number }>} */
    this.counters = new Map();
  }

  /** @param {{ key?: string }} [options] */
  async limit({ key = "" } = {}) {
    const window = Math.floor(Date.now() / this.periodMs);
    let counter = this.counters.get(key);
    if (!counter || counter.window !== window) {
      counter = { window, count: 0 };
      this.counters.set(key, counter);
    }
    counter.count++;
    return { success: counter.count <= this.max };
  }
}

/** @param {{ limit: number, period: number }} env */
export default function makeBinding(env) {
  return new FixedWindowLimiter(env.limit, env.period);
}
