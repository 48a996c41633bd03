import { maySubscribe } from "../../auth/mqtt";
import {
  connectedEvent,
  type DisconnectReason,
  disconnectedEvent,
  disconnectReasonOfCode,
  type EventSubject,
  emitsLifecycleEvents,
  principalIdentifier,
} from "../../domain/lifecycle";
import type { Message } from "../../domain/message";
import { acceptedConnack, type ConnectDecision } from "../../protocol/mqtt/broker/connect";
import { type ConnectPacket, encode, MqttProtocolError, ReasonCode } from "../../protocol/mqtt/codec";
import type { Claim } from "../../storage/sqliteRegistry";
import { INTERACTIVE_RETRY, withRetries } from "../retry";
import { type Connection, closeSocket, deadlineOf, sendPacket } from "./connection";
import type { HubCore } from "./core";
import { HandoverSuperseded } from "./handover";
import { routeAfterChange, syncSharedGroups } from "./shared";

/**
 * The life of the sessions a hub holds: connecting (claim the client id, take the session over from wherever it is,
 * answer CONNACK), the end of a connection (will, then the session ends or waits), expiry and removal, and the
 * reconciliation of stored sessions with live sockets when the hub wakes.
 */
export class Sessions {
  constructor(private readonly core: HubCore) {}

