import { env, listDurableObjectIds } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { CLIENT_REGISTRY_SHARDS, clientRegistry } from "../../src/objects/stubs";
import { uniqueName } from "../helpers/names";

describe("client id registry (ClientRegistryObject shards)", () => {
  it("sends each claim to where the session is, with newer epochs, and releases only the current holder", async () => {
    const a = uniqueName("client-a");
    const registry = clientRegistry(env, a);
    const first = await registry.claim(a, { hub: "hub-1", connId: "c1" });
    expect(first.previous).toBeNull();
    await registry.confirm(a, first.epoch, { hub: "hub-1", connId: "c1" });
    const second = await registry.claim(a, { hub: "hub-3", connId: "c3" });
    expect(second).toMatchObject({ previous: { hub: "hub-1", connId: "c1" } });
    expect(second.epoch).toBeGreaterThan(first.epoch);
    await registry.confirm(a, second.epoch, { hub: "hub-3", connId: "c3" });
    // The old holder's release comes late: the new claim stands.
    await registry.release(a, { hub: "hub-1", connId: "c1" });
    expect(await registry.locate(a)).toEqual({ hub: "hub-3", connId: "c3" });
    await registry.release(a, { hub: "hub-3", connId: "c3" });
    expect(await registry.locate(a)).toBeNull();
  });

  it("keeps many client ids in a bounded number of objects", async () => {
    const clients = Array.from({ length: 300 }, (_, i) => uniqueName(`many-${i}`));
    const claims = await Promise.all(clients.map((id) => clientRegistry(env, id).claim(id, { hub: "hub-0", connId: id })));
    await Promise.all(clients.map((id, i) => clientRegistry(env, id).confirm(id, claims[i]!.epoch, { hub: "hub-0", connId: id })));
    const again = await Promise.all(clients.map((id) => clientRegistry(env, id).claim(id, { hub: "hub-1", connId: id })));
    expect(again.map((c) => c.previous)).toEqual(clients.map((id) => ({ hub: "hub-0", connId: id })));
    const objects = await listDurableObjectIds(env.CLIENT_REGISTRY);
    expect(objects.length).toBeLessThanOrEqual(CLIENT_REGISTRY_SHARDS);
    expect(objects.length).toBeGreaterThan(1);
  });
});
