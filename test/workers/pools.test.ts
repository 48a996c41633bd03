import { env, listDurableObjectIds } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { PoolHub } from "../../src/domain/placement";
import { indexesOfFilter } from "../../src/domain/subscriptionIndex";
import { indexLayout } from "../../src/objects/stubs";
import { uniqueName } from "../helpers/names";
import { httpPublish, openMqtt, text } from "./mqttClient";

/** The edge with another pool configuration (as after a deploy that changed wrangler.toml's vars). */
const configured = (vars: { MQTT_REGIONS: string; MQTT_POOLS_PER_REGION?: string; MQTT_HUB_CAPACITY?: string }) => ({
  env: { ...env, MQTT_POOLS_PER_REGION: "1", MQTT_HUB_CAPACITY: "2000", ...vars } as Env,
});

const poolHubs = (pool: string): Promise<PoolHub[]> => env.HUB_POOLS.getByName(pool).hubs();

/** Waits until the pool's book satisfies `done` (hubs report their counts after each change, asynchronously). */
async function poolSettles(pool: string, done: (hubs: PoolHub[]) => boolean): Promise<PoolHub[]> {
  for (let i = 0; i < 100; i++) {
    const hubs = await poolHubs(pool);
    if (done(hubs)) return hubs;
    await new Promise((r) => setTimeout(r, 20));
  }
  return poolHubs(pool);
}

describe("hub placement", () => {
  it("puts a connection in the configured region nearest to where it entered, the first region when that is unknown", async () => {
    const edge = configured({ MQTT_REGIONS: "apac,weur" });
    const tokyo = await openMqtt({ edge: { ...edge, cf: { continent: "AS", country: "JP", longitude: "139.69" } } });
    expect((await tokyo.connect(uniqueName("tokyo"))).returnCode).toBe(0);
    const paris = await openMqtt({ edge: { ...edge, cf: { continent: "EU", country: "FR", longitude: "2.35" } } });
    expect((await paris.connect(uniqueName("paris"))).returnCode).toBe(0);
    // Sydney: "oc" has no pools here; apac is the nearest configured region.
    const sydney = await openMqtt({ edge: { ...edge, cf: { continent: "OC", country: "AU", longitude: "151.2" } } });
    expect((await sydney.connect(uniqueName("sydney"))).returnCode).toBe(0);
    // Local development: no location at all.
    const local = await openMqtt({ edge });
    expect((await local.connect(uniqueName("local"))).returnCode).toBe(0);
    expect((await poolHubs("pool-apac-0")).map((h) => h.assigned)).toEqual([3]);
    expect((await poolHubs("pool-weur-0")).map((h) => h.assigned)).toEqual([1]);
    for (const client of [tokyo, paris, sydney, local]) client.ws.close();
  });

  it("grows a pool when its hubs are full, and sends new connections to a hub with room", async () => {
    const edge = configured({ MQTT_REGIONS: "afr", MQTT_HUB_CAPACITY: "2" });
    const clients = [];
    for (let i = 0; i < 5; i++) {
      const client = await openMqtt({ edge });
      expect((await client.connect(uniqueName(`grow-${i}`))).returnCode).toBe(0);
      clients.push(client);
    }
    let hubs = await poolSettles("pool-afr-0", (h) => h.length === 3 && h.every((hub) => hub.ticket === hub.assigned));
    expect(hubs.map((h) => [h.index, h.live])).toEqual([
      [0, 2],
      [1, 2],
      [2, 1],
    ]);
    // Two connections of the first hub end: it has room again, and takes the next connection before a fourth hub opens.
    clients[0]!.ws.close();
    clients[1]!.ws.close();
    hubs = await poolSettles("pool-afr-0", (h) => h[0]!.live === 0);
    expect(hubs[0]!.live).toBe(0);
    const next = await openMqtt({ edge });
    expect((await next.connect(uniqueName("grow-next"))).returnCode).toBe(0);
    hubs = await poolSettles("pool-afr-0", (h) => h[0]!.live === 1);
    expect(hubs.map((h) => h.live)).toEqual([1, 2, 1]);
    for (const client of [...clients.slice(2), next]) client.ws.close();
  });

  it("strands nothing when regions and pools change: live connections stay, persistent sessions are found and keep their messages", async () => {
    const before = configured({ MQTT_REGIONS: "me", MQTT_HUB_CAPACITY: "1" });
    const topic = `resize/${uniqueName()}`;
    // A persistent session, offline with a message waiting, and a live subscriber, both on the old layout.
    const sleeper = uniqueName("sleeper");
    const first = await openMqtt({ edge: before });
    await first.connect(sleeper, { clean: false });
    await first.subscribe(topic);
    first.send({ cmd: "disconnect" });
    const live = await openMqtt({ edge: before });
    await live.connect(uniqueName("live"));
    await live.subscribe(topic);
    expect((await poolHubs("pool-me-0")).length).toBe(2);
    expect((await httpPublish(topic, "while-away")).status).toBe(200);
    expect(text((await live.next("publish")).payload)).toBe("while-away");

    // The deploy: another region, more pools, other capacity.
    const after = configured({ MQTT_REGIONS: "sam", MQTT_POOLS_PER_REGION: "3", MQTT_HUB_CAPACITY: "50" });
    const back = await openMqtt({ edge: after });
    expect(await back.connect(sleeper, { clean: false })).toMatchObject({ sessionPresent: true });
    const queued = await back.next("publish");
    expect(text(queued.payload)).toBe("while-away");
    back.send({ cmd: "puback", messageId: queued.messageId! });
    const samHubs = (await Promise.all([0, 1, 2].map((k) => poolHubs(`pool-sam-${k}`)))).flat();
    expect(samHubs.reduce((n, h) => n + h.assigned, 0)).toBe(1);

    // Both layouts at once: the old hub's live subscriber and the moved session each get what follows.
    expect((await httpPublish(topic, "after")).status).toBe(200);
    expect(text((await live.next("publish")).payload)).toBe("after");
    expect(text((await back.next("publish")).payload)).toBe("after");
    live.ws.close();
    back.ws.close();
  });
});

describe("fan-out tree", () => {
  it("reaches the hubs of a message for more than 32 hubs through relays, the subscriber's among them", async () => {
    const topic = `wide/${uniqueName()}`;
    const subscriber = await openMqtt();
    await subscriber.connect(uniqueName("wide"));
    await subscriber.subscribe(topic);
    // 40 more hubs with a subscriber on the filter, as far as the index knows.
    const [address] = indexesOfFilter(topic, indexLayout(env));
    const index = env.TOPIC_INDEX.getByName(address!.name);
    for (let i = 0; i < 40; i++) await index.setRoute(topic, `hub-oc-9-${i}`, true);
    expect(await listDurableObjectIds(env.FANOUT_RELAYS)).toEqual([]);
    expect((await httpPublish(topic, "to-many")).status).toBe(200);
    expect(text((await subscriber.next("publish")).payload)).toBe("to-many");
    expect((await listDurableObjectIds(env.FANOUT_RELAYS)).length).toBeGreaterThan(0);
    subscriber.ws.close();
  }, 30_000); // 40 hub objects start for this one message
});
