import { describe, expect, it } from "vitest";
import { TtlCache } from "../../../src/domain/ttlCache";

describe("TtlCache", () => {
  it("serves a value until its time is up, shares one load among concurrent misses, and keeps only what it may", async () => {
    let now = 0;
    let loads = 0;
    const cache = new TtlCache<string>(
      1000,
      2,
      (v) => v !== "missing",
      () => now,
    );
    const load = (value: string) => async () => {
      loads += 1;
      return value;
    };
    expect(await Promise.all([cache.get("a", load("a1")), cache.get("a", load("a2"))])).toEqual(["a1", "a1"]);
    expect(loads).toBe(1);
    now = 999;
    expect(await cache.get("a", load("a3"))).toBe("a1");
    now = 1000;
    expect(await cache.get("a", load("a4"))).toBe("a4");
    expect(await cache.get("m", load("missing"))).toBe("missing");
    expect(await cache.get("m", load("found"))).toBe("found"); // a miss is not remembered
    expect(loads).toBe(4);
  });

  it("forgets the oldest loaded key beyond its size, and a failed load", async () => {
    const cache = new TtlCache<number>(60_000, 2);
    let loads = 0;
    const load = (value: number) => async () => {
      loads += 1;
      return value;
    };
    await cache.get("a", load(1));
    await cache.get("b", load(2));
    await cache.get("c", load(3));
    expect(await cache.get("a", load(4))).toBe(4);
    await expect(cache.get("x", () => Promise.reject(new Error("down")))).rejects.toThrow("down");
    expect(await cache.get("x", load(5))).toBe(5);
    expect(loads).toBe(5);
  });
});
