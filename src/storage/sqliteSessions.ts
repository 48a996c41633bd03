import type { RoutePresence } from "../broker/types";
import type { Message } from "../domain/message";
import { deserializeProperties, serializeProperties } from "../domain/retained";
import { ensureSchema } from "./schema";
import type { SqlPort } from "./sql";

/**
 * - active: the hub's own session (connected or waiting for its client);
 * - moving: being handed over to another hub, which copies it (deliveries still queue here until it is done);
 * - adopting: being copied here from another hub (deliveries queue, staged after the copied messages).
 */
export type SessionState = "active" | "moving" | "adopting";

export interface SessionRow {
  clientId: string;
  /** The connection that holds (or last held) the session. */
  connId: string;
  protocolVersion: 4 | 5;
  /** Seconds the session outlives its connection (0: ends with it). */
  expiry: number;
  /** Epoch seconds when the connection ended; null while connected. */
  disconnectedAt: number | null;
  accessKeyId: string;
  state: SessionState;
  /** The client id registry's epoch of the claim that made this the session's holder (higher is newer). */
  epoch: number;
  /** While moving: the connection (and its claim's epoch) it is being handed to. */
  movingTo: MovingTo | null;
}

export interface MovingTo {
  hub: string;
  connId: string;
  epoch: number;
}

export interface SubscriptionRow {
  clientId: string;
  filter: string;
  qos: 0 | 1;
  /** MQTT 5 Retain As Published. */
  retainAsPublished: boolean;
}

/** A QoS 1 message for one session: waiting to be sent (packetId null) or sent and not yet acknowledged. */
export interface OutboxRow {
  seq: number;
  /** Position in the session's delivery order. */
  ord: number;
  message: Message;
  packetId: number | null;
  /** Epoch seconds when it was queued (for message expiry). */
  queuedAt: number;
}

export interface PendingWill {
  id: number;
  clientId: string;
  message: Message;
  attempts: number;
}

export interface RouteIntent {
  filter: string;
  present: RoutePresence;
  version: number;
  attempts: number;
  /** Epoch ms. */
  nextAt: number;
}

/** A session being copied here from another hub (the handover's durable record on the receiving side). */
export interface Adoption {
  clientId: string;
  fromHub: string;
  fromConn: string;
  /** The connection here that asked for it, and its claim's epoch. */
  toConn: string;
  epoch: number;
  /** finishing: the old hub was asked to delete its copy; only its answer decides whether the session is ours. */
  phase: "copying" | "finishing";
  clean: boolean;
  /** The last position copied from the other hub's outbox (null: copying has not started). */
  copiedUntil: number | null;
  attempts: number;
  nextAt: number;
}

/** Something the client id registry must hear from this hub: a claim confirmed, or a holder released. */
export interface RegistryIntent {
  kind: "confirm" | "release";
  clientId: string;
  connId: string;
  epoch: number;
  attempts: number;
  nextAt: number;
}

/** Where a session handed over went (kept a while, so late or repeated questions get the right answer). */
export interface HandedOver {
  epoch: number;
  hub: string;
  connId: string;
}

type SessionDb = {
  client_id: string;
  conn_id: string;
  protocol_version: number;
  expiry: number;
  disconnected_at: number | null;
  access_key: string;
  state: string;
  epoch: number;
  moving_hub: string | null;
  moving_conn: string | null;
  moving_epoch: number | null;
};
type MessageDb = { msg_id: string | null; topic: string; payload: ArrayBuffer; qos: number; retain: number; properties: string | null };
type OutboxDb = MessageDb & { seq: number; ord: number; packet_id: number | null; queued_at: number };
type SubDb = { client_id: string; filter: string; qos: number; no_local: number; rap: number };

const SCHEMA_VERSION = 4;
const TABLES = [
  "sessions",
  "subscriptions",
  "queue",
  "outbox",
  "wills",
  "pending_wills",
  "route_intents",
  "adoptions",
  "pending_releases",
  "registry_intents",
  "handed_over",
];

