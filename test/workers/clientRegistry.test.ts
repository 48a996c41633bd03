import { env, listDurableObjectIds } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CLIENT_REGISTRY_SHARDS, clientRegistry } from "../../src/objects/stubs";
import { uniqueName } from "../helpers/names";

describe("client id registry (ClientRegistryObject shards)", () => {
  it("returns the previous holder on claim and releases only the current holder, per client id", async () => {
    const a = uniqueName("client-a");
    const b = uniqueName("client-b");
    expect(await clientRegistry(env, a).claim(a, { hub: "hub-1", connId: "c1" })).toBeNull();
    expect(await clientRegistry(env, b).claim(b, { hub: "hub-2", connId: "c2" })).toBeNull();
    expect(await clientRegistry(env, a).claim(a, { hub: "hub-3", connId: "c3" })).toEqual({ hub: "hub-1", connId: "c1" });
    // The old holder's release comes late: the new claim stands.
    await clientRegistry(env, a).release(a, { hub: "hub-1", connId: "c1" });
    expect(await clientRegistry(env, a).claim(a, { hub: "hub-4", connId: "c4" })).toEqual({ hub: "hub-3", connId: "c3" });
    await clientRegistry(env, a).release(a, { hub: "hub-4", connId: "c4" });
    expect(await clientRegistry(env, a).claim(a, { hub: "hub-5", connId: "c5" })).toBeNull();
    expect(await clientRegistry(env, b).claim(b, { hub: "hub-6", connId: "c6" })).toEqual({ hub: "hub-2", connId: "c2" });
  });

  it("keeps many client ids in a bounded number of objects", async () => {
    const clients = Array.from({ length: 300 }, (_, i) => uniqueName(`many-${i}`));
    await Promise.all(clients.map((id) => clientRegistry(env, id).claim(id, { hub: "hub-0", connId: id })));
    const again = await Promise.all(clients.map((id) => clientRegistry(env, id).claim(id, { hub: "hub-1", connId: id })));
    expect(again).toEqual(clients.map((id) => ({ hub: "hub-0", connId: id })));
    const objects = await listDurableObjectIds(env.CLIENT_REGISTRY);
    expect(objects.length).toBeLessThanOrEqual(CLIENT_REGISTRY_SHARDS);
    expect(objects.length).toBeGreaterThan(1);
  });
});
