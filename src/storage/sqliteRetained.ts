import { deserializeProperties, type RetainedRecord, type RetainedSummary, serializeProperties } from "../domain/retained";

type Row = { topic: string; payload: ArrayBuffer; qos: number; properties: string | null; modified: number };

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
  }

  put(record: RetainedRecord): void {
    this.sql.exec(
      `INSERT INTO retained (topic, payload, qos, properties, modified) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (topic) DO UPDATE SET payload = excluded.payload, qos = excluded.qos,
         properties = excluded.properties, modified = excluded.modified`,
      record.topic,
      record.payload,
      record.qos,
      serializeProperties(record.properties),
      record.lastModifiedTime,
    );
  }

  delete(topic: string): void {
    this.sql.exec("DELETE FROM retained WHERE topic = ?", topic);
  }

  get(topic: string): RetainedRecord | undefined {
    const row = this.sql.exec<Row>("SELECT * FROM retained WHERE topic = ?", topic).toArray()[0];
    if (!row) return undefined;
    const properties = deserializeProperties(row.properties);
    return {
      topic: row.topic,
      payload: new Uint8Array(row.payload),
      qos: row.qos === 1 ? 1 : 0,
      ...(properties ? { properties } : {}),
      lastModifiedTime: row.modified,
    };
  }

  /** Summaries in ascending topic order, strictly after `after`. */
  list(after: string, limit: number): RetainedSummary[] {
    return this.sql
      .exec<{ topic: string; size: number; qos: number; modified: number }>(
        "SELECT topic, length(payload) AS size, qos, modified FROM retained WHERE topic > ? ORDER BY topic LIMIT ?",
        after,
        limit,
      )
      .toArray()
      .map((r) => ({ topic: r.topic, payloadSize: r.size, qos: r.qos, lastModifiedTime: r.modified }));
  }
}