/**
 * A hub's MQTT sessions in its Durable Object's SQLite database: sessions, their subscriptions, their QoS 1 messages
 * (the outbox: waiting and in flight), their wills, and the hub's durable work (wills to publish, index registrations,
 * registry releases, handovers in progress), which is retried until done.
 */
export class SqliteSessionStore {
  private nextOrd: number | undefined;

  constructor(private readonly sql: SqlPort) {
    ensureSchema(sql, "sessions", SCHEMA_VERSION, TABLES, [
      `CREATE TABLE IF NOT EXISTS sessions (
        client_id TEXT PRIMARY KEY, conn_id TEXT NOT NULL, protocol_version INTEGER NOT NULL, expiry INTEGER NOT NULL,
        disconnected_at INTEGER, access_key TEXT NOT NULL, state TEXT NOT NULL, epoch INTEGER NOT NULL,
        moving_hub TEXT, moving_conn TEXT, moving_epoch INTEGER
      ) WITHOUT ROWID`,
      `CREATE TABLE IF NOT EXISTS subscriptions (
        client_id TEXT NOT NULL, filter TEXT NOT NULL, qos INTEGER NOT NULL, no_local INTEGER NOT NULL, rap INTEGER NOT NULL,
        PRIMARY KEY (client_id, filter)
      ) WITHOUT ROWID`,
      "CREATE INDEX IF NOT EXISTS subscriptions_by_filter ON subscriptions (filter)",
      `CREATE TABLE IF NOT EXISTS outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, client_id TEXT NOT NULL, ord INTEGER NOT NULL, msg_id TEXT,
        topic TEXT NOT NULL, payload BLOB NOT NULL, qos INTEGER NOT NULL, retain INTEGER NOT NULL, properties TEXT,
        packet_id INTEGER, queued_at INTEGER NOT NULL, staged INTEGER NOT NULL DEFAULT 0
      )`,
      "CREATE INDEX IF NOT EXISTS outbox_by_client ON outbox (client_id, ord)",
      "CREATE INDEX IF NOT EXISTS outbox_by_packet ON outbox (client_id, packet_id)",
      "CREATE UNIQUE INDEX IF NOT EXISTS outbox_by_message ON outbox (client_id, msg_id)",
      `CREATE TABLE IF NOT EXISTS wills (
        client_id TEXT PRIMARY KEY, msg_id TEXT, topic TEXT NOT NULL, payload BLOB NOT NULL, qos INTEGER NOT NULL,
        retain INTEGER NOT NULL, properties TEXT
      ) WITHOUT ROWID`,
      `CREATE TABLE IF NOT EXISTS pending_wills (
        id INTEGER PRIMARY KEY AUTOINCREMENT, client_id TEXT NOT NULL, msg_id TEXT, topic TEXT NOT NULL, payload BLOB NOT NULL,
        qos INTEGER NOT NULL, retain INTEGER NOT NULL, properties TEXT, attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL
      )`,
      `CREATE TABLE IF NOT EXISTS route_intents (
        filter TEXT PRIMARY KEY, present INTEGER NOT NULL, version INTEGER NOT NULL, attempts INTEGER NOT NULL, next_at INTEGER NOT NULL
      ) WITHOUT ROWID`,
      `CREATE TABLE IF NOT EXISTS adoptions (
        client_id TEXT PRIMARY KEY, from_hub TEXT NOT NULL, from_conn TEXT NOT NULL, to_conn TEXT NOT NULL, epoch INTEGER NOT NULL,
        phase TEXT NOT NULL, clean INTEGER NOT NULL, copied_until INTEGER, attempts INTEGER NOT NULL, next_at INTEGER NOT NULL
      ) WITHOUT ROWID`,
      `CREATE TABLE IF NOT EXISTS handed_over (
        client_id TEXT PRIMARY KEY, epoch INTEGER NOT NULL, hub TEXT NOT NULL, conn_id TEXT NOT NULL, at INTEGER NOT NULL
      ) WITHOUT ROWID`,
      `CREATE TABLE IF NOT EXISTS registry_intents (
        kind TEXT NOT NULL, client_id TEXT NOT NULL, conn_id TEXT NOT NULL, epoch INTEGER NOT NULL, attempts INTEGER NOT NULL,
        next_at INTEGER NOT NULL, PRIMARY KEY (kind, client_id, conn_id)
      ) WITHOUT ROWID`,
    ]);
    // Its own component: added without touching the session tables.
    ensureSchema(
      sql,
      "topic_aliases",
      1,
      ["topic_aliases"],
      [
        "CREATE TABLE IF NOT EXISTS topic_aliases (conn_id TEXT NOT NULL, alias INTEGER NOT NULL, topic TEXT NOT NULL, PRIMARY KEY (conn_id, alias)) WITHOUT ROWID",
      ],
    );
    ensureSchema(
      sql,
      "hub_settings",
      1,
      ["hub_settings"],
      ["CREATE TABLE IF NOT EXISTS hub_settings (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID"],
    );
  }

