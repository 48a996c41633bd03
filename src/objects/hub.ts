import { DurableObject } from "cloudflare:workers";
import { iotArn } from "../auth/arn";
import { isAllowed } from "../auth/authorize";
import type { Principal } from "../auth/credentials";
import { principalOf } from "../config/credentials";
import type { Message } from "../domain/message";
import { parseRate } from "../domain/rateLimit";
import type { RetainedRecord } from "../domain/retained";
import { validatePublishTopic } from "../domain/topics";
import { acceptedConnack, decideConnect } from "../protocol/mqtt/broker/connect";
import { MQTT_LIMITS } from "../protocol/mqtt/broker/limits";
import { messageOfPublish, publishPacketOf } from "../protocol/mqtt/broker/messages";
import { decideSubscribe } from "../protocol/mqtt/broker/subscribe";
import {
  type ConnectPacket,
  encode,
  encodePublishTemplate,
  MqttParser,
  MqttProtocolError,
  type Packet,
  type PublishPacket,
  type PublishTemplate,
  ReasonCode,
  type ReasonCodeValue,
  type SubscribePacket,
  type UnsubscribePacket,
  withMessageId,
} from "../protocol/mqtt/codec";
import { type QueuedMessage, SqliteSessionStore, type SubscriptionRow } from "../storage/sqliteSessions";
import { adjustSubscription, type Delivery, hubStub, PublishPipeline, retainedStub } from "./fanout";
import { sessionRegistry } from "./session";

/** Per-connection identity that survives hibernation (WebSocket attachment, kept small and versioned). */
interface Attachment {
  v: 1;
  hub: string;
  connId: string;
  accessKeyId: string;
  /** Epoch ms. */
  openedAt: number;
  /** Epoch ms of the last packet received, for keep-alive (written at most every quarter keep-alive). */
  lastSeen: number;
  clientId?: string;
  protocolVersion?: 4 | 5;
  keepAlive?: number;
  /** Seconds the session outlives the connection (0: a clean session, nothing to persist per message). */
  sessionExpiry?: number;
}

interface Connection {
  ws: WebSocket;
  att: Attachment;
  parser: MqttParser;
  principal: Principal | undefined;
  /** Packets of one connection are handled one after another. */
  chain: Promise<void>;
  /** PUBACKs go out in the order the PUBLISHes came [MQTT-4.6.0-2], each once its message has been routed. */
  acks: Promise<void>;
  /** Epoch ms of the last packet, exact (the attachment holds a coarser copy). */
  lastSeen: number;
  nextPacketId: number;
  /** QoS 1 messages sent and not acknowledged: packet id → queue row (persistent sessions) or null. */
  inflight: Map<number, number | null>;
  /** Set once the connection's end has been handled (DISCONNECT, takeover, close, error or keep-alive). */
  ended: boolean;
}

/** What a hub hands over when a persistent session moves to another hub. */
export interface HandedOverSession {
  subscriptions: SubscriptionRow[];
  queued: QueuedMessage[];
}

type PublishTemplates = Map<string, PublishTemplate>;

const now = () => Date.now();

const variableUse = new WeakMap<Principal, boolean>();
/** Whether any of the principal's policies has a policy variable (`${iot:ClientId}`…). */
function usesPolicyVariables(principal: Principal): boolean {
  let uses = variableUse.get(principal);
  if (uses === undefined) variableUse.set(principal, (uses = JSON.stringify(principal.policies).includes("${")));
  return uses;
}
const seconds = () => Math.floor(Date.now() / 1000);

/**
 * MQTT over WebSocket connections, held with the Hibernation API (docs/fanout-design.md): one of a fixed number of
 * hubs, chosen at random when the WebSocket opens. It runs the MQTT session of each connection, keeps persistent
 * sessions in SQLite, and writes deliveries from the subscription index to its own sockets.
 */
