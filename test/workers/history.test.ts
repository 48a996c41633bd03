import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { fleetShardName } from "../../src/domain/fleet";
import { FleetReporter } from "../../src/objects/fleetReporter";
import { SqliteShadowStore } from "../../src/storage/sqliteShadows";
import { describeHistoryStore } from "../helpers/historyStoreSuite";
import { uniqueName } from "../helpers/names";
import { type SignedFetchOptions, signedRequest } from "../helpers/signedFetch";

// vitest.workers.config.ts sets SHADOW_HISTORY_VERSIONS to 5 for these tests (the deployment default is 100).
const KEPT = 5;

describeHistoryStore("SqliteShadowStore", (versions, body) =>
  runInDurableObject(env.THINGS.getByName(uniqueName("store")), (_instance, state) => body(new SqliteShadowStore(state.storage, versions))),
);

const call = async (path: string, init?: { method?: string; body?: string }, options?: SignedFetchOptions) =>
  exports.default.fetch(await signedRequest(`https://iot.test${path}`, init, options));
const update = (thing: string, body: unknown, query = "") => call(`/things/${thing}/shadow${query}`, { method: "POST", body: JSON.stringify(body) });
// biome-ignore lint/suspicious/noExplicitAny: response documents are checked field by field
const json = async (response: Response): Promise<any> => {
  expect(response.status, await response.clone().text()).toBe(200);
  return response.json();
};

describe("shadow history routes", () => {
  it("pages a shadow's history with a tamper-evident nextToken bound to that shadow", async () => {
    const thing = uniqueName("hist");
    for (let i = 1; i <= 3; i++) await update(thing, { state: { reported: { i } } }, "?name=cfg");
    await update(thing, { state: { reported: { other: true } } });
    const first = await json(await call(`/things/${thing}/shadow/history?name=cfg&maxResults=2`));
    expect(first.history.map((e: { version: number }) => e.version)).toEqual([1, 2]);
    expect(first.history[1]).toEqual({
      version: 2,
      timestamp: expect.any(Number),
      operation: "update",
      request: { reported: { i: 2 } },
      state: { reported: { i: 2 } },
    });
    expect(typeof first.nextToken).toBe("string");
    const second = await json(await call(`/things/${thing}/shadow/history?name=cfg&maxResults=2&nextToken=${encodeURIComponent(first.nextToken)}`));
    expect(second.history.map((e: { version: number }) => e.version)).toEqual([3]);
    expect(second.nextToken).toBeUndefined();

    // The token of one shadow does not walk another; a changed token is refused.
    for (const path of [
      `/things/${thing}/shadow/history?nextToken=${encodeURIComponent(first.nextToken)}`,
      `/things/${thing}/shadow/history?name=cfg&nextToken=${encodeURIComponent(`${first.nextToken.slice(0, -2)}AA`)}`,
    ]) {
      const refused = await call(path);
      expect(refused.status).toBe(400);
      expect(refused.headers.get("x-amzn-errortype")).toBe("InvalidRequestException");
    }
    const from = await json(await call(`/things/${thing}/shadow/history?name=cfg&fromVersion=3`));
    expect(from.history.map((e: { version: number }) => e.version)).toEqual([3]);
  });

  it(`keeps the last ${KEPT} versions (SHADOW_HISTORY_VERSIONS) and answers changes from an older one with 400 TrimmedDataAccessException`, async () => {
    const thing = uniqueName("trim");
    for (let i = 1; i <= KEPT + 2; i++) await update(thing, { state: { desired: { i, [`k${i}`]: true } } });
    const page = await json(await call(`/things/${thing}/shadow/history`));
    expect(page.history.map((e: { version: number }) => e.version)).toEqual([3, 4, 5, 6, 7]);
    const changes = await json(await call(`/things/${thing}/shadow/changes?sinceVersion=5`));
    expect(changes).toEqual({
      fromVersion: 5,
      version: 7,
      state: { desired: { i: 7, k6: true, k7: true } },
      timestamp: expect.any(Number),
    });
    const trimmed = await call(`/things/${thing}/shadow/changes?sinceVersion=2`);
    expect(trimmed.status).toBe(400);
    expect(trimmed.headers.get("x-amzn-errortype")).toBe("TrimmedDataAccessException");
    expect(((await trimmed.json()) as { message: string }).message).toContain("the oldest version kept is 3");
  });

  it("records MQTT shadow requests in the same history", async () => {
    const thing = uniqueName("mqtt-hist");
    const payload = new TextEncoder().encode(JSON.stringify({ state: { desired: { on: true } }, clientToken: "m1" }));
    await env.THINGS.getByName(thing).publishShadowRequests([
      {
        address: { thingName: thing, operation: "update" },
        message: { topic: `$aws/things/${thing}/shadow/update`, payload, qos: 0, retain: false },
      },
      {
        address: { thingName: thing, operation: "delete" },
        message: { topic: `$aws/things/${thing}/shadow/delete`, payload: new Uint8Array(), qos: 0, retain: false },
      },
    ]);
    const page = await json(await call(`/things/${thing}/shadow/history`));
    expect(page.history.map((e: { operation: string; clientToken?: string }) => [e.operation, e.clientToken])).toEqual([
      ["update", "m1"],
      ["delete", undefined],
    ]);
  });

  it("answers AWS-shaped errors: unknown shadow 404, bad parameters 400, missing sinceVersion 400", async () => {
    const thing = uniqueName("errs");
    await update(thing, { state: { desired: { a: 1 } } });
    const cases: [string, number, string][] = [
      [`/things/${thing}/shadow/history?name=nope`, 404, "ResourceNotFoundException"],
      [`/things/${thing}/shadow/changes?name=nope&sinceVersion=1`, 404, "ResourceNotFoundException"],
      [`/things/${thing}/shadow/history?maxResults=0`, 400, "InvalidRequestException"],
      [`/things/${thing}/shadow/history?fromVersion=-1`, 400, "InvalidRequestException"],
      [`/things/${thing}/shadow/changes`, 400, "InvalidRequestException"],
      [`/things/${thing}/shadow/changes?sinceVersion=9`, 400, "InvalidRequestException"],
      [`/things/bad%20name/shadow/history`, 400, "InvalidRequestException"],
    ];
    for (const [path, status, type] of cases) {
      const response = await call(path);
      expect([path, response.status, response.headers.get("x-amzn-errortype")]).toEqual([path, status, type]);
      expect(Object.keys((await response.json()) as object)).toEqual(["message"]);
    }
  });

  it("authorizes history and changes exactly as GetThingShadow, on the thing's ARN", async () => {
    const secret = `shared-secret-${uniqueName("h")}`;
    const open = uniqueName("open");
    for (const thing of [secret, open]) await update(thing, { state: { desired: { a: 1 } } });
    const readonly = { accessKeyId: "AKIDREADONLY", secretAccessKey: "readonly-secret" };
    const device = { accessKeyId: "AKIDDEVICE", secretAccessKey: "device-secret" };
    const status = async (path: string, options: SignedFetchOptions) => (await call(path, undefined, options)).status;
    expect(await status(`/things/${open}/shadow/history`, readonly)).toBe(200);
    expect(await status(`/things/${open}/shadow/changes?sinceVersion=1`, readonly)).toBe(200);
    expect(await status(`/things/${secret}/shadow/history`, readonly)).toBe(403); // explicit Deny
    expect(await status(`/things/${secret}/shadow/changes?sinceVersion=1`, readonly)).toBe(403);
    expect(await status(`/things/${open}/shadow/history`, device)).toBe(403); // no GetThingShadow
    const unsigned = await exports.default.fetch(new Request(`https://iot.test/things/${open}/shadow/history`));
    expect(unsigned.status).toBe(403);
  });
});

