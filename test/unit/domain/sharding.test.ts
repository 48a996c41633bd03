import { describe, expect, it } from "vitest";
import { ServiceError } from "../../../src/domain/errors";
import { shardOf } from "../../../src/domain/sharding";

describe("shardOf", () => {
  // With 2^32 shards the index is the raw 32-bit hash. The first three are the published FNV-1a test vectors;
  // the multi-byte ones were computed with a reference FNV-1a over the UTF-8 bytes (not UTF-16 code units).
  // Changing any of these would re-home every sharded Durable Object, so they are pinned.
  const vectors: [string, number][] = [
    ["", 0x811c9dc5],
    ["a", 0xe40c292c],
    ["foobar", 0xbf9cf968],
    ["thing-1", 0x82abf315],
    ["é", 0x1e9de8c1],
    ["日本", 0x9f26ee51],
    ["😀", 0x33a29608],
  ];
  it.each(vectors)("hashes %j to the pinned FNV-1a value", (key, hash) => {
    expect(shardOf(key, 2 ** 32)).toBe(hash);
  });

  it.each([
    ["foobar", 16, 0xbf9cf968 % 16],
    ["thing-1", 10, 0x82abf315 % 10],
    ["日本", 7, 0x9f26ee51 % 7],
  ])("maps %j to a stable shard of %i", (key, count, shard) => {
    expect(shardOf(key, count)).toBe(shard);
  });

  it.each([1, 2, 7, 16, 1000])("returns an integer in [0, %i)", (count) => {
    for (let i = 0; i < 500; i += 1) {
      const shard = shardOf(`thing-${i}`, count);
      expect(Number.isInteger(shard)).toBe(true);
      expect(shard).toBeGreaterThanOrEqual(0);
      expect(shard).toBeLessThan(count);
    }
  });

  it("spreads similar thing names evenly (every shard within 20% of the mean)", () => {
    const counts = new Array<number>(16).fill(0);
    for (let i = 0; i < 16_000; i += 1) {
      const shard = shardOf(`thing-${i}`, 16);
      counts[shard] = (counts[shard] ?? 0) + 1;
    }
    for (const count of counts) expect(Math.abs(count - 1000)).toBeLessThan(200);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 32 + 1])("refuses shard count %d", (count) => {
    expect(() => shardOf("x", count)).toThrowError(ServiceError);
  });
});
