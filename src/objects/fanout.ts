import type { Message } from "../domain/message";
import { retainedShardOf } from "../domain/retained";
import { type IndexAddress, indexesOfFilter, indexesOfTopic } from "../domain/subscriptionIndex";
import { isBasicIngestTopic, parseRequestTopic } from "../domain/topics";
import { answerStreamRequest } from "./streamDelivery";

/** One message on its way to the subscribers of one hub, with the filters that matched it there. */
export interface Delivery {
  message: Message;
  filters: string[];
  /** Client id of an MQTT publisher, for MQTT 5 No Local. */
  publisher?: string;
}

/** What a subscription index object (a thing's object or a topic index shard) answers to. */
export interface SubscriptionIndex {
  adjustSubscription(filter: string, hub: string, delta: number): Promise<void>;
  route(messages: Message[], publisher?: string): Promise<void>;
}

export function indexStub(env: Env, address: IndexAddress): SubscriptionIndex {
  return address.kind === "thing" ? env.THINGS.getByName(address.name) : env.TOPIC_INDEX.getByName(address.name);
}

/** Registers (+1) or unregisters (−1) a hub's subscribers on `filter` wherever the index keeps it. */
export async function adjustSubscription(env: Env, filter: string, hub: string, delta: number): Promise<void> {
  await Promise.all(indexesOfFilter(filter).map((address) => indexStub(env, address).adjustSubscription(filter, hub, delta)));
}

export const retainedStub = (env: Env, topic: string) => env.RETAINED.getByName(`retained-${retainedShardOf(topic)}`);

export const hubStub = (env: Env, hub: string) => env.MQTT_HUBS.getByName(hub);

/**
 * The single fan-out entry point: stores a retained message, then hands the message to every index that may hold
 * a matching subscription. Several messages may go at once if they share one topic. Live deliveries carry RETAIN=0 unless the subscription asked for Retain As Published.
 */
export async function fanOut(env: Env, messages: Message | Message[], publisher?: string): Promise<void> {
  const batch = Array.isArray(messages) ? messages : [messages];
  if (batch.length === 0) return;
  for (const message of batch) if (message.retain) await retainedStub(env, message.topic).retain(message);
  // One call per index for the whole batch: a batch shares one topic, so every message goes to the same indexes,
  // and each index delivers them in order.
  await Promise.all(indexesOfTopic(batch[0]!.topic).map((address) => indexStub(env, address).route(batch, publisher)));
}

/**
 * Every publish, from HTTP or MQTT, goes through here: shadow request topics are answered by the thing's shadow
 * service (which also delivers the request to its subscribers), stream requests by MQTT-based file delivery,
 * Basic Ingest messages are for rules only (none here), everything else is fanned out.
 */
export async function routePublish(env: Env, message: Message, options: { publisher?: string; fromWill?: boolean } = {}): Promise<void> {
  const request = options.fromWill ? null : parseRequestTopic(message.topic);
  if (request?.kind === "shadow") {
    await env.THINGS.getByName(request.thingName).publishShadowRequest(
      { thingName: request.thingName, ...(request.shadowName !== undefined ? { shadowName: request.shadowName } : {}), operation: request.operation },
      message,
      options.publisher,
    );
    return;
  }
  if (request?.kind === "stream") {
    // The request itself reaches subscribers of the request topic too, before the replies (as shadow requests do).
    await fanOut(env, { ...message, retain: false }, options.publisher);
    await answerStreamRequest(env, request, message);
    return;
  }
  if (isBasicIngestTopic(message.topic)) return;
  await fanOut(env, message, options.publisher);
}