export class MqttHubObject extends DurableObject<Env> {
  private readonly store: SqliteSessionStore;
  /** All of this hub's publishes leave through one pipeline, batched per destination. */
  private readonly pipeline: PublishPipeline;
  private connectionsById: Map<string, Connection> | undefined;
  private readonly byClient = new Map<string, Connection>();
  /** filter → client id → subscription, for every session held here (connected or not). */
  private subscribers: Map<string, Map<string, SubscriptionRow>> | undefined;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new SqliteSessionStore(ctx.storage.sql);
    this.pipeline = new PublishPipeline(env);
  }

  // ---- runtime entry points -------------------------------------------------------------------------------

  /** The WebSocket upgrade, forwarded by the edge after it verified the pre-signed URL. */
  override async fetch(request: Request): Promise<Response> {
    const accessKeyId = request.headers.get("x-iot-access-key-id");
    const hub = request.headers.get("x-iot-hub");
    const subprotocol = request.headers.get("x-iot-subprotocol");
    if (!accessKeyId || !hub || !subprotocol) return new Response("Bad hub request", { status: 400 });
    if (this.ctx.storage.kv.get<string>("hub") !== hub) this.ctx.storage.kv.put("hub", hub);
    const { 0: client, 1: server } = new WebSocketPair();
    const att: Attachment = { v: 1, hub, connId: crypto.randomUUID(), accessKeyId, openedAt: now(), lastSeen: now() };
    this.ctx.acceptWebSocket(server, [att.connId]);
    server.serializeAttachment(att);
    this.connections().set(att.connId, this.connectionFor(server, att));
    await this.scheduleAlarm(att.openedAt + MQTT_LIMITS.connectTimeoutSeconds * 1000);
    return new Response(null, { status: 101, webSocket: client, headers: { "Sec-WebSocket-Protocol": subprotocol } });
  }

  override async webSocketMessage(ws: WebSocket, data: ArrayBuffer | string): Promise<void> {
    const conn = this.connectionOf(ws);
    if (!conn || conn.ended) return;
    if (typeof data === "string") {
      // MQTT travels in binary frames only.
      return this.protocolError(conn, new MqttProtocolError(ReasonCode.MalformedPacket, "MQTT packets must be sent in binary frames"));
    }
    this.touch(conn);
    let packets: Packet[];
    try {
      packets = conn.parser.push(new Uint8Array(data));
    } catch (error) {
      return this.protocolError(conn, error);
    }
    for (const packet of packets) {
      conn.chain = conn.chain.then(() => (conn.ended ? undefined : this.handle(conn, packet))).catch((error) => this.protocolError(conn, error));
    }
    // Handling a PUBLISH only starts its routing: the next frames are read while it runs.
    await conn.chain;
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    const conn = this.connectionOf(ws);
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code); // reciprocate the close frame
    } catch {
      // already closed
    }
    if (!conn) return;
    // After the packets already received (a DISCONNECT just before the close must count).
    conn.chain = conn.chain.then(() => this.endConnection(conn, { abrupt: true }));
    await conn.chain;
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    console.error("websocket error", error);
    const conn = this.connectionOf(ws);
    if (conn) await this.endConnection(conn, { abrupt: true });
  }

  /** Keep-alive and CONNECT deadlines, and expiry of disconnected persistent sessions. */
  override async alarm(): Promise<void> {
    const t = now();
    for (const conn of [...this.connections().values()]) {
      const keepAlive = conn.att.keepAlive;
      const late = keepAlive === undefined ? t - conn.att.openedAt > MQTT_LIMITS.connectTimeoutSeconds * 1000 : t - conn.lastSeen > keepAlive * 1500; // [MQTT-3.1.2-24]: one and a half times the keep-alive
      if (!late) continue;
      if (conn.att.protocolVersion === 5) this.send(conn, { cmd: "disconnect", reasonCode: ReasonCode.KeepAliveTimeout });
      this.closeSocket(conn, 1000, "keep-alive timeout");
      await this.endConnection(conn, { abrupt: true });
    }
    for (const clientId of this.store.expiredSessions(seconds())) await this.dropSession(clientId);
    await this.scheduleAlarm();
  }

  // ---- RPC from other objects ------------------------------------------------------------------------------

  /** Deliveries from the subscription index, in order. */
  async deliver(deliveries: Delivery[]): Promise<void> {
    const subscribers = this.subscriptionIndex();
    const templates: PublishTemplates = new Map();
    const decided = new Map<string, boolean>();
    for (const delivery of deliveries) {
      // One copy per client even when several of its subscriptions match, at the highest of their QoS.
      const chosen = new Map<string, SubscriptionRow>();
      for (const filter of delivery.filters) {
        for (const [clientId, sub] of subscribers.get(filter) ?? []) {
          const best = chosen.get(clientId);
          if (!best || sub.qos > best.qos) chosen.set(clientId, sub);
        }
      }
      templates.clear();
      for (const [clientId, sub] of chosen) {
        if (sub.noLocal && delivery.publisher === clientId) continue;
        this.deliverTo(clientId, sub, delivery.message, templates, decided);
      }
    }
  }

  /**
   * Another hub took over this client id: close the connection held here and, unless the new connection starts
   * clean, hand over the persistent session.
   */
  async handOver(clientId: string, connId: string, clean: boolean): Promise<HandedOverSession | null> {
    await this.closeTakenOver(clientId, connId);
    const session = this.store.session(clientId);
    if (!session) return null;
    const handed = clean ? null : { subscriptions: this.store.subscriptionsOf(clientId), queued: this.store.queued(clientId) };
    await this.dropSession(clientId, { keepRegistry: true });
    return handed;
  }

  // ---- packets ---------------------------------------------------------------------------------------------

  private async handle(conn: Connection, packet: Packet): Promise<void> {
    switch (packet.cmd) {
      case "connect":
        return this.onConnect(conn, packet);
      case "publish":
        return this.onPublish(conn, packet);
      case "puback":
        return this.onPuback(conn, packet.messageId);
      case "subscribe":
        return this.onSubscribe(conn, packet);
      case "unsubscribe":
        return this.onUnsubscribe(conn, packet);
      case "pingreq":
        return this.send(conn, { cmd: "pingresp" });
      case "disconnect":
        return this.onDisconnect(conn, packet.reasonCode ?? 0, packet.properties?.sessionExpiryInterval);
      default:
        // QoS 2 flows, AUTH and server-to-client packets are not for a client to send here.
        throw new MqttProtocolError(ReasonCode.ProtocolError, `Unexpected ${packet.cmd} packet`);
    }
  }

  private async onConnect(conn: Connection, packet: ConnectPacket): Promise<void> {
    const v = packet.protocolVersion;
    conn.att.protocolVersion = v;
    const principal = this.principalOrUndefined(conn.att.accessKeyId);
    const decision = decideConnect(packet, {
      connectionId: conn.att.connId,
      keepAliveFloor: parseRate(this.env.MQTT_KEEPALIVE_MIN_SECONDS, MQTT_LIMITS.keepAliveMinSeconds),
      mayConnect: (clientId) =>
        principal !== undefined && isAllowed(principal, "iot:Connect", iotArn.client(this.env.REGION, this.env.ACCOUNT_ID, clientId), { clientId }),
    });
    if (!decision.accepted) {
      this.send(conn, decision.connack);
      this.closeSocket(conn, 1000, "connection refused");
      conn.ended = true;
      this.forget(conn);
      return;
    }
    const { clientId, keepAlive, sessionExpiry: expiry, will } = decision;
    conn.principal = principal;

    // Take the client id over from whoever holds it (here or on another hub) [MQTT-3.1.4-3].
    const previous = await sessionRegistry(this.env, clientId).claim(clientId, { hub: conn.att.hub, connId: conn.att.connId });
    let sessionPresent = false;
    if (previous && previous.hub !== conn.att.hub) {
      // RPC types turn tuples into plain arrays; the values are the same.
      const handed = (await hubStub(this.env, previous.hub).handOver(clientId, previous.connId, packet.clean)) as HandedOverSession | null;
      if (handed) {
        await this.adoptSession(clientId, handed);
        sessionPresent = true;
      }
    } else {
      await this.closeTakenOver(clientId, previous?.connId);
    }
    // A session this hub already holds for the client id: Clean Start discards it, otherwise it resumes.
    if (this.store.session(clientId)) {
      if (packet.clean) await this.dropSession(clientId, { keepRegistry: true });
      else sessionPresent = true;
    }
    if (conn.ended) return; // the socket closed while we waited
    this.store.putSession({ clientId, connId: conn.att.connId, protocolVersion: v, expiry, disconnectedAt: null, accessKeyId: conn.att.accessKeyId });
    this.store.putWill(clientId, will);
    conn.att.clientId = clientId;
    conn.att.keepAlive = keepAlive;
    conn.att.sessionExpiry = expiry;
    conn.ws.serializeAttachment(conn.att);
    this.byClient.set(clientId, conn);
    conn.nextPacketId = this.store.queued(clientId).reduce((max, q) => Math.max(max, q.packetId ?? 0), 0) + 1;

    this.send(conn, acceptedConnack(packet, decision, sessionPresent));
    await this.scheduleAlarm();
    if (sessionPresent) this.resendQueued(conn);
  }

  private async onPublish(conn: Connection, packet: PublishPacket): Promise<void> {
    const v = conn.att.protocolVersion;
    // AWS IoT does not support QoS 2: no PUBACK or PUBREC is sent (AWS IoT Developer Guide, MQTT differences).
    if (packet.qos === 2) return;
    if (packet.properties?.topicAlias !== undefined) {
      throw new MqttProtocolError(ReasonCode.TopicAliasInvalid, "Topic aliases are not supported (Topic Alias Maximum is 0)");
    }
    const reject = (reasonCode: ReasonCodeValue, why: string) => {
      if (v === 5 && packet.qos === 1) return this.send(conn, { cmd: "puback", messageId: packet.messageId!, reasonCode });
      // AWS IoT closes an MQTT 3.1.1 connection that publishes where it may not.
      throw new MqttProtocolError(reasonCode, why);
    };
    try {
      validatePublishTopic(packet.topic, { retain: packet.retain });
    } catch (error) {
      return reject(ReasonCode.TopicNameInvalid, (error as Error).message);
    }
    const clientId = conn.att.clientId!;
    const vars = { clientId };
    const topicArn = iotArn.topic(this.env.REGION, this.env.ACCOUNT_ID, packet.topic);
    if (
      !isAllowed(conn.principal!, "iot:Publish", topicArn, vars) ||
      (packet.retain && !isAllowed(conn.principal!, "iot:RetainPublish", topicArn, vars))
    ) {
      return reject(ReasonCode.NotAuthorized, `Not authorized to publish to ${packet.topic}`);
    }
    // Routing runs while the next packets are read: the pipeline keeps the order per destination.
    const routed = this.pipeline.publish(messageOfPublish(packet), { publisher: clientId });
    const previous = conn.acks;
    conn.acks = (async () => {
      await previous;
      try {
        await routed;
      } catch (error) {
        // Not acknowledged: the client sends it again (DUP) when it reconnects.
        console.error(`routing a publish from ${clientId} failed`, error);
        return;
      }
      if (packet.qos === 1 && !conn.ended) this.send(conn, { cmd: "puback", messageId: packet.messageId! });
    })();
  }

  private onPuback(conn: Connection, packetId: number): void {
    const clientId = conn.att.clientId!;
    if (conn.inflight.has(packetId)) {
      if (conn.inflight.get(packetId) !== null) this.store.acknowledge(clientId, packetId);
      conn.inflight.delete(packetId);
    } else {
      // Sent before this object hibernated: the queue still knows it.
      this.store.acknowledge(clientId, packetId);
    }
    // Messages held back by the in-flight limit go now (only persistent sessions queue any).
    if ((conn.att.sessionExpiry ?? 0) > 0) this.resendQueued(conn, { unsentOnly: true });
  }

  private async onSubscribe(conn: Connection, packet: SubscribePacket): Promise<void> {
    const clientId = conn.att.clientId!;
    const decision = decideSubscribe(packet, {
      protocolVersion: conn.att.protocolVersion!,
      existing: new Set(this.store.subscriptionsOf(clientId).map((s) => s.filter)),
      maySubscribe: (filter) =>
        isAllowed(conn.principal!, "iot:Subscribe", iotArn.topicFilter(this.env.REGION, this.env.ACCOUNT_ID, filter), { clientId }),
    });
    if (!decision) return;
    const newFilters: string[] = [];
    for (const accepted of decision.accepted) {
      const row: SubscriptionRow = {
        clientId,
        filter: accepted.filter,
        qos: accepted.qos,
        noLocal: accepted.noLocal,
        retainAsPublished: accepted.retainAsPublished,
      };
      this.store.putSubscription(row);
      this.indexSubscription(row);
      if (!accepted.replaced && this.store.subscriberCount(accepted.filter) === 1) newFilters.push(accepted.filter);
    }
    // Index first: a publish right after the SUBACK must find this hub.
    await Promise.all(newFilters.map((filter) => adjustSubscription(this.env, filter, conn.att.hub, +1)));
    this.send(conn, { cmd: "suback", messageId: packet.messageId, granted: decision.granted });
    for (const { filter, qos } of decision.accepted.filter((a) => a.sendRetained)) {
      const record = (await retainedStub(this.env, filter).get(filter)) as RetainedRecord | undefined;
      if (!record || conn.ended || !this.mayReceive(conn.principal!, clientId, record.topic)) continue;
      const message: Message = {
        topic: record.topic,
        payload: record.payload,
        qos: record.qos,
        retain: true,
        ...(record.properties ? { properties: record.properties } : {}),
      };
      this.sendMessage(conn, message, Math.min(qos, record.qos) as 0 | 1, true, new Map());
    }
  }

  private async onUnsubscribe(conn: Connection, packet: UnsubscribePacket): Promise<void> {
    const clientId = conn.att.clientId!;
    const granted: number[] = [];
    const emptied: string[] = [];
    for (const filter of packet.unsubscriptions) {
      const existed = this.store.deleteSubscription(clientId, filter);
      this.subscriptionIndex().get(filter)?.delete(clientId);
      if (existed && this.store.subscriberCount(filter) === 0) emptied.push(filter);
      granted.push(existed ? ReasonCode.Success : ReasonCode.NoSubscriptionExisted);
    }
    await Promise.all(emptied.map((filter) => adjustSubscription(this.env, filter, conn.att.hub, -1)));
    this.send(
      conn,
      conn.att.protocolVersion === 5 ? { cmd: "unsuback", messageId: packet.messageId, granted } : { cmd: "unsuback", messageId: packet.messageId },
    );
  }

  private async onDisconnect(conn: Connection, reasonCode: number, sessionExpiry: number | undefined): Promise<void> {
    const clientId = conn.att.clientId!;
    const session = this.store.session(clientId);
    if (session && sessionExpiry !== undefined) {
      // [MQTT-3.14.2-2]: a session that was to end with its connection cannot be extended at disconnect.
      if (session.expiry === 0 && sessionExpiry > 0)
        throw new MqttProtocolError(ReasonCode.ProtocolError, "Session Expiry Interval was 0 at CONNECT");
      this.store.putSession({ ...session, expiry: Math.min(sessionExpiry, MQTT_LIMITS.sessionExpiryMaxSeconds) });
      conn.att.sessionExpiry = Math.min(sessionExpiry, MQTT_LIMITS.sessionExpiryMaxSeconds);
    }
    // A normal DISCONNECT discards the will [MQTT-3.14.4-3]; MQTT 5 reason 0x04 asks for it to be published.
    this.closeSocket(conn, 1000, "disconnect");
    await this.endConnection(conn, { abrupt: reasonCode === ReasonCode.DisconnectWithWillMessage });
  }

  // ---- delivery --------------------------------------------------------------------------------------------

  private deliverTo(clientId: string, sub: SubscriptionRow, message: Message, templates: PublishTemplates, decided: Map<string, boolean>): void {
    const qos = Math.min(sub.qos, message.qos) as 0 | 1;
    const retain = sub.retainAsPublished ? message.retain : false;
    const conn = this.byClient.get(clientId) ?? this.connectedClient(clientId);
    if (conn && !conn.ended) {
      if (this.mayReceive(conn.principal!, clientId, message.topic, decided)) this.sendMessage(conn, message, qos, retain, templates);
      return;
    }
    // A disconnected persistent session keeps its QoS 1 messages until it comes back (QoS 0 ones are not kept).
    const session = this.store.session(clientId);
    if (!session || qos === 0) return;
    const principal = this.principalOrUndefined(session.accessKeyId);
    if (principal && this.mayReceive(principal, clientId, message.topic, decided)) {
      this.store.enqueue(clientId, { ...message, qos, retain }, null, seconds(), MQTT_LIMITS.queuedMessagesPerSession);
    }
  }

  private sendMessage(conn: Connection, message: Message, qos: 0 | 1, retain: boolean, templates: PublishTemplates, queuedAt?: number): void {
    const v = conn.att.protocolVersion!;
    const expiryInterval = message.properties?.messageExpiryInterval;
    let remaining: number | undefined;
    if (expiryInterval !== undefined && queuedAt !== undefined) {
      remaining = expiryInterval - (seconds() - queuedAt);
      if (remaining <= 0) return; // expired while queued [MQTT-3.3.2-5]
    }
    const key = `${v}:${qos}:${retain ? 1 : 0}:${remaining ?? ""}`;
    let template = templates.get(key);
    if (!template) {
      const options = {
        retain,
        ...(remaining !== undefined
          ? { messageExpiryInterval: remaining }
          : expiryInterval !== undefined
            ? { messageExpiryInterval: expiryInterval }
            : {}),
      };
      template = encodePublishTemplate(publishPacketOf(message, qos, v, options), v);
      templates.set(key, template);
    }
    if (qos === 0) {
      this.sendBytes(conn, template.bytes);
      return;
    }
    const packetId = this.allocatePacketId(conn);
    // Only a persistent session keeps its in-flight messages in storage (a clean one ends with the connection).
    const seq =
      (conn.att.sessionExpiry ?? 0) > 0
        ? this.store.enqueue(conn.att.clientId!, { ...message, qos, retain }, packetId, seconds(), MQTT_LIMITS.queuedMessagesPerSession)
        : null;
    conn.inflight.set(packetId, seq);
    this.sendBytes(conn, withMessageId(template, packetId));
  }

  /** Messages kept for a persistent session: unacknowledged ones again (DUP=1), then the ones never sent. */
  private resendQueued(conn: Connection, options: { unsentOnly?: boolean } = {}): void {
    const clientId = conn.att.clientId!;
    for (const queued of this.store.queued(clientId)) {
      if (conn.inflight.size >= MQTT_LIMITS.inflightPerConnection) return;
      if (queued.packetId !== null && (options.unsentOnly || conn.inflight.has(queued.packetId))) continue;
      const { message } = queued;
      const expiry = message.properties?.messageExpiryInterval;
      const remaining = expiry !== undefined ? expiry - (seconds() - queued.queuedAt) : undefined;
      if (remaining !== undefined && remaining <= 0) {
        this.store.dropQueued(queued.seq);
        continue;
      }
      const packetId = queued.packetId ?? this.allocatePacketId(conn);
      if (queued.packetId === null) this.store.markSent(queued.seq, packetId);
      conn.inflight.set(packetId, queued.seq);
      const packet = publishPacketOf(message, 1, conn.att.protocolVersion!, {
        retain: message.retain,
        ...(remaining !== undefined ? { messageExpiryInterval: remaining } : {}),
      });
      // [MQTT-3.3.1-1]: a re-delivery of a packet sent before carries DUP=1.
      this.send(conn, { ...packet, messageId: packetId, dup: queued.packetId !== null });
    }
  }

  /**
   * iot:Receive for one subscriber. When the principal's policies use no variable the answer depends only on the
   * principal and the topic, so one fan-out asks once per principal, not once per subscriber.
   */
  private mayReceive(principal: Principal, clientId: string, topic: string, decided?: Map<string, boolean>): boolean {
    const shared = decided && !usesPolicyVariables(principal) ? `${principal.accessKeyId}\n${topic}` : undefined;
    const known = shared !== undefined ? decided!.get(shared) : undefined;
    if (known !== undefined) return known;
    const allowed = isAllowed(principal, "iot:Receive", iotArn.topic(this.env.REGION, this.env.ACCOUNT_ID, topic), { clientId });
    if (shared !== undefined) decided!.set(shared, allowed);
    return allowed;
  }

  // ---- sessions --------------------------------------------------------------------------------------------

  private async adoptSession(clientId: string, handed: HandedOverSession): Promise<void> {
    const newFilters: string[] = [];
    for (const sub of handed.subscriptions) {
      this.store.putSubscription(sub);
      this.indexSubscription(sub);
      if (this.store.subscriberCount(sub.filter) === 1) newFilters.push(sub.filter);
    }
    for (const queued of handed.queued) {
      this.store.enqueue(clientId, queued.message, queued.packetId, queued.queuedAt, MQTT_LIMITS.queuedMessagesPerSession);
    }
    const hub = this.hubName();
    if (hub) await Promise.all(newFilters.map((filter) => adjustSubscription(this.env, filter, hub, +1)));
  }

  /** Closes the connection that held `clientId` here before, if it is still open [MQTT-3.1.4-3]. */
  private async closeTakenOver(clientId: string, connId: string | undefined): Promise<void> {
    const old = connId !== undefined ? this.connections().get(connId) : this.byClient.get(clientId);
    if (!old || old.ended) return;
    if (old.att.protocolVersion === 5) this.send(old, { cmd: "disconnect", reasonCode: ReasonCode.SessionTakenOver });
    this.closeSocket(old, 1000, "session taken over");
    // The old client did not send DISCONNECT: its will is published. The session itself stays for the new connection.
    old.ended = true;
    this.forget(old);
    const will = this.store.takeWill(clientId);
    if (will) await this.pipeline.publish(will, { publisher: clientId, fromWill: true });
  }

  /** The end of a connection: will, then the session ends or waits for its client (persistent sessions). */
  private async endConnection(conn: Connection, options: { abrupt: boolean }): Promise<void> {
    if (conn.ended) return;
    conn.ended = true;
    this.forget(conn);
    const clientId = conn.att.clientId;
    if (clientId === undefined) return; // never connected
    const session = this.store.session(clientId);
    if (!session || session.connId !== conn.att.connId) return; // taken over meanwhile
    const will = this.store.takeWill(clientId);
    if (will && options.abrupt) await this.pipeline.publish(will, { publisher: clientId, fromWill: true });
    if (session.expiry === 0) {
      await this.dropSession(clientId);
    } else {
      this.store.putSession({ ...session, disconnectedAt: seconds() });
      await this.scheduleAlarm();
    }
  }

  /** Removes a session and its subscriptions from this hub and from the index. */
  private async dropSession(clientId: string, options: { keepRegistry?: boolean } = {}): Promise<void> {
    const session = this.store.session(clientId);
    const filters = this.store.deleteSession(clientId);
    for (const filter of filters) this.subscriptionIndex().get(filter)?.delete(clientId);
    const emptied = filters.filter((filter) => this.store.subscriberCount(filter) === 0);
    const hub = this.hubName();
    if (hub) await Promise.all(emptied.map((filter) => adjustSubscription(this.env, filter, hub, -1)));
    if (session && hub && !options.keepRegistry) await sessionRegistry(this.env, clientId).release(clientId, { hub, connId: session.connId });
  }

  // ---- plumbing --------------------------------------------------------------------------------------------

  private send(conn: Connection, packet: Packet): void {
    this.sendBytes(conn, encode(packet, conn.att.protocolVersion ?? 4));
  }

  private sendBytes(conn: Connection, bytes: Uint8Array): void {
    try {
      conn.ws.send(bytes);
    } catch {
      // The socket is gone; its close event ends the connection.
    }
  }

  private closeSocket(conn: Connection, code: number, reason: string): void {
    try {
      conn.ws.close(code, reason);
    } catch {
      // already closed
    }
  }

  /** A malformed packet or a protocol violation closes that connection only, with the reason (MQTT 5 §4.13). */
  private async protocolError(conn: Connection, error: unknown): Promise<void> {
    if (conn.ended) return;
    const reasonCode = error instanceof MqttProtocolError ? error.reasonCode : ReasonCode.UnspecifiedError;
    if (!(error instanceof MqttProtocolError)) console.error("mqtt connection failed", error);
    if (conn.att.clientId === undefined && reasonCode === ReasonCode.UnsupportedProtocolVersion) {
      // Refused at CONNECT: 3.1.1 return code 1 "unacceptable protocol version".
      this.sendBytes(conn, encode({ cmd: "connack", sessionPresent: false, returnCode: 1 }, 4));
    } else if (conn.att.clientId !== undefined && conn.att.protocolVersion === 5) {
      this.send(conn, { cmd: "disconnect", reasonCode });
    }
    this.closeSocket(conn, 1002, error instanceof Error ? error.message.slice(0, 120) : "protocol error");
    await this.endConnection(conn, { abrupt: true });
  }

  private touch(conn: Connection): void {
    const t = now();
    conn.lastSeen = t;
    const quarter = ((conn.att.keepAlive ?? MQTT_LIMITS.connectTimeoutSeconds) * 1000) / 4;
    if (t - conn.att.lastSeen > quarter) {
      conn.att.lastSeen = t;
      conn.ws.serializeAttachment(conn.att);
    }
  }

  private allocatePacketId(conn: Connection): number {
    for (let i = 0; i < 0xffff; i++) {
      const id = conn.nextPacketId;
      conn.nextPacketId = id >= 0xffff ? 1 : id + 1;
      if (!conn.inflight.has(id)) return id;
    }
    throw new MqttProtocolError(ReasonCode.ReceiveMaximumExceeded, "No packet identifier left");
  }

  private principalOrUndefined(accessKeyId: string): Principal | undefined {
    try {
      return principalOf(this.env, accessKeyId);
    } catch {
      return undefined;
    }
  }

  private connectionFor(ws: WebSocket, att: Attachment): Connection {
    const conn: Connection = {
      ws,
      att,
      parser: new MqttParser({ maxPacketSize: MQTT_LIMITS.maxPacketBytes, ...(att.protocolVersion ? { protocolVersion: att.protocolVersion } : {}) }),
      principal: att.clientId !== undefined ? this.principalOrUndefined(att.accessKeyId) : undefined,
      chain: Promise.resolve(),
      acks: Promise.resolve(),
      lastSeen: att.lastSeen,
      nextPacketId: 1,
      inflight: new Map(),
      ended: false,
    };
    if (att.clientId !== undefined) this.byClient.set(att.clientId, conn);
    return conn;
  }

  /** Open connections, rebuilt from the hibernated sockets and their attachments after a wake-up. */
  private connections(): Map<string, Connection> {
    if (!this.connectionsById) {
      this.connectionsById = new Map();
      for (const ws of this.ctx.getWebSockets()) {
        const att = ws.deserializeAttachment() as Attachment | null;
        if (att?.v === 1) this.connectionsById.set(att.connId, this.connectionFor(ws, att));
      }
    }
    return this.connectionsById;
  }

  private connectionOf(ws: WebSocket): Connection | undefined {
    const att = ws.deserializeAttachment() as Attachment | null;
    return att ? this.connections().get(att.connId) : undefined;
  }

  private connectedClient(clientId: string): Connection | undefined {
    this.connections();
    return this.byClient.get(clientId);
  }

  private forget(conn: Connection): void {
    this.connections().delete(conn.att.connId);
    if (conn.att.clientId !== undefined && this.byClient.get(conn.att.clientId) === conn) this.byClient.delete(conn.att.clientId);
  }

  /** This hub's name (objects do not know the name they were addressed by; the edge tells it on each upgrade). */
  private hubName(): string | undefined {
    return this.ctx.storage.kv.get<string>("hub");
  }

  private subscriptionIndex(): Map<string, Map<string, SubscriptionRow>> {
    if (!this.subscribers) {
      this.subscribers = new Map();
      for (const row of this.store.allSubscriptions()) this.indexSubscription(row);
    }
    return this.subscribers;
  }

  private indexSubscription(row: SubscriptionRow): void {
    const index = this.subscriptionIndex();
    let clients = index.get(row.filter);
    if (!clients) index.set(row.filter, (clients = new Map()));
    clients.set(row.clientId, row);
  }

  /** Sets the alarm to the earliest deadline: a CONNECT or keep-alive timeout, or a session expiry. */
  private async scheduleAlarm(atLeast?: number): Promise<void> {
    let next = atLeast ?? Number.POSITIVE_INFINITY;
    for (const conn of this.connections().values()) {
      const deadline =
        conn.att.keepAlive === undefined ? conn.att.openedAt + MQTT_LIMITS.connectTimeoutSeconds * 1000 : conn.lastSeen + conn.att.keepAlive * 1500;
      next = Math.min(next, deadline);
    }
    const expiry = this.store.nextSessionExpiry();
    if (expiry !== undefined) next = Math.min(next, expiry * 1000);
    if (!Number.isFinite(next)) return;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > next || current < now()) await this.ctx.storage.setAlarm(Math.max(next, now() + 100));
  }
}
