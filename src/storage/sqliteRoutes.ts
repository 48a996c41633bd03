import type { RouteTable } from "../broker/router";
import { matchesTopicFilter } from "../domain/topics";
import { ensureSchema } from "./schema";
import type { SqlPort } from "./sql";

/**
 * The subscription index held by one object: topic filter → hubs with at least one subscriber on it. Kept in SQLite
 * and mirrored in memory (it is read on every publish). Each hub says whether it has subscribers on a filter, not how
 * many: setting the same state twice is harmless, so a hub can retry a registration whose answer it did not get.
 */
export class SqliteRouteTable implements RouteTable {
  private cache: Map<string, Set<string>> | undefined;

  constructor(private readonly sql: SqlPort) {
    ensureSchema(
      sql,
      "routes",
      2,
      ["routes"],
      ["CREATE TABLE IF NOT EXISTS routes (filter TEXT NOT NULL, hub TEXT NOT NULL, PRIMARY KEY (filter, hub)) WITHOUT ROWID"],
    );
  }

  private routes(): Map<string, Set<string>> {
    if (!this.cache) {
      this.cache = new Map();
      for (const row of this.sql.exec<{ filter: string; hub: string }>("SELECT filter, hub FROM routes")) {
        let hubs = this.cache.get(row.filter);
        if (!hubs) this.cache.set(row.filter, (hubs = new Set()));
        hubs.add(row.hub);
      }
    }
    return this.cache;
  }

  set(filter: string, hub: string, present: boolean): void {
    const routes = this.routes();
    let hubs = routes.get(filter);
    if (present) {
      if (hubs?.has(hub)) return;
      this.sql.exec("INSERT INTO routes (filter, hub) VALUES (?, ?) ON CONFLICT DO NOTHING", filter, hub);
      if (!hubs) routes.set(filter, (hubs = new Set()));
      hubs.add(hub);
    } else {
      if (!hubs?.has(hub)) return;
      this.sql.exec("DELETE FROM routes WHERE filter = ? AND hub = ?", filter, hub);
      hubs.delete(hub);
      if (hubs.size === 0) routes.delete(filter);
    }
  }

  match(topic: string): Map<string, string[]> {
    const result = new Map<string, string[]>();
    for (const [filter, hubs] of this.routes()) {
      if (!matchesTopicFilter(filter, topic)) continue;
      for (const hub of hubs) {
        const filters = result.get(hub);
        if (filters) filters.push(filter);
        else result.set(hub, [filter]);
      }
    }
    return result;
  }

  size(): number {
    return this.routes().size;
  }
}
