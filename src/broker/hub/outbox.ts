import type { Principal } from "../../auth/credentials";
import { type AuthScope, mayReceive } from "../../auth/mqtt";
import type { Message } from "../../domain/message";
import { MQTT_LIMITS } from "../../protocol/mqtt/broker/limits";
import { publishPacketOf } from "../../protocol/mqtt/broker/messages";
import { encode, encodePublishTemplate, type PublishTemplate, withMessageId } from "../../protocol/mqtt/codec";
import type { OutboxRow, SqliteSessionStore } from "../../storage/sqliteSessions";
import type { Clock } from "../clock";
import { type Connection, type DeliveryState, sendBytes } from "./connection";

/** Encoded PUBLISH packets of one message, one per (version, QoS, retain, expiry), shared by its subscribers. */
export type PublishTemplates = Map<string, PublishTemplate>;

/** Whether a packet fits within the client's Maximum Packet Size (MQTT 5), when it set one. */
const fits = (conn: Connection, bytes: Uint8Array): boolean =>
  conn.att.maximumPacketSize === undefined || bytes.byteLength <= conn.att.maximumPacketSize;

/** Sends a packet the client accepts; one over its Maximum Packet Size is discarded [MQTT-3.1.2-25]. */
function sendFitting(conn: Connection, bytes: Uint8Array): void {
  if (fits(conn, bytes)) sendBytes(conn, bytes);
}

/** The QoS 1 window of a connection: its Receive Maximum, within AWS's 100 unacknowledged messages. */
export const windowOf = (conn: Connection): number => conn.att.receiveMaximum ?? MQTT_LIMITS.inflightPerConnection;

/**
 * Delivery to one hub's clients. Every QoS 1 message goes through the session's outbox in the store (for clean
 * sessions too: the in-flight window and the packet ids in use must survive hibernation), in delivery order; at most
 * the connection's window is unacknowledged at a time, the rest waits. `iot:Receive` is checked when a message is
 * queued for an absent client and again when it is sent, with the principal of the connection it goes to.
 */
export class Outbox {
  constructor(
    private readonly store: SqliteSessionStore,
    private readonly clock: Clock,
    private readonly scope: AuthScope,
  ) {}

  /** A connection's outbound QoS 1 state, loaded from the store the first time it is needed. */
  state(conn: Connection): DeliveryState {
    if (!conn.delivery) {
      const inflight = new Set(this.store.inflight(conn.att.clientId!).map((row) => row.packetId!));
      let next = 1;
      for (const id of inflight) next = Math.max(next, id + 1);
      conn.delivery = { inflight, nextPacketId: next > 0xffff ? 1 : next, backlog: true, holds: 0, heldQoS0: [], direct: new Map() };
    }
    return conn.delivery;
  }

  mayReceive(principal: Principal | undefined, clientId: string, topic: string, decided?: Map<string, boolean>): boolean {
    return principal !== undefined && mayReceive(principal, this.scope, topic, clientId, decided);
  }

  /** A message for a connected client, live: sent now, or queued behind what waits (QoS 1). */
  sendLive(conn: Connection, message: Message, qos: 0 | 1, retain: boolean, templates: PublishTemplates, decided?: Map<string, boolean>): void {
    const clientId = conn.att.clientId!;
    if (!this.mayReceive(conn.principal, clientId, message.topic, decided)) return;
    const state = this.state(conn);
    if (qos === 0) {
      if (state.holds > 0) state.heldQoS0.push({ message, retain });
      else sendFitting(conn, this.template(conn, message, 0, retain, undefined, templates).bytes);
      return;
    }
    // [MQTT-3.1.2-25]: a message larger than the client's Maximum Packet Size is discarded, as if delivered. (Encoded
    // here only for a client that set one: a queued message is otherwise not encoded until it is sent.)
    if (conn.att.maximumPacketSize !== undefined && !fits(conn, this.template(conn, message, 1, retain, undefined, templates).bytes)) return;
    const queued = { ...message, qos, retain };
    if (state.holds > 0 || state.backlog || state.inflight.size >= windowOf(conn)) {
      const row = this.store.enqueue(clientId, queued, {
        packetId: null,
        queuedAt: this.seconds(),
        limit: MQTT_LIMITS.queuedMessagesPerSession,
        staged: state.holds > 0,
      });
      if (row) state.backlog = true;
      this.pump(conn);
      return;
    }
    const packetId = this.allocatePacketId(state);
    const row = this.store.enqueue(clientId, queued, { packetId, queuedAt: this.seconds(), limit: MQTT_LIMITS.queuedMessagesPerSession });
    if (!row) return; // already queued for this session (a retried or overlapping delivery)
    state.inflight.add(packetId);
    sendBytes(conn, withMessageId(this.template(conn, message, 1, retain, undefined, templates), packetId));
  }

