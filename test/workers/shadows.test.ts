import { env, evictDurableObject, listDurableObjectIds, runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { SqliteShadowStore } from "../../src/storage/sqliteShadows";
import { uniqueName } from "../helpers/names";
import { signedRequest } from "../helpers/signedFetch";

const call = async (path: string, init?: { method?: string; body?: string }) =>
  exports.default.fetch(await signedRequest(`https://iot.test${path}`, init));
const update = (thing: string, body: unknown, query = "") => call(`/things/${thing}/shadow${query}`, { method: "POST", body: JSON.stringify(body) });

describe("ThingObject behind the routes", () => {
  it("serializes concurrent updates to one shadow: no lost update, versions 1..N each exactly once", async () => {
    const thing = uniqueName("hot");
    const n = 15; // within the per-thing rate limit's burst of 20
    const responses = await Promise.all(Array.from({ length: n }, (_, i) => update(thing, { state: { reported: { [`k${i}`]: i } } })));
    const versions = await Promise.all(responses.map(async (r) => ((await r.json()) as { version: number }).version));
    expect(versions.sort((a, b) => a - b)).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    const document = (await (await call(`/things/${thing}/shadow`)).json()) as { version: number; state: { reported: Record<string, number> } };
    expect(document.version).toBe(n);
    expect(Object.keys(document.state.reported)).toHaveLength(n);
  });

  it("throttles a thing beyond 20 requests per second with ThrottlingException and applies only the accepted ones", async () => {
    const thing = uniqueName("throttled");
    const responses = await Promise.all(Array.from({ length: 30 }, (_, i) => update(thing, { state: { reported: { [`k${i}`]: i } } })));
    const statuses = responses.map((r) => r.status);
    const accepted = statuses.filter((s) => s === 200).length;
    // A burst of 20, plus whatever refilled while the burst was being served on a busy machine.
    expect(accepted).toBeGreaterThanOrEqual(20);
    expect(statuses.filter((s) => s === 429).length).toBe(30 - accepted);
    expect(accepted).toBeLessThan(30);
    const throttled = responses.find((r) => r.status === 429)!;
    expect(throttled.headers.get("x-amzn-errortype")).toBe("ThrottlingException");
    await new Promise((r) => setTimeout(r, 200)); // let a token refill
    const document = (await (await call(`/things/${thing}/shadow`)).json()) as { version: number; state: { reported: object } };
    expect(document.version).toBe(accepted);
    expect(Object.keys(document.state.reported)).toHaveLength(accepted);
  });

  it("lets exactly one of several writers holding the same version win", async () => {
    const thing = uniqueName("race");
    await update(thing, { state: { reported: { v: 0 } } });
    const statuses = await Promise.all(
      Array.from({ length: 10 }, (_, i) => update(thing, { state: { reported: { v: i } }, version: 1 }).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 409)).toHaveLength(9);
  });

  it("keeps one object per thing holding both classic and named shadows, surviving eviction", async () => {
    const thing = uniqueName("evict");
    await update(thing, { state: { desired: { on: true } } });
    await update(thing, { state: { desired: { mode: "eco" } } }, "?name=config");
    const stub = env.THINGS.getByName(thing);
    await runInDurableObject(stub, (_instance, state) => {
      const rows = state.storage.sql.exec<{ name: string; version: number }>("SELECT name, version FROM shadows ORDER BY name").toArray();
      expect(rows).toEqual([
        { name: "", version: 1 },
        { name: "config", version: 1 },
      ]);
    });
    await evictDurableObject(stub);
    const named = (await (await call(`/things/${thing}/shadow?name=config`)).json()) as { state: { desired: unknown } };
    expect(named.state.desired).toEqual({ mode: "eco" });
    const ids = await listDurableObjectIds(env.THINGS);
    expect(ids.some((id) => id.equals(env.THINGS.idFromName(thing)))).toBe(true);
  });

  it("does not create an object for an invalid thing name", async () => {
    const response = await update("bad%20name", { state: { reported: { a: 1 } } });
    expect(response.status).toBe(400);
    expect(response.headers.get("x-amzn-errortype")).toBe("InvalidRequestException");
  });

  it("keeps the rows it read or wrote in memory, and forgets them when a transaction rolls back", async () => {
    const thing = uniqueName("cache");
    await update(thing, { state: { desired: { on: true } } });
    await runInDurableObject(env.THINGS.getByName(thing), (_instance, state) => {
      const store = new SqliteShadowStore(state.storage, 100);
      const now = Math.floor(Date.now() / 1000);
      const v1 = store.read("", now).live!;
      expect(v1.version).toBe(1);
      expect(store.read("", now).live).toBe(v1); // the same parsed document, not read again
      const v2 = { ...v1, version: 2 };
      expect(() =>
        store.transaction(() => {
          store.write("", v2);
          throw new Error("fails after the write");
        }),
      ).toThrow("fails after the write");
      expect(store.read("", now).live).toEqual(v1); // rolled back in SQLite and in memory
      store.transaction(() => store.write("", v2));
      expect(store.read("", now).live).toBe(v2);
      expect(state.storage.sql.exec<{ version: number }>("SELECT version FROM shadows WHERE name = ''").one().version).toBe(2);
    });
  });

  it("keeps at most 16 rows in memory, the least recently used leaving first", async () => {
    const thing = uniqueName("lru");
    await update(thing, { state: { desired: { on: true } } });
    await runInDurableObject(env.THINGS.getByName(thing), (_instance, state) => {
      const store = new SqliteShadowStore(state.storage, 100);
      const now = Math.floor(Date.now() / 1000);
      const shadow = (version: number) => ({ state: { desired: { v: version } }, metadata: { desired: { v: { timestamp: now } } }, version });
      for (let i = 0; i <= 16; i++) store.transaction(() => store.write(`s${i}`, shadow(1)));
      // Changed behind the store's back: only a row no longer kept in memory is read again.
      state.storage.sql.exec("UPDATE shadows SET version = 7 WHERE name IN ('s0', 's1', 's2', 's16')");
      expect(store.read("s1", now).live?.version).toBe(1); // kept, and now the most recently used
      expect(store.read("s0", now).live?.version).toBe(7); // the 17th row had pushed it out; back, it pushes out s2
      expect(store.read("s2", now).live?.version).toBe(7);
      expect(store.read("s16", now).live?.version).toBe(1);
      expect(store.read("s1", now).live?.version).toBe(1);
    });
  });
});
