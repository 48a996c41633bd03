import type { Message } from "../domain/message";
import { deserializeProperties, serializeProperties } from "../domain/retained";

export interface SessionRow {
  clientId: string;
  connId: string;
  protocolVersion: 4 | 5;
  /** Seconds the session outlives its connection (0: ends with it). */
  expiry: number;
  /** Epoch seconds when the connection ended; null while connected. */
  disconnectedAt: number | null;
  accessKeyId: string;
}

export interface SubscriptionRow {
  clientId: string;
  filter: string;
  qos: 0 | 1;
  /** MQTT 5 No Local: not sent the client's own publications. */
  noLocal: boolean;
  /** MQTT 5 Retain As Published. */
  retainAsPublished: boolean;
}

export interface QueuedMessage {
  seq: number;
  message: Message;
  /** Packet id once sent and awaiting PUBACK. */
  packetId: number | null;
  /** Epoch seconds when queued (for message expiry). */
  queuedAt: number;
}

export interface WillRow {
  message: Message;
}

type SessionDb = { client_id: string; conn_id: string; protocol_version: number; expiry: number; disconnected_at: number | null; access_key: string };
type QueueDb = {
  seq: number;
  topic: string;
  payload: ArrayBuffer;
  qos: number;
  retain: number;
  properties: string | null;
  packet_id: number | null;
  queued_at: number;
};

/**
 * A hub's MQTT sessions in its Durable Object's SQLite database: sessions, their subscriptions, their undelivered
 * QoS 1 messages (persistent sessions only) and their wills.
 */
