import { parseSharedFilter } from "../../domain/topics";
import type { SubscriptionRow } from "../../storage/sqliteSessions";
import type { HubCore } from "./core";

type Parts = Pick<HubCore, "subscriptions" | "routes" | "connections">;

const isConnected = (core: Parts) => (clientId: string) => {
  const conn = core.connections.client(clientId);
  return conn !== undefined && !conn.ended;
};

/**
 * Tells the index how this hub stands in each shared subscription group of `filters` (members, connected or not):
 * it picks one hub per group and message, preferring hubs with a connected member.
 */
export function syncSharedGroups(core: Parts, filters: Iterable<string>): void {
  const connected = isConnected(core);
  for (const filter of filters) {
    if (parseSharedFilter(filter) !== null) core.routes.desireShared(filter, core.subscriptions.sharedPresence(filter, connected));
  }
}

/**
 * After a subscription on `filter` was added (`present`) or removed here: an ordinary filter is registered or
 * unregistered when it gained its first or lost its last local subscriber (`transition`); a shared group's presence
 * is brought up to date.
 */
export function routeAfterChange(core: Parts, filter: string, transition: boolean, present: boolean): void {
  if (parseSharedFilter(filter) !== null) syncSharedGroups(core, [filter]);
  else if (transition) core.routes.desire(filter, present);
}

/**
 * The member of a shared group that gets a message here: a connected one at random (AWS IoT: "random distribution"),
 * else one whose client is away (its persistent session queues QoS 1 messages until a member is back).
 */
export function pickMember(
  core: Parts,
  members: ReadonlyMap<string, SubscriptionRow>,
  random: () => number = Math.random,
): SubscriptionRow | undefined {
  const all = [...members.values()];
  const connected = isConnected(core);
  const online = all.filter((sub) => connected(sub.clientId));
  const candidates = online.length > 0 ? online : all;
  return candidates[Math.floor(random() * candidates.length)];
}
