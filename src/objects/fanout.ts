import type { Message } from "../domain/message";
import { retainedShardOf } from "../domain/retained";
import { type IndexAddress, indexesOfFilter, indexesOfTopic, WILDCARD_SHARD } from "../domain/subscriptionIndex";
import { isBasicIngestTopic, parseRequestTopic, type ReservedTopic } from "../domain/topics";
import { OrderedBatcher } from "./batcher";
import { EmptyIndexes } from "./emptyIndexes";
import { answerStreamRequest } from "./streamDelivery";

/** A message and, when it came from an MQTT client, that client's id (for MQTT 5 No Local). */
export interface Routed {
  message: Message;
  publisher?: string;
}

/** One message on its way to the subscribers of one hub, with the filters that matched it there. */
export interface Delivery extends Routed {
  filters: string[];
}

/** A publish to one of a thing's shadow request topics. */
export interface ShadowPublish extends Routed {
  address: { thingName: string; shadowName?: string; operation: "get" | "update" | "delete" };
}

export interface RouteResult {
  /** Filters the index holds (0: the caller may skip it for a moment, see EmptyIndexes). */
  filters: number;
}

/** What a subscription index object (a thing's object or a topic index shard) answers to. */
export interface SubscriptionIndex {
  adjustSubscription(filter: string, hub: string, delta: number): Promise<void>;
  /** Delivers the messages, in order, to the hubs with matching subscriptions; says how many filters it holds. */
  route(items: Routed[]): Promise<RouteResult>;
}

export function indexStub(env: Env, address: IndexAddress): SubscriptionIndex {
  return address.kind === "thing" ? env.THINGS.getByName(address.name) : env.TOPIC_INDEX.getByName(address.name);
}

/** Registers (+1) or unregisters (−1) a hub's subscribers on `filter` wherever the index keeps it. */
export async function adjustSubscription(env: Env, filter: string, hub: string, delta: number): Promise<void> {
  await Promise.all(indexesOfFilter(filter).map((address) => indexStub(env, address).adjustSubscription(filter, hub, delta)));
}

const retainedShardName = (topic: string) => `retained-${retainedShardOf(topic)}`;

export const retainedStub = (env: Env, topic: string) => env.RETAINED.getByName(retainedShardName(topic));

export const hubStub = (env: Env, hub: string) => env.MQTT_HUBS.getByName(hub);

/** A batcher lane names its index object: `thing:{name}` or `topic:{name}`. */
const laneOf = (address: IndexAddress) => `${address.kind}:${address.name}`;
function addressOf(lane: string): IndexAddress {
  const colon = lane.indexOf(":");
  return { kind: lane.slice(0, colon) === "thing" ? "thing" : "topic", name: lane.slice(colon + 1) };
}

/**
 * The indexes every publish of a kind must ask although they rarely hold anything: the wildcard shard (`#`, `+/…`)
 * and the `$aws` shards (`$aws/things/+/…`). Only these are skipped for a moment when empty; the shard of a topic's
 * first level is always asked, so subscribe-then-receive patterns (requests and replies) never miss a message.
 */
const isFleetWide = (address: IndexAddress) =>
  address.kind === "topic" && (address.name === WILDCARD_SHARD || address.name.startsWith("level:$aws#"));

/**
 * Every publish, from HTTP or MQTT, goes through a pipeline: shadow request topics are answered by the thing's
 * shadow service (which also delivers the request to its subscribers), stream request topics by file delivery,
 * Basic Ingest messages are for rules only (none here), and everything else is fanned out: a retained message is
 * stored first, then every index that may hold a matching subscription gets it.
 *
 * Calls leave through ordered batchers, one lane per destination object: an object holding a pipeline (a hub) routes
 * a connection's publishes without waiting for each in turn, in order per destination, and many publishes to one
 * destination share a call. A publisher's messages on one topic stay in order: a retained publish (which must be
 * stored before it is delivered) holds back that publisher's later messages until it has been routed.
 */
