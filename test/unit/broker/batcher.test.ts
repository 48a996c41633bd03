import { describe, expect, it } from "vitest";
import { OrderedBatcher } from "../../../src/broker/batcher";

const tick = () => new Promise((r) => setTimeout(r, 5));

describe("OrderedBatcher", () => {
  it("keeps the order on a lane and coalesces what arrives while a call is in flight", async () => {
    const calls: [string, number[]][] = [];
    const batcher = new OrderedBatcher<number>(async (lane, batch) => {
      calls.push([lane, batch]);
      await tick();
    });
    const sent = [batcher.send("a", [1]), batcher.send("a", [2]), batcher.send("a", [3, 4]), batcher.send("b", [9])];
    await Promise.all(sent);
    expect(calls).toEqual([
      ["a", [1]],
      ["b", [9]],
      ["a", [2, 3, 4]],
    ]);
  });

  it("never has two calls in flight on one lane", async () => {
    let inFlight = 0;
    let most = 0;
    const batcher = new OrderedBatcher<number>(async () => {
      most = Math.max(most, ++inFlight);
      await tick();
      inFlight -= 1;
    });
    await Promise.all(Array.from({ length: 20 }, (_, i) => batcher.send("x", [i])));
    expect(most).toBe(1);
  });

  it("rejects the senders of a failed call only, and goes on with the next batch", async () => {
    let first = true;
    const delivered: number[] = [];
    const batcher = new OrderedBatcher<number>(async (_, batch) => {
      await tick();
      if (first) {
        first = false;
        throw new Error("unreachable");
      }
      delivered.push(...batch);
    });
    const failed = batcher.send("x", [1]);
    const later = batcher.send("x", [2]);
    await expect(failed).rejects.toThrow("unreachable");
    await later;
    expect(delivered).toEqual([2]);
  });

  it("caps a call at the byte limit (at least one item) and settles a send split over calls with its last call", async () => {
    const calls: number[][] = [];
    const batcher = new OrderedBatcher<number>(
      async (_, batch) => {
        calls.push(batch);
        await tick();
      },
      { sizeOf: (n) => n, maxBatchBytes: 10 },
    );
    const first = batcher.send("x", [20]);
    let splitDone = false;
    const split = batcher.send("x", [4, 4, 4, 4]).then(() => {
      splitDone = true;
    });
    await first;
    expect(splitDone).toBe(false);
    await split;
    expect(calls).toEqual([[20], [4, 4], [4, 4]]);
  });

  it("rejects a send split over calls when one of its calls fails, and keeps the lane's count right", async () => {
    let calls = 0;
    const delivered: number[] = [];
    const batcher = new OrderedBatcher<number>(
      async (_, batch) => {
        await tick();
        calls += 1;
        if (calls === 2) throw new Error("second call failed");
        delivered.push(...batch);
      },
      { sizeOf: () => 5, maxBatchBytes: 10 },
    );
    const a = batcher.send("x", [1]);
    const b = batcher.send("x", [2, 3, 4]);
    const c = batcher.send("x", [5]);
    await a;
    await expect(b).rejects.toThrow("second call failed");
    await c;
    expect(delivered).toEqual([1, 4, 5]);
  });
});
