import { connect as netConnect } from "node:net";
import { GetRetainedMessageCommand, PublishCommand, UpdateThingShadowCommand } from "@aws-sdk/client-iot-data-plane";
import awsIot from "aws-iot-device-sdk";
import { describe, expect, inject, it } from "vitest";
import WebSocket from "ws";
import { connectMqtt, opened, presignedMqttUrl, rawClient, waitFor } from "../helpers/mqtt";
import { uniqueName } from "../helpers/names";
import { bytes, dataPlaneClient } from "../helpers/sdk";

const baseUrl = inject("baseUrl");
const http = dataPlaneClient(baseUrl);
const json = (payload: Buffer) => JSON.parse(payload.toString());

describe.each([4, 5] as const)("MQTT %s over WebSocket with mqtt.js", (protocolVersion) => {
  const connect = (options: Parameters<typeof connectMqtt>[1] = {}) =>
    connectMqtt(baseUrl, { protocolVersion, clientId: uniqueName("c"), ...options });

  it("delivers by wildcard filters as AWS IoT matches them", async () => {
    const root = `w${protocolVersion}/${uniqueName()}`;
    const sub = await connect();
    await sub.client.subscribeAsync([`${root}/+/temp`, `${root}/#`], { qos: 0 });
    const pub = await connect();
    for (const topic of [`${root}/a/temp`, `${root}/a/b/c`, root]) await pub.client.publishAsync(topic, topic, { qos: 1 });
    await sub.next(`${root}/a/b/c`);
    const received = (await sub.quiet(`${root}/a/temp`, 300)).map((m) => m.payload.toString());
    expect(received).toEqual([`${root}/a/temp`]); // one copy although two filters match
    expect((await sub.quiet(root, 100)).length).toBe(0); // `x/#` does not match its parent `x` on AWS IoT
    await Promise.all([sub.end(), pub.end()]);
  });

  it("keeps one publisher's messages on a topic in order while it publishes without waiting, retained ones included", async () => {
    const topic = `order${protocolVersion}/${uniqueName()}`;
    const sub = await connect();
    await sub.client.subscribeAsync(topic, { qos: 1 });
    const pub = await connect();
    const sent = Array.from({ length: 60 }, (_, i) => `m${i}`);
    await Promise.all(sent.map((payload, i) => pub.client.publishAsync(topic, payload, { qos: (i % 2) as 0 | 1, retain: i % 7 === 3 })));
    await waitFor(() => sub.messages.length >= sent.length);
    expect(sub.messages.map((m) => m.payload.toString())).toEqual(sent);
    await Promise.all([sub.end(), pub.end()]);
  });

  it("acknowledges QoS 1 in both directions and delivers at the lower of the two QoS", async () => {
    const topic = `q${protocolVersion}/${uniqueName()}`;
    const qos1 = await connect();
    const qos0 = await connect();
    await qos1.client.subscribeAsync(topic, { qos: 1 });
    const granted = await qos0.client.subscribeAsync(topic, { qos: 0 });
    expect(granted[0]!.qos).toBe(0);
    const pub = await connect();
    const acks: number[] = [];
    pub.client.on("packetreceive", (packet) => packet.cmd === "puback" && acks.push(packet.messageId!));
    await pub.client.publishAsync(topic, "m", { qos: 1 });
    expect(acks).toHaveLength(1);
    const got = await qos1.next(topic);
    expect(got.packet.qos).toBe(1);
    expect(got.packet.messageId).toBeGreaterThan(0);
    expect((await qos0.next(topic)).packet.qos).toBe(0);
    await Promise.all([qos1.end(), qos0.end(), pub.end()]);
  });

  it("delivers a retained message to a new exact subscriber with RETAIN=1, and shares the store with HTTP", async () => {
    const topic = `r${protocolVersion}/${uniqueName()}`;
    const pub = await connect();
    await pub.client.publishAsync(topic, "kept", { qos: 1, retain: true });
    const viaHttp = await http.send(new GetRetainedMessageCommand({ topic }));
    expect(new TextDecoder().decode(viaHttp.payload)).toBe("kept");
    const exact = await connect();
    await exact.client.subscribeAsync(topic, { qos: 1 });
    const retained = await exact.next(topic);
    expect(retained.payload.toString()).toBe("kept");
    expect(retained.packet.retain).toBe(true);
    const wildcard = await connect();
    await wildcard.client.subscribeAsync(`r${protocolVersion}/#`, { qos: 1 });
    expect(await wildcard.quiet(topic, 300)).toEqual([]);
    await http.send(new PublishCommand({ topic, payload: bytes("from-http"), retain: true, qos: 1 }));
    const live = await exact.next(topic);
    expect(live.payload.toString()).toBe("from-http");
    expect(live.packet.retain).toBe(false);
    await Promise.all([pub.end(), exact.end(), wildcard.end()]);
  });

  it("keeps a persistent session's subscriptions and QoS 1 messages while it is away", async () => {
    const clientId = uniqueName("persist");
    const topic = `s${protocolVersion}/${uniqueName()}`;
    const persistent = protocolVersion === 5 ? { clean: false, properties: { sessionExpiryInterval: 300 } } : { clean: false };
    const first = await connect({ clientId, ...persistent });
    await first.client.subscribeAsync(topic, { qos: 1 });
    await first.end();
    const pub = await connect();
    for (const n of [1, 2, 3]) await pub.client.publishAsync(topic, `m${n}`, { qos: 1 });
    const again = await connect({ clientId, ...persistent });
    await waitFor(() => again.messages.length >= 3);
    expect(again.messages.map((m) => m.payload.toString())).toEqual(["m1", "m2", "m3"]);
    // The subscription itself survived too: a new message arrives without subscribing again.
    await pub.client.publishAsync(topic, "m4", { qos: 1 });
    await waitFor(() => again.messages.length >= 4);
    await Promise.all([again.end(), pub.end()]);
  });

  it("starts a clean session without the old subscriptions", async () => {
    const clientId = uniqueName("clean");
    const topic = `c${protocolVersion}/${uniqueName()}`;
    const persistent = protocolVersion === 5 ? { clean: false, properties: { sessionExpiryInterval: 300 } } : { clean: false };
    const first = await connect({ clientId, ...persistent });
    await first.client.subscribeAsync(topic, { qos: 1 });
    await first.end();
    const fresh = await connect({ clientId, clean: true });
    const pub = await connect();
    await pub.client.publishAsync(topic, "x", { qos: 1 });
    expect(await fresh.quiet(topic, 300)).toEqual([]);
    await Promise.all([fresh.end(), pub.end()]);
  });

  it("closes the first connection when a second one takes over its client id", async () => {
    const clientId = uniqueName("twin");
    const first = await connect({ clientId });
    const closed = new Promise<void>((resolve) => first.client.once("close", () => resolve()));
    const disconnectPacket = new Promise<number | undefined>((resolve) => first.client.once("disconnect", (p) => resolve(p.reasonCode)));
    const second = await connect({ clientId });
    await closed;
    if (protocolVersion === 5) expect(await disconnectPacket).toBe(0x8e);
    const topic = `t${protocolVersion}/${uniqueName()}`;
    await second.client.subscribeAsync(topic, { qos: 1 });
    await second.client.publishAsync(topic, "still here", { qos: 1 });
    expect((await second.next(topic)).payload.toString()).toBe("still here");
    await second.end();
  });

  it("publishes the last will when a client goes away without DISCONNECT, and not after a DISCONNECT", async () => {
    const willTopic = `will${protocolVersion}/${uniqueName()}`;
    const watcher = await connect();
    await watcher.client.subscribeAsync(willTopic, { qos: 1 });
    const polite = await connect({ will: { topic: willTopic, payload: Buffer.from("polite"), qos: 1, retain: false } });
    await polite.end();
    const rude = await connect({ will: { topic: willTopic, payload: Buffer.from("gone"), qos: 1, retain: false } });
    rude.client.stream.destroy();
    const will = await watcher.next(willTopic);
    expect(will.payload.toString()).toBe("gone");
    expect(watcher.messages.filter((m) => m.topic === willTopic).map((m) => m.payload.toString())).toEqual(["gone"]);
    await watcher.end();
  });

  it("shows a device its shadow changes from HTTP and from MQTT, with a delta only while desired differs", async () => {
    const thing = uniqueName("dev");
    const device = await connect({ clientId: thing });
    const prefix = `$aws/things/${thing}/shadow`;
    await device.client.subscribeAsync([`${prefix}/update/accepted`, `${prefix}/update/delta`, `${prefix}/update/documents`, `${prefix}/get/+`], {
      qos: 1,
    });
    await http.send(new UpdateThingShadowCommand({ thingName: thing, payload: bytes({ state: { desired: { color: "red" } } }) }));
    expect(json((await device.next(`${prefix}/update/accepted`)).payload).version).toBe(1);
    expect(json((await device.next(`${prefix}/update/delta`)).payload)).toMatchObject({ version: 1, state: { color: "red" } });
    expect(json((await device.next(`${prefix}/update/documents`)).payload)).toMatchObject({ previous: null, current: { version: 1 } });

    await device.client.publishAsync(`${prefix}/update`, JSON.stringify({ state: { reported: { color: "red" } }, clientToken: "r1" }), { qos: 1 });
    expect(json((await device.next(`${prefix}/update/accepted`)).payload)).toMatchObject({ version: 2, clientToken: "r1" });
    expect(json((await device.next(`${prefix}/update/documents`)).payload).current.state).toEqual({
      desired: { color: "red" },
      reported: { color: "red" },
    });
    expect(await device.quiet(`${prefix}/update/delta`, 300)).toHaveLength(1); // still only the first delta

    await device.client.publishAsync(`${prefix}/get`, JSON.stringify({ clientToken: "g1" }), { qos: 1 });
    expect(json((await device.next(`${prefix}/get/accepted`)).payload)).toMatchObject({ clientToken: "g1", version: 2 });
    await device.client.publishAsync(`${prefix}/update`, JSON.stringify({ state: { reported: { x: 1 } }, version: 1, clientToken: "stale" }), {
      qos: 1,
    });
    // Not subscribed to update/rejected: nothing arrives; the get/+ subscription proves wildcards over $aws topics work.
    await device.client.subscribeAsync(`${prefix}/update/rejected`, { qos: 1 });
    await device.client.publishAsync(`${prefix}/update`, JSON.stringify({ state: { reported: { x: 1 } }, version: 1, clientToken: "stale" }), {
      qos: 1,
    });
    expect(json((await device.next(`${prefix}/update/rejected`)).payload)).toEqual({ code: 409, message: "Version conflict", clientToken: "stale" });
    await device.end();
  });
});

