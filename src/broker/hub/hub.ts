import { mayConnect, mayPublish, maySubscribe } from "../../auth/mqtt";
import type { Message } from "../../domain/message";
import { acceptedConnack, type ConnectDecision, decideConnect } from "../../protocol/mqtt/broker/connect";
import { decideDisconnect } from "../../protocol/mqtt/broker/disconnect";
import { MQTT_LIMITS } from "../../protocol/mqtt/broker/limits";
import { decidePublish } from "../../protocol/mqtt/broker/publish";
import { decideSubscribe } from "../../protocol/mqtt/broker/subscribe";
import { decideUnsubscribe } from "../../protocol/mqtt/broker/unsubscribe";
import {
  type ConnectPacket,
  encode,
  MqttProtocolError,
  type Packet,
  type PublishPacket,
  ReasonCode,
  type SubscribePacket,
  type UnsubscribePacket,
} from "../../protocol/mqtt/codec";
import type { Claim } from "../../storage/sqliteRegistry";
import type { SqliteSessionStore, SubscriptionRow } from "../../storage/sqliteSessions";
import { INTERACTIVE_RETRY, laterDelayMs, withRetries } from "../retry";
import type { Delivery } from "../types";
import { type Connection, closeSocket, deadlineOf, newConnection, sendPacket } from "./connection";
import { HandoverSuperseded, SessionHandover } from "./handover";
import { Outbox, type PublishTemplates } from "./outbox";
import type { Attachment, FinishResult, HandoverPage, HandoverRequest, HandoverStart, HubPorts, Socket } from "./ports";
import { HubRoutes } from "./routes";
import { LocalSubscriptions } from "./subscriptions";

/** Message ids delivered to which clients lately: a retried or overlapping delivery is not sent twice. */
class RecentDeliveries {
  private readonly seen = new Map<string, Set<string>>();

  constructor(private readonly capacity = 4096) {}

  /** True the first time (message, client) is seen. */
  first(messageId: string | undefined, clientId: string): boolean {
    if (messageId === undefined) return true;
    let clients = this.seen.get(messageId);
    if (!clients) {
      if (this.seen.size >= this.capacity) this.seen.delete(this.seen.keys().next().value!);
      this.seen.set(messageId, (clients = new Set()));
    }
    if (clients.has(clientId)) return false;
    clients.add(clientId);
    return true;
  }
}

/**
 * The MQTT sessions of one hub object (docs/fanout-design.md): its connections (held by the runtime through
 * hibernation), the sessions it holds, delivery to them, and the durable work that keeps the rest of the system in
 * step with them (index registrations, wills, registry releases, handovers). No Workers imports: the Durable Object
 * (objects/hub.ts) passes the runtime in as ports, and the model-based tests pass a simulated one.
 */
export class MqttHub {
  readonly store: SqliteSessionStore;
  readonly subscriptions: LocalSubscriptions;
  readonly routes: HubRoutes;
  private readonly outbox: Outbox;
  private readonly handover: SessionHandover;
  private readonly connections = new Map<string, Connection>();
  /** The connection that holds each connected client's session. */
  private readonly byClient = new Map<string, Connection>();
  /** Session work of one client id runs one at a time (CONNECT, handover, adoption retries). */
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly recent = new RecentDeliveries();
  private draining: Promise<void> | undefined;
  private drainAgain = false;

  constructor(readonly ports: HubPorts) {
    this.store = ports.store;
    this.subscriptions = new LocalSubscriptions(this.store);
    this.routes = new HubRoutes(this.store, ports);
    this.outbox = new Outbox(this.store, ports.clock, ports.scope);
    this.handover = new SessionHandover({
      store: this.store,
      ports,
      routes: this.routes,
      subscriptions: this.subscriptions,
      dropSession: (clientId, options) => this.dropSession(clientId, options),
      closeTakenOver: (clientId) => this.closeTakenOver(clientId),
    });
  }

  // ---- runtime entry points ------------------------------------------------------------------------------------