  /** A QoS 1 message for a session whose client is away (or whose session is moving): kept until it comes back. */
  queue(clientId: string, message: Message, staged: boolean): void {
    this.store.enqueue(clientId, message, { packetId: null, queuedAt: this.seconds(), limit: MQTT_LIMITS.queuedMessagesPerSession, staged });
  }

  /** Sends waiting messages while the window has room: reads only as many rows as may go. */
  pump(conn: Connection): void {
    const state = this.state(conn);
    if (state.holds > 0 || !state.backlog || conn.ended) return;
    const clientId = conn.att.clientId!;
    for (;;) {
      const room = windowOf(conn) - state.inflight.size;
      if (room <= 0) return;
      const rows = this.store.nextUnsent(clientId, room);
      let sent = 0;
      for (const row of rows) {
        if (this.sendQueued(conn, state, row, false)) sent += 1;
      }
      if (rows.length < room) {
        state.backlog = false;
        return;
      }
      if (sent === rows.length) return; // the window is full again
    }
  }

  /**
   * A direct message (SendDirectMessage): sent now, past the session's queue, and never stored, so never sent again
   * ([DG-DM]: not queued). At QoS 1 it takes a packet id of the window; the promise resolves at its PUBACK.
   * "full" when the window has no room; "too-large" past the client's Maximum Packet Size [MQTT-3.1.2-25].
   */
  sendDirect(conn: Connection, message: Message): Promise<void> | "full" | "too-large" | undefined {
    const state = this.state(conn);
    const v = conn.att.protocolVersion!;
    const packet = publishPacketOf(message, message.qos, v, { retain: false });
    if (message.qos === 0) {
      const bytes = encode(packet, v);
      if (!fits(conn, bytes)) return "too-large";
      sendBytes(conn, bytes);
      return undefined;
    }
    if (state.inflight.size >= windowOf(conn)) return "full";
    const packetId = this.allocatePacketId(state);
    const bytes = encode({ ...packet, messageId: packetId }, v);
    if (!fits(conn, bytes)) return "too-large";
    state.inflight.add(packetId);
    const acknowledged = new Promise<void>((resolve) => state.direct.set(packetId, resolve));
    sendBytes(conn, bytes);
    return acknowledged;
  }

  /** A PUBACK: the message is delivered; the next waiting ones may go. */
  acknowledge(conn: Connection, packetId: number): void {
    const state = this.state(conn);
    const direct = state.direct.get(packetId);
    if (direct) {
      state.direct.delete(packetId);
      direct();
    }
    this.store.acknowledge(conn.att.clientId!, packetId);
    state.inflight.delete(packetId);
    state.backlog = true;
    this.pump(conn);
  }

  /**
   * A resumed session: unacknowledged messages again with their packet ids and DUP=1 [MQTT-4.4.0-1], within the
   * window (the rest go back to waiting), then those never sent.
   */
  resume(conn: Connection): void {
    const clientId = conn.att.clientId!;
    const state = this.state(conn);
    state.inflight.clear();
    const window = windowOf(conn);
    for (const row of this.store.inflight(clientId)) {
      if (state.inflight.size >= window) {
        this.store.markUnsent(row.seq);
        continue;
      }
      this.sendQueued(conn, state, row, true);
    }
    state.backlog = true;
    this.pump(conn);
  }

  /** Holds live messages back while retained messages for a new subscription are fetched. */
  hold(conn: Connection): void {
    this.state(conn).holds += 1;
  }

