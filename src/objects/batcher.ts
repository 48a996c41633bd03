interface Lane<T> {
  pending: T[];
  waiters: { resolve: () => void; reject: (error: unknown) => void }[];
  running: boolean;
}

/**
 * Ordered, coalescing calls to other objects. Items sent on one lane (one destination) leave in the order they were
 * sent: while a call is in flight on a lane, later items wait and go together in the next call. So the order holds
 * without waiting for each call in turn, and a busy destination gets batches instead of a call per item.
 */
export class OrderedBatcher<T> {
  private readonly lanes = new Map<string, Lane<T>>();

  constructor(private readonly call: (lane: string, batch: T[]) => Promise<void>) {}

  /** Resolves once the call that carried `items` has returned; rejects with its error. */
  send(lane: string, items: readonly T[]): Promise<void> {
    let state = this.lanes.get(lane);
    if (!state) this.lanes.set(lane, (state = { pending: [], waiters: [], running: false }));
    state.pending.push(...items);
    const done = new Promise<void>((resolve, reject) => state.waiters.push({ resolve, reject }));
    if (!state.running) void this.drain(lane, state);
    return done;
  }

  private async drain(lane: string, state: Lane<T>): Promise<void> {
    state.running = true;
    while (state.pending.length > 0) {
      const batch = state.pending.splice(0);
      const waiters = state.waiters.splice(0);
      try {
        await this.call(lane, batch);
        for (const waiter of waiters) waiter.resolve();
      } catch (error) {
        for (const waiter of waiters) waiter.reject(error);
      }
    }
    state.running = false;
    this.lanes.delete(lane);
  }
}