  /** Claims the client id, takes the session over from wherever it is, and answers CONNACK. Under the client's lock. */
  async connect(conn: Connection, packet: ConnectPacket, decision: Extract<ConnectDecision, { accepted: true }>): Promise<void> {
    const { ports, store, handover } = this.core;
    const { clientId } = decision;
    const clean = packet.clean;
    let claim: Claim;
    try {
      claim = await withRetries(
        () => ports.registry(clientId).claim(clientId, { hub: ports.name()!, connId: conn.att.connId }),
        INTERACTIVE_RETRY,
        ports.clock.sleep,
      );
    } catch (error) {
      console.error(`claiming client id ${clientId} failed`, error);
      return this.refuseUnavailable(conn);
    }
    const { epoch } = claim;
    // The session (or an unfinished copy of it) may be on another hub: take it over from there.
    try {
      await handover.takeOver({ clientId, epoch, toConn: conn.att.connId, clean, from: claim.previous });
    } catch (error) {
      if (error instanceof HandoverSuperseded) return this.refuseUnavailable(conn);
      const pending = store.adoption(clientId);
      if (pending) handover.postpone(pending);
      // Clean Start needs nothing from the old hub: the takeover there finishes in the background.
      if (!clean) {
        console.error(`taking over the session of ${clientId} failed`, error);
        return this.refuseUnavailable(conn);
      }
    }
    let existing = store.session(clientId);
    // A newer connection of this client id (here or elsewhere) already holds or takes the session.
    if (handover.newerFlow(clientId, epoch) || (existing && existing.epoch > epoch) || (existing?.movingTo && existing.movingTo.epoch > epoch)) {
      return this.refuseUnavailable(conn);
    }
    if (existing?.state === "moving") {
      // An older claim elsewhere was copying it: it stays here (that copy finds it gone and gives up).
      existing = { ...existing, state: "active", movingTo: null };
      store.putSession(existing);
    }
    this.closeTakenOver(clientId);
    let sessionPresent = false;
    if (existing) {
      // Clean Start discards the session; so does a change of protocol version (AWS IoT: sessions do not cross versions).
      if (clean || existing.protocolVersion !== packet.protocolVersion || existing.state !== "active") this.drop(clientId, { release: false });
      else sessionPresent = true;
    }
    const now = ports.clock.now();
    if (conn.ended) {
      // The socket closed while we waited: the session (if any) waits here for its client; a new one is not made.
      if (sessionPresent) {
        store.putSession({ ...existing!, connId: conn.att.connId, epoch, disconnectedAt: existing!.disconnectedAt ?? Math.floor(now / 1000) });
        store.addRegistryIntent({ kind: "confirm", clientId, connId: conn.att.connId, epoch, nextAt: now });
      } else {
        store.addRegistryIntent({ kind: "release", clientId, connId: conn.att.connId, epoch, nextAt: now });
      }
      this.core.work.kick();
      return;
    }
    store.putSession({
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
    store.addRegistryIntent({ kind: "confirm", clientId, connId: conn.att.connId, epoch, nextAt: now });
    store.putWill(clientId, decision.will ? { ...decision.will, id: crypto.randomUUID() } : undefined);
    if (sessionPresent && existing!.accessKeyId !== conn.att.accessKeyId) this.revalidateSubscriptions(conn, clientId);
    conn.att = {
      ...conn.att,
      clientId,
      keepAlive: decision.keepAlive,
      sessionExpiry: decision.sessionExpiry,
      receiveMaximum: decision.receiveMaximum,
      ...(decision.maximumPacketSize !== undefined ? { maximumPacketSize: decision.maximumPacketSize } : {}),
    };
    conn.socket.setAttachment(conn.att);
    this.core.connections.bind(conn, clientId);
    // Its shared subscription groups have a connected member here now.
    syncSharedGroups(this.core, this.core.subscriptions.sharedOf(clientId));
    sendPacket(conn, acceptedConnack(packet, decision, sessionPresent));
    this.recordConnected(conn, { epoch, sessionPresent, protocolVersion: packet.protocolVersion });
    this.core.outbox.resume(conn);
    ports.wakeAt(deadlineOf(conn));
    this.core.work.kick();
  }

  /** The connection's record (GetConnection) and its lifecycle `connected` event. */
  private recordConnected(conn: Connection, details: { epoch: number; sessionPresent: boolean; protocolVersion: 4 | 5 }): void {
    const { ports } = this.core;
    const records = ports.connectionStore;
    const clientId = conn.att.clientId!;
    const previous = records.record(clientId);
    const now = ports.clock.now();
    const record = {
      clientId,
      connId: conn.att.connId,
      // A resumed session keeps its identifier (when it resumes on the hub that knew it).
      sessionId: details.sessionPresent && previous ? previous.sessionId : crypto.randomUUID(),
      version: details.epoch,
      protocolVersion: details.protocolVersion,
      keepAlive: conn.att.keepAlive ?? 0,
      sessionExpiry: conn.att.sessionExpiry ?? 0,
      connectedAt: now,
      disconnectedAt: null,
      disconnectReason: null,
      principal: this.principalIdOf(conn.att.accessKeyId),
      sourceIp: conn.att.sourceIp ?? null,
      sourcePort: null,
      targetIp: conn.att.targetIp ?? null,
      targetPort: conn.att.targetPort ?? null,
    };
    records.putRecord(record);
    if (emitsLifecycleEvents(clientId)) {
      const subject = { clientId, timestamp: now, sessionIdentifier: record.sessionId, principalIdentifier: record.principal };
      this.emit(connectedEvent(subject, { ...(conn.att.sourceIp ? { ipAddress: conn.att.sourceIp } : {}), versionNumber: details.epoch }));
    }
  }

  /** The connection `connId` of `clientId` ended: its record says why, and its `disconnected` event is published once. */
  private recordDisconnected(clientId: string, connId: string, reason: DisconnectReason): void {
    const { ports } = this.core;
    const records = ports.connectionStore;
    const now = ports.clock.now();
    if (!records.markDisconnected(clientId, connId, now, reason)) return;
    const record = records.record(clientId);
    if (!record || !emitsLifecycleEvents(clientId)) return;
    const subject = { clientId, timestamp: now, sessionIdentifier: record.sessionId, principalIdentifier: record.principal };
    this.emit(disconnectedEvent(subject, { reason, versionNumber: record.version }));
  }

  /** What events say about the client currently connected as `conn` (subscribed / unsubscribed). */
  eventSubject(conn: Connection): EventSubject | undefined {
    const clientId = conn.att.clientId!;
    if (!emitsLifecycleEvents(clientId)) return undefined;
    const record = this.core.ports.connectionStore.record(clientId);
    if (record?.connId !== conn.att.connId) return undefined;
    return { clientId, timestamp: this.core.ports.clock.now(), sessionIdentifier: record.sessionId, principalIdentifier: record.principal };
  }

  principalIdOf(accessKeyId: string): string {
    const { ports } = this.core;
    return principalIdentifier(ports.scope.account, accessKeyId, ports.principal(accessKeyId)?.name);
  }

  /** A lifecycle event, kept until the publish pipeline accepted it (durable work), like a will. */
  emit(event: Message): void {
    this.core.ports.connectionStore.addEvent(event, this.core.ports.clock.now());
    this.core.work.kick();
  }

  /** A session resumed by another principal keeps only the subscriptions that principal may make (iot:Subscribe). */
  private revalidateSubscriptions(conn: Connection, clientId: string): void {
    const { store, subscriptions, ports } = this.core;
    for (const sub of store.subscriptionsOf(clientId)) {
      if (conn.principal && maySubscribe(conn.principal, ports.scope, sub.filter, clientId)) continue;
      routeAfterChange(this.core, sub.filter, subscriptions.remove(clientId, sub.filter), false);
    }
  }

  /** DISCONNECT may change the session's expiry (MQTT 5). */
  setExpiry(conn: Connection, expiry: number): void {
    const session = this.core.store.session(conn.att.clientId!);
    if (session?.connId === conn.att.connId) this.core.store.putSession({ ...session, expiry });
    conn.att = { ...conn.att, sessionExpiry: expiry };
    this.core.ports.connectionStore.setSessionExpiry(conn.att.clientId!, conn.att.connId, expiry);
  }

  /** Closes the connection that held `clientId` here, if one is open [MQTT-3.1.4-3]: its will is published. */
  closeTakenOver(clientId: string): void {
    const { store, ports, connections } = this.core;
    const old = connections.client(clientId);
    if (!old || old.ended) return;
    if (old.att.protocolVersion === 5) sendPacket(old, { cmd: "disconnect", reasonCode: ReasonCode.SessionTakenOver });
    closeSocket(old, 1000, "session taken over");
    old.ended = true;
    connections.forget(old);
    store.deleteTopicAliases(old.att.connId);
    syncSharedGroups(this.core, this.core.subscriptions.sharedOf(clientId));
    this.recordDisconnected(clientId, old.att.connId, "DUPLICATE_CLIENTID");
    // The old client did not send DISCONNECT: its will is published. The session itself stays for the new connection.
    const will = store.takeWill(clientId);
    if (will) store.addPendingWill(clientId, will, ports.clock.now());
    const session = store.session(clientId);
    if (session?.connId === old.att.connId && session.disconnectedAt === null) {
      store.putSession({ ...session, disconnectedAt: Math.floor(ports.clock.now() / 1000) });
    }
    this.core.work.kick();
  }

  /** The end of a connection, whatever ended it (`reason`: as lifecycle events and GetConnection report it). */
  endConnection(conn: Connection, options: { publishWill: boolean; reason: DisconnectReason }): void {
    if (conn.ended) return;
    conn.ended = true;
    this.core.connections.forget(conn);
    if (conn.att.clientId === undefined) return; // never connected
    this.core.store.deleteTopicAliases(conn.att.connId);
    this.recordDisconnected(conn.att.clientId, conn.att.connId, options.reason);
    this.end(conn.att.clientId, conn.att.connId, options);
    syncSharedGroups(this.core, this.core.subscriptions.sharedOf(conn.att.clientId));
    this.core.work.kick();
  }

  /** A session's connection ended: its will, then the session ends or waits for its client (persistent sessions). */
  end(clientId: string, connId: string, options: { publishWill: boolean }): void {
    const { store, ports } = this.core;
    const session = store.session(clientId);
    if (!session || session.connId !== connId || session.state !== "active") return; // taken over meanwhile
    const will = store.takeWill(clientId);
    if (will && options.publishWill) store.addPendingWill(clientId, will, ports.clock.now());
    if (session.expiry === 0) {
      this.drop(clientId, { release: true });
      return;
    }
    const now = Math.floor(ports.clock.now() / 1000);
    store.putSession({ ...session, disconnectedAt: now });
    ports.wakeAt((now + session.expiry) * 1000);
  }

  /** Removes a session and its subscriptions here; the index forgets this hub where nobody is left. */
  drop(clientId: string, options: { release: boolean }): void {
    const { store, subscriptions, ports } = this.core;
    const session = store.session(clientId);
    if (!session) return;
    const filters = store.deleteSession(clientId);
    const emptied = new Set(subscriptions.forgetAll(clientId, filters));
    for (const filter of filters) routeAfterChange(this.core, filter, emptied.has(filter), false);
    if (options.release)
      store.addRegistryIntent({ kind: "release", clientId, connId: session.connId, epoch: session.epoch, nextAt: ports.clock.now() });
    this.core.work.kick();
  }

  /** Sessions whose client stayed away longer than their expiry. */
  expire(now: number): void {
    for (const clientId of this.core.store.expiredSessions(Math.floor(now / 1000))) this.drop(clientId, { release: true });
  }

  /**
   * Sessions the store believes connected but whose socket is gone (a restart or a deploy drops sockets without
   * close events) end as a lost connection: will published, clean sessions gone, persistent ones expiring.
   */
  reconcile(): void {
    this.core.store.deleteTopicAliasesExcept(this.core.connections.all().map((conn) => conn.att.connId));
    for (const record of this.core.ports.connectionStore.openRecords()) {
      const conn = this.core.connections.client(record.clientId);
      // The runtime dropped the socket (a restart or a deploy): the server's doing, not the client's.
      if (conn?.att.connId !== record.connId) this.recordDisconnected(record.clientId, record.connId, "SERVER_INITIATED_DISCONNECT");
    }
    for (const session of this.core.store.connectedSessions()) {
      const conn = this.core.connections.client(session.clientId);
      if (conn?.att.connId !== session.connId) this.end(session.clientId, session.connId, { publishWill: true });
    }
  }

  refuseUnavailable(conn: Connection): void {
    // MQTT 5: 0x88 Server unavailable; MQTT 3.1.1: return code 3 "Server unavailable".
    sendPacket(
      conn,
      conn.att.protocolVersion === 5
        ? { cmd: "connack", sessionPresent: false, reasonCode: ReasonCode.ServerUnavailable }
        : { cmd: "connack", sessionPresent: false, returnCode: 3 },
    );
    closeSocket(conn, 1011, "server unavailable");
    conn.ended = true;
    this.core.connections.forget(conn);
  }

  /** A malformed packet or a protocol violation closes that connection only, with the reason (MQTT 5 §4.13). */
  protocolError(conn: Connection, error: unknown): void {
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
    this.endConnection(conn, { publishWill: true, reason: disconnectReasonOfCode(reasonCode, error instanceof MqttProtocolError) });
  }
}