  /** A value the hub keeps about itself (e.g. the index layout its registrations were made for). */
  setting(key: string): string | undefined {
    return this.sql.exec<{ value: string }>("SELECT value FROM hub_settings WHERE key = ?", key).toArray()[0]?.value;
  }

  putSetting(key: string, value: string): void {
    this.sql.exec("INSERT INTO hub_settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value);
  }

  // ---- sessions ------------------------------------------------------------------------------------------------

  session(clientId: string): SessionRow | undefined {
    const row = this.sql.exec<SessionDb>("SELECT * FROM sessions WHERE client_id = ?", clientId).toArray()[0];
    return row && toSession(row);
  }

  putSession(row: SessionRow): void {
    this.sql.exec(
      `INSERT INTO sessions (client_id, conn_id, protocol_version, expiry, disconnected_at, access_key, state, epoch, moving_hub, moving_conn, moving_epoch)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (client_id) DO UPDATE SET conn_id = excluded.conn_id, protocol_version = excluded.protocol_version,
         expiry = excluded.expiry, disconnected_at = excluded.disconnected_at, access_key = excluded.access_key,
         state = excluded.state, epoch = excluded.epoch, moving_hub = excluded.moving_hub, moving_conn = excluded.moving_conn,
         moving_epoch = excluded.moving_epoch`,
      row.clientId,
      row.connId,
      row.protocolVersion,
      row.expiry,
      row.disconnectedAt,
      row.accessKeyId,
      row.state,
      row.epoch,
      row.movingTo?.hub ?? null,
      row.movingTo?.connId ?? null,
      row.movingTo?.epoch ?? null,
    );
  }

  /** Removes a session with everything it owns; returns its subscriptions' filters. */
  deleteSession(clientId: string): string[] {
    const filters = this.subscriptionsOf(clientId).map((s) => s.filter);
    this.sql.exec("DELETE FROM subscriptions WHERE client_id = ?", clientId);
    this.sql.exec("DELETE FROM outbox WHERE client_id = ?", clientId);
    this.sql.exec("DELETE FROM wills WHERE client_id = ?", clientId);
    this.sql.exec("DELETE FROM sessions WHERE client_id = ?", clientId);
    return filters;
  }

  /** Sessions this hub believes connected (checked against its live sockets when it wakes). */
  connectedSessions(): SessionRow[] {
    return this.sql.exec<SessionDb>("SELECT * FROM sessions WHERE disconnected_at IS NULL AND state = 'active'").toArray().map(toSession);
  }

  /** Disconnected sessions of this hub whose expiry has passed. */
  expiredSessions(nowSeconds: number): string[] {
    return this.sql
      .exec<{ client_id: string }>(
        "SELECT client_id FROM sessions WHERE state = 'active' AND disconnected_at IS NOT NULL AND disconnected_at + expiry <= ?",
        nowSeconds,
      )
      .toArray()
      .map((r) => r.client_id);
  }

  /** Epoch seconds of the next expiry of a disconnected session. */
  nextSessionExpiry(): number | undefined {
    const row = this.sql
      .exec<{ at: number | null }>("SELECT min(disconnected_at + expiry) AS at FROM sessions WHERE state = 'active' AND disconnected_at IS NOT NULL")
      .toArray()[0];
    return row?.at ?? undefined;
  }

  // ---- subscriptions -------------------------------------------------------------------------------------------

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
      // no_local stays in the layout (0): No Local is not honoured, as on AWS IoT (README "MQTT 5").
      `INSERT INTO subscriptions (client_id, filter, qos, no_local, rap) VALUES (?, ?, ?, 0, ?)
       ON CONFLICT (client_id, filter) DO UPDATE SET qos = excluded.qos, rap = excluded.rap`,
      row.clientId,
      row.filter,
      row.qos,
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

  // ---- outbox --------------------------------------------------------------------------------------------------

  /**
   * Queues a QoS 1 message for a session (sent already when `packetId` is set). A message already queued for the
   * session (same id: a retried or overlapping delivery) is not queued twice: null. Over `limit` messages, the oldest
   * one not yet sent is dropped.
   */
  enqueue(
    clientId: string,
    message: Message,
    options: { packetId: number | null; queuedAt: number; limit: number; staged?: boolean; ord?: number },
  ): OutboxRow | null {
    const ord = options.ord ?? this.allocateOrd();
    const row = this.sql
      .exec<{ seq: number }>(
        `INSERT INTO outbox (client_id, ord, msg_id, topic, payload, qos, retain, properties, packet_id, queued_at, staged)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING RETURNING seq`,
        clientId,
        ord,
        message.id ?? null,
        message.topic,
        message.payload,
        message.qos,
        message.retain ? 1 : 0,
        serializeProperties(message.properties),
        options.packetId,
        options.queuedAt,
        options.staged ? 1 : 0,
      )
      .toArray()[0];
    if (!row) return null;
    const count = this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox WHERE client_id = ?", clientId).one().n;
    if (count > options.limit) {
      this.sql.exec(
        `DELETE FROM outbox WHERE seq IN (
           SELECT seq FROM outbox WHERE client_id = ? AND packet_id IS NULL ORDER BY ord LIMIT ?)`,
        clientId,
        count - options.limit,
      );
    }
    return { seq: row.seq, ord, message, packetId: options.packetId, queuedAt: options.queuedAt };
  }

  /**
   * A message copied from the hub a session is moving from, in that hub's order. The old hub's order is the
   * publishers' order for everything it has: a copy of a message that already arrived here live (staged) takes the
   * copy's place, so only what the old hub never had stays staged, to go after the copies.
   */
  enqueueCopy(clientId: string, message: Message, options: { packetId: number | null; queuedAt: number; limit: number }): void {
    if (message.id !== undefined) {
      const ord = this.allocateOrd();
      const moved = this.sql.exec(
        "UPDATE outbox SET ord = ?, staged = 0, packet_id = coalesce(?, packet_id) WHERE client_id = ? AND msg_id = ? AND staged = 1",
        ord,
        options.packetId,
        clientId,
        message.id,
      ).rowsWritten;
      if (moved > 0) return;
      this.enqueue(clientId, message, { ...options, ord });
      return;
    }
    this.enqueue(clientId, message, options);
  }

  /** Messages sent and not yet acknowledged, in delivery order. */
  inflight(clientId: string): OutboxRow[] {
    return this.sql
      .exec<OutboxDb>("SELECT * FROM outbox WHERE client_id = ? AND packet_id IS NOT NULL ORDER BY ord", clientId)
      .toArray()
      .map(toOutbox);
  }

  /** The next messages not yet sent, in delivery order: only as many as may go now. */
  nextUnsent(clientId: string, limit: number): OutboxRow[] {
    if (limit <= 0) return [];
    return this.sql
      .exec<OutboxDb>("SELECT * FROM outbox WHERE client_id = ? AND packet_id IS NULL ORDER BY ord LIMIT ?", clientId, limit)
      .toArray()
      .map(toOutbox);
  }

  countUnsent(clientId: string): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM outbox WHERE client_id = ? AND packet_id IS NULL", clientId).one().n;
  }

