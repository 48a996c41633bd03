import type { StoredShadow } from "../domain/shadow";
import type { HistoryCursor, HistoryEntry } from "../domain/shadow/history";
import { CLASSIC, DELETED_VERSION_MEMORY_SECONDS, OPERATION_ORDER, type ShadowRow, type ShadowStore } from "./shadows";

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

  constructor(
    private readonly storage: DurableObjectStorage,
    /** Versions of history kept per shadow (0: none recorded). */
    private readonly historyVersions: number,
  ) {
    this.sql = storage.sql;
    this.sql.exec(`CREATE TABLE IF NOT EXISTS shadows (
      name TEXT PRIMARY KEY,
      state TEXT NOT NULL,
      metadata TEXT NOT NULL,
      version INTEGER NOT NULL,
      deleted_at INTEGER
    ) WITHOUT ROWID`);
    // One row per change: (version, op) orders an update (0) before the delete (1) that kept its version.
    this.sql.exec(`CREATE TABLE IF NOT EXISTS shadow_history (
      name TEXT NOT NULL,
      version INTEGER NOT NULL,
      op INTEGER NOT NULL,
      entry TEXT NOT NULL,
      PRIMARY KEY (name, version, op)
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

  countLive(): number {
    return this.sql.exec<{ n: number }>("SELECT count(*) AS n FROM shadows WHERE deleted_at IS NULL").one().n;
  }

  appendHistory(name: string, entry: HistoryEntry): void {
    if (this.historyVersions === 0) return;
    const op = OPERATION_ORDER[entry.operation];
    // Nothing normally sits at or after a new entry; a shadow restarting at version 1 leaves its old history here.
    this.sql.exec("DELETE FROM shadow_history WHERE name = ? AND (version, op) >= (?, ?)", name, entry.version, op);
    this.sql.exec("INSERT INTO shadow_history (name, version, op, entry) VALUES (?, ?, ?, ?)", name, entry.version, op, JSON.stringify(entry));
    const oldestKept = entry.version - this.historyVersions + 1;
    if (oldestKept > 1) this.sql.exec("DELETE FROM shadow_history WHERE name = ? AND version < ?", name, oldestKept);
  }

  history(name: string, after: HistoryCursor, limit: number): HistoryEntry[] {
    return this.sql
      .exec<{ entry: string }>(
        "SELECT entry FROM shadow_history WHERE name = ? AND (version, op) > (?, ?) ORDER BY version, op LIMIT ?",
        name,
        after.version,
        OPERATION_ORDER[after.operation],
        limit,
      )
      .toArray()
      .map((row) => JSON.parse(row.entry) as HistoryEntry);
  }

  historyAt(name: string, version: number): HistoryEntry | undefined {
    const row = this.sql
      .exec<{ entry: string }>("SELECT entry FROM shadow_history WHERE name = ? AND version = ? AND op = ?", name, version, OPERATION_ORDER.update)
      .toArray()[0];
    return row && (JSON.parse(row.entry) as HistoryEntry);
  }

  oldestHistoryVersion(name: string): number | undefined {
    return this.sql.exec<{ version: number }>("SELECT min(version) AS version FROM shadow_history WHERE name = ?", name).one().version ?? undefined;
  }

  purgeExpiredHistory(now: number): void {
    this.sql.exec(
      "DELETE FROM shadow_history WHERE name IN (SELECT name FROM shadows WHERE deleted_at IS NOT NULL AND deleted_at <= ?)",
      now - DELETED_VERSION_MEMORY_SECONDS,
    );
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
