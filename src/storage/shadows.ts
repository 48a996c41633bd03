import type { StoredShadow } from "../domain/shadow";

/** How long a deleted shadow's version is remembered, so that re-creating it continues the sequence (shadow-semantics.md §6.6). */
export const DELETED_VERSION_MEMORY_SECONDS = 48 * 3600;

/** The classic (unnamed) shadow's key: shadow names are at least one character long, so it cannot clash. */
export const CLASSIC = "";

export interface ShadowRow {
  live: StoredShadow | null;
  /** Version of the shadow when it was deleted, if that happened within the memory window. */
  deletedVersion?: number;
}

type Row = { state: string; metadata: string; version: number; deleted_at: number | null };

/** Storage port for one thing's shadows; synchronous so a whole update runs without yielding. */
export interface ShadowStore {
  read(name: string, now: number): ShadowRow;
  write(name: string, shadow: StoredShadow): void;
  markDeleted(name: string, version: number, now: number): void;
  listNamed(after: string | undefined, limit: number): string[];
}

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

/** In-memory adapter with the same behaviour, for unit tests of the services. */
export class MemoryShadowStore implements ShadowStore {
  private readonly rows = new Map<string, { shadow: StoredShadow; deletedAt?: number }>();

  read(name: string, now: number): ShadowRow {
    const row = this.rows.get(name);
    if (!row) return { live: null };
    if (row.deletedAt !== undefined) {
      return now - row.deletedAt < DELETED_VERSION_MEMORY_SECONDS ? { live: null, deletedVersion: row.shadow.version } : { live: null };
    }
    return { live: structuredClone(row.shadow) };
  }

  write(name: string, shadow: StoredShadow): void {
    this.rows.set(name, { shadow: structuredClone(shadow) });
  }

  markDeleted(name: string, version: number, now: number): void {
    this.rows.set(name, { shadow: { state: {}, metadata: {}, version }, deletedAt: now });
  }

  listNamed(after: string | undefined, limit: number): string[] {
    return [...this.rows.entries()]
      .filter(([name, row]) => name > (after ?? CLASSIC) && row.deletedAt === undefined)
      .map(([name]) => name)
      .sort()
      .slice(0, limit);
  }
}