  markSent(seq: number, packetId: number): void {
    this.sql.exec("UPDATE outbox SET packet_id = ? WHERE seq = ?", packetId, seq);
  }

  /** Back to waiting (a resumed session's window is smaller than what was in flight). */
  markUnsent(seq: number): void {
    this.sql.exec("UPDATE outbox SET packet_id = NULL WHERE seq = ?", seq);
  }

  /** Removes the message acknowledged with `packetId`; true when there was one. */
  acknowledge(clientId: string, packetId: number): boolean {
    return this.sql.exec("DELETE FROM outbox WHERE client_id = ? AND packet_id = ?", clientId, packetId).rowsWritten > 0;
  }

  dropQueued(seq: number): void {
    this.sql.exec("DELETE FROM outbox WHERE seq = ?", seq);
  }

  /** A page of a session's outbox after position `afterOrd`, in order, of at most about `maxBytes` of payload. */
  outboxPage(clientId: string, afterOrd: number | null, maxBytes: number): OutboxRow[] {
    const rows: OutboxRow[] = [];
    let bytes = 0;
    const cursor = this.sql.exec<OutboxDb>(
      "SELECT * FROM outbox WHERE client_id = ? AND ord > ? ORDER BY ord LIMIT 500",
      clientId,
      afterOrd ?? Number.MIN_SAFE_INTEGER,
    );
    for (const row of cursor) {
      const size = row.payload.byteLength + 512;
      if (rows.length > 0 && bytes + size > maxBytes) break;
      rows.push(toOutbox(row));
      bytes += size;
    }
    return rows;
  }

