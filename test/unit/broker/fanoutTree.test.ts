import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fanoutDepth, planFanout } from "../../../src/broker/fanoutTree";

/** Every hub the tree reaches, with the levels it took and the most calls one object made. */
function walk(hubs: string[], degree: number): { reached: string[]; depth: number; maxCalls: number } {
  const plan = planFanout(hubs, degree);
  const reached = [...plan.direct];
  let depth = 1;
  let maxCalls = plan.direct.length + plan.relays.length;
  for (const relay of plan.relays) {
    const below = walk(relay.hubs, degree);
    reached.push(...below.reached);
    depth = Math.max(depth, below.depth + 1);
    maxCalls = Math.max(maxCalls, below.maxCalls);
  }
  return { reached, depth, maxCalls };
}

describe("planFanout", () => {
  it("reaches every hub exactly once, with at most `degree` calls per object and ⌈log_degree H⌉ levels", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 3000 }), fc.integer({ min: 2, max: 40 }), (count, degree) => {
        const hubs = Array.from({ length: count }, (_, i) => `hub-enam-0-${i}`);
        const { reached, depth, maxCalls } = walk(hubs, degree);
        expect(reached.sort()).toEqual([...hubs].sort());
        expect(maxCalls).toBeLessThanOrEqual(degree);
        expect(depth).toBe(count === 0 ? 1 : fanoutDepth(count, degree));
      }),
      { numRuns: 200 },
    );
  });

  it("calls up to `degree` hubs directly, and names each relay by its group so that no two groups share one", () => {
    expect(planFanout(["b", "a"], 2)).toEqual({ direct: ["a", "b"], relays: [] });
    const plan = planFanout(
      Array.from({ length: 10 }, (_, i) => `h${i}`),
      3,
    );
    expect(plan.relays.map((r) => r.name)).toEqual(["relay:h0..h3", "relay:h4..h7", "relay:h8..h9"]);
    const nested = planFanout(plan.relays[0]!.hubs, 3);
    expect(nested.relays.map((r) => r.name)).toEqual(["relay:h0..h1", "relay:h2..h3"]);
  });
});
