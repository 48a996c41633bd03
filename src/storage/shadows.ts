import type { StoredShadow } from "../domain/shadow";
import type { HistoryCursor, HistoryEntry } from "../domain/shadow/history";

/** How long a deleted shadow's version is remembered, so that re-creating it continues the sequence (shadow-semantics.md §6.6). */
export const DELETED_VERSION_MEMORY_SECONDS = 48 * 3600;

/** The classic (unnamed) shadow's key: shadow names are at least one character long, so it cannot clash. */
export const CLASSIC = "";

export interface ShadowRow {
  live: StoredShadow | null;
  /** Version of the shadow when it was deleted, if that happened within the memory window. */
  deletedVersion?: number;
}

/** Storage port for one thing's shadows; synchronous so a whole update runs without yielding. */
export interface ShadowStore {
  read(name: string, now: number): ShadowRow;
  write(name: string, shadow: StoredShadow): void;
  markDeleted(name: string, version: number, now: number): void;
  listNamed(after: string | undefined, limit: number): string[];
  /** Live shadows of the thing, classic included (what the fleet directory lists). */
  countLive(): number;
  /**
   * Records a change, dropping every entry at or after it (a shadow forgotten after the deleted-version window
   * starts again at version 1: its old history goes with it); only the last `historyVersions` versions are kept.
   */
  appendHistory(name: string, entry: HistoryEntry): void;
  /** Entries strictly after `after`, in version order (an update before the delete of the same version). */
  history(name: string, after: HistoryCursor, limit: number): HistoryEntry[];
  /** The update entry that produced `version`, if it is kept. */
  historyAt(name: string, version: number): HistoryEntry | undefined;
  oldestHistoryVersion(name: string): number | undefined;
  /** Drops the history of shadows deleted longer ago than the deleted-version window (they no longer exist at all). */
  purgeExpiredHistory(now: number): void;
}

/** Entries order by version, then an update before the delete that kept its version. */
export const OPERATION_ORDER = { update: 0, delete: 1 } as const;

export function compareHistory(a: HistoryCursor, b: HistoryCursor): number {
  return a.version - b.version || OPERATION_ORDER[a.operation] - OPERATION_ORDER[b.operation];
}

/** In-memory adapter with the same behaviour, for unit tests of the services. */
export class MemoryShadowStore implements ShadowStore {
  private readonly rows = new Map<string, { shadow: StoredShadow; deletedAt?: number }>();
  private readonly entries = new Map<string, HistoryEntry[]>();

  constructor(private readonly historyVersions = 100) {}

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

  countLive(): number {
    return [...this.rows.values()].filter((row) => row.deletedAt === undefined).length;
  }

  appendHistory(name: string, entry: HistoryEntry): void {
    if (this.historyVersions === 0) return;
    const kept = (this.entries.get(name) ?? []).filter((e) => compareHistory(e, entry) < 0);
    kept.push(structuredClone(entry));
    this.entries.set(
      name,
      kept.filter((e) => e.version > entry.version - this.historyVersions),
    );
  }

  history(name: string, after: HistoryCursor, limit: number): HistoryEntry[] {
    return (this.entries.get(name) ?? [])
      .filter((e) => compareHistory(e, after) > 0)
      .slice(0, limit)
      .map((e) => structuredClone(e));
  }

  historyAt(name: string, version: number): HistoryEntry | undefined {
    const entry = this.entries.get(name)?.find((e) => e.version === version && e.operation === "update");
    return entry && structuredClone(entry);
  }

  oldestHistoryVersion(name: string): number | undefined {
    return this.entries.get(name)?.[0]?.version;
  }

  purgeExpiredHistory(now: number): void {
    for (const [name, row] of this.rows) {
      if (row.deletedAt !== undefined && now - row.deletedAt >= DELETED_VERSION_MEMORY_SECONDS) this.entries.delete(name);
    }
  }
}