  /**
   * Ends an adoption's copy: the messages that arrived here while the session was being copied (staged) move after
   * the copied ones, keeping their own order.
   */
  unstage(clientId: string): void {
    const staged = this.sql
      .exec<{ n: number; lo: number | null }>("SELECT count(*) AS n, min(ord) AS lo FROM outbox WHERE client_id = ? AND staged = 1", clientId)
      .one();
    if (staged.n === 0 || staged.lo === null) return;
    const shift = this.allocateOrd() + 1 - staged.lo;
    this.sql.exec("UPDATE outbox SET ord = ord + ?, staged = 0 WHERE client_id = ? AND staged = 1", shift, clientId);
    this.nextOrd = this.maxOrd() + 1;
  }

  private maxOrd(): number {
    return this.sql.exec<{ m: number | null }>("SELECT max(ord) AS m FROM outbox").one().m ?? 0;
  }

  private allocateOrd(): number {
    if (this.nextOrd === undefined) this.nextOrd = this.maxOrd() + 1;
    return this.nextOrd++;
  }

  // ---- wills ---------------------------------------------------------------------------------------------------

  putWill(clientId: string, will: Message | undefined): void {
    this.sql.exec("DELETE FROM wills WHERE client_id = ?", clientId);
    if (!will) return;
    this.sql.exec(
      "INSERT INTO wills (client_id, msg_id, topic, payload, qos, retain, properties) VALUES (?, ?, ?, ?, ?, ?, ?)",
      clientId,
      will.id ?? null,
      will.topic,
      will.payload,
      will.qos,
      will.retain ? 1 : 0,
      serializeProperties(will.properties),
    );
  }

  /** Removes and returns the client's will. */
  takeWill(clientId: string): Message | undefined {
    const row = this.sql.exec<MessageDb>("SELECT * FROM wills WHERE client_id = ?", clientId).toArray()[0];
    if (!row) return undefined;
    this.sql.exec("DELETE FROM wills WHERE client_id = ?", clientId);
    return toMessage(row);
  }

