/**
 * What an operation costs as Cloudflare bills Durable Objects, counted while it runs (`npm run bench`, only with
 * the COST_METER var): requests to each object class (RPC calls, fetches, alarms), incoming WebSocket messages
 * (billed 20 to one request), and SQLite rows read and written (the runtime's own per-cursor `rowsRead` and
 * `rowsWritten`, the figures its billing uses). Pure bookkeeping: src/metering/metered.ts wires it to the runtime.
 * https://developers.cloudflare.com/durable-objects/platform/pricing/
 */

/** Incoming WebSocket messages are billed at 20 messages to one request (Durable Objects pricing). */
export const WEBSOCKET_MESSAGES_PER_REQUEST = 20;

export interface ObjectCost {
  /** RPC calls, fetches (a WebSocket upgrade included) and alarms received. */
  requests: number;
  /** Incoming WebSocket messages received. */
  webSocketMessages: number;
  rowsRead: number;
  rowsWritten: number;
}

export interface CostSnapshot {
  /** Invocations of the Worker itself (requests reaching the edge app). */
  workerRequests: number;
  /** By object class (its binding name). */
  objects: Record<string, ObjectCost>;
  /** Over every class; `billedRequests` = requests + WebSocket messages ÷ 20. */
  total: ObjectCost & { billedRequests: number };
}

/** The part of a SQL cursor the meter reads: its counts are final once the cursor has been consumed. */
export interface RowCounts {
  readonly rowsRead: number;
  readonly rowsWritten: number;
}

const PENDING_LIMIT = 1024;
const RECENT_KEPT = 64;

const zero = (): ObjectCost => ({ requests: 0, webSocketMessages: 0, rowsRead: 0, rowsWritten: 0 });

export class CostMeter {
  private workerRequests = 0;
  private readonly objects = new Map<string, ObjectCost>();
  /** Cursors not yet counted: a cursor's row counts grow while it is read, so they are summed later (`settle`). */
  private pending: { owner: string; cursor: RowCounts }[] = [];

  workerRequest(): void {
    this.workerRequests += 1;
  }

  request(owner: string): void {
    this.of(owner).requests += 1;
  }

  webSocketMessage(owner: string): void {
    this.of(owner).webSocketMessages += 1;
  }

  cursor(owner: string, cursor: RowCounts): void {
    this.pending.push({ owner, cursor });
    // Bounded under load: cursors this old have long been read to the end (storage calls are synchronous).
    if (this.pending.length > PENDING_LIMIT) this.settle(RECENT_KEPT);
  }

  /** Adds the rows of the cursors seen so far but the `keepRecent` last (whose reading may not be over). */
  settle(keepRecent = 0): void {
    const pending = this.pending.slice(0, this.pending.length - keepRecent);
    this.pending = this.pending.slice(pending.length);
    for (const { owner, cursor } of pending) {
      const cost = this.of(owner);
      cost.rowsRead += cursor.rowsRead;
      cost.rowsWritten += cursor.rowsWritten;
    }
  }

  snapshot(): CostSnapshot {
    this.settle();
    const objects: Record<string, ObjectCost> = {};
    const total = zero();
    for (const [owner, cost] of [...this.objects].sort(([a], [b]) => a.localeCompare(b))) {
      objects[owner] = { ...cost };
      total.requests += cost.requests;
      total.webSocketMessages += cost.webSocketMessages;
      total.rowsRead += cost.rowsRead;
      total.rowsWritten += cost.rowsWritten;
    }
    return { workerRequests: this.workerRequests, objects, total: { ...total, billedRequests: billedRequests(total) } };
  }

  reset(): void {
    this.workerRequests = 0;
    this.objects.clear();
    this.pending = [];
  }

  private of(owner: string): ObjectCost {
    let cost = this.objects.get(owner);
    if (!cost) {
      cost = zero();
      this.objects.set(owner, cost);
    }
    return cost;
  }
}

/** Requests as billed: each request, plus incoming WebSocket messages at 20 to one. */
export function billedRequests(cost: Pick<ObjectCost, "requests" | "webSocketMessages">): number {
  return cost.requests + cost.webSocketMessages / WEBSOCKET_MESSAGES_PER_REQUEST;
}
