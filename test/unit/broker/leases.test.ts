import { describe, expect, it } from "vitest";
import { IndexLeases } from "../../../src/broker/leases";

describe("IndexLeases", () => {
  it("skips an index while its empty lease lasts, measured from when the request was sent", () => {
    let now = 1000;
    const leases = new IndexLeases(() => now);
    expect(leases.isEmpty("a")).toBe(false);
    // Sent at 1000, answered later: the lease still ends 2000 ms after the send.
    now = 1300;
    leases.record("a", 1000, 2000);
    expect(leases.isEmpty("a")).toBe(true);
    now = 2999;
    expect(leases.isEmpty("a")).toBe(true);
    now = 3000;
    expect(leases.isEmpty("a")).toBe(false);
  });

  it("asks again at once when an index answered without a lease", () => {
    let now = 0;
    const leases = new IndexLeases(() => now);
    leases.record("a", 0, 2000);
    now = 10;
    leases.record("a", 10, undefined);
    expect(leases.isEmpty("a")).toBe(false);
    expect(leases.isEmpty("b")).toBe(false);
  });
});
