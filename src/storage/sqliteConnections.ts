import { type DisconnectReason, isDisconnectReason } from "../domain/lifecycle";
import type { Message } from "../domain/message";
import { deserializeProperties, serializeProperties } from "../domain/retained";
import { ensureSchema } from "./schema";
import type { SqlPort } from "./sql";

/**
 * The last connection of a client id on this hub: what GetConnection answers and what lifecycle events say. Kept
 * while the client's session is here, and for 30 minutes after its disconnection once the session is gone (AWS:
 * `disconnectedSince` "is available for 30 minutes after the client disconnects").
 */
export interface ConnectionRecord {
  clientId: string;
  connId: string;
  /** Lifecycle `sessionIdentifier`: kept while a persistent session resumes on this hub. */
  sessionId: string;
  /** Lifecycle `versionNumber`: the client id registry's epoch of the connection's claim (grows per client id). */
  version: number;
  protocolVersion: 4 | 5;
  keepAlive: number;
  /** Session Expiry Interval in seconds (0: a clean session). */
  sessionExpiry: number;
  /** Epoch ms. */
  connectedAt: number;
  /** Epoch ms; null while connected. */
  disconnectedAt: number | null;
  disconnectReason: DisconnectReason | null;
  principal: string;
  sourceIp: string | null;
  sourcePort: number | null;
  targetIp: string | null;
  targetPort: number | null;
}

/** A lifecycle event waiting to be published (retried until the publish pipeline accepted it). */
export interface PendingEvent {
  id: number;
  message: Message;
  attempts: number;
}

type RecordDb = {
  client_id: string;
  conn_id: string;
  session_id: string;
  version: number;
  protocol_version: number;
  keep_alive: number;
  session_expiry: number;
  connected_at: number;
  disconnected_at: number | null;
  reason: string | null;
  principal: string;
  source_ip: string | null;
  source_port: number | null;
  target_ip: string | null;
  target_port: number | null;
};

type EventDb = { id: number; topic: string; payload: ArrayBuffer; qos: number; properties: string | null; attempts: number };

/**
 * A hub's connection records and its outbox of lifecycle events, in the hub's SQLite database beside the sessions
 * (a component of its own, so its layout changes independently of theirs).
 */
export class SqliteConnectionStore {
  constructor(private readonly sql: SqlPort) {
    ensureSchema(
      sql,
      "connections",
      1,
      ["connection_records", "pending_events"],
      [
        `CREATE TABLE IF NOT EXISTS connection_records (
          client_id TEXT PRIMARY KEY, conn_id TEXT NOT NULL, session_id TEXT NOT NULL, version INTEGER NOT NULL,
          protocol_version INTEGER NOT NULL, keep_alive INTEGER NOT NULL, session_expiry INTEGER NOT NULL,
          connected_at INTEGER NOT NULL, disconnected_at INTEGER, reason TEXT, principal TEXT NOT NULL,
          source_ip TEXT, source_port INTEGER, target_ip TEXT, target_port INTEGER
        ) WITHOUT ROWID`,
        "CREATE INDEX IF NOT EXISTS connection_records_by_end ON connection_records (disconnected_at)",
        `CREATE TABLE IF NOT EXISTS pending_events (
          id INTEGER PRIMARY KEY AUTOINCREMENT, topic TEXT NOT NULL, payload BLOB NOT NULL, qos INTEGER NOT NULL,
          properties TEXT, attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL
        )`,
      ],
    );
  }

  // ---- connection records --------------------------------------------------------------------------------------

  record(clientId: string): ConnectionRecord | undefined {
    const row = this.sql.exec<RecordDb>("SELECT * FROM connection_records WHERE client_id = ?", clientId).toArray()[0];
    return row && toRecord(row);
  }