describe("MQTT connections, refusals and failures", () => {
  it("delivers to a subscription made right after publishes found nobody subscribed (request/reply)", async () => {
    const topic = `reply/${uniqueName()}`;
    const responder = await connectMqtt(baseUrl, { clientId: uniqueName("responder") });
    await responder.client.publishAsync(topic, "nobody listens yet", { qos: 1 });
    const requester = await connectMqtt(baseUrl, { clientId: uniqueName("requester") });
    await requester.client.subscribeAsync(topic, { qos: 1 });
    await responder.client.publishAsync(topic, "answer", { qos: 1 });
    expect((await requester.next(topic)).payload.toString()).toBe("answer");
    await Promise.all([responder.end(), requester.end()]);
  });

  it("tolerates SDK metrics in the MQTT username, as the AWS device SDKs send them", async () => {
    const client = await connectMqtt(baseUrl, { clientId: uniqueName("metrics"), username: "?SDK=NodeJSv2&Version=1.3.4" });
    expect(client.client.connected).toBe(true);
    await client.end();
  });

  it("shows a subscriber one shadow's notifications in version order", async () => {
    const thing = uniqueName("order");
    const watcher = await connectMqtt(baseUrl, { clientId: uniqueName("watch") });
    await watcher.client.subscribeAsync(`$aws/things/${thing}/shadow/update/accepted`, { qos: 1 });
    const writers = Array.from({ length: 15 }, (_, i) =>
      http.send(new UpdateThingShadowCommand({ thingName: thing, payload: bytes({ state: { reported: { n: i } } }) })),
    );
    await Promise.all(writers);
    await waitFor(() => watcher.messages.length >= 15);
    expect(watcher.messages.map((m) => json(m.payload).version)).toEqual(Array.from({ length: 15 }, (_, i) => i + 1));
    await watcher.end();
  });

  it("refuses the WebSocket upgrade for a URL signed with a wrong secret", async () => {
    const url = await presignedMqttUrl(baseUrl, { secretAccessKey: "wrong" });
    const ws = new WebSocket(url, ["mqtt"]);
    const status = await new Promise<number | undefined>((resolve) => ws.on("unexpected-response", (_, res) => resolve(res.statusCode)));
    expect(status).toBe(403);
  });

  it("refuses CONNECT for a principal whose policy does not allow iot:Connect", async () => {
    const url = await presignedMqttUrl(baseUrl, { accessKeyId: "AKIDREADONLY", secretAccessKey: "readonly-secret" });
    const raw = await rawClient(baseUrl, { url });
    raw.send({ cmd: "connect", protocolVersion: 4, clientId: uniqueName("nope"), clean: true, keepalive: 60 });
    await raw.closed;
    expect(raw.packets[0]).toMatchObject({ cmd: "connack", returnCode: 5 });
  });

  it("accepts the mqttv3.1 subprotocol of the v1 device SDK and echoes it", async () => {
    const ws = new WebSocket(await presignedMqttUrl(baseUrl), ["mqttv3.1"]);
    await opened(ws);
    expect(ws.protocol).toBe("mqttv3.1");
    ws.close();
  });

  it("closes only the connection that sent a malformed packet", async () => {
    const bystander = await connectMqtt(baseUrl, { clientId: uniqueName("ok") });
    const raw = await rawClient(baseUrl);
    raw.send({ cmd: "connect", protocolVersion: 4, clientId: uniqueName("bad"), clean: true, keepalive: 60 });
    await waitFor(() => raw.packets.length > 0);
    raw.ws.send(Uint8Array.from([0x30, 0x02, 0xff, 0xff])); // PUBLISH whose topic length runs past the packet
    await raw.closed;
    const topic = `alive/${uniqueName()}`;
    await bystander.client.subscribeAsync(topic, { qos: 1 });
    await bystander.client.publishAsync(topic, "fine", { qos: 1 });
    expect((await bystander.next(topic)).payload.toString()).toBe("fine");
    await bystander.end();
  });

  it("closes a connection that stays silent past 1.5 × its keep-alive and publishes its will", async () => {
    const willTopic = `silent/${uniqueName()}`;
    const watcher = await connectMqtt(baseUrl, { clientId: uniqueName("w") });
    await watcher.client.subscribeAsync(willTopic, { qos: 1 });
    const raw = await rawClient(baseUrl);
    const started = Date.now();
    raw.send({
      cmd: "connect",
      protocolVersion: 4,
      clientId: uniqueName("mute"),
      clean: true,
      keepalive: 1,
      will: { topic: willTopic, payload: new TextEncoder().encode("timed out"), qos: 1, retain: false },
    });
    await raw.closed;
    expect(Date.now() - started).toBeGreaterThanOrEqual(1400);
    expect((await watcher.next(willTopic)).payload.toString()).toBe("timed out");
    await watcher.end();
  });

  it("does not let a leading wildcard match $ topics", async () => {
    const thing = uniqueName("dollar");
    const wild = await connectMqtt(baseUrl, { clientId: uniqueName("wild") });
    await wild.client.subscribeAsync(`+/things/${thing}/shadow/update/accepted`, { qos: 1 });
    const exact = await connectMqtt(baseUrl, { clientId: uniqueName("exact") });
    await exact.client.subscribeAsync(`$aws/things/${thing}/shadow/update/accepted`, { qos: 1 });
    await http.send(new UpdateThingShadowCommand({ thingName: thing, payload: bytes({ state: { reported: { a: 1 } } }) }));
    await exact.next(`$aws/things/${thing}/shadow/update/accepted`);
    expect(wild.messages).toEqual([]);
    await Promise.all([wild.end(), exact.end()]);
  });

  it.each([4, 5] as const)("enforces iot:Subscribe, iot:Publish and iot:Receive per client id (MQTT %s)", async (protocolVersion) => {
    const url = await presignedMqttUrl(baseUrl, { accessKeyId: "AKIDDEVICE", secretAccessKey: "device-secret" });
    const clientId = uniqueName("fleet");
    const device = await connectMqtt(baseUrl, { url, clientId, protocolVersion });
    const own = `devices/${clientId}/cmd`;
    if (protocolVersion === 5) {
      const granted = await device.client
        .subscribeAsync([own, "devices/other/cmd", `$share/g/devices/${clientId}/x`, "$share/g/devices/other/x"], { qos: 1 })
        .catch((e: { packet?: { granted: number[] } }) => e.packet?.granted.map((qos) => ({ qos })));
      // iot:Subscribe is checked on the whole filter, a shared one with its $share/{group}/ prefix.
      expect(granted!.map((g) => g.qos)).toEqual([1, 0x87, 1, 0x87]);
    } else {
      // MQTT 3.1.1 cannot say why a subscription is refused: AWS IoT closes the connection.
      const gone = new Promise<void>((resolve) => device.client.once("close", () => resolve()));
      device.client.subscribe([own, "devices/other/cmd"], { qos: 1 });
      await gone;
      device.client.end(true);
      const again = await connectMqtt(baseUrl, { url, clientId, protocolVersion });
      await again.client.subscribeAsync(own, { qos: 1 });
      Object.assign(device, again);
    }
    await device.client.publishAsync(own, "to myself", { qos: 1 });
    expect((await device.next(own)).payload.toString()).toBe("to myself");
    const closed = new Promise<void>((resolve) => device.client.once("close", () => resolve()));
    const refused = device.client.publishAsync("elsewhere/topic", "no", { qos: 1 }).then(
      () => "acknowledged",
      (e: { code?: number }) => e.code,
    );
    if (protocolVersion === 5) {
      expect(await refused).toBe(0x87); // MQTT 5: PUBACK with Not authorized
    } else {
      await closed; // MQTT 3.1.1 has no refusal code: AWS IoT closes the connection
    }
    device.client.end(true); // the refused publish stays unacknowledged: don't wait for it
  });
});

