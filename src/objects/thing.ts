import { DurableObject } from "cloudflare:workers";
import { OrderedBatcher } from "../broker/batcher";
import { PublishPipeline, type ShadowPublish } from "../broker/pipeline";
import { allSettledOrThrow } from "../broker/retry";
import { IndexRouter } from "../broker/router";
import { type Routed, type RoutePresence, type RouteResult, routedSize, type SubscriptionIndex } from "../broker/types";
import { ServiceError } from "../domain/errors";
import { jsonMessage } from "../domain/message";
import { capture, failure, type Outcome, success } from "../domain/outcome";
import { DEFAULT_THING_REQUESTS_PER_SECOND, parseRate, TokenBucket } from "../domain/rateLimit";
import { errorDocument, extractClientToken } from "../domain/shadow";
import { type HistoryCursor, parseHistoryVersions } from "../domain/shadow/history";
import { shadowTopicPrefix } from "../domain/topics";
import { handleShadowRequest, readShadowChanges, readShadowHistory, type ShadowRequest } from "../services/shadows";
import { SqliteRouteTable } from "../storage/sqliteRoutes";
import { SqliteShadowStore } from "../storage/sqliteShadows";
import { FleetReporter } from "./fleetReporter";
import { hubStub, pipelinePorts, relayStub } from "./stubs";

export interface NamedShadowPage {
  names: string[];
  /** The last name returned when more may follow. */
  lastName?: string;
}

/**
 * One Durable Object per thing (addressed by thing name): it holds all of the thing's shadows, classic and
 * named, serializes every read-modify-write on them, and indexes the subscriptions to the thing's own topics
 * (`$aws/things/{thing}/…`), so its shadow notifications are matched where they are produced.
 */