export class SqliteSessionStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS sessions (
      client_id TEXT PRIMARY KEY, conn_id TEXT NOT NULL, protocol_version INTEGER NOT NULL,
      expiry INTEGER NOT NULL, disconnected_at INTEGER, access_key TEXT NOT NULL
    ) WITHOUT ROWID`);
    sql.exec(`CREATE TABLE IF NOT EXISTS subscriptions (
      client_id TEXT NOT NULL, filter TEXT NOT NULL, qos INTEGER NOT NULL, no_local INTEGER NOT NULL, rap INTEGER NOT NULL,
      PRIMARY KEY (client_id, filter)
    ) WITHOUT ROWID`);
    sql.exec("CREATE INDEX IF NOT EXISTS subscriptions_by_filter ON subscriptions (filter)");
    sql.exec(`CREATE TABLE IF NOT EXISTS queue (
      seq INTEGER PRIMARY KEY AUTOINCREMENT, client_id TEXT NOT NULL, topic TEXT NOT NULL, payload BLOB NOT NULL,
      qos INTEGER NOT NULL, retain INTEGER NOT NULL, properties TEXT, packet_id INTEGER, queued_at INTEGER NOT NULL
    )`);
    sql.exec("CREATE INDEX IF NOT EXISTS queue_by_client ON queue (client_id, seq)");
    sql.exec(`CREATE TABLE IF NOT EXISTS wills (
      client_id TEXT PRIMARY KEY, topic TEXT NOT NULL, payload BLOB NOT NULL, qos INTEGER NOT NULL, retain INTEGER NOT NULL, properties TEXT
    ) WITHOUT ROWID`);
  }

  session(clientId: string): SessionRow | undefined {
    const row = this.sql.exec<SessionDb>("SELECT * FROM sessions WHERE client_id = ?", clientId).toArray()[0];
    return row && toSession(row);
  }

  putSession(row: SessionRow): void {
    this.sql.exec(
      `INSERT INTO sessions (client_id, conn_id, protocol_version, expiry, disconnected_at, access_key) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (client_id) DO UPDATE SET conn_id = excluded.conn_id, protocol_version = excluded.protocol_version,
         expiry = excluded.expiry, disconnected_at = excluded.disconnected_at, access_key = excluded.access_key`,
      row.clientId,
      row.connId,
      row.protocolVersion,
      row.expiry,
      row.disconnectedAt,
      row.accessKeyId,
    );
  }

  /** Removes a session with everything it owns; returns its subscriptions' filters. */
  deleteSession(clientId: string): string[] {
    const filters = this.subscriptionsOf(clientId).map((s) => s.filter);
    this.sql.exec("DELETE FROM subscriptions WHERE client_id = ?", clientId);
    this.sql.exec("DELETE FROM queue WHERE client_id = ?", clientId);
    this.sql.exec("DELETE FROM wills WHERE client_id = ?", clientId);
    this.sql.exec("DELETE FROM sessions WHERE client_id = ?", clientId);
    return filters;
  }

  /** Disconnected sessions whose expiry has passed. */
  expiredSessions(now: number): string[] {
    return this.sql
      .exec<{ client_id: string }>("SELECT client_id FROM sessions WHERE disconnected_at IS NOT NULL AND disconnected_at + expiry <= ?", now)
      .toArray()
      .map((r) => r.client_id);
  }

  nextSessionExpiry(): number | undefined {
    const row = this.sql
      .exec<{ at: number | null }>("SELECT min(disconnected_at + expiry) AS at FROM sessions WHERE disconnected_at IS NOT NULL")
      .toArray()[0];
    return row?.at ?? undefined;
  }

  allSubscriptions(): SubscriptionRow[] {
    return this.sql.exec<SubDb>("SELECT * FROM subscriptions").toArray().map(toSubscription);
  }

  subscriptionsOf(clientId: string): SubscriptionRow[] {
    return this.sql.exec<SubDb>("SELECT * FROM subscriptions WHERE client_id = ?", clientId).toArray().map(toSubscription);
  }

  /** Stores the subscription; true when it is new (a replaced subscription keeps its place in the index). */
  putSubscription(row: SubscriptionRow): boolean {
    const existed = this.sql.exec("SELECT 1 FROM subscriptions WHERE client_id = ? AND filter = ?", row.clientId, row.filter).toArray().length > 0;
    this.sql.exec(
      `INSERT INTO subscriptions (client_id, filter, qos, no_local, rap) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (client_id, filter) DO UPDATE SET qos = excluded.qos, no_local = excluded.no_local, rap = excluded.rap`,
      row.clientId,
      row.filter,
      row.qos,
      row.noLocal ? 1 : 0,
      row.retainAsPublished ? 1 : 0,
    );
    return !existed;
  }

  /** True when there was such a subscription. */
  deleteSubscription(clientId: string, filter: string): boolean {
    return this.sql.exec("DELETE FROM subscriptions WHERE client_id = ? AND filter = ?", clientId, filter).rowsWritten > 0;
  }

  /** Local subscribers on a filter: the index needs this hub only while it is above zero. */
  subscriberCount(filter: string): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM subscriptions WHERE filter = ?", filter).one().n;
  }

  enqueue(clientId: string, message: Message, packetId: number | null, now: number, limit: number): number {
    const seq = this.sql
      .exec<{ seq: number }>(
        "INSERT INTO queue (client_id, topic, payload, qos, retain, properties, packet_id, queued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING seq",
        clientId,
        message.topic,
        message.payload,
        message.qos,
        message.retain ? 1 : 0,
        serializeProperties(message.properties),
        packetId,
        now,
      )
      .one().seq;
    // Oldest messages go first when a session's queue is full.
    this.sql.exec(
      "DELETE FROM queue WHERE client_id = ? AND seq <= (SELECT seq FROM queue WHERE client_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)",
      clientId,
      clientId,
      limit,
    );
    return seq;
  }

  queued(clientId: string): QueuedMessage[] {
    return this.sql
      .exec<QueueDb>("SELECT * FROM queue WHERE client_id = ? ORDER BY seq", clientId)
      .toArray()
      .map((row) => {
        const properties = deserializeProperties(row.properties);
        return {
          seq: row.seq,
          message: {
            topic: row.topic,
            payload: new Uint8Array(row.payload),
            qos: row.qos === 1 ? 1 : 0,
            retain: row.retain === 1,
            ...(properties ? { properties } : {}),
          },
          packetId: row.packet_id,
          queuedAt: row.queued_at,
        };
      });
  }

  markSent(seq: number, packetId: number): void {
    this.sql.exec("UPDATE queue SET packet_id = ? WHERE seq = ?", packetId, seq);
  }

  acknowledge(clientId: string, packetId: number): void {
    this.sql.exec("DELETE FROM queue WHERE client_id = ? AND packet_id = ?", clientId, packetId);
  }

  dropQueued(seq: number): void {
    this.sql.exec("DELETE FROM queue WHERE seq = ?", seq);
  }

  putWill(clientId: string, will: Message | undefined): void {
    this.sql.exec("DELETE FROM wills WHERE client_id = ?", clientId);
    if (!will) return;
    this.sql.exec(
      "INSERT INTO wills (client_id, topic, payload, qos, retain, properties) VALUES (?, ?, ?, ?, ?, ?)",
      clientId,
      will.topic,
      will.payload,
      will.qos,
      will.retain ? 1 : 0,
      serializeProperties(will.properties),
    );
  }

  /** Removes and returns the client's will. */
  takeWill(clientId: string): Message | undefined {
    const row = this.sql
      .exec<{ topic: string; payload: ArrayBuffer; qos: number; retain: number; properties: string | null }>(
        "SELECT * FROM wills WHERE client_id = ?",
        clientId,
      )
      .toArray()[0];
    if (!row) return undefined;
    this.sql.exec("DELETE FROM wills WHERE client_id = ?", clientId);
    const properties = deserializeProperties(row.properties);
    return {
      topic: row.topic,
      payload: new Uint8Array(row.payload),
      qos: row.qos === 1 ? 1 : 0,
      retain: row.retain === 1,
      ...(properties ? { properties } : {}),
    };
  }
}

type SubDb = { client_id: string; filter: string; qos: number; no_local: number; rap: number };

const toSubscription = (row: SubDb): SubscriptionRow => ({
  clientId: row.client_id,
  filter: row.filter,
  qos: row.qos === 1 ? 1 : 0,
  noLocal: row.no_local === 1,
  retainAsPublished: row.rap === 1,
});

const toSession = (row: SessionDb): SessionRow => ({
  clientId: row.client_id,
  connId: row.conn_id,
  protocolVersion: row.protocol_version === 5 ? 5 : 4,
  expiry: row.expiry,
  disconnectedAt: row.disconnected_at,
  accessKeyId: row.access_key,
});
