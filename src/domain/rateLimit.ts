/**
 * Token bucket: up to `capacity` requests at once, refilled at `ratePerSecond`. Held in memory by the one
 * object that serializes the counted requests (a thing's Durable Object), so it is consistent without storage;
 * an evicted object starts with a full bucket, which only ever errs towards serving.
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly capacity = ratePerSecond,
    now = Date.now(),
  ) {
    this.tokens = capacity;
    this.updatedAt = now;
  }

  /** Takes one token if there is one. */
  take(now = Date.now()): boolean {
    const elapsed = Math.max(0, now - this.updatedAt) / 1000;
    this.tokens = Math.min(this.capacity, this.tokens + elapsed * this.ratePerSecond);
    this.updatedAt = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/** AWS IoT Device Shadow default: requests per second per thing (shadow-semantics.md §8; configurable). */
export const DEFAULT_THING_REQUESTS_PER_SECOND = 20;

export function parseRate(raw: string | undefined, fallback: number): number {
  const value = raw === undefined ? NaN : Number(raw);
  return Number.isFinite(value) && value > 0 ? value : fallback;
}
