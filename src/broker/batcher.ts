interface Lane<T> {
  pending: T[];
  pendingBytes: number;
  waiters: { count: number; resolve: () => void; reject: (error: unknown) => void }[];
  running: boolean;
}

export interface BatcherOptions<T> {
  /** Size of an item in bytes, for the cap on one call. */
  sizeOf?: (item: T) => number;
  /** A call carries at most this many bytes (at least one item): well below the RPC message limit. */
  maxBatchBytes?: number;
}

/** 1 MiB: Workers RPC messages may be larger (32 MiB), but a batch this size is already hundreds of messages. */
export const MAX_BATCH_BYTES = 1 << 20;

/**
 * Ordered, coalescing calls to other objects. Items sent on one lane (one destination) leave in the order they were
 * sent: while a call is in flight on a lane, later items wait and go together in the next call (up to the byte cap).
 * So the order holds without waiting for each call in turn, and a busy destination gets batches instead of a call per
 * item. A failed call fails the sends it carried; the lane goes on with the next items.
 */
export class OrderedBatcher<T> {
  private readonly lanes = new Map<string, Lane<T>>();
  private readonly sizeOf: (item: T) => number;
  private readonly maxBatchBytes: number;

  constructor(
    private readonly call: (lane: string, batch: T[]) => Promise<void>,
    options: BatcherOptions<T> = {},
  ) {
    this.sizeOf = options.sizeOf ?? (() => 0);
    this.maxBatchBytes = options.maxBatchBytes ?? MAX_BATCH_BYTES;
  }

  /** Resolves once the call(s) that carried `items` have returned; rejects with the first error. */
  send(lane: string, items: readonly T[]): Promise<void> {
    let state = this.lanes.get(lane);
    if (!state) this.lanes.set(lane, (state = { pending: [], pendingBytes: 0, waiters: [], running: false }));
    for (const item of items) {
      state.pending.push(item);
      state.pendingBytes += this.sizeOf(item);
    }
    const lanes = state;
    const done = new Promise<void>((resolve, reject) => lanes.waiters.push({ count: items.length, resolve, reject }));
    if (!state.running) void this.drain(lane, state);
    return done;
  }

  private async drain(lane: string, state: Lane<T>): Promise<void> {
    state.running = true;
    while (state.pending.length > 0) {
      let take = 0;
      let bytes = 0;
      while (take < state.pending.length) {
        const size = this.sizeOf(state.pending[take]!);
        if (take > 0 && bytes + size > this.maxBatchBytes) break;
        bytes += size;
        take += 1;
      }
      const batch = state.pending.splice(0, take);
      state.pendingBytes -= bytes;
      // The waiters whose items are all in this batch or earlier ones complete with it.
      const finished: Lane<T>["waiters"] = [];
      let covered = take;
      while (state.waiters.length > 0 && state.waiters[0]!.count <= covered) {
        const waiter = state.waiters.shift()!;
        covered -= waiter.count;
        finished.push(waiter);
      }
      const partial = state.waiters[0];
      if (partial && covered > 0) partial.count -= covered;
      try {
        await this.call(lane, batch);
        for (const waiter of finished) waiter.resolve();
      } catch (error) {
        for (const waiter of finished) waiter.reject(error);
        // A send split over several calls fails if any of its calls fails; its remaining items still go (they keep
        // their place in the count) but can no longer settle it.
        if (partial && partial === state.waiters[0] && covered > 0) {
          partial.reject(error);
          partial.resolve = partial.reject = () => undefined;
        }
      }
    }
    state.running = false;
    this.lanes.delete(lane);
  }
}
