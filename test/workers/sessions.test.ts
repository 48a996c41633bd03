import { env, evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { indexesOfTopic } from "../../src/domain/subscriptionIndex";
import { indexLayout } from "../../src/objects/stubs";
import { encode } from "../../src/protocol/mqtt/codec";
import { SqliteSessionStore } from "../../src/storage/sqliteSessions";
import { uniqueName } from "../helpers/names";
import { httpPublish, openMqtt, type Publish, text } from "./mqttClient";

const evict = (hub: string) => evictDurableObject(env.MQTT_HUBS.getByName(hub));
const quiet = (ms = 200) => new Promise((r) => setTimeout(r, ms));

describe("MQTT sessions inside workerd", () => {
  it("lets two clients of one hub subscribe to one new filter at once: both receive what follows either SUBACK", async () => {
    const hub = uniqueName("hub");
    const [a, b] = await Promise.all([openMqtt({ hub }), openMqtt({ hub })]);
    await a.connect(uniqueName("a"));
    await b.connect(uniqueName("b"));
    // A leading-wildcard filter, after a publish found its index empty: registering it takes a while.
    const level = uniqueName("race");
    expect((await httpPublish(`x/${level}`, "before")).status).toBe(200);
    a.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: `+/${level}`, qos: 1 }] });
    b.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: `+/${level}`, qos: 1 }] });
    // Whichever SUBACK comes first, a publish right after it reaches both.
    await Promise.race([a.next("suback"), b.next("suback")]);
    expect((await httpPublish(`x/${level}`, "after")).status).toBe(200);
    for (const client of [a, b]) expect(text(((await client.next("publish")) as Publish).payload)).toBe("after");
  });

  it("never reuses a packet id still held by an unacknowledged message after the hub hibernated", async () => {
    const hub = uniqueName("hub");
    const clientId = uniqueName("held");
    const topic = `held/${uniqueName()}`;
    const first = await openMqtt({ hub });
    await first.connect(clientId, { clean: false });
    await first.subscribe(topic);
    await httpPublish(topic, "m1");
    const m1 = (await first.next("publish")) as Publish;
    await evict(hub);
    await httpPublish(topic, "m2");
    const m2 = (await first.next("publish")) as Publish;
    expect(m2.messageId).not.toBe(m1.messageId);
    // One PUBACK acknowledges one message: the other is sent again on the next connection.
    first.send({ cmd: "puback", messageId: m1.messageId! });
    await quiet();
    first.ws.close();
    await quiet();
    const second = await openMqtt();
    expect(await second.connect(clientId, { clean: false })).toMatchObject({ sessionPresent: true });
    const again = (await second.next("publish")) as Publish;
    expect({ payload: text(again.payload), dup: again.dup, messageId: again.messageId }).toEqual({
      payload: "m2",
      dup: true,
      messageId: m2.messageId,
    });
    await quiet();
    expect(second.packets.filter((p) => p.cmd === "publish")).toEqual([]);
  });

  it("keeps a connection's topic aliases after the hub hibernated, and forgets them with the connection", async () => {
    const hub = uniqueName("hub");
    const subscriber = await openMqtt();
    await subscriber.connect(uniqueName("alias-sub"));
    const topic = `alias/${uniqueName()}`;
    await subscriber.subscribe(topic);
    const client = await openMqtt({ hub, protocolVersion: 5 });
    await client.connect(uniqueName("alias"));
    const publish = (messageId: number, withTopic: boolean) =>
      client.send({
        cmd: "publish",
        topic: withTopic ? topic : "",
        payload: new TextEncoder().encode(`m${messageId}`),
        qos: 1,
        retain: false,
        dup: false,
        messageId,
        properties: { topicAlias: 2 },
      });
    publish(1, true);
    expect(await client.next("puback")).toMatchObject({ messageId: 1 });
    await evict(hub);
    publish(2, false); // the alias alone, after hibernation
    expect(await client.next("puback")).toMatchObject({ messageId: 2 });
    expect([text(((await subscriber.next("publish")) as Publish).payload), text(((await subscriber.next("publish")) as Publish).payload)]).toEqual([
      "m1",
      "m2",
    ]);
    client.ws.close();
    for (let i = 0; i < 50; i++) {
      const left = await runInDurableObject(env.MQTT_HUBS.getByName(hub), async (_, state) =>
        state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM topic_aliases").one(),
      );
      if (left.n === 0) break;
      await quiet(50);
    }
    const after = await runInDurableObject(env.MQTT_HUBS.getByName(hub), async (_, state) =>
      state.storage.sql.exec<{ n: number }>("SELECT count(*) AS n FROM topic_aliases").one(),
    );
    expect(after.n).toBe(0);
  });

  it("keeps a second CONNECT on one connection a protocol error after the hub hibernated", async () => {
    const hub = uniqueName("hub");
    const client = await openMqtt({ hub });
    await client.connect(uniqueName("twice"));
    await evict(hub);
    client.send({ cmd: "connect", protocolVersion: 4, clientId: uniqueName("again"), clean: true, keepalive: 60 });
    for (let i = 0; i < 100 && !client.isClosed(); i++) await quiet(20);
    expect(client.isClosed()).toBe(true);
    expect(client.packets.filter((p) => p.cmd === "connack")).toEqual([]);
  });

  it("ends, on waking, the sessions whose sockets vanished without a close event (a deploy): wills go out, clean sessions go", async () => {
    const hub = uniqueName("hub");
    const clientId = uniqueName("vanished");
    const willTopic = `wills/${uniqueName()}`;
    const watcher = await openMqtt();
    await watcher.connect(uniqueName("watcher"));
    await watcher.subscribe(willTopic);
    // The hub's storage says a client is connected, with a will, but the runtime holds no socket for it.
    await runInDurableObject(env.MQTT_HUBS.getByName(hub), async (_, state) => {
      const store = new SqliteSessionStore(state.storage.sql);
      store.putSession({
        clientId,
        connId: "gone",
        protocolVersion: 4,
        expiry: 0,
        disconnectedAt: null,
        accessKeyId: "test",
        state: "active",
        epoch: 1,
        movingTo: null,
      });
      store.putWill(clientId, { id: uniqueName("will"), topic: willTopic, payload: new TextEncoder().encode("lost"), qos: 1, retain: false });
    });
    await evict(hub);
    await env.MQTT_HUBS.getByName(hub).deliver([]); // anything wakes it
    expect(text(((await watcher.next("publish")) as Publish).payload)).toBe("lost");
    const session = await runInDurableObject(env.MQTT_HUBS.getByName(hub), async (_, state) =>
      new SqliteSessionStore(state.storage.sql).session(clientId),
    );
    expect(session).toBeUndefined();
  });

  it("registers its filters again when it wakes under another index layout (a deploy that renamed or respread shards)", async () => {
    const hub = uniqueName("hub");
    const client = await openMqtt({ hub });
    await client.connect(uniqueName("layout"), { clean: false });
    const topic = `${uniqueName("lay")}/x`;
    await client.subscribe(topic);
    // As after such a deploy: the shard publishers now ask has never heard of this hub's filter, and the hub's
    // registrations were made for another layout.
    const shard = env.TOPIC_INDEX.getByName(indexesOfTopic(topic, indexLayout(env))[0]!.name);
    await runInDurableObject(shard, async (_, state) => void state.storage.sql.exec("DELETE FROM routes"));
    await evictDurableObject(shard);
    await runInDurableObject(env.MQTT_HUBS.getByName(hub), async (_, state) => {
      new SqliteSessionStore(state.storage.sql).putSetting("indexLayout", "1/16");
    });
    expect((await httpPublish(topic, "lost before")).status).toBe(200);
    await quiet(300);
    expect(client.packets.filter((p) => p.cmd === "publish")).toEqual([]);
    await evict(hub);
    await env.MQTT_HUBS.getByName(hub).deliver([]); // anything wakes it
    for (let i = 0; i < 50; i++) {
      await httpPublish(topic, `after ${i}`);
      if (client.packets.some((p) => p.cmd === "publish")) break;
      await quiet(100);
    }
    expect(text(((await client.next("publish")) as Publish).payload)).toMatch(/^after/);
  });

  it("delivers every message acknowledged with 200 while the subscription index is evicted mid-stream", async () => {
    const level = uniqueName("ev");
    const subscriber = await openMqtt();
    await subscriber.connect(uniqueName("sub"), { clean: false });
    await subscriber.subscribe(`${level}/#`);
    const sends = Array.from({ length: 40 }, (_, i) =>
      (async () => {
        if (i === 20)
          await evictDurableObject(env.TOPIC_INDEX.getByName(indexesOfTopic(`${level}/x`, indexLayout(env))[0]!.name)).catch(() => undefined);
        return { i, status: (await httpPublish(`${level}/x`, `m${i}`)).status };
      })(),
    );
    const results = await Promise.all(sends);
    const acknowledged = results.filter((r) => r.status === 200).map((r) => `m${r.i}`);
    expect(acknowledged.length).toBeGreaterThan(30);
    const received = new Set<string>();
    for (let waited = 0; waited < 5000 && !acknowledged.every((m) => received.has(m)); waited += 50) {
      for (const p of subscriber.packets.splice(0)) {
        if (p.cmd !== "publish") continue;
        received.add(text(p.payload));
        subscriber.send({ cmd: "puback", messageId: p.messageId! });
      }
      await quiet(50);
    }
    expect(acknowledged.filter((m) => !received.has(m))).toEqual([]);
  });
});