  /**
   * The object started (first use, after hibernation, or after a restart): connections come back from the live
   * sockets, and sessions the store believes connected but whose socket is gone (a restart or deploy drops sockets
   * without close events) end as a lost connection: will published, clean sessions gone, persistent ones expiring.
   */
  wake(): void {
    const now = this.ports.clock.now();
    for (const socket of this.ports.sockets()) {
      const att = socket.attachment();
      if (att?.v !== 2) {
        // A connection from before an incompatible upgrade: its session state is gone; the client reconnects.
        try {
          socket.close(1012, "service restart");
        } catch {
          // already closed
        }
        continue;
      }
      const conn = newConnection(socket, att, att.clientId !== undefined ? this.ports.principal(att.accessKeyId) : undefined, now);
      this.connections.set(att.connId, conn);
      if (att.clientId !== undefined) this.byClient.set(att.clientId, conn);
    }
    for (const session of this.store.connectedSessions()) {
      const conn = this.byClient.get(session.clientId);
      if (conn?.att.connId !== session.connId) this.endSession(session.clientId, session.connId, { publishWill: true });
    }
    this.scheduleWake();
    this.kick();
  }

  /** A WebSocket opened (the edge verified its pre-signed URL). */
  open(socket: Socket, att: Attachment): void {
    socket.setAttachment(att);
    this.connections.set(att.connId, newConnection(socket, att, undefined, this.ports.clock.now()));
    this.ports.wakeAt(att.openedAt + MQTT_LIMITS.connectTimeoutSeconds * 1000);
  }

  async message(socket: Socket, data: ArrayBuffer | string): Promise<void> {
    const conn = this.connectionOf(socket);
    if (!conn || conn.ended) return;
    if (typeof data === "string") {
      // MQTT travels in binary frames only.
      return this.protocolError(conn, new MqttProtocolError(ReasonCode.MalformedPacket, "MQTT packets must be sent in binary frames"));
    }
    this.touch(conn);
    const size = data.byteLength;
    conn.pendingInput += size;
    if (conn.pendingInput > MQTT_LIMITS.maxPendingInputBytes) {
      // One client cannot grow the hub's memory: past the bound it is disconnected (AWS: THROTTLED).
      return this.protocolError(conn, new MqttProtocolError(ReasonCode.QuotaExceeded, "Too much data waiting to be handled"));
    }
    let packets: Packet[];
    try {
      packets = conn.parser.push(new Uint8Array(data));
    } catch (error) {
      return this.protocolError(conn, error);
    }
    const wait = conn.byteRate.reserve(size, this.ports.clock.now());
    if (wait > 0) conn.chain = conn.chain.then(() => this.ports.clock.sleep(wait));
    for (const packet of packets) {
      conn.chain = conn.chain.then(() => (conn.ended ? undefined : this.handle(conn, packet))).catch((error) => this.protocolError(conn, error));
    }
    conn.chain = conn.chain.then(() => {
      conn.pendingInput -= size;
    });
    // Handling a PUBLISH only starts its routing: the next frames are read while it runs.
    await conn.chain;
  }

  async closed(socket: Socket, code: number): Promise<void> {
    const conn = this.connectionOf(socket);
    try {
      socket.close(code === 1005 || code === 1006 ? 1000 : code, "closed"); // reciprocate the close frame
    } catch {
      // already closed
    }
    if (!conn) return;
    // After the packets already received (a DISCONNECT just before the close must count).
    conn.chain = conn.chain.then(() => this.endConnection(conn, { publishWill: true }));
    await conn.chain;
  }

  async errored(socket: Socket): Promise<void> {
    const conn = this.connectionOf(socket);
    if (conn) this.endConnection(conn, { publishWill: true });
  }

  /** Keep-alive and CONNECT deadlines, expiry of disconnected sessions, and durable work due for a retry. */
  async alarm(): Promise<void> {
    const now = this.ports.clock.now();
    for (const conn of [...this.connections.values()]) {
      if (deadlineOf(conn) > now) continue;
      if (conn.att.protocolVersion === 5 && conn.att.clientId !== undefined)
        sendPacket(conn, { cmd: "disconnect", reasonCode: ReasonCode.KeepAliveTimeout });
      closeSocket(conn, 1000, "keep-alive timeout");
      this.endConnection(conn, { publishWill: true });
    }
    for (const clientId of this.store.expiredSessions(Math.floor(now / 1000))) this.dropSession(clientId, { release: true });
    await this.drain();
    this.scheduleWake();
  }

