import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type IndexAddress, indexesOfFilter, indexesOfTopic, indexLayoutOf, isFleetWideIndex } from "../../../src/domain/subscriptionIndex";
import { isValidTopicFilter, matchesTopicFilter } from "../../../src/domain/topics";

const key = (a: IndexAddress) => `${a.kind}:${a.name}`;
const layout = { spread: 8 };

describe("subscription index placement", () => {
  it("keeps a thing's own filters in its object, and a filter with a literal second level in one shard of its first level", () => {
    expect(indexesOfFilter("$aws/things/lamp/shadow/update/delta", layout).map(key)).toEqual(["thing:lamp"]);
    expect(indexesOfFilter("$aws/things/lamp/shadow/#", layout).map(key)).toEqual(["thing:lamp"]);
    const [shard, ...rest] = indexesOfFilter("dt/dev-1/temp", layout).map(key);
    expect(rest).toEqual([]);
    expect(shard).toMatch(/^topic:level:dt#[0-7]$/);
    // The same second level, the same shard, whatever follows.
    expect(indexesOfFilter("dt/dev-1/#", layout).map(key)).toEqual([shard]);
  });

  it.each([
    ["dt/+/temp", "level:dt#"],
    ["dt/#", "level:dt#"],
    ["+/temp", "wildcard#"],
    ["#", "wildcard#"],
    ["$aws/things/+/shadow/update/delta", "level:$aws#"],
  ])("keeps %s in every shard of its class", (filter, prefix) => {
    const names = indexesOfFilter(filter, layout).map((a) => a.name);
    expect(new Set(names)).toEqual(new Set(Array.from({ length: 8 }, (_, n) => `${prefix}${n}`)));
  });

  it("asks one shard per class for a topic, and spreads one first level over the shards by the second level", () => {
    expect(indexesOfTopic("$aws/things/lamp/shadow/update/delta", layout).map(key)).toEqual([
      "thing:lamp",
      key(indexesOfTopic("$aws/things/lamp/shadow/get/accepted", layout)[1]!), // a thing's topics: one $aws shard, in order
    ]);
    expect(indexesOfTopic("$SYS/x", layout)).toHaveLength(1); // no wildcard shard for `$` topics
    const used = new Set<string>();
    for (let device = 0; device < 400; device += 1) {
      const asked = indexesOfTopic(`dt/dev-${device}/temp`, layout).map(key);
      expect(asked).toHaveLength(2);
      used.add(asked[0]!);
    }
    expect(used.size).toBe(8);
  });

  it("marks the wildcard and $aws shards as the fleet-wide ones", () => {
    expect(isFleetWideIndex({ kind: "topic", name: "wildcard#3" })).toBe(true);
    expect(isFleetWideIndex({ kind: "topic", name: "level:$aws#0" })).toBe(true);
    expect(isFleetWideIndex({ kind: "topic", name: "level:dt#0" })).toBe(false);
    expect(isFleetWideIndex({ kind: "thing", name: "wildcard#3" })).toBe(false);
  });

  it("reads MQTT_INDEX_SPREAD, and falls back to 16 when it is not an integer from 1 to 4096", () => {
    expect(indexLayoutOf("2048")).toEqual({ spread: 2048 });
    for (const bad of [undefined, "", "0", "4097", "1.5", "x"]) expect(indexLayoutOf(bad)).toEqual({ spread: 16 });
  });

  it("never misses a matching filter: a shard holding it is among the topic's indexes, whatever the spread", () => {
    const level = fc.constantFrom("a", "b", "$aws", "things", "t", "");
    const topicArb = fc.array(level, { minLength: 1, maxLength: 5 }).map((l) => l.join("/"));
    const filterArb = fc
      .tuple(fc.array(fc.oneof(level, fc.constant("+")), { maxLength: 5 }), fc.boolean())
      .map(([l, hash]) => (hash ? [...l, "#"] : l).join("/"))
      .filter((f) => f.length > 0 && isValidTopicFilter(f));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), filterArb, topicArb, (spread, filter, topic) => {
        if (!matchesTopicFilter(filter, topic)) return;
        const asked = new Set(indexesOfTopic(topic, { spread }).map(key));
        expect(indexesOfFilter(filter, { spread }).some((a) => asked.has(key(a)))).toBe(true);
      }),
      { numRuns: 3000 },
    );
  });
});
