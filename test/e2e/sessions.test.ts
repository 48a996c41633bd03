import { GetRetainedMessageCommand, PublishCommand, UpdateThingShadowCommand } from "@aws-sdk/client-iot-data-plane";
import { describe, expect, inject, it } from "vitest";
import type { Packet } from "../../src/protocol/mqtt/codec";
import { connectMqtt, rawClient, waitFor } from "../helpers/mqtt";
import { uniqueName } from "../helpers/names";
import { bytes, dataPlaneClient } from "../helpers/sdk";

const baseUrl = inject("baseUrl");
const http = dataPlaneClient(baseUrl);
const text = (payload: Uint8Array) => new TextDecoder().decode(payload);
type Publish = Extract<Packet, { cmd: "publish" }>;

describe("MQTT sessions: security", () => {
  it.each([4, 5] as const)(
    "refuses at CONNECT (MQTT %s) a will the device may not publish, and nothing reaches the will topic or the retained store",
    async (v) => {
      const topic = `cmd/lock/${uniqueName("open")}`;
      const watcher = await connectMqtt(baseUrl, { clientId: uniqueName("watch") });
      await watcher.client.subscribeAsync(topic, { qos: 1 });
      // The device's policy allows publishing only under devices/${iot:ClientId}/*.
      const device = await rawClient(baseUrl, { protocolVersion: v, accessKeyId: "AKIDDEVICE", secretAccessKey: "device-secret" });
      const clientId = uniqueName("dev");
      device.send({
        cmd: "connect",
        protocolVersion: v,
        clientId,
        clean: true,
        keepalive: 60,
        will: { topic, payload: bytes("open!"), qos: 1, retain: true },
      });
      const connack = await device.next("connack");
      expect(v === 5 ? connack.reasonCode : connack.returnCode).toBe(v === 5 ? 0x87 : 5);
      await device.closed;
      expect((await watcher.quiet(topic, 500)).length).toBe(0);
      await expect(http.send(new GetRetainedMessageCommand({ topic }))).rejects.toMatchObject({ name: "ResourceNotFoundException" });
      await watcher.end();
    },
  );

  it("accepts a will the device may publish, and publishes it when the device drops its socket", async () => {
    const clientId = uniqueName("dev");
    const topic = `devices/${clientId}/status`;
    const watcher = await connectMqtt(baseUrl, { clientId: uniqueName("watch") });
    await watcher.client.subscribeAsync(topic, { qos: 1 });
    const device = await rawClient(baseUrl, { accessKeyId: "AKIDDEVICE", secretAccessKey: "device-secret" });
    device.send({
      cmd: "connect",
      protocolVersion: 4,
      clientId,
      clean: true,
      keepalive: 60,
      will: { topic, payload: bytes("gone"), qos: 1, retain: false },
    });
    expect((await device.next("connack")).returnCode).toBe(0);
    device.ws.terminate();
    expect(text((await watcher.next(topic)).payload)).toBe("gone");
    await watcher.end();
  });

  it("resumes a session under another principal with only what that principal may subscribe to and receive", async () => {
    const clientId = uniqueName("shared");
    const tag = uniqueName("t");
    const owner = await connectMqtt(baseUrl, { clientId, clean: false, protocolVersion: 4 });
    await owner.client.subscribeAsync([`public/${tag}/#`, `secret/${tag}/#`], { qos: 1 });
    await owner.end();
    // Queued while away: one message the next principal may receive, one it may not.
    await http.send(new PublishCommand({ topic: `secret/${tag}/1`, qos: 1, payload: bytes("secret-queued") }));
    await http.send(new PublishCommand({ topic: `public/${tag}/1`, qos: 1, payload: bytes("public-queued") }));
    const reader = await rawClient(baseUrl, { accessKeyId: "AKIDPUBLICREADER", secretAccessKey: "public-reader-secret" });
    reader.send({ cmd: "connect", protocolVersion: 4, clientId, clean: false, keepalive: 60 });
    expect(await reader.next("connack")).toMatchObject({ returnCode: 0, sessionPresent: true });
    const first = (await reader.next("publish")) as Publish;
    expect(first.topic).toBe(`public/${tag}/1`);
    reader.send({ cmd: "puback", messageId: first.messageId! });
    // The subscription the reader may not make is gone; the one it may make stays.
    await http.send(new PublishCommand({ topic: `secret/${tag}/2`, qos: 1, payload: bytes("secret-live") }));
    await http.send(new PublishCommand({ topic: `public/${tag}/2`, qos: 1, payload: bytes("public-live") }));
    const second = (await reader.next("publish")) as Publish;
    expect(text(second.payload)).toBe("public-live");
    await new Promise((r) => setTimeout(r, 300));
    expect(reader.packets.filter((p) => p.cmd === "publish").map((p) => (p as Publish).topic)).toEqual([]);
    reader.ws.close();
  });
});