describe("the AWS IoT device SDK for JavaScript (v1) thingShadow", () => {
  it("registers a shadow, updates it and receives deltas", async () => {
    const { port } = new URL(baseUrl);
    const thing = uniqueName("sdk");
    const shadows = awsIot.thingShadow({
      protocol: "wss",
      host: "127.0.0.1",
      port: Number(port),
      region: "us-east-1",
      accessKeyId: "test",
      secretKey: "test",
      clientId: thing,
      baseReconnectTimeMs: 250,
      // The SDK only builds wss:// URLs; this test server speaks plain ws on loopback, so connect over plain TCP.
      websocketOptions: { createConnection: (options: { port: number; host: string }) => netConnect({ port: options.port, host: options.host }) },
    });
    try {
      await new Promise<void>((resolve) => shadows.on("connect", () => resolve()));
      await new Promise<void>((resolve) => shadows.register(thing, { ignoreDeltas: false, persistentSubscribe: true }, () => resolve()));
      const status = new Promise<{ stat: string; doc: { version: number } }>((resolve) =>
        shadows.on("status", (_name, stat, _token, doc) => resolve({ stat, doc })),
      );
      const token = shadows.update(thing, { state: { reported: { temp: 20 } } });
      expect(token).toBeTruthy();
      const result = await status;
      expect(result.stat).toBe("accepted");
      expect(result.doc.version).toBe(1);
      const delta = new Promise<{ state: Record<string, unknown> }>((resolve) => shadows.on("delta", (_name, doc) => resolve(doc)));
      await http.send(new UpdateThingShadowCommand({ thingName: thing, payload: bytes({ state: { desired: { target: 22 } } }) }));
      expect((await delta).state).toEqual({ target: 22 });
    } finally {
      await new Promise<void>((resolve) => shadows.end(true, () => resolve()));
    }
  });
});
