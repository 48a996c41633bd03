import { describe, expect, it } from "vitest";
import { AWS_LEVEL_SHARDS, indexesOfFilter, indexesOfTopic, WILDCARD_SHARD } from "../../../src/domain/subscriptionIndex";
import { matchesTopicFilter } from "../../../src/domain/topics";

const key = (a: { kind: string; name: string }) => `${a.kind}:${a.name}`;

describe("subscription index placement", () => {
  it.each([
    ["$aws/things/lamp/shadow/update/delta", "thing:lamp"],
    ["$aws/things/lamp/shadow/#", "thing:lamp"],
    ["sensors/+/temp", "topic:level:sensors"],
    ["+/temp", `topic:${WILDCARD_SHARD}`],
    ["#", `topic:${WILDCARD_SHARD}`],
    ["a", "topic:level:a"],
  ])("keeps filter %s in %s", (filter, expected) => {
    expect(indexesOfFilter(filter).map(key)).toEqual([expected]);
  });

  it("keeps $aws filters that span things in every $aws shard, and asks one shard per thing", () => {
    const shards = indexesOfFilter("$aws/things/+/shadow/update/delta").map(key);
    expect(new Set(shards).size).toBe(AWS_LEVEL_SHARDS);
    const asked = indexesOfTopic("$aws/things/lamp/shadow/update/delta").map(key);
    expect(asked[0]).toBe("thing:lamp");
    expect(shards).toContain(asked[1]);
    expect(asked).toHaveLength(2);
    // The same thing always hashes to the same shard, so its notifications stay in order.
    expect(indexesOfTopic("$aws/things/lamp/shadow/get/accepted").map(key)[1]).toBe(asked[1]);
  });

  it.each([
    ["sensors/1/temp", ["topic:level:sensors", `topic:${WILDCARD_SHARD}`]],
    ["$SYS/x", ["topic:level:$SYS"]],
  ])("asks the right indexes for topic %s", (topic, expected) => {
    expect(indexesOfTopic(topic).map(key)).toEqual(expected);
  });

  it("never misses a matching filter: the index of every matching filter is among the topic's indexes", () => {
    const filters = ["#", "+", "+/+", "a/#", "a/+", "a/b", "$aws/things/t/#", "$aws/things/+/shadow/#", "$aws/#", "+/things/t/x", "a/b/#"];
    const topics = ["a", "a/b", "a/b/c", "$aws/things/t/shadow/update", "$aws/things/t/x", "x/things/t/x", "$aws/rules/r"];
    for (const topic of topics) {
      const asked = new Set(indexesOfTopic(topic).map(key));
      for (const filter of filters) {
        if (!matchesTopicFilter(filter, topic)) continue;
        const holders = indexesOfFilter(filter).map(key);
        expect(
          holders.some((h) => asked.has(h)),
          `${filter} ~ ${topic}`,
        ).toBe(true);
      }
    }
  });
});
