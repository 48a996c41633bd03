import { describe, expect, it } from "vitest";
import { ByteRate } from "../../../src/broker/hub/connection";

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