export class PublishPipeline {
  private readonly indexes: OrderedBatcher<Routed>;
  private readonly retained: OrderedBatcher<Message>;
  private readonly shadows: OrderedBatcher<ShadowPublish>;

  /** Per publisher: the routing of its last retained publish, which its later messages wait for. */
  private readonly barriers = new Map<string, Promise<void>>();

  constructor(
    private readonly env: Env,
    private readonly empty = new EmptyIndexes(),
  ) {
    this.indexes = new OrderedBatcher(async (lane, batch) => {
      const { filters } = await indexStub(env, addressOf(lane)).route(batch);
      this.empty.record(lane, filters);
    });
    this.retained = new OrderedBatcher((shard, batch) => env.RETAINED.getByName(shard).retain(batch));
    this.shadows = new OrderedBatcher((thing, batch) => env.THINGS.getByName(thing).publishShadowRequests(batch));
  }

  /** Resolves once the message has been routed (delivered to the hubs of its subscribers, or answered). */
  publish(message: Message, options: { publisher?: string; fromWill?: boolean } = {}): Promise<void> {
    const { publisher } = options;
    // Will messages to `$aws` topics are delivered but not acted on by the shadow service (AWS IoT behaviour).
    const request = options.fromWill ? null : parseRequestTopic(message.topic);
    if (request?.kind === "shadow") {
      const { thingName, shadowName, operation } = request;
      return this.shadows.send(thingName, [
        {
          address: { thingName, ...(shadowName !== undefined ? { shadowName } : {}), operation },
          message,
          ...(publisher !== undefined ? { publisher } : {}),
        },
      ]);
    }
    if (request?.kind === "stream") return this.answerStream(request, message, publisher);
    if (isBasicIngestTopic(message.topic)) return Promise.resolve();
    const key = publisher ?? "";
    const barrier = this.barriers.get(key);
    const route = () =>
      (message.retain ? this.retained.send(retainedShardName(message.topic), [message]) : Promise.resolve()).then(() =>
        this.fanOut([message], publisher),
      );
    const routed = barrier ? barrier.catch(() => undefined).then(route) : route();
    if (message.retain) {
      this.barriers.set(key, routed);
      const release = () => {
        if (this.barriers.get(key) === routed) this.barriers.delete(key);
      };
      routed.then(release, release);
    }
    return routed;
  }

  /** Hands messages on one topic (and so to the same indexes) to every index that may hold a matching subscription. */
  async fanOut(messages: Message[], publisher?: string): Promise<void> {
    if (messages.length === 0) return;
    const items = messages.map((message) => ({ message, ...(publisher !== undefined ? { publisher } : {}) }));
    await Promise.all(
      indexesOfTopic(messages[0]!.topic).map((address) => {
        const lane = laneOf(address);
        if (isFleetWide(address) && this.empty.isEmpty(lane)) return undefined;
        return this.indexes.send(lane, items);
      }),
    );
  }

  private async answerStream(request: Extract<ReservedTopic, { kind: "stream" }>, message: Message, publisher?: string): Promise<void> {
    // The request itself reaches subscribers of the request topic too, before the replies (as shadow requests do).
    await this.fanOut([{ ...message, retain: false }], publisher);
    await answerStreamRequest(this.env, request, message, (replies) => this.fanOut(replies));
  }
}

/** What the edge's isolate learnt about empty indexes (plain data: safe to share between requests). */
const edgeEmptyIndexes = new EmptyIndexes();

/**
 * A publish from the HTTP edge. A pipeline per request: a stateless Worker must not wait on calls another request
 * started (the runtime ties I/O to the request that made it), so only the knowledge of empty indexes is shared.
 */
export function routePublish(env: Env, message: Message, options: { publisher?: string; fromWill?: boolean } = {}): Promise<void> {
  return new PublishPipeline(env, edgeEmptyIndexes).publish(message, options);
}