const listThings = (query: string, options?: SignedFetchOptions) => call(`/api/things/shadow/ListThingsWithShadows?${query}`, undefined, options);

/** The directory is written after the shadow change commits: wait until a listing shows what is expected. */
async function eventually<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 5000;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((r) => setTimeout(r, 50));
  }
}
const names = async (prefix: string) =>
  ((await json(await listThings(`thingNamePrefix=${prefix}`))).things as { thingName: string; shadowCount: number }[]).map(
    (t) => `${t.thingName}:${t.shadowCount}`,
  );

describe("fleet directory", () => {
  it("lists a thing once it has a shadow, counts its shadows, and drops it when its last shadow is deleted", async () => {
    const prefix = uniqueName("fleet");
    const [a, b] = [`${prefix}-a`, `${prefix}-b`];
    await update(a, { state: { desired: { x: 1 } } });
    await update(a, { state: { desired: { x: 1 } } }, "?name=cfg");
    await update(b, { state: { desired: { x: 1 } } });
    expect(
      await eventually(
        () => names(prefix),
        (n) => n.length === 2 && n[0] === `${a}:2`,
      ),
    ).toEqual([`${a}:2`, `${b}:1`]);
    await call(`/things/${a}/shadow`, { method: "DELETE" });
    expect(
      await eventually(
        () => names(prefix),
        (n) => n[0] === `${a}:1`,
      ),
    ).toEqual([`${a}:1`, `${b}:1`]);
    await call(`/things/${a}/shadow?name=cfg`, { method: "DELETE" });
    expect(
      await eventually(
        () => names(prefix),
        (n) => n.length === 1,
      ),
    ).toEqual([`${b}:1`]);
  });

  it("takes a thing's reports in sequence order only: a delayed older report never undoes a newer one", async () => {
    const thing = uniqueName("seq");
    const shard = env.FLEET.getByName(fleetShardName(thing));
    await shard.record({ thingName: thing, shadowCount: 2, sequence: 5 });
    await shard.record({ thingName: thing, shadowCount: 0, sequence: 4 });
    expect(await names(thing)).toEqual([`${thing}:2`]);
    await shard.record({ thingName: thing, shadowCount: 0, sequence: 6 });
    await shard.record({ thingName: thing, shadowCount: 1, sequence: 5 });
    expect(await names(thing)).toEqual([]);
  });

  it("keeps a report that could not be sent and sends it from the thing's alarm", async () => {
    const thing = uniqueName("retry");
    const stub = env.THINGS.getByName(thing);
    const unreachable = { FLEET: { getByName: () => ({ record: () => Promise.reject(new Error("shard unreachable")) }) } } as unknown as Env;
    await runInDurableObject(stub, async (_instance, state) => {
      const reporter = new FleetReporter(state, unreachable);
      state.storage.transactionSync(() => reporter.stage(thing, 1));
      reporter.committed();
      expect(await reporter.send()).toBe(false);
      expect(await state.storage.getAlarm()).not.toBeNull();
      const row = state.storage.sql.exec<{ sent: number; attempts: number }>("SELECT sent, attempts FROM fleet_outbox").one();
      expect(row.sent).toBe(0);
      expect(row.attempts).toBeGreaterThanOrEqual(1);
    });
    expect(await names(thing)).toEqual([]);
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    expect(
      await eventually(
        () => names(thing),
        (n) => n.length === 1,
      ),
    ).toEqual([`${thing}:1`]);
    await runInDurableObject(stub, (_instance, state) => {
      expect(state.storage.sql.exec<{ sent: number }>("SELECT sent FROM fleet_outbox").one().sent).toBe(1);
    });
  });

  it("pages 10,000 things in name order, each page a bounded read of every shard, with a nextToken bound to its prefix", async () => {
    const prefix = uniqueName("big");
    const all = Array.from({ length: 10_000 }, (_, i) => `${prefix}-${String(i).padStart(5, "0")}`);
    const byShard = new Map<string, string[]>();
    for (const name of all) byShard.set(fleetShardName(name), [...(byShard.get(fleetShardName(name)) ?? []), name]);
    for (const [shard, members] of byShard) {
      await runInDurableObject(env.FLEET.getByName(shard), (_instance, state) => {
        state.storage.transactionSync(() => {
          for (const name of members) state.storage.sql.exec("INSERT INTO fleet_things (name, shadows, sequence) VALUES (?, 1, 1)", name);
        });
      });
    }
    const first = await json(await listThings(`thingNamePrefix=${prefix}&maxResults=100`));
    expect(first.things.map((t: { thingName: string }) => t.thingName)).toEqual(all.slice(0, 100));
    const second = await json(await listThings(`thingNamePrefix=${prefix}&maxResults=100&nextToken=${encodeURIComponent(first.nextToken)}`));
    expect(second.things.map((t: { thingName: string }) => t.thingName)).toEqual(all.slice(100, 200));
    const wrongPrefix = await listThings(`thingNamePrefix=${prefix}-0&nextToken=${encodeURIComponent(first.nextToken)}`);
    expect(wrongPrefix.status).toBe(400);

    // A narrower prefix walks its 1,000 names exactly once, in order, ending without a nextToken.
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await json(
        await listThings(`thingNamePrefix=${prefix}-05&maxResults=100${token ? `&nextToken=${encodeURIComponent(token)}` : ""}`),
      );
      seen.push(...page.things.map((t: { thingName: string }) => t.thingName));
      token = page.nextToken;
    } while (token);
    expect(seen).toEqual(all.slice(5000, 6000));
  });

  it("is authorized as iot:ListThingsWithShadows on *", async () => {
    expect((await listThings("maxResults=1")).status).toBe(200);
    const readonly = await listThings("maxResults=1", { accessKeyId: "AKIDREADONLY", secretAccessKey: "readonly-secret" });
    expect(readonly.status).toBe(403);
    expect(readonly.headers.get("x-amzn-errortype")).toBe("ForbiddenException");
    expect((await listThings("maxResults=101")).status).toBe(400);
  });
});
