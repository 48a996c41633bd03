import { SqliteRouteTable } from "../storage/sqliteRoutes";
import { OrderedBatcher } from "./batcher";
import { type Delivery, hubStub, type Routed, type RouteResult } from "./fanout";

/**
 * The subscription index an object holds, and delivery from it to hubs: one ordered lane per hub, so deliveries to a
 * hub leave in the order they were routed and a busy hub gets batches instead of a call per message.
 */
export class SubscriptionRouter {
  private readonly table: SqliteRouteTable;
  private readonly hubs: OrderedBatcher<Delivery>;

  constructor(sql: SqlStorage, env: Env) {
    this.table = new SqliteRouteTable(sql);
    this.hubs = new OrderedBatcher((hub, batch) => hubStub(env, hub).deliver(batch));
  }

  adjust(filter: string, hub: string, delta: number): void {
    this.table.adjust(filter, hub, delta);
  }

  /** Delivers each message, in order, to the hubs with matching subscriptions. Resolves once the hubs have them. */
  async route(items: readonly Routed[]): Promise<RouteResult> {
    const perHub = new Map<string, Delivery[]>();
    for (const item of items) {
      for (const [hub, filters] of this.table.match(item.message.topic)) {
        const delivery: Delivery = { ...item, filters };
        const list = perHub.get(hub);
        if (list) list.push(delivery);
        else perHub.set(hub, [delivery]);
      }
    }
    await Promise.all(
      [...perHub].map(([hub, deliveries]) =>
        this.hubs.send(hub, deliveries).catch((error) => {
          // A hub that cannot be reached loses these live deliveries; persistent sessions there are not lost.
          console.error(`delivery to ${hub} failed`, error);
        }),
      ),
    );
    return { filters: this.table.size() };
  }
}
