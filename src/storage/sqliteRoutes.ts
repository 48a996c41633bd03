import type { RouteTable } from "../broker/router";
import { TopicTrie } from "../domain/topicTrie";
import { ensureSchema } from "./schema";
import type { SqlPort } from "./sql";

/**
 * The subscription index held by one object: topic filter → hubs with at least one subscriber on it. Kept in SQLite
 * and mirrored in memory as a topic trie (it is read on every publish; a match walks the topic's levels instead of
 * testing every filter). Each hub says whether it has subscribers on a filter, not how
 * many: setting the same state twice is harmless, so a hub can retry a registration whose answer it did not get.
 */
export class SqliteRouteTable implements RouteTable {
  private cache: TopicTrie | undefined;

  constructor(private readonly sql: SqlPort) {
    ensureSchema(
      sql,
      "routes",
      2,
      ["routes"],
      ["CREATE TABLE IF NOT EXISTS routes (filter TEXT NOT NULL, hub TEXT NOT NULL, PRIMARY KEY (filter, hub)) WITHOUT ROWID"],
    );
  }

  private routes(): TopicTrie {
    if (!this.cache) {
      this.cache = new TopicTrie();
      for (const row of this.sql.exec<{ filter: string; hub: string }>("SELECT filter, hub FROM routes")) this.cache.add(row.filter, row.hub);
    }
    return this.cache;
  }

  set(filter: string, hub: string, present: boolean): void {
    const routes = this.routes();
    if (routes.has(filter, hub) === present) return;
    if (present) this.sql.exec("INSERT INTO routes (filter, hub) VALUES (?, ?) ON CONFLICT DO NOTHING", filter, hub);
    else this.sql.exec("DELETE FROM routes WHERE filter = ? AND hub = ?", filter, hub);
    if (present) routes.add(filter, hub);
    else routes.remove(filter, hub);
  }

  match(topic: string): Map<string, string[]> {
    return this.routes().match(topic);
  }

  size(): number {
    return this.routes().size();
  }
}
