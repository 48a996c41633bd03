import { DurableObject } from "cloudflare:workers";
import { HubFanout } from "../broker/hubFanout";
import { allSettledOrThrow } from "../broker/retry";
import type { Delivery } from "../broker/types";
import { hubStub, relayStub } from "./stubs";

/**
 * A relay of the fan-out tree (broker/fanoutTree.ts): an index with a message for more hubs than one object calls
 * hands a group of them to a relay, which calls them (or further relays) in turn. Holds nothing: named by its group
 * (`relay:{first hub}..{last hub}`) and placed in its hubs' region, it resolves once every hub of the group accepted.
 */
export class FanoutRelayObject extends DurableObject<Env> {
  private readonly fanout: HubFanout;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.fanout = new HubFanout({ hub: (hub) => hubStub(env, hub), relay: (name) => relayStub(env, name) });
  }

  async relay(perHub: [string, Delivery[]][]): Promise<void> {
    await allSettledOrThrow(this.fanout.send(new Map(perHub)));
  }
}
