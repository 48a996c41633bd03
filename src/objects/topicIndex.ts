import { DurableObject } from "cloudflare:workers";
import { IndexRouter } from "../broker/router";
import type { Routed, RoutePresence, RouteResult, SubscriptionIndex } from "../broker/types";
import { isFleetWideIndex } from "../domain/subscriptionIndex";
import { SqliteRouteTable } from "../storage/sqliteRoutes";
import { hubStub, relayStub } from "./stubs";

/** A shard of the subscription index: the filters of one first topic level, or those beginning with a wildcard. */
export class TopicIndexObject extends DurableObject<Env> implements SubscriptionIndex {
  private readonly router: IndexRouter;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    const name = ctx.id.name;
    if (name === undefined) throw new Error("a topic index shard is addressed by name");
    this.router = new IndexRouter({
      table: new SqliteRouteTable(ctx.storage.sql),
      hub: (hub) => hubStub(env, hub),
      relay: (relay) => relayStub(env, relay),
      // The fleet-wide shards (wildcard-first and `$aws/things/+/…` filters) grant "empty" leases.
      leased: isFleetWideIndex({ kind: "topic", name }),
    });
  }

  async setRoute(filter: string, hub: string, presence: RoutePresence): Promise<void> {
    await this.router.setRoute(filter, hub, presence);
  }

  async route(items: Routed[]): Promise<RouteResult> {
    return this.router.route(items);
  }
}
