import { describe, expect, it } from "vitest";
import { billedRequests, CostMeter } from "../../../src/metering/costMeter";

/** A cursor whose counts grow as it is read, as the runtime's do. */
const cursor = (rowsRead: number, rowsWritten: number) => ({ rowsRead, rowsWritten });

describe("CostMeter: Durable Object requests, WebSocket messages and rows, per object class", () => {
  it("counts requests, messages and the rows of each cursor under its owner, with totals", () => {
    const meter = new CostMeter();
    meter.workerRequest();
    meter.request("THINGS");
    meter.request("TOPIC_INDEX");
    meter.request("THINGS");
    meter.webSocketMessage("MQTT_HUBS");
    meter.cursor("THINGS", cursor(1, 0));
    meter.cursor("THINGS", cursor(0, 3));
    meter.cursor("MQTT_HUBS", cursor(2, 1));
    const snapshot = meter.snapshot();
    expect(snapshot.workerRequests).toBe(1);
    expect(snapshot.objects).toEqual({
      MQTT_HUBS: { requests: 0, webSocketMessages: 1, rowsRead: 2, rowsWritten: 1 },
      THINGS: { requests: 2, webSocketMessages: 0, rowsRead: 1, rowsWritten: 3 },
      TOPIC_INDEX: { requests: 1, webSocketMessages: 0, rowsRead: 0, rowsWritten: 0 },
    });
    expect(snapshot.total).toEqual({ requests: 3, webSocketMessages: 1, rowsRead: 3, rowsWritten: 4, billedRequests: 3.05 });
  });

  it("reads a cursor's rows when it settles, not when it is opened (its counts grow while it is read)", () => {
    const meter = new CostMeter();
    const growing = { rowsRead: 0, rowsWritten: 0 };
    meter.cursor("THINGS", growing);
    growing.rowsRead = 5;
    expect(meter.snapshot().objects.THINGS?.rowsRead).toBe(5);
    // Counted once: a later snapshot does not add it again.
    expect(meter.snapshot().objects.THINGS?.rowsRead).toBe(5);
  });

  it("settles old cursors on its own under load, keeping the pending list bounded", () => {
    const meter = new CostMeter();
    for (let i = 0; i < 5000; i++) meter.cursor("THINGS", cursor(1, 1));
    expect((meter as unknown as { pending: unknown[] }).pending.length).toBeLessThanOrEqual(1025);
    expect(meter.snapshot().objects.THINGS).toMatchObject({ rowsRead: 5000, rowsWritten: 5000 });
  });

  it("starts from zero after reset", () => {
    const meter = new CostMeter();
    meter.workerRequest();
    meter.request("THINGS");
    meter.cursor("THINGS", cursor(1, 1));
    meter.reset();
    expect(meter.snapshot()).toEqual({
      workerRequests: 0,
      objects: {},
      total: { requests: 0, webSocketMessages: 0, rowsRead: 0, rowsWritten: 0, billedRequests: 0 },
    });
  });

  it("bills incoming WebSocket messages at 20 to one request", () => {
    expect(billedRequests({ requests: 1, webSocketMessages: 0 })).toBe(1);
    expect(billedRequests({ requests: 0, webSocketMessages: 40 })).toBe(2);
  });
});
