import { shardOf } from "./sharding";
import { thingOfTopic } from "./topics";

/**
 * Where the subscription index keeps a topic filter (docs/fanout-design.md):
 * - under `$aws/things/{thing}/…` (no wildcard in the thing level): that thing's own object;
 * - beginning with `+` or `#`: the one wildcard shard;
 * - beginning with `$aws/` but not under one thing (e.g. `$aws/things/+/shadow/update/delta`): every one of the
 *   AWS_LEVEL_SHARDS `$aws` shards, so a thing's notifications need to ask only the one shard its name hashes to
 *   (every shadow update of the fleet would otherwise pass through one object);
 * - otherwise: the shard named after the filter's first topic level.
 */
export type IndexAddress = { kind: "thing"; name: string } | { kind: "topic"; name: string };

export const WILDCARD_SHARD = "#wildcard";
export const AWS_LEVEL_SHARDS = 16;

const awsShard = (n: number): IndexAddress => ({ kind: "topic", name: `level:$aws#${n}` });

/** The index objects that hold `filter` (several only for `$aws` filters not under one thing). */
export function indexesOfFilter(filter: string): IndexAddress[] {
  const thing = thingOfTopic(filter);
  if (thing !== null) return [{ kind: "thing", name: thing }];
  const first = firstLevel(filter);
  if (first === "+" || first === "#") return [{ kind: "topic", name: WILDCARD_SHARD }];
  if (first === "$aws") return Array.from({ length: AWS_LEVEL_SHARDS }, (_, n) => awsShard(n));
  return [{ kind: "topic", name: `level:${first}` }];
}

/** Every index to ask for subscriptions matching `topic`. Leading wildcards never match `$` topics [MQTT-4.7.2-1]. */
export function indexesOfTopic(topic: string): IndexAddress[] {
  const indexes: IndexAddress[] = [];
  const thing = thingOfTopic(topic);
  if (thing !== null) indexes.push({ kind: "thing", name: thing });
  const first = firstLevel(topic);
  indexes.push(first === "$aws" ? awsShard(shardOf(thing ?? topic, AWS_LEVEL_SHARDS)) : { kind: "topic", name: `level:${first}` });
  if (!topic.startsWith("$")) indexes.push({ kind: "topic", name: WILDCARD_SHARD });
  return indexes;
}

function firstLevel(topic: string): string {
  const slash = topic.indexOf("/");
  return slash === -1 ? topic : topic.slice(0, slash);
}

/**
 * The indexes every publish of a kind must ask although they rarely hold anything: the wildcard shard (`#`, `+/…`)
 * and the `$aws` shards (`$aws/things/+/…`). Only these grant "empty" leases (broker/leases.ts); the shard of a
 * topic's first level is always asked.
 */
export const isFleetWideIndex = (address: IndexAddress): boolean =>
  address.kind === "topic" && (address.name === WILDCARD_SHARD || address.name.startsWith("level:$aws#"));