  // ---- RPC from other objects ----------------------------------------------------------------------------------

  /** Deliveries from the subscription index, in order; queued ones are durable when this returns. */
  deliver(deliveries: Delivery[]): void {
    const subscribers = this.subscriptions.index();
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
      const templates: PublishTemplates = new Map();
      for (const [clientId, sub] of chosen) {
        if (sub.noLocal && delivery.publisher === clientId) continue;
        if (!this.recent.first(delivery.message.id, clientId)) continue;
        this.deliverTo(clientId, sub, delivery.message, templates, decided);
      }
    }
  }

  /** Another hub takes a client's session over (broker/hub/handover.ts). Never waits on this hub's client locks. */
  async beginHandover(request: HandoverRequest): Promise<HandoverStart> {
    const start = await this.handover.begin(request);
    this.kick();
    return start;
  }

  fetchHandover(clientId: string, epoch: number, afterOrd: number | null, maxBytes: number): HandoverPage {
    return this.handover.fetch(clientId, epoch, afterOrd, maxBytes);
  }

  finishHandover(clientId: string, epoch: number): FinishResult {
    const result = this.handover.finishGiving(clientId, epoch);
    this.kick();
    return result;
  }

  // ---- packets -------------------------------------------------------------------------------------------------

  private async handle(conn: Connection, packet: Packet): Promise<void> {
    if (packet.cmd === "connect") {
      // [MQTT-3.1.0-2] (the attachment keeps this true after hibernation).
      if (conn.att.clientId !== undefined) throw new MqttProtocolError(ReasonCode.ProtocolError, "second CONNECT [MQTT-3.1.0-2]");
      return this.onConnect(conn, packet);
    }
    if (conn.att.clientId === undefined) throw new MqttProtocolError(ReasonCode.ProtocolError, "CONNECT was refused or not answered yet");
    switch (packet.cmd) {
      case "publish":
        return this.onPublish(conn, packet);
      case "puback":
        return this.outbox.acknowledge(conn, packet.messageId);
      case "subscribe":
        return this.onSubscribe(conn, packet);
      case "unsubscribe":
        return this.onUnsubscribe(conn, packet);
      case "pingreq":
        return sendPacket(conn, { cmd: "pingresp" });
      case "disconnect": {
        const decision = decideDisconnect(packet, conn.att.sessionExpiry ?? 0);
        if (decision.sessionExpiry !== undefined) this.setSessionExpiry(conn, decision.sessionExpiry);
        closeSocket(conn, 1000, "disconnect");
        return this.endConnection(conn, { publishWill: decision.publishWill });
      }
      default:
        // QoS 2 flows, AUTH and server-to-client packets are not for a client to send here.
        throw new MqttProtocolError(ReasonCode.ProtocolError, `Unexpected ${packet.cmd} packet`);
    }
  }

  private async onConnect(conn: Connection, packet: ConnectPacket): Promise<void> {
    conn.att.protocolVersion = packet.protocolVersion;
    const principal = this.ports.principal(conn.att.accessKeyId);
    const scope = this.ports.scope;
    const decision = decideConnect(packet, {
      connectionId: conn.att.connId,
      keepAliveFloor: this.ports.keepAliveFloor,
      mayConnect: (clientId) => principal !== undefined && mayConnect(principal, scope, clientId),
      mayPublishWill: (will, clientId) => principal !== undefined && mayPublish(principal, scope, will, clientId),
    });
    if (!decision.accepted) {
      sendPacket(conn, decision.connack);
      closeSocket(conn, 1000, "connection refused");
      conn.ended = true;
      this.forget(conn);
      return;
    }
    conn.principal = principal;
    await this.withClientLock(decision.clientId, () => this.connectSession(conn, packet, decision));
  }

  /** Claims the client id, takes the session over from wherever it is, and answers CONNACK. Under the client's lock. */
  private async connectSession(conn: Connection, packet: ConnectPacket, decision: Extract<ConnectDecision, { accepted: true }>): Promise<void> {
    const { clientId } = decision;
    const me = this.ports.name()!;
    const clean = packet.clean;
    let claim: Claim;
    try {
      claim = await withRetries(
        () => this.ports.registry(clientId).claim(clientId, { hub: me, connId: conn.att.connId }),
        INTERACTIVE_RETRY,
        this.ports.clock.sleep,
      );
    } catch (error) {
      console.error(`claiming client id ${clientId} failed`, error);
      return this.refuseUnavailable(conn);
    }
    const { epoch } = claim;
    // The session (or an unfinished copy of it) may be on another hub: take it over from there.
    try {
      await this.handover.takeOver({ clientId, epoch, toConn: conn.att.connId, clean, from: claim.previous });
    } catch (error) {
      if (error instanceof HandoverSuperseded) return this.refuseUnavailable(conn);
      const pending = this.store.adoption(clientId);
      if (pending) this.handover.postpone(pending);
      // Clean Start needs nothing from the old hub: the takeover there finishes in the background.
      if (!clean) {
        console.error(`taking over the session of ${clientId} failed`, error);
        return this.refuseUnavailable(conn);
      }
    }
    let existing = this.store.session(clientId);
    // A newer connection of this client id (here or elsewhere) already holds or takes the session.
    if (this.handover.newerFlow(clientId, epoch) || (existing && existing.epoch > epoch) || (existing?.movingTo && existing.movingTo.epoch > epoch)) {
      return this.refuseUnavailable(conn);
    }
    if (existing?.state === "moving") {
      // An older claim elsewhere was copying it: it stays here (that copy finds it gone and gives up).
      existing = { ...existing, state: "active", movingTo: null };
      this.store.putSession(existing);
    }
    this.closeTakenOver(clientId);
    let sessionPresent = false;
    if (existing) {
      // Clean Start discards the session; so does a change of protocol version (AWS IoT: sessions do not cross versions).
      if (clean || existing.protocolVersion !== packet.protocolVersion || existing.state !== "active") this.dropSession(clientId, { release: false });
      else sessionPresent = true;
    }
    const now = this.ports.clock.now();
    if (conn.ended) {
      // The socket closed while we waited: the session (if any) waits here for its client; a new one is not made.
      if (sessionPresent) {
        this.store.putSession({ ...existing!, connId: conn.att.connId, epoch, disconnectedAt: existing!.disconnectedAt ?? Math.floor(now / 1000) });
        this.store.addRegistryIntent({ kind: "confirm", clientId, connId: conn.att.connId, epoch, nextAt: now });
      } else {
        this.store.addRegistryIntent({ kind: "release", clientId, connId: conn.att.connId, epoch, nextAt: now });
      }
      this.kick();
      return;
    }
    this.store.putSession({
      clientId,
      connId: conn.att.connId,
      protocolVersion: packet.protocolVersion,
      expiry: decision.sessionExpiry,
      disconnectedAt: null,
      accessKeyId: conn.att.accessKeyId,
      state: "active",
      epoch,
      movingTo: null,
    });
    // The registry sends later claims here from now on (until then, to where the session was).
    this.store.addRegistryIntent({ kind: "confirm", clientId, connId: conn.att.connId, epoch, nextAt: now });
    this.store.putWill(clientId, decision.will ? { ...decision.will, id: crypto.randomUUID() } : undefined);
    if (sessionPresent && existing!.accessKeyId !== conn.att.accessKeyId) this.revalidateSubscriptions(conn, clientId);
    conn.att = {
      ...conn.att,
      clientId,
      keepAlive: decision.keepAlive,
      sessionExpiry: decision.sessionExpiry,
      receiveMaximum: decision.receiveMaximum,
    };
    conn.socket.setAttachment(conn.att);
    this.byClient.set(clientId, conn);
    sendPacket(conn, acceptedConnack(packet, decision, sessionPresent));
    this.outbox.resume(conn);
    this.ports.wakeAt(deadlineOf(conn));
    this.kick();
  }

  /** A session resumed by another principal keeps only the subscriptions that principal may make (iot:Subscribe). */
  private revalidateSubscriptions(conn: Connection, clientId: string): void {
    for (const sub of this.store.subscriptionsOf(clientId)) {
      if (conn.principal && maySubscribe(conn.principal, this.ports.scope, sub.filter, clientId)) continue;
      if (this.subscriptions.remove(clientId, sub.filter)) this.routes.desire(sub.filter, false);
    }
  }

  private onPublish(conn: Connection, packet: PublishPacket): void {
    const clientId = conn.att.clientId!;
    const v = conn.att.protocolVersion!;
    const decision = decidePublish(packet, {
      protocolVersion: v,
      mayPublish: (message) => conn.principal !== undefined && mayPublish(conn.principal, this.ports.scope, message, clientId),
      takePublish: () => conn.publishRate.take(this.ports.clock.now()),
    });
    switch (decision.action) {
      case "ignore":
        return;
      case "close":
        throw new MqttProtocolError(decision.reasonCode, decision.why);
      case "refuse":
        this.acknowledgeInOrder(conn, packet.messageId!, Promise.resolve(), decision.reasonCode);
        return;
      case "route": {
        if (decision.acknowledge && conn.pendingInbound >= MQTT_LIMITS.inflightPerConnection) {
          // More unacknowledged QoS 1 publishes than the Receive Maximum announced in CONNACK [MQTT-3.3.4-9].
          throw new MqttProtocolError(ReasonCode.ReceiveMaximumExceeded, "More than 100 unacknowledged QoS 1 publishes");
        }
        // Routing runs while the next packets are read: the pipeline keeps the order per destination.
        const routed = this.ports.publish({ ...decision.message, id: crypto.randomUUID() }, { publisher: clientId });
        if (decision.acknowledge) this.acknowledgeInOrder(conn, packet.messageId!, routed, ReasonCode.Success);
        else routed.catch((error) => console.error(`routing a QoS 0 publish from ${clientId} failed`, error));
        return;
      }
    }
  }

  /** PUBACKs leave in the order of the PUBLISHes, each once its message has been routed. */
  private acknowledgeInOrder(conn: Connection, messageId: number, routed: Promise<void>, reasonCode: number): void {
    const previous = conn.acks;
    conn.pendingInbound += 1;
    conn.acks = (async () => {
      await previous;
      try {
        await routed;
      } catch (error) {
        // Not acknowledged: the client must send it again, which it does after reconnecting; so it is disconnected.
        console.error(`routing a publish from ${conn.att.clientId} failed`, error);
        conn.pendingInbound -= 1;
        if (!conn.ended) {
          if (conn.att.protocolVersion === 5) sendPacket(conn, { cmd: "disconnect", reasonCode: ReasonCode.UnspecifiedError });
          closeSocket(conn, 1011, "routing failed");
          this.endConnection(conn, { publishWill: true });
        }
        return;
      }
      conn.pendingInbound -= 1;
      if (conn.ended) return;
      sendPacket(conn, conn.att.protocolVersion === 5 && reasonCode !== 0 ? { cmd: "puback", messageId, reasonCode } : { cmd: "puback", messageId });
    })();
  }

  private async onSubscribe(conn: Connection, packet: SubscribePacket): Promise<void> {
    const clientId = conn.att.clientId!;
    const decision = decideSubscribe(packet, {
      protocolVersion: conn.att.protocolVersion!,
      existing: new Set(this.store.subscriptionsOf(clientId).map((s) => s.filter)),
      maySubscribe: (filter) => conn.principal !== undefined && maySubscribe(conn.principal, this.ports.scope, filter, clientId),
    });
    if (!decision) return;
    for (const accepted of decision.accepted) {
      const row: SubscriptionRow = {
        clientId,
        filter: accepted.filter,
        qos: accepted.qos,
        noLocal: accepted.noLocal,
        retainAsPublished: accepted.retainAsPublished,
      };
      if (this.subscriptions.add(row)) this.routes.desire(accepted.filter, true);
    }
    // The index routes every accepted filter here before the SUBACK: a publish after it must find this hub.
    const registered = await Promise.allSettled(decision.accepted.map((a) => this.routes.whenRegistered(a.filter)));
    const granted = [...decision.granted];
    const retained: { filter: string; qos: 0 | 1 }[] = [];
    registered.forEach((result, i) => {
      const accepted = decision.accepted[i]!;
      if (result.status === "rejected") {
        console.error(`registering ${accepted.filter} failed`, result.reason);
        if (this.subscriptions.remove(clientId, accepted.filter)) this.routes.desire(accepted.filter, false);
        granted[packet.subscriptions.findIndex((s) => s.topic === accepted.filter)] =
          conn.att.protocolVersion === 5 ? ReasonCode.UnspecifiedError : 0x80;
      } else if (accepted.sendRetained) {
        retained.push({ filter: accepted.filter, qos: accepted.qos });
      }
    });
    if (conn.ended) return;
    // Retained messages go before the live messages that follow the SUBACK.
    if (retained.length > 0) this.outbox.hold(conn);
    sendPacket(conn, { cmd: "suback", messageId: packet.messageId, granted });
    if (retained.length === 0) return;
    try {
      for (const { filter, qos } of retained) {
        const record = await withRetries(() => this.ports.retained(filter), INTERACTIVE_RETRY, this.ports.clock.sleep).catch((error) => {
          console.error(`reading the retained message of ${filter} failed`, error);
          return undefined;
        });
        if (!record || conn.ended) continue;
        const message: Message = {
          id: crypto.randomUUID(),
          topic: record.topic,
          payload: record.payload,
          qos: record.qos,
          retain: true,
          ...(record.properties ? { properties: record.properties } : {}),
        };
        this.outbox.sendRetained(conn, message, Math.min(qos, record.qos) as 0 | 1);
      }
    } finally {
      if (!conn.ended) this.outbox.release(conn);
    }
  }

  private onUnsubscribe(conn: Connection, packet: UnsubscribePacket): void {
    const clientId = conn.att.clientId!;
    const existing = new Set(this.store.subscriptionsOf(clientId).map((s) => s.filter));
    const decision = decideUnsubscribe(packet, conn.att.protocolVersion!, existing);
    for (const filter of decision.removed) {
      if (this.subscriptions.remove(clientId, filter)) this.routes.desire(filter, false);
    }
    sendPacket(conn, decision.unsuback);
  }

  private setSessionExpiry(conn: Connection, expiry: number): void {
    const session = this.store.session(conn.att.clientId!);
    if (session?.connId === conn.att.connId) this.store.putSession({ ...session, expiry });
    conn.att = { ...conn.att, sessionExpiry: expiry };
  }

  // ---- delivery ------------------------------------------------------------------------------------------------

  private deliverTo(clientId: string, sub: SubscriptionRow, message: Message, templates: PublishTemplates, decided: Map<string, boolean>): void {
    const qos = Math.min(sub.qos, message.qos) as 0 | 1;
    const retain = sub.retainAsPublished ? message.retain : false;
    const conn = this.byClient.get(clientId);
    if (conn && !conn.ended) {
      this.outbox.sendLive(conn, message, qos, retain, templates, decided);
      return;
    }
    // A session whose client is away keeps its QoS 1 messages until it comes back (QoS 0 ones are not kept).
    if (qos === 0) return;
    const session = this.store.session(clientId);
    if (!session) return;
    if (!this.outbox.mayReceive(this.ports.principal(session.accessKeyId), clientId, message.topic, decided)) return;
    this.outbox.queue(clientId, { ...message, qos, retain }, session.state === "adopting");
  }

  // ---- sessions ------------------------------------------------------------------------------------------------

  /** Closes the connection that held `clientId` here, if one is open [MQTT-3.1.4-3]: its will is published. */
  private closeTakenOver(clientId: string): void {
    const old = this.byClient.get(clientId);
    if (!old || old.ended) return;
    if (old.att.protocolVersion === 5) sendPacket(old, { cmd: "disconnect", reasonCode: ReasonCode.SessionTakenOver });
    closeSocket(old, 1000, "session taken over");
    old.ended = true;
    this.forget(old);
    // The old client did not send DISCONNECT: its will is published. The session itself stays for the new connection.
    const will = this.store.takeWill(clientId);
    if (will) this.store.addPendingWill(clientId, will, this.ports.clock.now());
    const session = this.store.session(clientId);
    if (session?.connId === old.att.connId && session.disconnectedAt === null) {
      this.store.putSession({ ...session, disconnectedAt: Math.floor(this.ports.clock.now() / 1000) });
    }
    this.kick();
  }

  /** The end of a connection, whatever ended it. */
  private endConnection(conn: Connection, options: { publishWill: boolean }): void {
    if (conn.ended) return;
    conn.ended = true;
    this.forget(conn);
    if (conn.att.clientId === undefined) return; // never connected
    this.endSession(conn.att.clientId, conn.att.connId, options);
    this.kick();
  }

  /** A session's connection ended: its will, then the session ends or waits for its client (persistent sessions). */
  private endSession(clientId: string, connId: string, options: { publishWill: boolean }): void {
    const session = this.store.session(clientId);
    if (!session || session.connId !== connId || session.state !== "active") return; // taken over meanwhile
    const will = this.store.takeWill(clientId);
    if (will && options.publishWill) this.store.addPendingWill(clientId, will, this.ports.clock.now());
    if (session.expiry === 0) {
      this.dropSession(clientId, { release: true });
      return;
    }
    const now = Math.floor(this.ports.clock.now() / 1000);
    this.store.putSession({ ...session, disconnectedAt: now });
    this.ports.wakeAt((now + session.expiry) * 1000);
  }

  /** Removes a session and its subscriptions here; the index forgets this hub where nobody is left. */
  private dropSession(clientId: string, options: { release: boolean }): void {
    const session = this.store.session(clientId);
    if (!session) return;
    const filters = this.store.deleteSession(clientId);
    for (const filter of this.subscriptions.forgetAll(clientId, filters)) this.routes.desire(filter, false);
    if (options.release)
      this.store.addRegistryIntent({ kind: "release", clientId, connId: session.connId, epoch: session.epoch, nextAt: this.ports.clock.now() });
    this.kick();
  }

  private refuseUnavailable(conn: Connection): void {
    // MQTT 5: 0x88 Server unavailable; MQTT 3.1.1: return code 3 "Server unavailable".
    sendPacket(
      conn,
      conn.att.protocolVersion === 5
        ? { cmd: "connack", sessionPresent: false, reasonCode: ReasonCode.ServerUnavailable }
        : { cmd: "connack", sessionPresent: false, returnCode: 3 },
    );
    closeSocket(conn, 1011, "server unavailable");
    conn.ended = true;
    this.forget(conn);
  }

  /** A malformed packet or a protocol violation closes that connection only, with the reason (MQTT 5 §4.13). */
  private async protocolError(conn: Connection, error: unknown): Promise<void> {
    if (conn.ended) return;
    const reasonCode = error instanceof MqttProtocolError ? error.reasonCode : ReasonCode.UnspecifiedError;
    if (!(error instanceof MqttProtocolError)) console.error("mqtt connection failed", error);
    if (conn.att.clientId === undefined && reasonCode === ReasonCode.UnsupportedProtocolVersion) {
      // Refused at CONNECT: 3.1.1 return code 1 "unacceptable protocol version".
      try {
        conn.socket.send(encode({ cmd: "connack", sessionPresent: false, returnCode: 1 }, 4));
      } catch {
        // gone
      }
    } else if (conn.att.clientId !== undefined && conn.att.protocolVersion === 5) {
      sendPacket(conn, { cmd: "disconnect", reasonCode });
    }
    closeSocket(conn, 1002, error instanceof Error ? error.message.slice(0, 120) : "protocol error");
    this.endConnection(conn, { publishWill: true });
  }

  // ---- durable work --------------------------------------------------------------------------------------------

  /** Starts the durable work now (it is also retried from the alarm). */
  private kick(): void {
    this.drain().catch((error) => console.error("hub work failed", error));
  }

  /** Publishes pending wills, sends index registrations, registry releases and adoptions due. One drain at a time. */
  drain(): Promise<void> {
    if (this.draining) {
      this.drainAgain = true;
      return this.draining;
    }
    this.draining = (async () => {
      do {
        this.drainAgain = false;
        await this.drainOnce();
      } while (this.drainAgain);
    })().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  private async drainOnce(): Promise<void> {
    const now = this.ports.clock.now();
    const wills = this.store.dueWills(now).map(async (pending) => {
      try {
        await this.ports.publish(pending.message, { publisher: pending.clientId, fromWill: true });
        this.store.deletePendingWill(pending.id);
      } catch (error) {
        console.error(`publishing the will of ${pending.clientId} failed`, error);
        const nextAt = this.ports.clock.now() + laterDelayMs(pending.attempts + 1);
        this.store.retryPendingWill(pending.id, pending.attempts + 1, nextAt);
        this.ports.wakeAt(nextAt);
      }
    });
    const registry = this.store.dueRegistryIntents(now).map(async (intent) => {
      const hub = this.ports.name();
      try {
        if (hub === undefined) throw new Error("hub name unknown");
        const port = this.ports.registry(intent.clientId);
        if (intent.kind === "confirm") await port.confirm(intent.clientId, intent.epoch, { hub, connId: intent.connId });
        else await port.release(intent.clientId, { hub, connId: intent.connId });
        this.store.deleteRegistryIntent(intent);
      } catch (error) {
        const nextAt = this.ports.clock.now() + laterDelayMs(intent.attempts + 1);
        this.store.retryRegistryIntent(intent, intent.attempts + 1, nextAt);
        this.ports.wakeAt(nextAt);
        console.error(`telling the registry about ${intent.clientId} failed`, error);
      }
    });
    const adoptions = this.store.dueAdoptions(now).map((adoption) =>
      this.withClientLock(adoption.clientId, async () => {
        const current = this.store.adoption(adoption.clientId);
        if (current?.epoch !== adoption.epoch) return;
        try {
          await this.handover.adopt(current);
        } catch (error) {
          if (!(error instanceof HandoverSuperseded)) this.handover.postpone(current);
        }
      }),
    );
    this.store.forgetHandedOver(now - 3_600_000);
    await Promise.allSettled([...wills, ...registry, ...adoptions, this.routes.drainDue()]);
  }

  // ---- plumbing ------------------------------------------------------------------------------------------------

  private withClientLock<T>(clientId: string, work: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(clientId) ?? Promise.resolve();
    const run = previous.catch(() => undefined).then(work);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.locks.set(clientId, settled);
    settled.then(() => {
      if (this.locks.get(clientId) === settled) this.locks.delete(clientId);
    });
    return run;
  }

  private touch(conn: Connection): void {
    const t = this.ports.clock.now();
    conn.lastSeen = t;
    const quarter = ((conn.att.keepAlive ?? MQTT_LIMITS.connectTimeoutSeconds) * 1000) / 4;
    if (t - conn.att.lastSeen > quarter) {
      conn.att = { ...conn.att, lastSeen: t };
      conn.socket.setAttachment(conn.att);
    }
  }

  private connectionOf(socket: Socket): Connection | undefined {
    const att = socket.attachment();
    return att ? this.connections.get(att.connId) : undefined;
  }

  private forget(conn: Connection): void {
    this.connections.delete(conn.att.connId);
    if (conn.att.clientId !== undefined && this.byClient.get(conn.att.clientId) === conn) this.byClient.delete(conn.att.clientId);
  }

  /** Asks to be woken at the earliest deadline: CONNECT or keep-alive timeouts, session expiry, work to retry. */
  private scheduleWake(): void {
    let next = Number.POSITIVE_INFINITY;
    for (const conn of this.connections.values()) next = Math.min(next, deadlineOf(conn));
    const expiry = this.store.nextSessionExpiry();
    if (expiry !== undefined) next = Math.min(next, expiry * 1000);
    const retry = this.store.nextRetry();
    if (retry !== undefined) next = Math.min(next, retry);
    if (Number.isFinite(next)) this.ports.wakeAt(next);
  }

  /** Connected clients (for tests and the connection APIs). */
  connectedClients(): string[] {
    return [...this.byClient.keys()];
  }
}
