import { describe, expect, it } from "vitest";
import { HubFanout, type RelayTarget } from "../../../src/broker/hubFanout";
import { IndexRouter } from "../../../src/broker/router";
import type { Delivery } from "../../../src/broker/types";
import { SqliteRouteTable } from "../../../src/storage/sqliteRoutes";
import { NodeSqlStorage } from "../../helpers/sqlite";
import { random, Scheduler } from "./sim/scheduler";

const message = (topic: string) => ({ id: topic, topic, payload: new Uint8Array([1]), qos: 1 as const, retain: false });
const retryable = () => Object.assign(new Error("object reset"), { retryable: true });

/** An index with a fan-out degree of 4 whose relays are HubFanouts of their own, counting every object's calls. */
function setup(options: { failRelay?: (name: string, attempt: number) => boolean } = {}) {
  const clock = new Scheduler(random(7));
  const delivered: [string, string][] = [];
  const callsBy = new Map<string, number>();
  const attempts = new Map<string, number>();
  const count = (caller: string) => callsBy.set(caller, (callsBy.get(caller) ?? 0) + 1);
  const hub = (caller: string) => (name: string) => ({
    deliver: async (deliveries: Delivery[]) => {
      count(caller);
      for (const d of deliveries) delivered.push([name, d.message.topic]);
    },
  });
  const relay =
    (caller: string) =>
    (name: string): RelayTarget => ({
      relay: async (perHub) => {
        count(caller);
        const attempt = (attempts.get(name) ?? 0) + 1;
        attempts.set(name, attempt);
        if (options.failRelay?.(name, attempt)) throw retryable();
        const fanout = new HubFanout({ hub: hub(name), relay: relay(name), degree: 4, clock });
        await Promise.all(fanout.send(new Map(perHub)));
      },
    });
  const router = new IndexRouter({
    table: new SqliteRouteTable(new NodeSqlStorage()),
    leased: false,
    clock,
    hub: hub("index"),
    relay: relay("index"),
    fanoutDegree: 4,
  });
  /** Runs the virtual clock until `promise` settles. */
  const settle = async <T>(promise: Promise<T>): Promise<T> => {
    promise.catch(() => undefined);
    await clock.run();
    return promise;
  };
  return { clock, router, delivered, callsBy, attempts, settle };
}

const hubs = Array.from({ length: 30 }, (_, i) => `hub-enam-0-${String(i).padStart(2, "0")}`);

describe("HubFanout through IndexRouter", () => {
  it("reaches every hub once, no object making more than the degree of calls for a message", async () => {
    const { router, delivered, callsBy, settle } = setup();
    for (const h of hubs) await settle(router.setRoute("t/#", h, true));
    await settle(router.route([{ message: message("t/1") }]));
    expect(delivered.map(([h]) => h).sort()).toEqual(hubs);
    expect(Math.max(...callsBy.values())).toBeLessThanOrEqual(4);
    // 30 hubs at 4 per object: the index, relays, and relays below them.
    expect(callsBy.size).toBeGreaterThan(4);
  });

  it("retries a relay that was reset, and fails the route when one keeps failing", async () => {
    const flaky = setup({ failRelay: (_, attempt) => attempt === 1 });
    for (const h of hubs) await flaky.settle(flaky.router.setRoute("t/#", h, true));
    await flaky.settle(flaky.router.route([{ message: message("t/1") }]));
    expect(new Set(flaky.delivered.map(([h]) => h)).size).toBe(hubs.length);

    const down = setup({ failRelay: (name) => name.startsWith("relay:hub-enam-0-00") });
    for (const h of hubs) await down.settle(down.router.setRoute("t/#", h, true));
    await expect(down.settle(down.router.route([{ message: message("t/2") }]))).rejects.toThrow("object reset");
  });

  it("calls up to the degree of hubs directly, without relays", async () => {
    const { router, callsBy, settle } = setup();
    for (const h of hubs.slice(0, 4)) await settle(router.setRoute("t/#", h, true));
    await settle(router.route([{ message: message("t/1") }]));
    expect([...callsBy]).toEqual([["index", 4]]);
  });
});
