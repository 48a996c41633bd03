import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../../src/app/app";
import type { CostSnapshot } from "../../src/metering/costMeter";
import { COST_ROUTE, meteredObject, meteredWorker } from "../../src/metering/metered";
import { ThingObject } from "../../src/objects/thing";
import { uniqueName } from "../helpers/names";
import { signedRequest } from "../helpers/signedFetch";

const worker = meteredWorker(app);
const ctx = { waitUntil: () => {}, passThroughOnException: () => {} } as unknown as ExecutionContext;
// The Worker's fetch takes an incoming request (with `cf` properties); these test requests have none.
const send = (request: Request) => worker.fetch!(request as Parameters<NonNullable<typeof worker.fetch>>[0], env, ctx);
const cost = async () => (await (await send(new Request(`https://iot.test${COST_ROUTE}?reset=1`))).json()) as CostSnapshot;

describe("the cost meter wired to the runtime (COST_METER)", () => {
  it("counts the Worker's requests and each call it makes to an object, by binding", async () => {
    await cost();
    const thing = uniqueName("metered");
    const request = await signedRequest(`https://iot.test/things/${thing}/shadow`, {
      method: "POST",
      body: JSON.stringify({ state: { desired: { a: 1 } } }),
    });
    const response = await send(request);
    expect(response.status).toBe(200);
    const snapshot = await cost();
    expect(snapshot.workerRequests).toBe(1);
    expect(snapshot.objects.THINGS?.requests).toBe(1);
    // Read and reset: the next snapshot starts from zero.
    expect((await cost()).total.requests).toBe(0);
  });

  it("counts the rows an object's SQL cursors read and write, under the object's binding", async () => {
    const thing = uniqueName("rows");
    const stub = env.THINGS.getByName(thing);
    await runInDurableObject(stub, async (_instance, state) => {
      const Metered = meteredObject(ThingObject, "THINGS");
      const object = new Metered(state, env);
      await cost();
      const outcome = await object.shadowRequest({
        thingName: thing,
        operation: "update",
        payload: new TextEncoder().encode(JSON.stringify({ state: { desired: { a: 1 } } })),
        origin: "http",
      });
      expect(outcome.ok).toBe(true);
      const snapshot = await cost();
      // The shadow row and its history entry at least.
      expect(snapshot.objects.THINGS?.rowsWritten).toBeGreaterThanOrEqual(2);
    });
  });

  it("is not reachable without COST_METER: the route is an ordinary unknown, unsigned request", async () => {
    const { exports } = await import("cloudflare:workers");
    const response = await exports.default.fetch(new Request(`https://iot.test${COST_ROUTE}`));
    expect(response.status).toBe(403);
  });
});
