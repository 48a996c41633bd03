import { describe, expect, it } from "vitest";
import { parseRate, TokenBucket } from "../../../src/domain/rateLimit";

describe("TokenBucket", () => {
  it("allows a burst of its capacity and then refuses", () => {
    const bucket = new TokenBucket(20, 20, 0);
    const results = Array.from({ length: 25 }, () => bucket.take(0));
    expect(results.filter(Boolean)).toHaveLength(20);
    expect(results.slice(20)).toEqual([false, false, false, false, false]);
  });

  it("refills at its rate", () => {
    const bucket = new TokenBucket(10, 10, 0);
    for (let i = 0; i < 10; i++) bucket.take(0);
    expect(bucket.take(50)).toBe(false); // 0.5 token after 50 ms
    expect(bucket.take(100)).toBe(true); // 1 token after 100 ms
    expect(bucket.take(100)).toBe(false);
  });

  it("never holds more than its capacity", () => {
    const bucket = new TokenBucket(5, 5, 0);
    const taken = Array.from({ length: 8 }, () => bucket.take(60_000)).filter(Boolean);
    expect(taken).toHaveLength(5);
  });
});

describe("parseRate", () => {
  it.each([
    [undefined, 20],
    ["", 20],
    ["abc", 20],
    ["0", 20],
    ["-3", 20],
    ["100", 100],
    ["2.5", 2.5],
  ])("parses %j as %d", (raw, expected) => {
    expect(parseRate(raw, 20)).toBe(expected);
  });
});
