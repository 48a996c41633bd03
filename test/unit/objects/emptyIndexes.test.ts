import { describe, expect, it } from "vitest";
import { EmptyIndexes } from "../../../src/objects/emptyIndexes";

describe("EmptyIndexes", () => {
  it("skips an index that said it was empty, only for the time to live", () => {
    const cache = new EmptyIndexes(2000);
    expect(cache.isEmpty("a", 0)).toBe(false);
    cache.record("a", 0, 0);
    expect(cache.isEmpty("a", 1999)).toBe(true);
    expect(cache.isEmpty("a", 2000)).toBe(false);
  });

  it("asks again at once when an index said it holds filters", () => {
    const cache = new EmptyIndexes(2000);
    cache.record("a", 0, 0);
    cache.record("a", 3, 10);
    expect(cache.isEmpty("a", 11)).toBe(false);
    expect(cache.isEmpty("b", 11)).toBe(false);
  });
});
