import { DurableObject } from "cloudflare:workers";
import type { Principal } from "../auth/credentials";
import { systemClock } from "../broker/clock";
import { MqttHub } from "../broker/hub/hub";
import type { Attachment, FinishResult, HandoverPage, HandoverRequest, HandoverStart, HubPeer, Socket } from "../broker/hub/ports";
import { LoadReporter } from "../broker/loadReporter";
import { PublishPipeline, retainedShardName } from "../broker/pipeline";
import type { Delivery } from "../broker/types";
import { principalOf } from "../config/credentials";
import type { ConnectionView, DirectOutcome, SubscriptionSummary } from "../domain/connections";
import type { Message } from "../domain/message";
import { poolOfHub } from "../domain/placement";
import { parseRate } from "../domain/rateLimit";
import type { RetainedRecord } from "../domain/retained";
import { MQTT_LIMITS, sessionExpiryMaximum } from "../protocol/mqtt/broker/limits";
import { SqliteConnectionStore } from "../storage/sqliteConnections";
import { SqliteSessionStore } from "../storage/sqliteSessions";
import { clientRegistry, hubPoolStub, hubStub, indexLayout, indexStub, pipelinePorts, retainedStub } from "./stubs";

/**
 * Each socket's attachment as last written or read in this isolate: the hub looks a connection up by it on every
 * incoming frame, and deserializing it each time showed in the pub/sub profile (README "Performance"). After
 * hibernation the isolate is new, the map empty, and the attachment is read from the runtime again.
 */
const attachments = new WeakMap<WebSocket, Attachment | null>();

/** The runtime's hibernatable WebSocket as the hub's Socket port. */
export class RuntimeSocket implements Socket {
  constructor(readonly ws: WebSocket) {}
  send(bytes: Uint8Array): void {
    this.ws.send(bytes);
  }
  close(code: number, reason: string): void {
    this.ws.close(code, reason);
  }
  attachment(): Attachment | null {
    let attachment = attachments.get(this.ws);
    if (attachment === undefined) {
      attachment = this.ws.deserializeAttachment() as Attachment | null;
      attachments.set(this.ws, attachment);
    }
    return attachment;
  }
  setAttachment(attachment: Attachment): void {
    this.ws.serializeAttachment(attachment);
    attachments.set(this.ws, attachment);
  }
}

/**
 * MQTT over WebSocket connections, held with the Hibernation API (docs/fanout-design.md): one of a fixed number of
 * hubs, chosen at random when the WebSocket opens. A thin adapter: every runtime entry point hands over to the hub's
 * logic (broker/hub), which gets the runtime as ports; errors are caught and logged at each entry point.
 */
