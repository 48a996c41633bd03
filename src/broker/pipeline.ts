import type { Message } from "../domain/message";
import { retainedShardOf } from "../domain/retained";
import { type IndexAddress, type IndexLayout, indexesOfTopic, isFleetWideIndex } from "../domain/subscriptionIndex";
import { isBasicIngestTopic, parseRequestTopic, type ReservedTopic } from "../domain/topics";
import { OrderedBatcher } from "./batcher";
import { type Clock, systemClock } from "./clock";
import { IndexLeases } from "./leases";
import { allSettledOrThrow, INTERACTIVE_RETRY, withRetries } from "./retry";
import { type Routed, routedSize, type SubscriptionIndex } from "./types";

/** A publish to one of a thing's shadow request topics. */
export interface ShadowPublish extends Routed {
  address: { thingName: string; shadowName?: string; operation: "get" | "update" | "delete" };
}

export type StreamRequest = Extract<ReservedTopic, { kind: "stream" }>;

/** The objects a publish reaches. */
export interface PipelinePorts {
  index(address: IndexAddress): Pick<SubscriptionIndex, "route">;
  retain(shard: string, messages: Message[]): Promise<void>;
  shadowRequests(thingName: string, publishes: ShadowPublish[]): Promise<void>;
  /** Answers a stream file request; the replies go out through `send`. */
  answerStream(request: StreamRequest, message: Message, send: (replies: Message[]) => Promise<void>): Promise<void>;
  clock?: Clock;
  /** How the subscription index is sharded (MQTT_INDEX_SPREAD); the default layout when absent. */
  layout?: IndexLayout;
}

/** A batcher lane names its index object: `thing:{name}` or `topic:{name}`. */
const laneOf = (address: IndexAddress) => `${address.kind}:${address.name}`;
function addressOf(lane: string): IndexAddress {
  const colon = lane.indexOf(":");
  return { kind: lane.slice(0, colon) === "thing" ? "thing" : "topic", name: lane.slice(colon + 1) };
}

export const retainedShardName = (topic: string) => `retained-${retainedShardOf(topic)}`;

/** Every message gets an id where it enters: hubs use it to never deliver one message twice to a client. */
export const withId = (message: Message): Message => (message.id !== undefined ? message : { ...message, id: crypto.randomUUID() });

/**
 * Every publish, from HTTP or MQTT, goes through a pipeline: shadow request topics are answered by the thing's
 * shadow service (which also delivers the request to its subscribers), stream request topics by file delivery,
 * Basic Ingest messages are for rules only (none here), and everything else is fanned out: a retained message is
 * stored first, then every index that may hold a matching subscription gets it.
 *
 * Calls leave through ordered batchers, one lane per destination object: a connection's publishes are routed without
 * waiting for each in turn, in order per destination, and many publishes to one destination share a call. Failed
 * calls are retried; `publish` resolves only once every index has accepted the message (and so every hub holding a
 * matching subscription: delivered, or queued durably for a persistent session), and rejects if one could not.
 */
export class PublishPipeline {
  private readonly waves: OrderedBatcher<Routed>;
  private readonly indexes: OrderedBatcher<Routed>;
  private readonly retained: OrderedBatcher<Message>;
  private readonly shadows: OrderedBatcher<ShadowPublish>;
  private readonly clock: Clock;
  private readonly leases: IndexLeases;

  /** Per publisher: the routing of its last retained publish, which its later messages wait for. */
  private readonly barriers = new Map<string, Promise<void>>();

  constructor(
    private readonly ports: PipelinePorts,
    leases?: IndexLeases,
  ) {
    this.clock = ports.clock ?? systemClock;
    this.leases = leases ?? new IndexLeases(() => this.clock.now());
    const retry = <T>(call: () => Promise<T>) => withRetries(call, INTERACTIVE_RETRY, this.clock.sleep);
    this.indexes = new OrderedBatcher<Routed>(
      async (lane, batch) => {
        const sentAt = this.clock.now();
        const result = await retry(() => ports.index(addressOf(lane)).route(batch));
        this.leases.record(lane, sentAt, result.emptyForMs);
      },
      { sizeOf: routedSize },
    );
    this.waves = new OrderedBatcher<Routed>(async (key, batch) => void (await this.sendWave(key, batch)), { sizeOf: routedSize });
    this.retained = new OrderedBatcher((shard, batch) => retry(() => ports.retain(shard, batch)), { sizeOf: (m) => m.payload.byteLength + 256 });
    this.shadows = new OrderedBatcher<ShadowPublish>((thing, batch) => retry(() => ports.shadowRequests(thing, batch)), { sizeOf: routedSize });
  }

  /** Resolves once the message has been routed (delivered to the hubs of its subscribers, or answered). */
  publish(input: Message, options: { publisher?: string; fromWill?: boolean } = {}): Promise<void> {
    const message = withId(input);
    const { publisher } = options;
    // Will messages to `$aws` topics are delivered but not acted on by the shadow service (AWS IoT behaviour).
    const request = options.fromWill ? null : parseRequestTopic(message.topic);
    if (request?.kind === "shadow") {
      const { thingName, shadowName, operation } = request;
      return this.shadows.send(thingName, [
        {
          address: { thingName, ...(shadowName !== undefined ? { shadowName } : {}), operation },
          message,
        },
      ]);
    }
    if (request?.kind === "stream") return this.answerStream(request, message);
    if (isBasicIngestTopic(message.topic)) return Promise.resolve();
    const key = publisher ?? "";
    const barrier = this.barriers.get(key);
    const route = () =>
      (message.retain ? this.retained.send(retainedShardName(message.topic), [message]) : Promise.resolve()).then(() => this.fanOut([message]));
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
  fanOut(messages: Message[]): Promise<void> {
    return this.route(messages.map((message) => ({ message })));
  }

  /**
   * Routes items whose topics share their indexes (one topic, or one thing's topics) to every index that may hold a
   * matching subscription, but those `skip` names (a thing object routes to its own index itself).
   *
   * Items bound for the same set of indexes leave in waves: a wave goes to all of its indexes at once, and the next
   * wave only once every index has accepted the previous one (what arrives meanwhile rides together in the next). So
   * a subscriber whose subscriptions sit in two indexes (`a/b` and `+/b`) still gets one publisher's messages in order
   * when one index is slow or its call is retried: no later message overtakes an earlier one through the other index.
   */
  async route(input: Routed[], skip?: (address: IndexAddress) => boolean): Promise<void> {
    if (input.length === 0) return;
    const items = input.map((item) => (item.message.id !== undefined ? item : { ...item, message: withId(item.message) }));
    const addresses = indexesOfTopic(items[0]!.message.topic, this.ports.layout).filter((address) => !skip?.(address));
    if (addresses.length === 0) return;
    await this.waves.send(addresses.map(laneOf).join("\n"), items);
  }

  /** One wave: the batch to each of its indexes (a fleet-wide one skipped while its "empty" lease lasts). */
  private sendWave(key: string, batch: Routed[]): Promise<unknown> {
    const sends: Promise<void>[] = [];
    for (const lane of key.split("\n")) {
      if (isFleetWideIndex(addressOf(lane)) && this.leases.isEmpty(lane)) continue;
      sends.push(this.indexes.send(lane, batch));
    }
    return allSettledOrThrow(sends);
  }

  private async answerStream(request: StreamRequest, message: Message): Promise<void> {
    // The request itself reaches subscribers of the request topic too, before the replies (as shadow requests do).
    await this.fanOut([{ ...message, retain: false }]);
    await this.ports.answerStream(request, message, (replies) => this.fanOut(replies));
  }
}
