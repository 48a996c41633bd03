import { DurableObject } from "cloudflare:workers";
import { ServiceError } from "../domain/errors";
import { jsonMessage, type Message } from "../domain/message";
import { failure, type Outcome, success } from "../domain/outcome";
import { DEFAULT_THING_REQUESTS_PER_SECOND, parseRate, TokenBucket } from "../domain/rateLimit";
import { errorDocument, extractClientToken } from "../domain/shadow";
import { indexesOfTopic } from "../domain/subscriptionIndex";
import { shadowTopicPrefix } from "../domain/topics";
import { handleShadowRequest, type ShadowOperation, type ShadowRequest } from "../services/shadows";
import { SqliteShadowStore } from "../storage/sqliteShadows";
import { indexStub, type SubscriptionIndex } from "./fanout";
import { SubscriptionRouter } from "./router";

export interface NamedShadowPage {
  names: string[];
  /** The last name returned when more may follow. */
  lastName?: string;
}

export interface ShadowAddress {
  thingName: string;
  shadowName?: string;
  operation: ShadowOperation;
}

/**
 * One Durable Object per thing (addressed by thing name): it holds all of the thing's shadows, classic and
 * named, serializes every read-modify-write on them, and indexes the subscriptions to the thing's own topics
 * (`$aws/things/{thing}/…`), so its shadow notifications are matched where they are produced.
 */
export class ThingObject extends DurableObject<Env> implements SubscriptionIndex {
  private readonly shadows: SqliteShadowStore;
  private readonly rate: TokenBucket;
  private readonly router: SubscriptionRouter;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.shadows = new SqliteShadowStore(ctx.storage.sql);
    this.rate = new TokenBucket(parseRate(env.THING_REQUESTS_PER_SECOND, DEFAULT_THING_REQUESTS_PER_SECOND));
    this.router = new SubscriptionRouter(ctx.storage.sql, env);
  }

  /** A REST shadow request: the response document or the error; notifications go to MQTT subscribers. */
  async shadowRequest(request: ShadowRequest): Promise<Outcome<string>> {
    if (!this.rate.take()) return failure(new ServiceError("Throttling", "Rate exceeded"));
    const result = this.handle(request);
    await this.deliver(result.notifications);
    return result.outcome;
  }

  /** A publish to one of this thing's shadow request topics (MQTT, or HTTP Publish): answered on /accepted or /rejected. */
  async publishShadowRequest(address: ShadowAddress, message: Message, publisher?: string): Promise<void> {
    const request: ShadowRequest = { ...address, payload: message.payload, origin: "mqtt" };
    let notifications: Message[];
    if (this.rate.take()) {
      notifications = this.handle(request).notifications;
    } else {
      const topic = `${shadowTopicPrefix(address.thingName, address.shadowName)}/${address.operation}/rejected`;
      const error = new ServiceError("Throttling", "Rate exceeded");
      notifications = [jsonMessage(topic, errorDocument(error, Math.floor(Date.now() / 1000), extractClientToken(message.payload)))];
    }
    // The request itself reaches subscribers of the request topic too: it is an ordinary publish as well.
    await this.deliver([{ ...message, retain: false }, ...notifications], publisher);
  }

  async listNamedShadows(after: string | undefined, pageSize: number): Promise<Outcome<NamedShadowPage>> {
    if (!this.rate.take()) return failure(new ServiceError("Throttling", "Rate exceeded"));
    const names = this.shadows.listNamed(after, pageSize + 1);
    const page = names.slice(0, pageSize);
    return success(names.length > pageSize ? { names: page, lastName: page[page.length - 1] } : { names: page });
  }

  async adjustSubscription(filter: string, hub: string, delta: number): Promise<void> {
    this.router.adjust(filter, hub, delta);
  }

  async route(messages: Message[], publisher?: string): Promise<void> {
    await this.router.route(messages, publisher);
  }

  private handle(request: ShadowRequest) {
    const now = Math.floor(Date.now() / 1000);
    // Synchronous from read to write: no other request can interleave, and the write commits atomically.
    return this.ctx.storage.transactionSync(() => handleShadowRequest(this.shadows, request, now));
  }

  /**
   * Delivers this thing's messages in order: to the subscriptions indexed here (no hop), and to the other index
   * that may hold matching filters (`$aws/things/+/…` in the `$aws` level shard).
   */
  private async deliver(messages: Message[], publisher?: string): Promise<void> {
    if (messages.length === 0) return;
    const others = indexesOfTopic(messages[0]!.topic).filter((address) => address.kind !== "thing");
    await Promise.all([
      this.router.route(messages, publisher),
      ...others.map((address) => indexStub(this.env, address).route(messages, publisher)),
    ]);
  }
}