export class MqttHubObject extends DurableObject<Env> {
  private readonly hub: MqttHub;
  /** Reports the number of open connections to this hub's pool (undefined for a hub outside pools). */
  private readonly load: LoadReporter | undefined;
  /** Alarm changes, one after another (getAlarm/setAlarm are asynchronous). */
  private alarmChain: Promise<void> = Promise.resolve();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    // All of this hub's publishes leave through one pipeline, batched per destination.
    const pipeline = new PublishPipeline(pipelinePorts(env, poolOfHub(ctx.id.name ?? "")?.region));
    this.hub = new MqttHub({
      store: new SqliteSessionStore(ctx.storage.sql),
      connectionStore: new SqliteConnectionStore(ctx.storage.sql),
      clock: systemClock,
      name: () => ctx.id.name,
      sockets: () => ctx.getWebSockets().map((ws) => new RuntimeSocket(ws)),
      registry: (clientId) => clientRegistry(env, clientId),
      // RPC types turn tuples into plain arrays; the values are the same.
      peer: (hub) => hubStub(env, hub) as unknown as HubPeer,
      index: (address) => indexStub(env, address),
      indexLayout: indexLayout(env),
      publish: (message, options) => pipeline.publish(message, options),
      retained: async (topic) => (await retainedStub(env, retainedShardName(topic)).get(topic)) as RetainedRecord | undefined,
      principal: (accessKeyId) => principalOrUndefined(env, accessKeyId),
      scope: { region: env.REGION, account: env.ACCOUNT_ID },
      wakeAt: (at) => this.wakeAt(at),
      keepAliveFloor: parseRate(env.MQTT_KEEPALIVE_MIN_SECONDS, MQTT_LIMITS.keepAliveMinSeconds),
      publishesPerSecond: parseRate(env.MQTT_PUBLISHES_PER_SECOND, MQTT_LIMITS.publishesPerSecond),
      sessionExpiryMax: sessionExpiryMaximum(env.MQTT_SESSION_EXPIRY_MAX_SECONDS),
    });
    this.hub.wake();
    const place = poolOfHub(ctx.id.name ?? "");
    const name = ctx.id.name;
    this.load =
      place && name !== undefined ? new LoadReporter((ticket) => hubPoolStub(env, place.pool).report(name, this.openSockets(), ticket)) : undefined;
  }

  /** Sockets still open (a closing one is still listed while its close event runs). */
  private openSockets(): number {
    return this.ctx.getWebSockets().filter((ws) => ws.readyState === WebSocket.OPEN).length;
  }

  private reportLoad(): void {
    this.load?.changed().catch((error) => console.error("pool report failed; the next change reports again", error));
  }

  // ---- runtime entry points ------------------------------------------------------------------------------------

  /** The WebSocket upgrade, forwarded by the edge after it verified the pre-signed URL. */
  override async fetch(request: Request): Promise<Response> {
    const accessKeyId = request.headers.get("x-iot-access-key-id");
    const subprotocol = request.headers.get("x-iot-subprotocol");
    if (!accessKeyId || !subprotocol) return new Response("Bad hub request", { status: 400 });
    const { 0: client, 1: server } = new WebSocketPair();
    const now = Date.now();
    this.ctx.acceptWebSocket(server);
    const sourceIp = request.headers.get("x-iot-source-ip");
    const targetIp = request.headers.get("x-iot-target-ip");
    const targetPort = Number(request.headers.get("x-iot-target-port"));
    this.hub.open(new RuntimeSocket(server), {
      v: 2,
      connId: crypto.randomUUID(),
      accessKeyId,
      openedAt: now,
      lastSeen: now,
      ...(sourceIp ? { sourceIp } : {}),
      ...(targetIp ? { targetIp } : {}),
      ...(targetPort > 0 ? { targetPort } : {}),
    });
    this.load?.ticketSeen(Number(request.headers.get("x-iot-pool-ticket")));
    this.reportLoad();
    return new Response(null, { status: 101, webSocket: client, headers: { "Sec-WebSocket-Protocol": subprotocol } });
  }

  override async webSocketMessage(ws: WebSocket, data: ArrayBuffer | string): Promise<void> {
    await this.hub.message(new RuntimeSocket(ws), data).catch((error) => console.error("webSocketMessage failed", error));
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    await this.hub.closed(new RuntimeSocket(ws), code).catch((error) => console.error("webSocketClose failed", error));
    this.reportLoad();
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    console.error("websocket error", error);
    await this.hub.errored(new RuntimeSocket(ws)).catch((e) => console.error("webSocketError failed", e));
    this.reportLoad();
  }

  override async alarm(): Promise<void> {
    await this.hub.alarm();
    // Sockets lost in a restart end without close events: the alarm after one reports the count that is left.
    this.reportLoad();
  }

  // ---- RPC from other objects ----------------------------------------------------------------------------------

  async deliver(deliveries: Delivery[]): Promise<void> {
    this.hub.deliver(deliveries);
  }

  async beginHandover(request: HandoverRequest): Promise<HandoverStart> {
    return this.hub.beginHandover(request);
  }

  async fetchHandover(clientId: string, epoch: number, afterOrd: number | null, maxBytes: number): Promise<HandoverPage> {
    return this.hub.fetchHandover(clientId, epoch, afterOrd, maxBytes);
  }

  async finishHandover(clientId: string, epoch: number): Promise<FinishResult> {
    return this.hub.finishHandover(clientId, epoch);
  }

  /** Client ids connected here (tests). */
  async connectedClients(): Promise<string[]> {
    return this.hub.connectedClients();
  }

  // ---- the data plane's connection operations (the edge finds this hub through the client id registry) --------

  async connectionView(clientId: string): Promise<ConnectionView | null> {
    return this.hub.connectionView(clientId);
  }

  async deleteConnection(clientId: string, options: { cleanSession: boolean; preventWillMessage: boolean }): Promise<boolean> {
    return this.hub.deleteConnection(clientId, options);
  }

  async subscriptionsOf(clientId: string): Promise<SubscriptionSummary[] | null> {
    return this.hub.subscriptionsOf(clientId);
  }

  async directMessage(clientId: string, message: Message, options: { timeoutMs: number }): Promise<DirectOutcome> {
    return this.hub.directMessage(clientId, message, options);
  }

  // ---- plumbing ------------------------------------------------------------------------------------------------

  /** Sets the alarm to `at` unless one is due sooner. */
  private wakeAt(at: number): void {
    this.alarmChain = this.alarmChain
      .then(async () => {
        const now = Date.now();
        const current = await this.ctx.storage.getAlarm();
        if (current === null || current > at || current < now) await this.ctx.storage.setAlarm(Math.max(at, now + 10));
      })
      .catch((error) => console.error("setting the alarm failed", error));
  }
}

function principalOrUndefined(env: Env, accessKeyId: string): Principal | undefined {
  try {
    return principalOf(env, accessKeyId);
  } catch {
    return undefined;
  }
}
