/**
 * Calls between objects can fail without the callee being at fault: the object was evicted or reset, the runtime
 * was updated, the network hiccuped. Those errors say so (`retryable`, `overloaded`, Workers RPC error handling);
 * anything else is a bug and is not retried.
 */
export function isRetryable(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const e = error as { retryable?: unknown; overloaded?: unknown };
  return e.retryable === true && e.overloaded !== true;
}

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Delay before the second attempt; doubled each time. */
  baseDelayMs: number;
}

export const INTERACTIVE_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 50 };

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Runs `call`, again after a retryable failure, up to the policy's attempts; the last error is thrown. */
export async function withRetries<T>(
  call: () => Promise<T>,
  policy: RetryPolicy = INTERACTIVE_RETRY,
  delay: (ms: number) => Promise<void> = sleep,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= policy.attempts || !isRetryable(error)) throw error;
      await delay(policy.baseDelayMs * 2 ** (attempt - 1));
    }
  }
}

/** Backoff for work retried later (durable intents): 1 s, 2 s, 4 s … capped at 60 s. */
export function laterDelayMs(attempts: number): number {
  return Math.min(60_000, 1000 * 2 ** Math.min(attempts, 6));
}

/**
 * Like Promise.all, but waits for every promise and rethrows the first failure: no rejection is left unobserved
 * (Promise.all observes only the first one).
 */
export async function allSettledOrThrow<T>(promises: readonly Promise<T>[]): Promise<T[]> {
  const results = await Promise.allSettled(promises);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<T>).value);
}