  /** Sends a retained message ahead of the live ones held meanwhile. */
  sendRetained(conn: Connection, message: Message, qos: 0 | 1): void {
    const clientId = conn.att.clientId!;
    if (!this.mayReceive(conn.principal, clientId, message.topic)) return;
    if (qos === 0) {
      sendFitting(conn, this.template(conn, message, 0, true, undefined, new Map()).bytes);
      return;
    }
    // Queued unstaged: it goes before the live messages staged behind the hold.
    this.store.enqueue(
      clientId,
      { ...message, qos: 1, retain: true },
      { packetId: null, queuedAt: this.seconds(), limit: MQTT_LIMITS.queuedMessagesPerSession },
    );
    this.state(conn).backlog = true;
  }

  /** Ends a hold: staged QoS 1 messages move behind the retained ones, then everything goes in order. */
  release(conn: Connection): void {
    const state = this.state(conn);
    state.holds = Math.max(0, state.holds - 1);
    if (state.holds > 0) return;
    this.store.unstage(conn.att.clientId!);
    state.backlog = true;
    this.pump(conn);
    const held = state.heldQoS0.splice(0);
    const templates: PublishTemplates = new Map();
    for (const { message, retain } of held) sendFitting(conn, this.template(conn, message, 0, retain, undefined, templates).bytes);
  }

  /** Sends one queued row; false when it was dropped instead (expired, or the principal may not receive it). */
  private sendQueued(conn: Connection, state: DeliveryState, row: OutboxRow, again: boolean): boolean {
    const { message } = row;
    const expiry = message.properties?.messageExpiryInterval;
    const remaining = expiry !== undefined ? expiry - (this.seconds() - row.queuedAt) : undefined;
    // Expired while queued [MQTT-3.3.2-5]; or not receivable by the principal now connected (checked on every send).
    if ((remaining !== undefined && remaining <= 0) || !this.mayReceive(conn.principal, conn.att.clientId!, message.topic)) {
      this.store.dropQueued(row.seq);
      if (row.packetId !== null) state.inflight.delete(row.packetId);
      return false;
    }
    const packetId = row.packetId ?? this.allocatePacketId(state);
    if (row.packetId === null) this.store.markSent(row.seq, packetId);
    state.inflight.add(packetId);
    const packet = publishPacketOf(message, 1, conn.att.protocolVersion!, {
      retain: message.retain,
      ...(remaining !== undefined ? { messageExpiryInterval: remaining } : {}),
    });
    // [MQTT-3.3.1-1]: a re-delivery of a packet sent before carries DUP=1.
    const bytes = encode({ ...packet, messageId: packetId, dup: again }, conn.att.protocolVersion!);
    if (!fits(conn, bytes)) {
      // [MQTT-3.1.2-25]: too large for the client; discarded as if delivered.
      this.store.dropQueued(row.seq);
      state.inflight.delete(packetId);
      return false;
    }
    sendBytes(conn, bytes);
    return true;
  }

  private template(
    conn: Connection,
    message: Message,
    qos: 0 | 1,
    retain: boolean,
    remaining: number | undefined,
    templates: PublishTemplates,
  ): PublishTemplate {
    const v = conn.att.protocolVersion!;
    const expiry = remaining ?? message.properties?.messageExpiryInterval;
    const key = `${v}:${qos}:${retain ? 1 : 0}:${expiry ?? ""}`;
    let template = templates.get(key);
    if (!template) {
      template = encodePublishTemplate(
        publishPacketOf(message, qos, v, { retain, ...(expiry !== undefined ? { messageExpiryInterval: expiry } : {}) }),
        v,
      );
      templates.set(key, template);
    }
    return template;
  }

  /** The next packet id not held by an unacknowledged message (the window keeps at most 100 in use). */
  private allocatePacketId(state: DeliveryState): number {
    for (;;) {
      const id = state.nextPacketId;
      state.nextPacketId = id >= 0xffff ? 1 : id + 1;
      if (!state.inflight.has(id)) return id;
    }
  }

  private seconds(): number {
    return Math.floor(this.clock.now() / 1000);
  }
}
