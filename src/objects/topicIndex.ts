import { DurableObject } from "cloudflare:workers";
import type { Routed, RouteResult, SubscriptionIndex } from "./fanout";
import { SubscriptionRouter } from "./router";

/** A shard of the subscription index: the filters of one first topic level, or those beginning with a wildcard. */
export class TopicIndexObject extends DurableObject<Env> implements SubscriptionIndex {
  private readonly router: SubscriptionRouter;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.router = new SubscriptionRouter(ctx.storage.sql, env);
  }

  async adjustSubscription(filter: string, hub: string, delta: number): Promise<void> {
    this.router.adjust(filter, hub, delta);
  }

  async route(items: Routed[]): Promise<RouteResult> {
    return this.router.route(items);
  }
}