export class ThingObject extends DurableObject<Env> implements SubscriptionIndex {
  private readonly shadows: SqliteShadowStore;
  private readonly rate: TokenBucket;
  /** The subscriptions to this thing's own topics, matched where its notifications are produced. */
  private readonly router: IndexRouter;
  /** The other indexes that may hold filters matching this thing's topics (`$aws/things/+/…`), one ordered lane. */
  private readonly pipeline: PublishPipeline;
  private readonly notifications: OrderedBatcher<Routed>;
  private readonly fleet: FleetReporter;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.shadows = new SqliteShadowStore(ctx.storage, parseHistoryVersions(env.SHADOW_HISTORY_VERSIONS));
    this.fleet = new FleetReporter(ctx, env);
    this.rate = new TokenBucket(parseRate(env.THING_REQUESTS_PER_SECOND, DEFAULT_THING_REQUESTS_PER_SECOND));
    this.router = new IndexRouter({
      table: new SqliteRouteTable(ctx.storage.sql),
      hub: (hub) => hubStub(env, hub),
      relay: (relay) => relayStub(env, relay),
      leased: false,
    });
    this.pipeline = new PublishPipeline(pipelinePorts(env));
    // In waves, in version order: here with no hop, and through the pipeline to the `$aws` shard (skipped while it
    // holds an "empty" lease); the next wave once both have the previous one (broker/pipeline.ts `route`).
    this.notifications = new OrderedBatcher<Routed>(
      async (_, batch) => {
        await allSettledOrThrow([this.router.route(batch).then(() => undefined), this.pipeline.route(batch, (address) => address.kind === "thing")]);
      },
      { sizeOf: routedSize },
    );
  }

  /**
   * A REST shadow request: the response document or the error. The response does not wait for the notifications:
   * they leave through ordered lanes, so subscribers still see them in version order.
   */
  async shadowRequest(request: ShadowRequest): Promise<Outcome<string>> {
    if (!this.rate.take()) return failure(new ServiceError("Throttling", "Rate exceeded"));
    const result = this.handle(request);
    this.deliver(result.notifications.map((message) => ({ message }))).catch((error) => console.error("shadow notification failed", error));
    return result.outcome;
  }

  /** Publishes to this thing's shadow request topics (MQTT, or HTTP Publish), in order: answered on /accepted or /rejected. */
  async publishShadowRequests(publishes: ShadowPublish[]): Promise<void> {
    const routed: Routed[] = [];
    for (const { address, message } of publishes) {
      // The request itself reaches subscribers of the request topic too: it is an ordinary publish as well.
      routed.push({ message: { ...message, retain: false } });
      const request: ShadowRequest = { ...address, payload: message.payload, origin: "mqtt" };
      if (this.rate.take()) {
        routed.push(...this.handle(request).notifications.map((notification) => ({ message: notification })));
      } else {
        const topic = `${shadowTopicPrefix(address.thingName, address.shadowName)}/${address.operation}/rejected`;
        const error = new ServiceError("Throttling", "Rate exceeded");
        routed.push({ message: jsonMessage(topic, errorDocument(error, Math.floor(Date.now() / 1000), extractClientToken(message.payload))) });
      }
    }
    await this.deliver(routed);
  }

  async listNamedShadows(after: string | undefined, pageSize: number): Promise<Outcome<NamedShadowPage>> {
    if (!this.rate.take()) return failure(new ServiceError("Throttling", "Rate exceeded"));
    const names = this.shadows.listNamed(after, pageSize + 1);
    const page = names.slice(0, pageSize);
    return success(names.length > pageSize ? { names: page, lastName: page[page.length - 1] } : { names: page });
  }

  /**
   * A page of a shadow's history (this project's extension; domain/shadow/history.ts). Documents cross the RPC
   * boundary as JSON text, as shadowRequest's do: the entries (a JSON array) and where the next page starts.
   */
  async shadowHistory(
    thingName: string,
    shadowName: string | undefined,
    after: HistoryCursor,
    limit: number,
  ): Promise<Outcome<{ entries: string; next?: HistoryCursor }>> {
    if (!this.rate.take()) return failure(new ServiceError("Throttling", "Rate exceeded"));
    return capture(() => {
      const page = readShadowHistory(this.shadows, { thingName, ...(shadowName !== undefined ? { shadowName } : {}), after, limit }, nowSeconds());
      return { entries: JSON.stringify(page.entries), ...(page.next ? { next: page.next } : {}) };
    });
  }

  /** The net change of a shadow since a version, as JSON text (this project's extension; domain/shadow/history.ts). */
  async shadowChanges(thingName: string, shadowName: string | undefined, sinceVersion: number): Promise<Outcome<string>> {
    if (!this.rate.take()) return failure(new ServiceError("Throttling", "Rate exceeded"));
    return capture(() => JSON.stringify(readShadowChanges(this.shadows, thingName, shadowName, sinceVersion, nowSeconds())));
  }

  /** Retries the fleet directory report (FleetReporter). */
  override async alarm(): Promise<void> {
    await this.fleet.alarm();
  }

  async setRoute(filter: string, hub: string, presence: RoutePresence): Promise<void> {
    await this.router.setRoute(filter, hub, presence);
  }

  async route(items: Routed[]): Promise<RouteResult> {
    return this.router.route(items);
  }

  private handle(request: ShadowRequest) {
    const now = nowSeconds();
    // Synchronous from read to write: no other request can interleave, and a write commits atomically. A get
    // writes nothing and reads what the last write left (usually from the store's memory): no transaction needed.
    if (request.operation === "get") return handleShadowRequest(this.shadows, request, now);
    const result = this.shadows.transaction(() => {
      const result = handleShadowRequest(this.shadows, request, now);
      // Creating or deleting a shadow changes the thing's entry in the fleet directory: staged with the change.
      if (result.lifecycle) this.fleet.stage(request.thingName, this.shadows.countLive());
      return result;
    });
    if (result.lifecycle) this.fleet.committed();
    return result;
  }

  /**
   * Delivers this thing's messages in order: to the subscriptions indexed here (no hop), and to the other index
   * that may hold matching filters (`$aws/things/+/…` in the `$aws` level shard).
   */
  private deliver(items: Routed[]): Promise<void> {
    if (items.length === 0) return Promise.resolve();
    return this.notifications.send("", items);
  }
}

const nowSeconds = () => Math.floor(Date.now() / 1000);