  /** A will to publish, kept until it has been routed. */
  addPendingWill(clientId: string, will: Message, nextAt: number): number {
    return this.sql
      .exec<{ id: number }>(
        "INSERT INTO pending_wills (client_id, msg_id, topic, payload, qos, retain, properties, attempts, next_at) VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?) RETURNING id",
        clientId,
        will.id ?? null,
        will.topic,
        will.payload,
        will.qos,
        will.retain ? 1 : 0,
        serializeProperties(will.properties),
        nextAt,
      )
      .one().id;
  }

  dueWills(now: number): PendingWill[] {
    return this.sql
      .exec<MessageDb & { id: number; client_id: string; attempts: number }>("SELECT * FROM pending_wills WHERE next_at <= ? ORDER BY id", now)
      .toArray()
      .map((row) => ({ id: row.id, clientId: row.client_id, message: toMessage(row), attempts: row.attempts }));
  }

  deletePendingWill(id: number): void {
    this.sql.exec("DELETE FROM pending_wills WHERE id = ?", id);
  }

  retryPendingWill(id: number, attempts: number, nextAt: number): void {
    this.sql.exec("UPDATE pending_wills SET attempts = ?, next_at = ? WHERE id = ?", attempts, nextAt, id);
  }

  // ---- topic aliases (per connection; MQTT 5 client → server) --------------------------------------------------

  topicAliases(connId: string): Map<number, string> {
    const rows = this.sql.exec<{ alias: number; topic: string }>("SELECT alias, topic FROM topic_aliases WHERE conn_id = ?", connId);
    return new Map([...rows].map((row) => [row.alias, row.topic]));
  }

  putTopicAlias(connId: string, alias: number, topic: string): void {
    this.sql.exec(
      "INSERT INTO topic_aliases (conn_id, alias, topic) VALUES (?, ?, ?) ON CONFLICT (conn_id, alias) DO UPDATE SET topic = excluded.topic",
      connId,
      alias,
      topic,
    );
  }

  deleteTopicAliases(connId: string): void {
    this.sql.exec("DELETE FROM topic_aliases WHERE conn_id = ?", connId);
  }

  /** Forgets the aliases of connections that are gone (a restart drops sockets without close events). */
  deleteTopicAliasesExcept(live: readonly string[]): void {
    if (live.length === 0) {
      this.sql.exec("DELETE FROM topic_aliases");
      return;
    }
    const kept = new Set(live);
    const gone = this.sql
      .exec<{ conn_id: string }>("SELECT DISTINCT conn_id FROM topic_aliases")
      .toArray()
      .filter((r) => !kept.has(r.conn_id));
    for (const row of gone) this.deleteTopicAliases(row.conn_id);
  }

  // ---- route intents -------------------------------------------------------------------------------------------

  /** Records that the index should (not) route `filter` to this hub; supersedes an earlier intent for the filter. */
  putRouteIntent(filter: string, present: RoutePresence, nextAt: number): RouteIntent {
    const row = this.sql
      .exec<{ version: number }>(
        `INSERT INTO route_intents (filter, present, version, attempts, next_at) VALUES (?, ?, 1, 0, ?)
         ON CONFLICT (filter) DO UPDATE SET present = excluded.present, version = route_intents.version + 1, attempts = 0, next_at = excluded.next_at
         RETURNING version`,
        filter,
        present === "online" ? 2 : present ? 1 : 0,
        nextAt,
      )
      .one();
    return { filter, present, version: row.version, attempts: 0, nextAt };
  }

  routeIntent(filter: string): RouteIntent | undefined {
    const row = this.sql
      .exec<{ filter: string; present: number; version: number; attempts: number; next_at: number }>(
        "SELECT * FROM route_intents WHERE filter = ?",
        filter,
      )
      .toArray()[0];
    return row && { filter: row.filter, present: presenceOf(row.present), version: row.version, attempts: row.attempts, nextAt: row.next_at };
  }

  dueRouteIntents(now: number): RouteIntent[] {
    return this.sql
      .exec<{ filter: string; present: number; version: number; attempts: number; next_at: number }>(
        "SELECT * FROM route_intents WHERE next_at <= ?",
        now,
      )
      .toArray()
      .map((row) => ({ filter: row.filter, present: presenceOf(row.present), version: row.version, attempts: row.attempts, nextAt: row.next_at }));
  }

