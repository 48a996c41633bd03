import { parseSharedFilter } from "../../domain/topics";
import type { SqliteSessionStore, SubscriptionRow } from "../../storage/sqliteSessions";
import type { RoutePresence } from "../types";

/**
 * The subscriptions of every session a hub holds (connected or not), in the store and mirrored in memory by filter
 * (read on every delivery). A filter's local subscriber count decides whether the index must route it here.
 */
export class LocalSubscriptions {
  private byFilter: Map<string, Map<string, SubscriptionRow>> | undefined;
  /** The shared subscription groups among the filters (usually none: connect and disconnect look only at these). */
  private readonly sharedGroups = new Set<string>();

  constructor(private readonly store: SqliteSessionStore) {}

  /** filter → client id → subscription. */
  index(): Map<string, Map<string, SubscriptionRow>> {
    if (!this.byFilter) {
      this.byFilter = new Map();
      for (const row of this.store.allSubscriptions()) this.remember(row);
    }
    return this.byFilter;
  }

  /** Stores (or replaces) a subscription; true when its filter had no local subscriber before. */
  add(row: SubscriptionRow): boolean {
    const index = this.index();
    const before = index.get(row.filter)?.size ?? 0;
    this.store.putSubscription(row);
    this.remember(row);
    return before === 0;
  }

  /** Removes a subscription; true when its filter has no local subscriber left. */
  remove(clientId: string, filter: string): boolean {
    this.store.deleteSubscription(clientId, filter);
    return this.forget(clientId, filter);
  }

  /** A session's subscriptions were deleted with it: the filters left without a local subscriber. */
  forgetAll(clientId: string, filters: readonly string[]): string[] {
    return filters.filter((filter) => this.forget(clientId, filter));
  }

  /** The shared subscription groups a client is a member of here (from memory: asked at every connect and disconnect). */
  sharedOf(clientId: string): string[] {
    const index = this.index();
    return [...this.sharedGroups].filter((group) => index.get(group)?.has(clientId));
  }

  /** A shared group's presence here: "online" while a member is connected, true while it has members at all. */
  sharedPresence(filter: string, connected: (clientId: string) => boolean): RoutePresence {
    const members = this.index().get(filter);
    if (!members || members.size === 0) return false;
    for (const clientId of members.keys()) if (connected(clientId)) return "online";
    return true;
  }

  private remember(row: SubscriptionRow): void {
    const index = this.index();
    let clients = index.get(row.filter);
    if (!clients) {
      index.set(row.filter, (clients = new Map()));
      if (parseSharedFilter(row.filter) !== null) this.sharedGroups.add(row.filter);
    }
    clients.set(row.clientId, row);
  }

  private forget(clientId: string, filter: string): boolean {
    const clients = this.index().get(filter);
    if (!clients) return true;
    clients.delete(clientId);
    if (clients.size > 0) return false;
    this.index().delete(filter);
    this.sharedGroups.delete(filter);
    return true;
  }
}
