import { MAX_BATCH_BYTES, OrderedBatcher } from "./batcher";
import { type Clock, systemClock } from "./clock";
import { FANOUT_DEGREE, planFanout } from "./fanoutTree";
import { INTERACTIVE_RETRY, type RetryPolicy, withRetries } from "./retry";
import { type Delivery, type DeliveryTarget, routedSize } from "./types";

/** A relay of the fan-out tree (objects/relay.ts): hands each hub its deliveries, through further relays if need be. */
export interface RelayTarget {
  relay(perHub: [string, Delivery[]][]): Promise<void>;
}

export interface HubFanoutOptions {
  hub: (name: string) => DeliveryTarget;
  /** Without relays every hub is called directly (objects that never reach many hubs). */
  relay?: (name: string) => RelayTarget;
  degree?: number;
  clock?: Clock;
  retry?: RetryPolicy;
}

/**
 * Delivery from one object to the hubs of a set of messages, with at most `degree` calls per object per message
 * (broker/fanoutTree.ts): up to `degree` hubs directly, more through relays. One ordered lane per hub: deliveries to a
 * hub leave in the order they were handed over, a busy hub gets batches, and a failed call is retried, never
 * swallowed: each returned promise settles once its hubs have accepted their deliveries (a relay's, once all of its
 * hubs have). A relay call retried after a partial success reaches some hubs twice: hubs deliver a message id once.
 */
export class HubFanout {
  private readonly hubs: OrderedBatcher<Delivery>;
  private readonly relay: ((name: string) => RelayTarget) | undefined;
  private readonly degree: number;
  private readonly clock: Clock;
  private readonly retry: RetryPolicy;

  constructor(options: HubFanoutOptions) {
    this.clock = options.clock ?? systemClock;
    this.retry = options.retry ?? INTERACTIVE_RETRY;
    this.relay = options.relay;
    this.degree = options.degree ?? FANOUT_DEGREE;
    this.hubs = new OrderedBatcher<Delivery>((hub, batch) => withRetries(() => options.hub(hub).deliver(batch), this.retry, this.clock.sleep), {
      sizeOf: routedSize,
      maxBatchBytes: MAX_BATCH_BYTES,
    });
  }

  /** One promise per call made: each hub's deliveries, or a relay's share. */
  send(perHub: ReadonlyMap<string, Delivery[]>): Promise<void>[] {
    const relay = this.relay;
    if (!relay || perHub.size <= this.degree) return [...perHub].map(([hub, deliveries]) => this.hubs.send(hub, deliveries));
    const plan = planFanout(perHub.keys(), this.degree);
    const sends = plan.direct.map((hub) => this.hubs.send(hub, perHub.get(hub)!));
    for (const group of plan.relays) {
      const share = group.hubs.map((hub): [string, Delivery[]] => [hub, perHub.get(hub)!]);
      sends.push(withRetries(() => relay(group.name).relay(share), this.retry, this.clock.sleep));
    }
    return sends;
  }
}
