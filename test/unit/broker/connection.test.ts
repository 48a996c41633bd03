import { describe, expect, it } from "vitest";
import { ByteRate, newConnection } from "../../../src/broker/hub/connection";

describe("ByteRate (AWS IoT: 512 KiB/s per connection, excess delayed)", () => {
  it("lets a second's worth through at once, then delays in proportion to the excess, paying the debt off over time", () => {
    const rate = new ByteRate(1000, 0);
    expect(rate.reserve(1000, 0)).toBe(0);
    expect(rate.reserve(500, 0)).toBe(500);
    // Half a second later 500 bytes of debt are paid: the same 500 bytes again wait half a second.
    expect(rate.reserve(500, 500)).toBe(500);
    expect(rate.reserve(0, 10_000)).toBe(0);
  });
});

describe("newConnection: the publish rate per connection", () => {
  const socket = { send: () => {}, close: () => {}, attachment: () => null, setAttachment: () => {} };
  const att = { v: 2, connId: "c", accessKeyId: "k", openedAt: 0, lastSeen: 0 } as const;
  const taken = (conn: ReturnType<typeof newConnection>, n: number) =>
    Array.from({ length: n }, () => conn.publishRate.take(0)).filter(Boolean).length;

  it("allows AWS IoT's 100 publishes per second by default", () => {
    expect(taken(newConnection(socket, att, undefined, 0), 150)).toBe(100);
  });

  it("allows the rate it is given (MQTT_PUBLISHES_PER_SECOND: the benchmark measures the broker, not the limit)", () => {
    expect(taken(newConnection(socket, att, undefined, 0, 1000), 1500)).toBe(1000);
  });
});
