import type { StoredShadow } from "../domain/shadow";
import { CLASSIC, DELETED_VERSION_MEMORY_SECONDS, type ShadowRow, type ShadowStore } from "./shadows";

type Row = { state: string; metadata: string; version: number; deleted_at: number | null };

/** A row as last read or written: the parsed document, or `null` when the database has none. */
type Cached = { shadow: StoredShadow; deletedAt: number | null } | null;

/** Rows kept parsed in memory: a thing's classic shadow and its busiest named ones. */
const CACHE_LIMIT = 16;

/**
 * The shadows of one thing in its Durable Object's SQLite database, with the rows last read or written kept parsed
 * in memory: this object is the database's only writer, so a repeated read needs neither SQLite nor JSON.parse.
 * Cached documents are shared, never copied: the shadow domain treats them as immutable (copies what it changes).
 * Writes go through `transaction`, which forgets the cache when the transaction rolls back.
 */
export class SqliteShadowStore implements ShadowStore {
  private readonly sql: SqlStorage;
  private readonly cache = new Map<string, Cached>();

  constructor(private readonly storage: DurableObjectStorage) {
    this.sql = storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS shadows (
      name TEXT PRIMARY KEY,
      state TEXT NOT NULL,
      metadata TEXT NOT NULL,
      version INTEGER NOT NULL,
      deleted_at INTEGER
    ) WITHOUT ROWID`);
  }

  /** Runs `work` in one synchronous SQLite transaction; on failure the rows it wrote are rolled back, cache included. */
  transaction<T>(work: () => T): T {
    try {
      return this.storage.transactionSync(work);
    } catch (error) {
      this.cache.clear();
      throw error;
    }
  }

  read(name: string, now: number): ShadowRow {
    const row = this.cached(name);
    if (!row) return { live: null };
    if (row.deletedAt !== null) {
      return now - row.deletedAt < DELETED_VERSION_MEMORY_SECONDS ? { live: null, deletedVersion: row.shadow.version } : { live: null };
    }
    return { live: row.shadow };
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
    this.remember(name, { shadow, deletedAt: null });
  }

  /** Keeps only the version (for the memory window); the document itself is gone. */
  markDeleted(name: string, version: number, now: number): void {
    this.sql.exec("UPDATE shadows SET state = '{}', metadata = '{}', version = ?, deleted_at = ? WHERE name = ?", version, now, name);
    this.remember(name, { shadow: { state: {}, metadata: {}, version }, deletedAt: now });
  }

  /** Live named shadows in ascending name order, strictly after `after`. */
  listNamed(after: string | undefined, limit: number): string[] {
    return this.sql
      .exec<{ name: string }>("SELECT name FROM shadows WHERE name > ? AND deleted_at IS NULL ORDER BY name LIMIT ?", after ?? CLASSIC, limit)
      .toArray()
      .map((r) => r.name);
  }

  private cached(name: string): Cached {
    if (this.cache.has(name)) {
      const hit = this.cache.get(name)!;
      this.remember(name, hit); // most recently used last
      return hit;
    }
    const row = this.sql.exec<Row>("SELECT state, metadata, version, deleted_at FROM shadows WHERE name = ?", name).toArray()[0];
    const parsed: Cached = row
      ? { shadow: { state: JSON.parse(row.state), metadata: JSON.parse(row.metadata), version: row.version }, deletedAt: row.deleted_at }
      : null;
    this.remember(name, parsed);
    return parsed;
  }

  private remember(name: string, row: Cached): void {
    this.cache.delete(name);
    this.cache.set(name, row);
    if (this.cache.size > CACHE_LIMIT) this.cache.delete(this.cache.keys().next().value!);
  }
}
