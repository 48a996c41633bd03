import { shardOf } from "./sharding";
import { matchingFilter, thingOfTopic } from "./topics";

/**
 * Where the subscription index keeps a topic filter (docs/fanout-design.md, docs/capacity.md). One rule throughout:
 * a filter is kept in every shard where a topic it can match may be looked up, and a topic is looked up in exactly
 * one shard of each class, so no shard sees more than its share of the publishes of a class however many devices
 * publish:
 * - under `$aws/things/{thing}/…` (no wildcard in the thing level): that thing's own object;
 * - beginning with `$aws/` but not under one thing (e.g. `$aws/things/+/shadow/update/delta`): every one of the
 *   `spread` `$aws` shards; a thing's topics are looked up in the one its name hashes to;
 * - beginning with `+` or `#`: every one of the `spread` wildcard shards; a topic is looked up in the one its whole
 *   name hashes to;
 * - otherwise the shards of its first level, `spread` of them, by its second level: a filter with a literal second
 *   level (`dt/dev-1/#`) in the one that level hashes to, one with a wildcard there (`dt/+/temp`, `dt/#`) in all of
 *   them. So a fleet-wide prefix (`dt/{device}/…`) is spread over `spread` objects instead of one.
 *
 * `spread` (MQTT_INDEX_SPREAD) names the shards: under another spread, routes are looked up in other objects. A hub
 * that wakes under a new layout registers its filters again (`layoutKey`, hub.ts registerForLayout).
 */
export type IndexAddress = { kind: "thing"; name: string } | { kind: "topic"; name: string };

export interface IndexLayout {
  /** Shards per class (fleet-wide `$aws`, leading wildcard, each first level). */
  spread: number;
}

/** The layout when none is configured: 16 shards per class. */
export const DEFAULT_INDEX_LAYOUT: IndexLayout = { spread: 16 };
/**
 * Names the layout a hub's registrations were made for: the naming of the shards (bumped whenever the rules below
 * change how filters map to objects) and the spread. A hub that wakes under another layout registers its filters
 * again, so a deploy that changes either strands no subscription in shards nobody asks any more.
 */
const INDEX_NAMING = 2;
export const layoutKey = (layout: IndexLayout): string => `${INDEX_NAMING}/${layout.spread}`;

/** The most shards per class (a fleet-wide filter is registered in each of them). */
export const MAX_INDEX_SPREAD = 4096;

/** Reads MQTT_INDEX_SPREAD (an integer from 1 to MAX_INDEX_SPREAD); the default when unset or invalid. */
export function indexLayoutOf(spread: string | undefined): IndexLayout {
  const n = Number(spread);
  return Number.isInteger(n) && n >= 1 && n <= MAX_INDEX_SPREAD ? { spread: n } : DEFAULT_INDEX_LAYOUT;
}

const WILDCARD_PREFIX = "wildcard#";
const AWS_PREFIX = "level:$aws#";

const awsShard = (n: number): IndexAddress => ({ kind: "topic", name: `${AWS_PREFIX}${n}` });
const wildcardShard = (n: number): IndexAddress => ({ kind: "topic", name: `${WILDCARD_PREFIX}${n}` });
const levelShard = (first: string, n: number): IndexAddress => ({ kind: "topic", name: `level:${first}#${n}` });
const every = (layout: IndexLayout, shard: (n: number) => IndexAddress) => Array.from({ length: layout.spread }, (_, n) => shard(n));

/** The index objects that hold `filter` (a shared subscription where its inner filter is). */
export function indexesOfFilter(subscriptionFilter: string, layout: IndexLayout = DEFAULT_INDEX_LAYOUT): IndexAddress[] {
  const filter = matchingFilter(subscriptionFilter);
  const thing = thingOfTopic(filter);
  if (thing !== null) return [{ kind: "thing", name: thing }];
  const [first, second] = firstLevels(filter);
  if (first === "+" || first === "#") return every(layout, wildcardShard);
  if (first === "$aws") return every(layout, awsShard);
  if (second === "+" || second === "#") return every(layout, (n) => levelShard(first, n));
  return [levelShard(first, shardOf(second ?? "", layout.spread))];
}

/** Every index to ask for subscriptions matching `topic`. Leading wildcards never match `$` topics [MQTT-4.7.2-1]. */
export function indexesOfTopic(topic: string, layout: IndexLayout = DEFAULT_INDEX_LAYOUT): IndexAddress[] {
  const indexes: IndexAddress[] = [];
  const thing = thingOfTopic(topic);
  if (thing !== null) indexes.push({ kind: "thing", name: thing });
  const [first, second] = firstLevels(topic);
  indexes.push(first === "$aws" ? awsShard(shardOf(thing ?? topic, layout.spread)) : levelShard(first, shardOf(second ?? "", layout.spread)));
  if (!topic.startsWith("$")) indexes.push(wildcardShard(shardOf(topic, layout.spread)));
  return indexes;
}

/** The first level, and the second when there is one. */
function firstLevels(topic: string): [string, string | undefined] {
  const slash = topic.indexOf("/");
  if (slash === -1) return [topic, undefined];
  const next = topic.indexOf("/", slash + 1);
  return [topic.slice(0, slash), topic.slice(slash + 1, next === -1 ? undefined : next)];
}

/**
 * The indexes every publish of a kind must ask although they rarely hold anything: the wildcard shards (`#`, `+/…`)
 * and the `$aws` shards (`$aws/things/+/…`). Only these grant "empty" leases (broker/leases.ts); the shards of a
 * topic's first level are always asked.
 */
export const isFleetWideIndex = (address: IndexAddress): boolean =>
  address.kind === "topic" && (address.name.startsWith(WILDCARD_PREFIX) || address.name.startsWith(AWS_PREFIX));
