import { describe, expect, it } from "vitest";
import { EMPTY_LEASE_MS, LEASE_MARGIN_MS } from "../../../src/broker/leases";
import { IndexRouter } from "../../../src/broker/router";
import type { Delivery } from "../../../src/broker/types";
import { SqliteRouteTable } from "../../../src/storage/sqliteRoutes";
import { NodeSqlStorage } from "../../helpers/sqlite";
import { random, Scheduler } from "./sim/scheduler";

const message = (topic: string) => ({ id: topic, topic, payload: new Uint8Array([1]), qos: 1 as const, retain: false });
const retryable = () => Object.assign(new Error("object reset"), { retryable: true });

function setup(options: { leased: boolean; deliver?: (hub: string, deliveries: Delivery[]) => Promise<void> }) {
  const clock = new Scheduler(random(1));
  const delivered: [string, string[]][] = [];
  const router = new IndexRouter({
    table: new SqliteRouteTable(new NodeSqlStorage()),
    leased: options.leased,
    clock,
    hub: (hub) => ({
      deliver: async (deliveries) => {
        if (options.deliver) await options.deliver(hub, deliveries);
        delivered.push([hub, deliveries.map((d) => d.message.topic)]);
      },
    }),
  });
  return { clock, router, delivered };
}

describe("IndexRouter", () => {
  it("grants an empty lease only when it holds no filter, and only if it is a fleet-wide index", async () => {
    const leased = setup({ leased: true });
    expect(await leased.router.route([{ message: message("a/b") }])).toEqual({ emptyForMs: EMPTY_LEASE_MS });
    const plain = setup({ leased: false });
    expect(await plain.router.route([{ message: message("a/b") }])).toEqual({});
  });

  it("holds back the registration that makes it non-empty until every lease it granted has run out", async () => {
    const { clock, router } = setup({ leased: true });
    await router.route([{ message: message("x/a") }]); // lease granted now
    const grantedAt = clock.now();
    let registeredAt: number | undefined;
    router.setRoute("+/a", "hub-1", true).then(() => {
      registeredAt = clock.now();
    });
    await clock.run();
    expect(registeredAt).toBeGreaterThanOrEqual(grantedAt + EMPTY_LEASE_MS + LEASE_MARGIN_MS);
    // Once it holds a filter, it grants no lease and registrations are immediate.
    expect(await router.route([{ message: message("x/a") }])).toEqual({});
  });

  it("answers a registration only after the deliveries it routed before have reached their hubs (the handover's barrier)", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { clock, router, delivered } = setup({ leased: false, deliver: async (hub) => (hub === "old" ? gate : undefined) });
    await router.setRoute("t/#", "old", true);
    const routed = router.route([{ message: message("t/1") }]);
    let registered = false;
    router.setRoute("t/#", "new", true).then(() => {
      registered = true;
    });
    await clock.run();
    expect(registered).toBe(false);
    release();
    await routed;
    await clock.run();
    expect(registered).toBe(true);
    expect(delivered).toEqual([["old", ["t/1"]]]);
  });

  it("retries a hub call that failed retryably, and fails the route (no acknowledgement) when the hub stays unreachable", async () => {
    let failures = 1;
    const flaky = setup({
      leased: false,
      deliver: async () => {
        if (failures-- > 0) throw retryable();
      },
    });
    await flaky.router.setRoute("t/#", "hub-1", true);
    const done = flaky.router.route([{ message: message("t/1") }]);
    await flaky.clock.run();
    await expect(done).resolves.toEqual({});
    expect(flaky.delivered).toEqual([["hub-1", ["t/1"]]]);

    const down = setup({
      leased: false,
      deliver: async () => {
        throw retryable();
      },
    });
    await down.router.setRoute("t/#", "hub-1", true);
    const failed = down.router.route([{ message: message("t/1") }]);
    failed.catch(() => undefined);
    await down.clock.run();
    await expect(failed).rejects.toThrow("object reset");
  });

  it("does not retry a failure that is not retryable (a bug is not hidden behind retries)", async () => {
    let calls = 0;
    const { clock, router } = setup({
      leased: false,
      deliver: async () => {
        calls += 1;
        throw new Error("bug");
      },
    });
    await router.setRoute("t/#", "hub-1", true);
    const failed = router.route([{ message: message("t/1") }]);
    failed.catch(() => undefined);
    await clock.run();
    await expect(failed).rejects.toThrow("bug");
    expect(calls).toBe(1);
  });
});