  /** The intent is done if nothing superseded it meanwhile. */
  completeRouteIntent(filter: string, version: number): void {
    this.sql.exec("DELETE FROM route_intents WHERE filter = ? AND version = ?", filter, version);
  }

  retryRouteIntent(filter: string, version: number, attempts: number, nextAt: number): void {
    this.sql.exec("UPDATE route_intents SET attempts = ?, next_at = ? WHERE filter = ? AND version = ?", attempts, nextAt, filter, version);
  }

  // ---- adoptions -----------------------------------------------------------------------------------------------

  putAdoption(adoption: Adoption): void {
    this.sql.exec(
      `INSERT INTO adoptions (client_id, from_hub, from_conn, to_conn, epoch, phase, clean, copied_until, attempts, next_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (client_id) DO UPDATE SET from_hub = excluded.from_hub, from_conn = excluded.from_conn, to_conn = excluded.to_conn,
         epoch = excluded.epoch, phase = excluded.phase, clean = excluded.clean, copied_until = excluded.copied_until,
         attempts = excluded.attempts, next_at = excluded.next_at`,
      adoption.clientId,
      adoption.fromHub,
      adoption.fromConn,
      adoption.toConn,
      adoption.epoch,
      adoption.phase,
      adoption.clean ? 1 : 0,
      adoption.copiedUntil,
      adoption.attempts,
      adoption.nextAt,
    );
  }

  adoption(clientId: string): Adoption | undefined {
    return this.sql.exec<AdoptionDb>("SELECT * FROM adoptions WHERE client_id = ?", clientId).toArray().map(toAdoption)[0];
  }

  dueAdoptions(now: number): Adoption[] {
    return this.sql.exec<AdoptionDb>("SELECT * FROM adoptions WHERE next_at <= ?", now).toArray().map(toAdoption);
  }

  deleteAdoption(clientId: string, epoch: number): void {
    this.sql.exec("DELETE FROM adoptions WHERE client_id = ? AND epoch = ?", clientId, epoch);
  }

  // ---- handed over ---------------------------------------------------------------------------------------------

  /** Remembers where the session went, so a repeated finish, or a claim sent here late, gets the right answer. */
  recordHandedOver(clientId: string, to: HandedOver, at: number): void {
    this.sql.exec(
      `INSERT INTO handed_over (client_id, epoch, hub, conn_id, at) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (client_id) DO UPDATE SET epoch = excluded.epoch, hub = excluded.hub, conn_id = excluded.conn_id, at = excluded.at`,
      clientId,
      to.epoch,
      to.hub,
      to.connId,
      at,
    );
  }

  handedOver(clientId: string): HandedOver | undefined {
    const row = this.sql
      .exec<{ epoch: number; hub: string; conn_id: string }>("SELECT * FROM handed_over WHERE client_id = ?", clientId)
      .toArray()[0];
    return row && { epoch: row.epoch, hub: row.hub, connId: row.conn_id };
  }

  /** Forgets handovers older than `before` (epoch ms): a finish is repeated within seconds, not hours. */
  forgetHandedOver(before: number): void {
    this.sql.exec("DELETE FROM handed_over WHERE at < ?", before);
  }

  // ---- registry intents ---------------------------------------------------------------------------------------

  addRegistryIntent(intent: Omit<RegistryIntent, "attempts">): void {
    this.sql.exec(
      `INSERT INTO registry_intents (kind, client_id, conn_id, epoch, attempts, next_at) VALUES (?, ?, ?, ?, 0, ?)
       ON CONFLICT DO UPDATE SET epoch = excluded.epoch, attempts = 0, next_at = excluded.next_at`,
      intent.kind,
      intent.clientId,
      intent.connId,
      intent.epoch,
      intent.nextAt,
    );
  }

