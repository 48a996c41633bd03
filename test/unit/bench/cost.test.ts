import { describe, expect, it } from "vitest";
import { costSummary } from "../../../bench/lib/cost.mjs";

const snapshot = (requests: number, rowsWritten: number, webSocketMessages = 0) => ({
  workerRequests: 1,
  objects: { THINGS: { requests, webSocketMessages, rowsRead: 1, rowsWritten } },
  total: { requests, webSocketMessages, rowsRead: 1, rowsWritten, billedRequests: requests + webSocketMessages / 20 },
});

describe("bench: the cost of each operation from the meter's readings", () => {
  it("takes the median of each total over the runs and says whether the runs agreed", () => {
    const summary = costSummary({
      update: { label: "UpdateThingShadow", runs: [snapshot(1, 3), snapshot(1, 3), snapshot(1, 3)] },
      publish: { label: "Publish", runs: [snapshot(2, 0, 20), snapshot(3, 0, 20), snapshot(2, 0, 20)] },
    });
    expect(summary.update).toMatchObject({
      requests: 1,
      rowsWritten: 3,
      rowsRead: 1,
      billedRequests: 1,
      workerRequests: 1,
      consistent: true,
      runs: 3,
    });
    expect(summary.update.byObject).toEqual({ THINGS: { requests: 1, webSocketMessages: 0, rowsRead: 1, rowsWritten: 3 } });
    expect(summary.publish).toMatchObject({ requests: 2, webSocketMessages: 20, billedRequests: 3, consistent: false });
  });

  it("keeps a failed operation's error instead of figures", () => {
    expect(costSummary({ many: { label: "Publish to 1,000", error: "only 3 of 1000 messages arrived" } })).toEqual({
      many: { label: "Publish to 1,000", error: "only 3 of 1000 messages arrived" },
    });
  });
});

describe("bench: the split by object of a cost", () => {
  it("comes from a run that counted the medians, not from one that caught background work", () => {
    const background = { ...snapshot(2, 0), objects: { THINGS: { requests: 2, webSocketMessages: 0, rowsRead: 2009, rowsWritten: 0 } } };
    const summary = costSummary({ op: { label: "op", runs: [snapshot(1, 0), snapshot(1, 0), background] } });
    expect(summary.op.byObject.THINGS.rowsRead).toBe(1);
    expect(summary.op.consistent).toBe(false);
  });
});