  /** Records that is connected now (replacing the client's earlier record here). */
  putRecord(record: ConnectionRecord): void {
    this.sql.exec(
      `INSERT OR REPLACE INTO connection_records (client_id, conn_id, session_id, version, protocol_version, keep_alive, session_expiry,
         connected_at, disconnected_at, reason, principal, source_ip, source_port, target_ip, target_port)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      record.clientId,
      record.connId,
      record.sessionId,
      record.version,
      record.protocolVersion,
      record.keepAlive,
      record.sessionExpiry,
      record.connectedAt,
      record.disconnectedAt,
      record.disconnectReason,
      record.principal,
      record.sourceIp,
      record.sourcePort,
      record.targetIp,
      record.targetPort,
    );
  }

  /** The connection `connId` ended; true the first time (so its disconnected event is published once). */
  markDisconnected(clientId: string, connId: string, at: number, reason: DisconnectReason): boolean {
    return (
      this.sql.exec(
        "UPDATE connection_records SET disconnected_at = ?, reason = ? WHERE client_id = ? AND conn_id = ? AND disconnected_at IS NULL",
        at,
        reason,
        clientId,
        connId,
      ).rowsWritten > 0
    );
  }

  /** MQTT 5 DISCONNECT may change the session expiry. */
  setSessionExpiry(clientId: string, connId: string, expiry: number): void {
    this.sql.exec("UPDATE connection_records SET session_expiry = ? WHERE client_id = ? AND conn_id = ?", expiry, clientId, connId);
  }

  /** Records of connections this hub believes open (checked against its live sockets when it wakes). */
  openRecords(): ConnectionRecord[] {
    return this.sql.exec<RecordDb>("SELECT * FROM connection_records WHERE disconnected_at IS NULL").toArray().map(toRecord);
  }

  /** Forgets disconnections older than `before` (epoch ms) whose session is gone, a bounded number at a time. */
  forgetDisconnected(before: number, hasSession: (clientId: string) => boolean, limit = 200): void {
    const old = this.sql
      .exec<{ client_id: string }>(
        "SELECT client_id FROM connection_records WHERE disconnected_at IS NOT NULL AND disconnected_at < ? LIMIT ?",
        before,
        limit,
      )
      .toArray();
    for (const { client_id } of old) {
      if (!hasSession(client_id)) this.sql.exec("DELETE FROM connection_records WHERE client_id = ?", client_id);
    }
  }

  // ---- lifecycle events to publish -------------------------------------------------------------------------------

  addEvent(message: Message, nextAt: number): void {
    this.sql.exec(
      "INSERT INTO pending_events (topic, payload, qos, properties, attempts, next_at) VALUES (?, ?, ?, ?, 0, ?)",
      message.topic,
      message.payload,
      message.qos,
      serializeProperties(message.properties),
      nextAt,
    );
  }

  dueEvents(now: number, limit = 500): PendingEvent[] {
    return this.sql
      .exec<EventDb>("SELECT * FROM pending_events WHERE next_at <= ? ORDER BY id LIMIT ?", now, limit)
      .toArray()
      .map((row) => {
        const properties = deserializeProperties(row.properties);
        return {
          id: row.id,
          attempts: row.attempts,
          message: {
            topic: row.topic,
            payload: new Uint8Array(row.payload),
            qos: row.qos === 1 ? 1 : 0,
            retain: false,
            ...(properties ? { properties } : {}),
          },
        };
      });
  }

  deleteEvent(id: number): void {
    this.sql.exec("DELETE FROM pending_events WHERE id = ?", id);
  }

  retryEvent(id: number, attempts: number, nextAt: number): void {
    this.sql.exec("UPDATE pending_events SET attempts = ?, next_at = ? WHERE id = ?", attempts, nextAt, id);
  }

  /** Epoch ms of the earliest event due. */
  nextEventAt(): number | undefined {
    return this.sql.exec<{ at: number | null }>("SELECT min(next_at) AS at FROM pending_events").one().at ?? undefined;
  }
}

const toRecord = (row: RecordDb): ConnectionRecord => ({
  clientId: row.client_id,
  connId: row.conn_id,
  sessionId: row.session_id,
  version: row.version,
  protocolVersion: row.protocol_version === 5 ? 5 : 4,
  keepAlive: row.keep_alive,
  sessionExpiry: row.session_expiry,
  connectedAt: row.connected_at,
  disconnectedAt: row.disconnected_at,
  disconnectReason: row.reason !== null && isDisconnectReason(row.reason) ? row.reason : null,
  principal: row.principal,
  sourceIp: row.source_ip,
  sourcePort: row.source_port,
  targetIp: row.target_ip,
  targetPort: row.target_port,
});
