import type { RouteTable } from "../broker/router";
import type { RoutePresence } from "../broker/types";
import { parseSharedFilter } from "../domain/topics";
import { TopicTrie } from "../domain/topicTrie";
import { ensureSchema } from "./schema";
import type { SqlPort } from "./sql";

/** What an index holds in memory: ordinary filters → hubs; shared groups by inner filter, and each group's hubs. */
interface Routes {
  plain: TopicTrie;
  /** Inner filter → the shared groups (`$share/{group}/{filter}`) on it. */
  sharedByFilter: TopicTrie;
  /** Shared group → hub → whether a member of the group is connected there. */
  groups: Map<string, Map<string, boolean>>;
}

/**
 * The subscription index held by one object: topic filter → hubs with at least one subscriber on it. Kept in SQLite
 * and mirrored in memory as topic tries (it is read on every publish; a match walks the topic's levels instead of
 * testing every filter). Each hub says whether it has subscribers on a filter, not how many: setting the same state
 * twice is harmless, so a hub can retry a registration whose answer it did not get. A shared subscription
 * `$share/{group}/{filter}` is one entry per group, matched by its inner filter: each message goes to one of its hubs,
 * preferring those where a member is connected.
 */
export class SqliteRouteTable implements RouteTable {
  private cache: Routes | undefined;

  constructor(
    private readonly sql: SqlPort,
    private readonly random: () => number = Math.random,
  ) {
    ensureSchema(
      sql,
      "routes",
      2,
      ["routes"],
      ["CREATE TABLE IF NOT EXISTS routes (filter TEXT NOT NULL, hub TEXT NOT NULL, PRIMARY KEY (filter, hub)) WITHOUT ROWID"],
    );
    // Added in place (a version change would drop every hub's registrations): 1 while a shared group member is online.
    try {
      sql.exec("SELECT online FROM routes LIMIT 0");
    } catch {
      sql.exec("ALTER TABLE routes ADD COLUMN online INTEGER NOT NULL DEFAULT 0");
    }
  }

  private routes(): Routes {
    if (!this.cache) {
      const routes: Routes = { plain: new TopicTrie(), sharedByFilter: new TopicTrie(), groups: new Map() };
      for (const row of this.sql.exec<{ filter: string; hub: string; online: number }>("SELECT filter, hub, online FROM routes")) {
        this.remember(routes, row.filter, row.hub, row.online === 1 ? "online" : true);
      }
      this.cache = routes;
    }
    return this.cache;
  }

  set(filter: string, hub: string, presence: RoutePresence): void {
    const routes = this.routes();
    if (this.presenceOf(routes, filter, hub) === presence) return;
    if (presence === false) this.sql.exec("DELETE FROM routes WHERE filter = ? AND hub = ?", filter, hub);
    else {
      this.sql.exec(
        "INSERT INTO routes (filter, hub, online) VALUES (?, ?, ?) ON CONFLICT (filter, hub) DO UPDATE SET online = excluded.online",
        filter,
        hub,
        presence === "online" ? 1 : 0,
      );
    }
    this.remember(routes, filter, hub, presence);
  }

  match(topic: string): Map<string, string[]> {
    const routes = this.routes();
    const result = routes.plain.match(topic);
    if (routes.groups.size === 0) return result;
    for (const group of routes.sharedByFilter.match(topic).keys()) {
      const hubs = routes.groups.get(group);
      if (!hubs) continue;
      const hub = this.pick(hubs);
      const filters = result.get(hub);
      if (filters) filters.push(group);
      else result.set(hub, [group]);
    }
    return result;
  }

  size(): number {
    const routes = this.routes();
    return routes.plain.size() + routes.groups.size;
  }

  private presenceOf(routes: Routes, filter: string, hub: string): RoutePresence {
    if (parseSharedFilter(filter) === null) return routes.plain.has(filter, hub);
    const online = routes.groups.get(filter)?.get(hub);
    return online === undefined ? false : online ? "online" : true;
  }

  private remember(routes: Routes, filter: string, hub: string, presence: RoutePresence): void {
    const shared = parseSharedFilter(filter);
    if (shared === null) {
      if (presence === false) routes.plain.remove(filter, hub);
      else routes.plain.add(filter, hub);
      return;
    }
    let hubs = routes.groups.get(filter);
    if (presence === false) {
      if (!hubs?.delete(hub)) return;
      if (hubs.size === 0) {
        routes.groups.delete(filter);
        routes.sharedByFilter.remove(shared.filter, filter);
      }
      return;
    }
    if (!hubs) {
      routes.groups.set(filter, (hubs = new Map()));
      routes.sharedByFilter.add(shared.filter, filter);
    }
    hubs.set(hub, presence === "online");
  }

  /** One hub of a shared group, at random: among those with a connected member if any (AWS: random distribution). */
  private pick(hubs: Map<string, boolean>): string {
    const all = [...hubs.keys()];
    const online = all.filter((hub) => hubs.get(hub));
    const candidates = online.length > 0 ? online : all;
    return candidates[Math.floor(this.random() * candidates.length)]!;
  }
}