describe("MQTT sessions: delivery guarantees", () => {
  it("delivers to a new leading-wildcard subscription a message published right after its SUBACK, after publishes found that index empty", async () => {
    const level = uniqueName("late");
    await http.send(new PublishCommand({ topic: `a/${level}`, qos: 1, payload: bytes("before") }));
    const wild = await connectMqtt(baseUrl, { clientId: uniqueName("wild") });
    await wild.client.subscribeAsync(`+/${level}`, { qos: 1 });
    await http.send(new PublishCommand({ topic: `a/${level}`, qos: 1, payload: bytes("after") }));
    expect((await wild.next(`a/${level}`)).payload.toString()).toBe("after");
    await wild.end();
  });

  it("delivers to a new fleet-wide shadow subscription ($aws/things/+/…) the delta of an update right after its SUBACK", async () => {
    const thing = uniqueName("fleet");
    const update = (value: number) =>
      http.send(new UpdateThingShadowCommand({ thingName: thing, payload: bytes({ state: { desired: { level: value } } }) }));
    await update(1); // the thing's object now knows the fleet-wide index was empty
    const monitor = await connectMqtt(baseUrl, { clientId: uniqueName("monitor") });
    await monitor.client.subscribeAsync("$aws/things/+/shadow/update/delta", { qos: 1 });
    await update(2);
    const delta = await monitor.next(`$aws/things/${thing}/shadow/update/delta`);
    expect(JSON.parse(delta.payload.toString()).state).toEqual({ level: 2 });
    await monitor.end();
  });

  it("never has more unacknowledged QoS 1 messages out to a client than its Receive Maximum; the rest wait, in order", async () => {
    const topic = `window/${uniqueName()}`;
    const client = await rawClient(baseUrl, { protocolVersion: 5 });
    client.send({ cmd: "connect", protocolVersion: 5, clientId: uniqueName("slow"), clean: true, keepalive: 60, properties: { receiveMaximum: 2 } });
    await client.next("connack");
    client.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic, qos: 1 }] });
    await client.next("suback");
    for (let i = 0; i < 6; i++) await http.send(new PublishCommand({ topic, qos: 1, payload: bytes(`m${i}`) }));
    await waitFor(() => client.packets.filter((p) => p.cmd === "publish").length >= 2);
    await new Promise((r) => setTimeout(r, 300));
    const firstTwo = client.packets.filter((p) => p.cmd === "publish") as Publish[];
    expect(firstTwo.map((p) => text(p.payload))).toEqual(["m0", "m1"]);
    const received = [...firstTwo];
    client.packets.length = 0;
    for (let acked = 0; received.length < 6; acked++) {
      client.send({ cmd: "puback", messageId: received[acked]!.messageId! }, 5);
      received.push((await client.next("publish")) as Publish);
      const unacknowledged = received.length - (acked + 1);
      expect(unacknowledged).toBeLessThanOrEqual(2);
    }
    expect(received.map((p) => text(p.payload))).toEqual(["m0", "m1", "m2", "m3", "m4", "m5"]);
    client.ws.close();
  });

  it("loses no acknowledged QoS 1 message across 30 quick reconnects of a persistent session under traffic", async () => {
    const clientId = uniqueName("mover");
    const topic = `moves/${uniqueName()}`;
    const received = new Set<string>();
    const connectSubscriber = async () => {
      const c = await connectMqtt(baseUrl, { clientId, clean: false, protocolVersion: 5, properties: { sessionExpiryInterval: 3600 } });
      c.client.on("message", (_, payload) => received.add(payload.toString()));
      return c;
    };
    let subscriber = await connectSubscriber();
    await subscriber.client.subscribeAsync(topic, { qos: 1 });
    const publisher = await connectMqtt(baseUrl, { clientId: uniqueName("steady") });
    const acknowledged: string[] = [];
    let stop = false;
    const publishing = (async () => {
      for (let i = 0; !stop; i++) {
        const payload = `m${i}`;
        await publisher.client.publishAsync(topic, payload, { qos: 1 });
        acknowledged.push(payload);
        await new Promise((r) => setTimeout(r, 50)); // 20 messages per second
      }
    })();
    // 30 reconnects at least, and long enough for 40 messages to be acknowledged meanwhile (however fast reconnects are).
    for (let i = 0; i < 30 || acknowledged.length < 40; i++) {
      // Every new connection lands in one of the region's pools at random (4 locally): most moves are handovers
      // between hubs.
      subscriber.client.end(true);
      subscriber = await connectSubscriber();
    }
    stop = true;
    await publishing;
    await waitFor(() => acknowledged.every((m) => received.has(m)), 15_000).catch(() => undefined);
    expect(acknowledged.filter((m) => !received.has(m))).toEqual([]);
    expect(acknowledged.length).toBeGreaterThanOrEqual(40);
    await Promise.all([subscriber.end(), publisher.end()]);
  }, 60_000);

  it("sends the retained message of a new exact subscription before the live messages that follow it", async () => {
    const topic = `retained-first/${uniqueName()}`;
    await http.send(new PublishCommand({ topic, qos: 1, retain: true, payload: bytes("stored") }));
    // Live messages on the topic all the time, from several backends at once.
    let stop = false;
    const flood = Promise.all(
      Array.from({ length: 6 }, async (_, n) => {
        for (let i = 0; !stop; i++) await http.send(new PublishCommand({ topic, qos: 0, payload: bytes(`live${n}-${i}`) }));
      }),
    );
    await new Promise((r) => setTimeout(r, 100));
    const subscriber = await rawClient(baseUrl);
    subscriber.send({ cmd: "connect", protocolVersion: 4, clientId: uniqueName("late"), clean: true, keepalive: 60 });
    await subscriber.next("connack");
    subscriber.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic, qos: 1 }] });
    await subscriber.next("suback");
    const first = (await subscriber.next("publish")) as Publish;
    stop = true;
    await flood;
    expect({ payload: text(first.payload), retain: first.retain }).toEqual({ payload: "stored", retain: true });
    subscriber.ws.close();
  });
});
