import { describe, expect, it } from "vitest";
import { HubRoutes } from "../../../src/broker/hub/routes";
import type { RoutePresence } from "../../../src/broker/types";
import { SqliteSessionStore } from "../../../src/storage/sqliteSessions";
import { NodeSqlStorage } from "../../helpers/sqlite";
import { random, Scheduler } from "./sim/scheduler";

/** A hub's registrations against an index whose answers the test releases by hand. */
function setup() {
  const clock = new Scheduler(random(1));
  const store = new SqliteSessionStore(new NodeSqlStorage());
  const calls: { filter: string; present: RoutePresence; release: () => void; fail: (e: unknown) => void }[] = [];
  const wakes: number[] = [];
  const routes = new HubRoutes(store, {
    clock,
    name: () => "hub-0",
    wakeAt: (at) => wakes.push(at),
    index: () => ({
      setRoute: (filter, _hub, present) =>
        new Promise<void>((release, fail) => {
          calls.push({ filter, present, release, fail });
        }),
    }),
  });
  return { clock, store, routes, calls, wakes };
}

describe("HubRoutes", () => {
  it("makes a second subscriber of a filter wait for the registration the first one started", async () => {
    const { routes, calls } = setup();
    routes.desire("a/b", true); // the first local subscriber
    const first = routes.whenRegistered("a/b");
    const second = routes.whenRegistered("a/b"); // another client of the same hub, a moment later
    let secondDone = false;
    second.then(() => {
      secondDone = true;
    });
    await new Promise((r) => setImmediate(r));
    expect(secondDone).toBe(false);
    expect(calls).toHaveLength(1);
    calls[0]!.release();
    await Promise.all([first, second]);
    expect(secondDone).toBe(true);
  });

  it("sends a filter's registrations one at a time and in order, ending with the latest wish", async () => {
    const { routes, calls, store } = setup();
    routes.desire("a/b", true);
    routes.desire("a/b", false);
    routes.desire("a/b", true);
    await new Promise((r) => setImmediate(r));
    expect(calls.map((c) => c.present)).toEqual([true]);
    calls[0]!.release();
    await new Promise((r) => setImmediate(r));
    // The intermediate wish was superseded; the latest is sent next.
    expect(calls.map((c) => c.present)).toEqual([true, true]);
    calls[1]!.release();
    await routes.whenRegistered("a/b");
    expect(store.routeIntent("a/b")).toBeUndefined();
  });

  it("keeps a registration that failed as durable work, retried later, and tells the waiting subscriber", async () => {
    const { routes, calls, store, wakes } = setup();
    routes.desire("a/b", true);
    const waiting = routes.whenRegistered("a/b");
    waiting.catch(() => undefined);
    await new Promise((r) => setImmediate(r));
    calls[0]!.fail(new Error("index down"));
    await expect(waiting).rejects.toThrow("index down");
    expect(store.routeIntent("a/b")).toMatchObject({ present: true, attempts: 1 });
    expect(wakes.length).toBe(1);
  });
});
