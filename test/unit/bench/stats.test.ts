import { describe, expect, it } from "vitest";
import { aggregate, latencySummary, median, ratio } from "../../../bench/lib/stats.mjs";

describe("bench statistics", () => {
  it("takes medians of odd and even counts, ignoring missing values", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([null, 5, Number.NaN])).toBe(5);
    expect(median([])).toBeNull();
  });

  it("aggregates runs into median, min, max and relative spread", () => {
    expect(aggregate([100, 90, 110])).toEqual({ median: 100, min: 90, max: 110, spread: 0.2, runs: [100, 90, 110] });
    expect(aggregate([null]).median).toBeNull();
  });

  it("gives nearest-rank p50 and p99 of latency samples", () => {
    const samples = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(latencySummary(samples)).toEqual({ count: 100, p50Ms: 50, p99Ms: 99, maxMs: 100 });
  });

  it("divides to three significant digits, null when either side is missing or the divisor is 0", () => {
    expect(ratio(2, 3)).toBe(0.667);
    expect(ratio(1, 0)).toBeNull();
    expect(ratio(null, 3)).toBeNull();
  });
});
