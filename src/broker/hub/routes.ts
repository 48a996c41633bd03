import { indexesOfFilter } from "../../domain/subscriptionIndex";
import type { SqliteSessionStore } from "../../storage/sqliteSessions";
import { allSettledOrThrow, INTERACTIVE_RETRY, laterDelayMs, withRetries } from "../retry";
import type { RoutePresence } from "../types";
import type { HubPorts } from "./ports";

/**
 * A hub's registrations in the subscription index: filter → "route it here" while the hub has a subscriber on it.
 * Each change is a durable intent, sent to the filter's index objects (idempotent, so it can be retried) until they
 * confirm it; one call in flight per filter, so a filter's registrations arrive in order. A subscriber waits for its
 * filter's registration before its SUBACK, so a publish after the SUBACK finds it — also when another client of the
 * same hub registered the filter a moment earlier and that call is still under way.
 */
export class HubRoutes {
  private readonly running = new Map<string, Promise<void>>();
  /** What was last asked for each shared subscription group (its presence changes as members come and go). */
  private readonly shared = new Map<string, RoutePresence>();

  constructor(
    private readonly store: SqliteSessionStore,
    private readonly ports: Pick<HubPorts, "index" | "indexLayout" | "name" | "clock" | "wakeAt">,
  ) {}

  /** The hub now has (or no longer has) subscribers on `filter`. */
  desire(filter: string, present: RoutePresence): void {
    this.store.putRouteIntent(filter, present, this.ports.clock.now());
    this.run(filter).catch(() => undefined); // retried later; a waiting subscriber sees the failure itself
  }

  /**
   * A shared subscription group's presence here, as it is now (members subscribed, connected or not): sent when it
   * differs from what was last asked (after a restart, once more whatever it was).
   */
  desireShared(filter: string, presence: RoutePresence): void {
    if (this.shared.get(filter) === presence) return;
    if (presence === false) this.shared.delete(filter);
    else this.shared.set(filter, presence);
    this.desire(filter, presence);
  }

  /** Resolves once the index routes `filter` here (rejects if the registration failed for now). */
  async whenRegistered(filter: string): Promise<void> {
    const intent = this.store.routeIntent(filter);
    if (!intent?.present) return;
    await this.run(filter);
    if (this.store.routeIntent(filter)?.present) throw new Error(`registration of ${filter} did not complete`);
  }

  /**
   * Registers the filters again at their indexes, whatever this hub believes: each registration is also a barrier
   * (everything routed before it has reached its hubs). A handover relies on it.
   */
  async ensure(filters: readonly string[]): Promise<void> {
    // A shared group is registered as present, not online: its presence is asked for again on the next change.
    for (const filter of filters) this.shared.delete(filter);
    await allSettledOrThrow(filters.map((filter) => this.call(filter, true)));
  }

  /** Registrations due for a retry. */
  async drainDue(): Promise<void> {
    const due = this.store.dueRouteIntents(this.ports.clock.now());
    await Promise.allSettled(due.map((intent) => this.run(intent.filter)));
  }

  /** One loop per filter: sends the filter's latest intent until none is left (or a call fails). */
  private run(filter: string): Promise<void> {
    let loop = this.running.get(filter);
    if (!loop) {
      loop = this.loop(filter).finally(() => this.running.delete(filter));
      this.running.set(filter, loop);
    }
    return loop;
  }

  private async loop(filter: string): Promise<void> {
    for (;;) {
      const intent = this.store.routeIntent(filter);
      if (!intent) return;
      try {
        await this.call(filter, intent.present);
      } catch (error) {
        const attempts = intent.attempts + 1;
        const nextAt = this.ports.clock.now() + laterDelayMs(attempts);
        this.store.retryRouteIntent(filter, intent.version, attempts, nextAt);
        this.ports.wakeAt(nextAt);
        throw error;
      }
      this.store.completeRouteIntent(filter, intent.version);
    }
  }

  private async call(filter: string, present: RoutePresence): Promise<void> {
    const hub = this.ports.name();
    if (hub === undefined) throw new Error("hub name unknown");
    await allSettledOrThrow(
      indexesOfFilter(filter, this.ports.indexLayout).map((address) =>
        withRetries(() => this.ports.index(address).setRoute(filter, hub, present), INTERACTIVE_RETRY, this.ports.clock.sleep),
      ),
    );
  }
}
