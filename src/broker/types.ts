import type { Message } from "../domain/message";

/** A message on its way through the subscription index. */
export interface Routed {
  message: Message;
}

/** One message on its way to the subscribers of one hub, with the filters that matched it there. */
export interface Delivery extends Routed {
  filters: string[];
}

/** What a subscription index answers to a route call. */
export interface RouteResult {
  /** Set when the index holds no filter and grants a lease: the caller may skip it this long (IndexLeases). */
  emptyForMs?: number;
}

/**
 * Whether a hub has subscribers on a filter: false (none), true, or "online" — for a shared subscription, at least
 * one member of the group is connected there (the index prefers such hubs when it picks one per group).
 */
export type RoutePresence = boolean | "online";

/** What a subscription index object (a thing's object or a topic index shard) answers to. */
export interface SubscriptionIndex {
  /** Records (or removes) that `hub` has subscribers on `filter`; resolves once every later publish will see it. */
  setRoute(filter: string, hub: string, presence: RoutePresence): Promise<void>;
  /** Delivers the messages, in order, to the hubs with matching subscriptions. */
  route(items: Routed[]): Promise<RouteResult>;
}

/** The part of a hub other objects deliver to. */
export interface DeliveryTarget {
  deliver(deliveries: Delivery[]): Promise<void>;
}

/** Bytes a routed item costs in a call (the payload dominates; the rest is a rough allowance). */
export function routedSize(item: Routed): number {
  return item.message.payload.byteLength + item.message.topic.length + 256;
}
