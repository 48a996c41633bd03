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

/** Storage port for one thing's shadows; synchronous so a whole update runs without yielding. */
export interface ShadowStore {
  read(name: string, now: number): ShadowRow;
  write(name: string, shadow: StoredShadow): void;
  markDeleted(name: string, version: number, now: number): void;
  listNamed(after: string | undefined, limit: number): string[];
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