  dueRegistryIntents(now: number): RegistryIntent[] {
    return this.sql
      .exec<{ kind: string; client_id: string; conn_id: string; epoch: number; attempts: number; next_at: number }>(
        "SELECT * FROM registry_intents WHERE next_at <= ?",
        now,
      )
      .toArray()
      .map((r) => ({
        kind: r.kind === "confirm" ? "confirm" : "release",
        clientId: r.client_id,
        connId: r.conn_id,
        epoch: r.epoch,
        attempts: r.attempts,
        nextAt: r.next_at,
      }));
  }

  deleteRegistryIntent(intent: RegistryIntent): void {
    this.sql.exec(
      "DELETE FROM registry_intents WHERE kind = ? AND client_id = ? AND conn_id = ? AND epoch = ?",
      intent.kind,
      intent.clientId,
      intent.connId,
      intent.epoch,
    );
  }

  retryRegistryIntent(intent: RegistryIntent, attempts: number, nextAt: number): void {
    this.sql.exec(
      "UPDATE registry_intents SET attempts = ?, next_at = ? WHERE kind = ? AND client_id = ? AND conn_id = ? AND epoch = ?",
      attempts,
      nextAt,
      intent.kind,
      intent.clientId,
      intent.connId,
      intent.epoch,
    );
  }

  /** Epoch ms of the earliest retry of any durable work. */
  nextRetry(): number | undefined {
    const row = this.sql
      .exec<{ at: number | null }>(
        `SELECT min(at) AS at FROM (
           SELECT min(next_at) AS at FROM pending_wills UNION ALL SELECT min(next_at) FROM route_intents
           UNION ALL SELECT min(next_at) FROM adoptions UNION ALL SELECT min(next_at) FROM registry_intents)`,
      )
      .one();
    return row.at ?? undefined;
  }
}

type AdoptionDb = {
  client_id: string;
  from_hub: string;
  from_conn: string;
  to_conn: string;
  epoch: number;
  phase: string;
  clean: number;
  copied_until: number | null;
  attempts: number;
  next_at: number;
};

const toAdoption = (row: AdoptionDb): Adoption => ({
  clientId: row.client_id,
  fromHub: row.from_hub,
  fromConn: row.from_conn,
  toConn: row.to_conn,
  epoch: row.epoch,
  phase: row.phase === "finishing" ? "finishing" : "copying",
  clean: row.clean === 1,
  copiedUntil: row.copied_until,
  attempts: row.attempts,
  nextAt: row.next_at,
});

function toMessage(row: MessageDb): Message {
  const properties = deserializeProperties(row.properties);
  return {
    ...(row.msg_id !== null ? { id: row.msg_id } : {}),
    topic: row.topic,
    payload: new Uint8Array(row.payload),
    qos: row.qos === 1 ? 1 : 0,
    retain: row.retain === 1,
    ...(properties ? { properties } : {}),
  };
}

const toOutbox = (row: OutboxDb): OutboxRow => ({
  seq: row.seq,
  ord: row.ord,
  message: toMessage(row),
  packetId: row.packet_id,
  queuedAt: row.queued_at,
});

const toSubscription = (row: SubDb): SubscriptionRow => ({
  clientId: row.client_id,
  filter: row.filter,
  qos: row.qos === 1 ? 1 : 0,
  retainAsPublished: row.rap === 1,
});

const toSession = (row: SessionDb): SessionRow => ({
  clientId: row.client_id,
  connId: row.conn_id,
  protocolVersion: row.protocol_version === 5 ? 5 : 4,
  expiry: row.expiry,
  disconnectedAt: row.disconnected_at,
  accessKeyId: row.access_key,
  state: row.state === "moving" ? "moving" : row.state === "adopting" ? "adopting" : "active",
  epoch: row.epoch,
  movingTo:
    row.moving_hub !== null && row.moving_conn !== null && row.moving_epoch !== null
      ? { hub: row.moving_hub, connId: row.moving_conn, epoch: row.moving_epoch }
      : null,
});

const presenceOf = (stored: number): RoutePresence => (stored === 2 ? "online" : stored === 1);
