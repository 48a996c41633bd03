import type { Principal } from "../../auth/credentials";
import type { Message } from "../../domain/message";
import { TokenBucket } from "../../domain/rateLimit";
import { MQTT_LIMITS } from "../../protocol/mqtt/broker/limits";
import { encode, MqttParser, type Packet } from "../../protocol/mqtt/codec";
import type { Attachment, Socket } from "./ports";

/** Bytes per second with a delay instead of a refusal: a debt that is paid off over time (AWS: excess delayed). */
export class ByteRate {
  private debt = 0;
  private updatedAt: number;

  constructor(
    private readonly bytesPerSecond: number,
    now: number,
  ) {
    this.updatedAt = now;
  }

  /** Counts `bytes` and says how long to wait before handling them (0: now). One second's worth is free. */
  reserve(bytes: number, now: number): number {
    this.debt = Math.max(0, this.debt - ((now - this.updatedAt) / 1000) * this.bytesPerSecond);
    this.updatedAt = now;
    this.debt += bytes;
    const over = this.debt - this.bytesPerSecond;
    return over > 0 ? Math.ceil((over / this.bytesPerSecond) * 1000) : 0;
  }
}

/** A connection's state in memory: rebuilt from its socket's attachment and the store after hibernation. */
export interface Connection {
  socket: Socket;
  att: Attachment;
  parser: MqttParser;
  principal: Principal | undefined;
  /** Packets of one connection are handled one after another. */
  chain: Promise<void>;
  /** PUBACKs go out in the order the PUBLISHes came [MQTT-4.6.0-2], each once its message has been routed. */
  acks: Promise<void>;
  /** Epoch ms of the last packet, exact (the attachment holds a coarser copy). */
  lastSeen: number;
  /** Set once the connection's end has been handled (DISCONNECT, takeover, close, error, keep-alive, refusal). */
  ended: boolean;
  /** Bytes received and not yet handled (bounded by MQTT_LIMITS.maxPendingInputBytes). */
  pendingInput: number;
  /** QoS 1 publishes from the client not yet acknowledged (bounded by the Receive Maximum we announce). */
  pendingInbound: number;
  publishRate: TokenBucket;
  byteRate: ByteRate;
  /** Outbound QoS 1 state, loaded from the store when first needed. */
  delivery: DeliveryState | undefined;
  /** Topic aliases the client set (MQTT 5), loaded from the store when first needed (they outlive hibernation). */
  aliases: Map<number, string> | undefined;
}

export interface DeliveryState {
  /** Packet ids sent and not yet acknowledged. */
  inflight: Set<number>;
  nextPacketId: number;
  /** There may be messages in the outbox not yet sent (they go before any new one). */
  backlog: boolean;
  /** > 0 while retained messages for a new subscription are being fetched: live messages wait behind them. */
  holds: number;
  /** QoS 0 messages held meanwhile (QoS 1 ones wait in the outbox, staged). */
  heldQoS0: { message: Message; retain: boolean }[];
  /** Direct messages (SendDirectMessage) sent at QoS 1, by packet id: called at their PUBACK. Never stored. */
  direct: Map<number, () => void>;
}

export function newConnection(
  socket: Socket,
  att: Attachment,
  principal: Principal | undefined,
  now: number,
  publishesPerSecond: number = MQTT_LIMITS.publishesPerSecond,
): Connection {
  return {
    socket,
    att,
    parser: new MqttParser({
      maxPacketSize: MQTT_LIMITS.maxPacketBytes,
      ...(att.protocolVersion ? { protocolVersion: att.protocolVersion } : {}),
      connectSeen: att.clientId !== undefined,
    }),
    principal,
    chain: Promise.resolve(),
    acks: Promise.resolve(),
    lastSeen: att.lastSeen,
    ended: false,
    pendingInput: 0,
    pendingInbound: 0,
    publishRate: new TokenBucket(publishesPerSecond, publishesPerSecond, now),
    byteRate: new ByteRate(MQTT_LIMITS.inboundBytesPerSecond, now),
    delivery: undefined,
    aliases: undefined,
  };
}

export function sendBytes(conn: Connection, bytes: Uint8Array): void {
  try {
    conn.socket.send(bytes);
  } catch {
    // The socket is gone; its close event (or the next wake's reconciliation) ends the connection.
  }
}

export function sendPacket(conn: Connection, packet: Packet): void {
  sendBytes(conn, encode(packet, conn.att.protocolVersion ?? 4));
}

export function closeSocket(conn: Connection, code: number, reason: string): void {
  try {
    conn.socket.close(code, reason);
  } catch {
    // already closed
  }
}

/** When the connection must have shown a sign of life: CONNECT within the connect timeout, then 1.5 × keep-alive. */
export function deadlineOf(conn: Connection): number {
  const keepAlive = conn.att.keepAlive;
  // [MQTT-3.1.2-24]: one and a half times the keep-alive.
  return keepAlive === undefined ? conn.att.openedAt + MQTT_LIMITS.connectTimeoutSeconds * 1000 : conn.lastSeen + keepAlive * 1500;
}

/**
 * The hub's connections: by connection id (the socket's attachment names it) and, once CONNECT was accepted, by the
 * client id whose session each holds. Rebuilt from the runtime's sockets after hibernation.
 */
export class ConnectionTable {
  private readonly byId = new Map<string, Connection>();
  private readonly byClient = new Map<string, Connection>();

  add(conn: Connection): void {
    this.byId.set(conn.att.connId, conn);
    if (conn.att.clientId !== undefined) this.byClient.set(conn.att.clientId, conn);
  }

  /** The connection of a socket (by the connection id in its attachment). */
  of(socket: Socket): Connection | undefined {
    const att = socket.attachment();
    return att ? this.byId.get(att.connId) : undefined;
  }

  /** The connection holding a client's session, if it is connected here. */
  client(clientId: string): Connection | undefined {
    return this.byClient.get(clientId);
  }

  /** CONNECT accepted: the connection now holds the client's session. */
  bind(conn: Connection, clientId: string): void {
    this.byClient.set(clientId, conn);
  }

  forget(conn: Connection): void {
    this.byId.delete(conn.att.connId);
    if (conn.att.clientId !== undefined && this.byClient.get(conn.att.clientId) === conn) this.byClient.delete(conn.att.clientId);
  }

  all(): Connection[] {
    return [...this.byId.values()];
  }

  clientIds(): string[] {
    return [...this.byClient.keys()];
  }

  /** The earliest CONNECT or keep-alive deadline. */
  nextDeadline(): number {
    let next = Number.POSITIVE_INFINITY;
    for (const conn of this.byId.values()) next = Math.min(next, deadlineOf(conn));
    return next;
  }
}

/** Work on one client id runs one at a time (CONNECT, adoption retries): a promise chain per client id. */
export class ClientLocks {
  private readonly locks = new Map<string, Promise<unknown>>();

  run<T>(clientId: string, work: () => Promise<T>): Promise<T> {
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
}
