import { type Clock, systemClock } from "./clock";
import { HubFanout, type RelayTarget } from "./hubFanout";
import { EMPTY_LEASE_MS, LEASE_MARGIN_MS } from "./leases";
import { allSettledOrThrow, type RetryPolicy } from "./retry";
import type { Delivery, DeliveryTarget, Routed, RoutePresence, RouteResult, SubscriptionIndex } from "./types";

/** An index's table: topic filter → hubs with at least one subscriber on it. */
export interface RouteTable {
  /** Records or removes the pair; idempotent. */
  set(filter: string, hub: string, presence: RoutePresence): void;
  /**
   * The hubs to deliver `topic` to, each with the filters that matched: every hub of an ordinary filter, one hub per
   * shared subscription group (one with a connected member when there is one).
   */
  match(topic: string): Map<string, string[]>;
  /** Distinct filters held. */
  size(): number;
}

export interface IndexRouterOptions {
  table: RouteTable;
  hub: (name: string) => DeliveryTarget;
  /** Relays of the fan-out tree, for messages to more hubs than one object calls (broker/fanoutTree.ts). */
  relay?: (name: string) => RelayTarget;
  /** Most calls per message from this object (FANOUT_DEGREE when absent). */
  fanoutDegree?: number;
  /** Whether this index grants "empty" leases (the fleet-wide shards; see IndexLeases). */
  leased: boolean;
  clock?: Clock;
  leaseMs?: number;
  retry?: RetryPolicy;
}

/**
 * A subscription index and delivery from it to hubs (docs/fanout-design.md), through HubFanout: one ordered lane per
 * hub, at most a fan-out degree of calls per message (relays beyond), failed calls retried, never swallowed: `route`
 * resolves only once every hub has accepted its deliveries (for QoS 1: delivered or durably queued), so a PUBACK or an
 * HTTP 200 can stand on it.
 */
export class IndexRouter implements SubscriptionIndex {
  private readonly table: RouteTable;
  private readonly fanout: HubFanout;
  private readonly clock: Clock;
  private readonly leased: boolean;
  private readonly leaseMs: number;
  /** Deliveries dispatched and not yet accepted: what a registration waits for (the barrier). */
  private readonly inFlight = new Set<Promise<void>>();
  /**
   * When this index last granted an "empty" lease (this object's clock). A fresh instance cannot know what an evicted
   * one granted, so it starts as if it had just granted one.
   */
  private lastEmptyGrant: number;

  constructor(options: IndexRouterOptions) {
    this.table = options.table;
    this.clock = options.clock ?? systemClock;
    this.leased = options.leased;
    this.leaseMs = options.leaseMs ?? EMPTY_LEASE_MS;
    this.lastEmptyGrant = this.clock.now();
    this.fanout = new HubFanout({
      hub: options.hub,
      clock: this.clock,
      ...(options.relay ? { relay: options.relay } : {}),
      ...(options.fanoutDegree !== undefined ? { degree: options.fanoutDegree } : {}),
      ...(options.retry ? { retry: options.retry } : {}),
    });
  }

  /**
   * Records (or removes) a hub's subscribers on a filter. Resolves once every publish routed from now on will find
   * it, and every delivery routed before has reached its hub (a handover relies on this: after the new hub's
   * registration, whatever went to the old hub is there to be copied).
   */
  async setRoute(filter: string, hub: string, presence: RoutePresence): Promise<void> {
    this.table.set(filter, hub, presence);
    await Promise.allSettled([...this.inFlight]);
    if (presence !== false && this.leased) {
      const wait = this.lastEmptyGrant + this.leaseMs + LEASE_MARGIN_MS - this.clock.now();
      if (wait > 0) await this.clock.sleep(wait);
    }
  }

  /** Delivers each message, in order, to the hubs with matching subscriptions. Resolves once the hubs have them. */
  async route(items: readonly Routed[]): Promise<RouteResult> {
    if (this.table.size() === 0) {
      if (!this.leased) return {};
      this.lastEmptyGrant = this.clock.now();
      return { emptyForMs: this.leaseMs };
    }
    const perHub = new Map<string, Delivery[]>();
    for (const item of items) {
      for (const [hub, filters] of this.table.match(item.message.topic)) {
        const delivery: Delivery = { ...item, filters };
        const list = perHub.get(hub);
        if (list) list.push(delivery);
        else perHub.set(hub, [delivery]);
      }
    }
    // Every hub must have its deliveries: the first failure (after retries) fails the route.
    await allSettledOrThrow(this.fanout.send(perHub).map((send) => this.track(send)));
    return {};
  }

  private track(send: Promise<void>): Promise<void> {
    const tracked = send.finally(() => this.inFlight.delete(tracked));
    this.inFlight.add(tracked);
    return tracked;
  }
}