describe("per-connection limits (AWS IoT: 100 publishes/s, 512 KiB/s)", () => {
  it("discards publishes over 100 per second: MQTT 5 QoS 1 ones hear 0x97 Quota exceeded, in order with the rest", async () => {
    const client = await openMqtt({ protocolVersion: 5 });
    await client.connect(uniqueName("burst"));
    const topic = `burst/${uniqueName()}`;
    // One frame, so the burst arrives at once: 100 QoS 0 publishes use up the second's allowance, then 50 QoS 1 ones
    // (QoS 0 first: 150 unacknowledged QoS 1 publishes would exceed the Receive Maximum of 100, a protocol error).
    const packets = Array.from({ length: 150 }, (_, i) =>
      encode(
        {
          cmd: "publish",
          topic,
          payload: new Uint8Array([1]),
          qos: i < 100 ? 0 : 1,
          retain: false,
          dup: false,
          ...(i < 100 ? {} : { messageId: i + 1 }),
        },
        5,
      ),
    );
    const frame = new Uint8Array(packets.reduce((n, p) => n + p.length, 0));
    packets.reduce((offset, p) => {
      frame.set(p, offset);
      return offset + p.length;
    }, 0);
    client.sendBytes(frame);
    const acks = [];
    for (let i = 0; i < 50; i++) acks.push(await client.next("puback", 10_000));
    expect(acks.map((a) => a.messageId)).toEqual(Array.from({ length: 50 }, (_, i) => i + 101));
    // The allowance refills at 100 per second: the few milliseconds the burst takes may let a handful through.
    const codes = acks.map((a) => a.reasonCode ?? 0);
    const accepted = codes.filter((code) => code === 0).length;
    expect(accepted).toBeLessThan(10);
    expect(codes.filter((code) => code === 0x97)).toHaveLength(50 - accepted);
    // The connection stays, and a second later it may publish again.
    await quiet(1100);
    client.send({ cmd: "publish", topic, payload: new Uint8Array([2]), qos: 1, retain: false, dup: false, messageId: 500 });
    expect(await client.next("puback", 10_000)).toMatchObject({ messageId: 500 });
    expect((await client.next("puback", 10_000).catch(() => undefined))?.reasonCode ?? 0).toBe(0);
  });

  it("disconnects a client that sends faster than it can be handled, before its backlog grows past 2 MiB", async () => {
    const client = await openMqtt({ protocolVersion: 5 });
    await client.connect(uniqueName("flood"));
    const payload = new Uint8Array(120 * 1024);
    for (let i = 0; i < 30; i++) client.send({ cmd: "publish", topic: `flood/${i}`, payload, qos: 0, retain: false, dup: false });
    for (let i = 0; i < 250 && !client.isClosed(); i++) await quiet(20);
    expect(client.isClosed()).toBe(true);
    expect(client.packets.find((p) => p.cmd === "disconnect")).toMatchObject({ reasonCode: 0x97 });
  });
});
