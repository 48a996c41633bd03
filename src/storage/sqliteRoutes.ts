import { matchesTopicFilter } from "../domain/topics";

/**
 * The subscription index held by one object: topic filter → hubs with at least one subscriber on it, with a
 * count per hub. Kept in SQLite and mirrored in memory (it is read on every publish).
 */
export class SqliteRouteTable {
  private cache: Map<string, Map<string, number>> | undefined;

  constructor(private readonly sql: SqlStorage) {
    sql.exec(`CREATE TABLE IF NOT EXISTS routes (
      filter TEXT NOT NULL,
      hub TEXT NOT NULL,
      count INTEGER NOT NULL,
      PRIMARY KEY (filter, hub)
    ) WITHOUT ROWID`);
  }

  private routes(): Map<string, Map<string, number>> {
    if (!this.cache) {
      this.cache = new Map();
      for (const row of this.sql.exec<{ filter: string; hub: string; count: number }>("SELECT filter, hub, count FROM routes")) {
        let hubs = this.cache.get(row.filter);
        if (!hubs) this.cache.set(row.filter, (hubs = new Map()));
        hubs.set(row.hub, row.count);
      }
    }
    return this.cache;
  }

  /** Adds `delta` (±1) subscribers of `hub` on `filter`. */
  adjust(filter: string, hub: string, delta: number): void {
    const routes = this.routes();
    let hubs = routes.get(filter);
    const count = (hubs?.get(hub) ?? 0) + delta;
    if (count > 0) {
      this.sql.exec(
        "INSERT INTO routes (filter, hub, count) VALUES (?, ?, ?) ON CONFLICT (filter, hub) DO UPDATE SET count = excluded.count",
        filter,
        hub,
        count,
      );
      if (!hubs) routes.set(filter, (hubs = new Map()));
      hubs.set(hub, count);
    } else {
      this.sql.exec("DELETE FROM routes WHERE filter = ? AND hub = ?", filter, hub);
      hubs?.delete(hub);
      if (hubs?.size === 0) routes.delete(filter);
    }
  }

  /** The hubs to deliver `topic` to, each with the filters that matched. */
  match(topic: string): Map<string, string[]> {
    const result = new Map<string, string[]>();
    for (const [filter, hubs] of this.routes()) {
      if (!matchesTopicFilter(filter, topic)) continue;
      for (const hub of hubs.keys()) {
        const filters = result.get(hub);
        if (filters) filters.push(filter);
        else result.set(hub, [filter]);
      }
    }
    return result;
  }

  /** Distinct filters held. */
  size(): number {
    return this.routes().size;
  }
}
