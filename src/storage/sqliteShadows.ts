import type { StoredShadow } from "../domain/shadow";
import { type ShadowRow, type ShadowStore, CLASSIC, DELETED_VERSION_MEMORY_SECONDS } from "./shadows";

type Row = { state: string; metadata: string; version: number; deleted_at: number | null };

/** The shadows of one thing in its Durable Object's SQLite database. */
export class SqliteShadowStore implements ShadowStore {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS shadows (
      name TEXT PRIMARY KEY,
      state TEXT NOT NULL,
      metadata TEXT NOT NULL,
      version INTEGER NOT NULL,
      deleted_at INTEGER
    ) WITHOUT ROWID`);
  }

  read(name: string, now: number): ShadowRow {
    const row = this.sql
      .exec<Row>("SELECT state, metadata, version, deleted_at FROM shadows WHERE name = ?", name)
      .toArray()[0];
    if (!row) return { live: null };
    if (row.deleted_at !== null) {
      return now - row.deleted_at < DELETED_VERSION_MEMORY_SECONDS ? { live: null, deletedVersion: row.version } : { live: null };
    }
    return { live: { state: JSON.parse(row.state), metadata: JSON.parse(row.metadata), version: row.version } };
  }

  write(name: string, shadow: StoredShadow): void {
    this.sql.exec(
      `INSERT INTO shadows (name, state, metadata, version, deleted_at) VALUES (?, ?, ?, ?, NULL)
       ON CONFLICT (name) DO UPDATE SET state = excluded.state, metadata = excluded.metadata,
         version = excluded.version, deleted_at = NULL`,
      name,
      JSON.stringify(shadow.state),
      JSON.stringify(shadow.metadata),
      shadow.version,
    );
  }

  /** Keeps only the version (for the memory window); the document itself is gone. */
  markDeleted(name: string, version: number, now: number): void {
    this.sql.exec(
      "UPDATE shadows SET state = '{}', metadata = '{}', version = ?, deleted_at = ? WHERE name = ?",
      version,
      now,
      name,
    );
  }

  /** Live named shadows in ascending name order, strictly after `after`. */
  listNamed(after: string | undefined, limit: number): string[] {
    return this.sql
      .exec<{ name: string }>(
        "SELECT name FROM shadows WHERE name > ? AND deleted_at IS NULL ORDER BY name LIMIT ?",
        after ?? CLASSIC,
        limit,
      )
      .toArray()
      .map((r) => r.name);
  }
}
