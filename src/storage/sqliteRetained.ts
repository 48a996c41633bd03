import { deserializeProperties, type RetainedRecord, type RetainedSummary, serializeProperties } from "../domain/retained";

type Row = { topic: string; payload: ArrayBuffer; qos: number; properties: string | null; modified: number; expires: number | null };

/** One shard of the retained messages, in its Durable Object's SQLite database. */
export class SqliteRetainedStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS retained (
      topic TEXT PRIMARY KEY,
      payload BLOB NOT NULL,
      qos INTEGER NOT NULL,
      properties TEXT,
      modified INTEGER NOT NULL
    ) WITHOUT ROWID`);
    // Added in place: epoch ms after which a message with a Message Expiry Interval is gone (null: never).
    try {
      sql.exec("SELECT expires FROM retained LIMIT 0");
    } catch {
      sql.exec("ALTER TABLE retained ADD COLUMN expires INTEGER");
    }
    sql.exec("CREATE INDEX IF NOT EXISTS retained_by_expiry ON retained (expires) WHERE expires IS NOT NULL");
  }

  put(record: RetainedRecord): void {
    const expiry = record.properties?.messageExpiryInterval;
    this.sql.exec(
      `INSERT INTO retained (topic, payload, qos, properties, modified, expires) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (topic) DO UPDATE SET payload = excluded.payload, qos = excluded.qos,
         properties = excluded.properties, modified = excluded.modified, expires = excluded.expires`,
      record.topic,
      record.payload,
      record.qos,
      serializeProperties(record.properties),
      record.lastModifiedTime,
      expiry === undefined ? null : record.lastModifiedTime + expiry * 1000,
    );
  }

  /** Removes the messages whose Message Expiry Interval has passed (AWS IoT: not sent to new subscribers after it). */
  purgeExpired(now: number): void {
    this.sql.exec("DELETE FROM retained WHERE expires IS NOT NULL AND expires <= ?", now);
  }

  delete(topic: string): void {
    this.sql.exec("DELETE FROM retained WHERE topic = ?", topic);
  }

  /** The topic's message, unless it expired; its Message Expiry Interval is what it has left [MQTT-3.3.2-6]. */
  get(topic: string, now: number): RetainedRecord | undefined {
    const row = this.sql.exec<Row>("SELECT * FROM retained WHERE topic = ?", topic).toArray()[0];
    if (!row || (row.expires !== null && row.expires <= now)) return undefined;
    const properties = deserializeProperties(row.properties);
    if (properties && row.expires !== null) properties.messageExpiryInterval = Math.ceil((row.expires - now) / 1000);
    return {
      topic: row.topic,
      payload: new Uint8Array(row.payload),
      qos: row.qos === 1 ? 1 : 0,
      ...(properties ? { properties } : {}),
      lastModifiedTime: row.modified,
    };
  }

  /** Summaries of the messages not expired, in ascending topic order, strictly after `after`. */
  list(after: string, limit: number, now: number): RetainedSummary[] {
    return this.sql
      .exec<{ topic: string; size: number; qos: number; modified: number }>(
        `SELECT topic, length(payload) AS size, qos, modified FROM retained
         WHERE topic > ? AND (expires IS NULL OR expires > ?) ORDER BY topic LIMIT ?`,
        after,
        now,
        limit,
      )
      .toArray()
      .map((r) => ({ topic: r.topic, payloadSize: r.size, qos: r.qos, lastModifiedTime: r.modified }));
  }
}
