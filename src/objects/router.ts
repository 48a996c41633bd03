import type { Message } from "../domain/message";
import { SqliteRouteTable } from "../storage/sqliteRoutes";
import { type Delivery, hubStub } from "./fanout";

interface HubQueue {
  pending: Delivery[];
  waiters: (() => void)[];
  running: boolean;
}

/**
 * The subscription index an object holds, and delivery from it to hubs. Deliveries to one hub leave in the order
 * they were routed: while one call to a hub is in flight, later deliveries wait and go together in the next call,
 * so the order holds and a busy hub gets batches instead of a call per message.
 */
export class SubscriptionRouter {
  private readonly table: SqliteRouteTable;
  private readonly queues = new Map<string, HubQueue>();

  constructor(
    sql: SqlStorage,
    private readonly env: Env,
  ) {
    this.table = new SqliteRouteTable(sql);
  }

  adjust(filter: string, hub: string, delta: number): void {
    this.table.adjust(filter, hub, delta);
  }

  /** Delivers each message, in order, to the hubs with matching subscriptions. Resolves once the hubs have them. */
  async route(messages: readonly Message[], publisher?: string): Promise<void> {
    const perHub = new Map<string, Delivery[]>();
    for (const message of messages) {
      for (const [hub, filters] of this.table.match(message.topic)) {
        const delivery: Delivery = { message, filters, ...(publisher !== undefined ? { publisher } : {}) };
        const list = perHub.get(hub);
        if (list) list.push(delivery);
        else perHub.set(hub, [delivery]);
      }
    }
    await Promise.all([...perHub].map(([hub, deliveries]) => this.send(hub, deliveries)));
  }

  private send(hub: string, deliveries: Delivery[]): Promise<void> {
    let queue = this.queues.get(hub);
    if (!queue) this.queues.set(hub, (queue = { pending: [], waiters: [], running: false }));
    queue.pending.push(...deliveries);
    const done = new Promise<void>((resolve) => queue.waiters.push(resolve));
    if (!queue.running) void this.drain(hub, queue);
    return done;
  }

  private async drain(hub: string, queue: HubQueue): Promise<void> {
    queue.running = true;
    while (queue.pending.length > 0) {
      const batch = queue.pending.splice(0);
      const waiters = queue.waiters.splice(0);
      try {
        await hubStub(this.env, hub).deliver(batch);
      } catch (error) {
        // A hub that cannot be reached loses these live deliveries; persistent sessions there are not lost.
        console.error(`delivery to ${hub} failed`, error);
      }
      for (const resolve of waiters) resolve();
    }
    queue.running = false;
    this.queues.delete(hub);
  }
}
