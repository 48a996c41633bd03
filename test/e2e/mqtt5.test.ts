import { GetRetainedMessageCommand, PublishCommand } from "@aws-sdk/client-iot-data-plane";
import mqtt, { type IConnackPacket } from "mqtt";
import { describe, expect, inject, it } from "vitest";
import { ReasonCode } from "../../src/protocol/mqtt/codec";
import { connectMqtt, presignedMqttUrl, rawClient, waitFor } from "../helpers/mqtt";
import { uniqueName } from "../helpers/names";
import { bytes, dataPlaneClient } from "../helpers/sdk";

const baseUrl = inject("baseUrl");
const http = dataPlaneClient(baseUrl);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** An mqtt.js client and the CONNACK it got. */
async function connectWithConnack(options: mqtt.IClientOptions): Promise<{ client: mqtt.MqttClient; connack: IConnackPacket }> {
  const client = mqtt.connect(await presignedMqttUrl(baseUrl), { reconnectPeriod: 0, connectTimeout: 10_000, ...options });
  const connack = await new Promise<IConnackPacket>((resolve, reject) => {
    client.once("connect", resolve);
    client.once("error", reject);
  });
  return { client, connack };
}

/** Resolves with the reason code of the server's DISCONNECT (MQTT 5), or -1 when the socket closed without one. */
function disconnectReason(client: mqtt.MqttClient): Promise<number> {
  return new Promise((resolve) => {
    client.once("disconnect", (packet) => resolve(packet.reasonCode ?? 0));
    client.once("close", () => resolve(-1));
  });
}

describe("MQTT 5 CONNACK as AWS IoT sends it", () => {
  it("announces shared subscriptions, 8 topic aliases, Receive Maximum 100, QoS 1, no subscription identifiers", async () => {
    const { client, connack } = await connectWithConnack({ protocolVersion: 5, clientId: uniqueName("ca"), keepalive: 60 });
    expect(connack.properties).toMatchObject({
      maximumQoS: 1,
      retainAvailable: true,
      receiveMaximum: 100,
      topicAliasMaximum: 8,
      wildcardSubscriptionAvailable: true,
      subscriptionIdentifiersAvailable: false,
      sharedSubscriptionAvailable: true,
    });
    expect(connack.properties?.maximumPacketSize).toBeGreaterThan(128 * 1024);
    client.end(true);
  });

  it("lowers a session expiry above the maximum (1 h) and says so, and assigns a client id to an empty one", async () => {
    const persistent = await connectWithConnack({
      protocolVersion: 5,
      clientId: uniqueName("se"),
      clean: false,
      properties: { sessionExpiryInterval: 7 * 24 * 3600 },
    });
    expect(persistent.connack.properties?.sessionExpiryInterval).toBe(3600);
    persistent.client.end(true);
    const anonymous = await connectWithConnack({ protocolVersion: 5, clientId: "", clean: true });
    expect(anonymous.connack.properties?.assignedClientIdentifier).toMatch(/.+/);
    anonymous.client.end(true);
  });
});

describe.each([4, 5] as const)("shared subscriptions on MQTT %s", (protocolVersion) => {
  const connect = (options: mqtt.IClientOptions = {}) => connectMqtt(baseUrl, { protocolVersion, clientId: uniqueName("sh"), ...options });

  it("gives each message to one member of each group, spread over the members, and every message to plain subscribers", async () => {
    const topic = `jobs${protocolVersion}/${uniqueName()}/new`;
    const group = `$share/workers/${topic.replace(/\/new$/, "/+")}`;
    const members = await Promise.all([connect(), connect()]);
    for (const member of members) await member.client.subscribeAsync(group, { qos: 1 });
    const audit = await connect();
    await audit.client.subscribeAsync(`$share/audit/${topic}`, { qos: 1 });
    const plain = await connect();
    await plain.client.subscribeAsync(topic, { qos: 1 });
    const sent = Array.from({ length: 40 }, (_, i) => `job-${i}`);
    const publisher = await connect();
    for (const payload of sent) await publisher.client.publishAsync(topic, payload, { qos: 1 });
    await waitFor(() => plain.messages.length === sent.length && audit.messages.length === sent.length);
    await waitFor(() => members[0]!.messages.length + members[1]!.messages.length >= sent.length);
    await sleep(300);
    const got = members.map((m) => m.messages.map((x) => x.payload.toString()));
    expect([...got[0]!, ...got[1]!].sort()).toEqual([...sent].sort()); // each message once in the group
    expect(got[0]!.length).toBeGreaterThan(0); // spread: not always the first member
    expect(got[1]!.length).toBeGreaterThan(0);
    expect(members[0]!.messages[0]!.topic).toBe(topic); // delivered on the topic it was published to
    await Promise.all([...members, audit, plain, publisher].map((c) => c.end()));
  });

  it("sends no retained message to a shared subscriber, and delivers retained publishes to it like others", async () => {
    const topic = `shret${protocolVersion}/${uniqueName()}`;
    await http.send(new PublishCommand({ topic, qos: 1, retain: true, payload: bytes("stored") }));
    const member = await connect();
    await member.client.subscribeAsync(`$share/g/${topic}`, { qos: 1 });
    const exact = await connect();
    await exact.client.subscribeAsync(topic, { qos: 1 });
    expect((await exact.next(topic)).payload.toString()).toBe("stored");
    expect(await member.quiet(topic, 300)).toEqual([]);
    await http.send(new PublishCommand({ topic, qos: 1, retain: true, payload: bytes("live") }));
    expect((await member.next(topic)).payload.toString()).toBe("live");
    await Promise.all([member.end(), exact.end()]);
  });

  it("queues QoS 1 messages for a group whose only member is a persistent session that is away", async () => {
    const topic = `shq${protocolVersion}/${uniqueName()}`;
    const clientId = uniqueName("member");
    const persistent = protocolVersion === 5 ? { clean: false, properties: { sessionExpiryInterval: 300 } } : { clean: false };
    const member = await connect({ clientId, ...persistent });
    await member.client.subscribeAsync(`$share/g/${topic}`, { qos: 1 });
    await member.end();
    for (let i = 0; i < 3; i++) await http.send(new PublishCommand({ topic, qos: 1, payload: bytes(`q${i}`) }));
    const back = await connect({ clientId, ...persistent });
    await waitFor(() => back.messages.length >= 3);
    expect(back.messages.map((m) => m.payload.toString())).toEqual(["q0", "q1", "q2"]);
    await back.end();
  });

  it("prefers a connected member over one that is away", async () => {
    const topic = `shon${protocolVersion}/${uniqueName()}`;
    const awayId = uniqueName("away");
    const persistent = protocolVersion === 5 ? { clean: false, properties: { sessionExpiryInterval: 300 } } : { clean: false };
    const away = await connect({ clientId: awayId, ...persistent });
    await away.client.subscribeAsync(`$share/g/${topic}`, { qos: 1 });
    await away.end();
    const online = await connect();
    await online.client.subscribeAsync(`$share/g/${topic}`, { qos: 1 });
    for (let i = 0; i < 10; i++) await http.send(new PublishCommand({ topic, qos: 1, payload: bytes(`m${i}`) }));
    await waitFor(() => online.messages.length === 10);
    const back = await connect({ clientId: awayId, ...persistent });
    expect(await back.quiet(topic, 500)).toEqual([]);
    await Promise.all([online.end(), back.end()]);
  });

  it("does not count the $share/{group}/ prefix toward the 7-slash limit, and refuses a group name with a wildcard", async () => {
    const client = await connect();
    const deep = `$share/g/a/b/c/d/e/f/${uniqueName()}/h`; // 7 slashes after the prefix
    expect((await client.client.subscribeAsync(deep, { qos: 0 }))[0]!.qos).toBe(0);
    await client.end();
    if (protocolVersion === 5) {
      // mqtt.js will not send it: a raw client does.
      const raw = await rawClient(baseUrl, { protocolVersion: 5 });
      raw.send({ cmd: "connect", protocolVersion: 5, clientId: uniqueName("sg"), clean: true, keepalive: 60 });
      await raw.next("connack");
      raw.send({
        cmd: "subscribe",
        messageId: 2,
        subscriptions: [
          { topic: "$share/g+/x", qos: 0 },
          { topic: "$share/g/x", qos: 1 },
        ],
      });
      expect((await raw.next("suback")).granted).toEqual([ReasonCode.TopicFilterInvalid, 1]);
      raw.ws.close();
    }
  });
});

describe("MQTT 5 topic aliases (client → server)", () => {
  it("resolves an alias set by an earlier PUBLISH, for the rest of the connection", async () => {
    const topic = `alias/${uniqueName()}`;
    const sub = await connectMqtt(baseUrl, { protocolVersion: 5, clientId: uniqueName("as") });
    await sub.client.subscribeAsync(topic, { qos: 1 });
    const raw = await rawClient(baseUrl, { protocolVersion: 5 });
    raw.send({ cmd: "connect", protocolVersion: 5, clientId: uniqueName("ap"), clean: true, keepalive: 60 });
    await raw.next("connack");
    const payload = (s: string) => new TextEncoder().encode(s);
    raw.send({ cmd: "publish", topic, payload: payload("one"), qos: 1, retain: false, dup: false, messageId: 1, properties: { topicAlias: 8 } });
    raw.send({ cmd: "publish", topic: "", payload: payload("two"), qos: 1, retain: false, dup: false, messageId: 2, properties: { topicAlias: 8 } });
    expect((await raw.next("puback")).messageId).toBe(1);
    expect((await raw.next("puback")).messageId).toBe(2);
    await waitFor(() => sub.messages.length === 2);
    expect(sub.messages.map((m) => [m.topic, m.payload.toString()])).toEqual([
      [topic, "one"],
      [topic, "two"],
    ]);
    // The alias is not passed on: the subscriber sees the topic name.
    expect(sub.messages[1]!.packet.properties?.topicAlias).toBeUndefined();
    raw.ws.close();
    await sub.end();
  });

  it.each([
    ["an alias above 8", { topic: "a/b", alias: 9 }, ReasonCode.TopicAliasInvalid],
    ["an alias never set", { topic: "", alias: 3 }, ReasonCode.ProtocolError],
  ])("disconnects a client that uses %s", async (_, { topic, alias }, reasonCode) => {
    const raw = await rawClient(baseUrl, { protocolVersion: 5 });
    raw.send({ cmd: "connect", protocolVersion: 5, clientId: uniqueName("ax"), clean: true, keepalive: 60 });
    await raw.next("connack");
    raw.send({ cmd: "publish", topic, payload: new Uint8Array([1]), qos: 0, retain: false, dup: false, properties: { topicAlias: alias } });
    expect((await raw.next("disconnect")).reasonCode).toBe(reasonCode);
    await raw.closed;
  });
});

describe("MQTT 5 message expiry", () => {
  it("does not give an expired retained message to a new subscriber, nor to GetRetainedMessage", async () => {
    const topic = `exp/${uniqueName()}`;
    const pub = await connectMqtt(baseUrl, { protocolVersion: 5, clientId: uniqueName("ep") });
    await pub.client.publishAsync(topic, "short-lived", { qos: 1, retain: true, properties: { messageExpiryInterval: 1 } });
    const before = await http.send(new GetRetainedMessageCommand({ topic }));
    expect(new TextDecoder().decode(before.payload)).toBe("short-lived");
    await sleep(2100);
    const sub = await connectMqtt(baseUrl, { protocolVersion: 5, clientId: uniqueName("es") });
    await sub.client.subscribeAsync(topic, { qos: 1 });
    expect(await sub.quiet(topic, 400)).toEqual([]);
    await expect(http.send(new GetRetainedMessageCommand({ topic }))).rejects.toMatchObject({ name: "ResourceNotFoundException" });
    await Promise.all([pub.end(), sub.end()]);
  });

  it("drops queued messages that expired while their persistent session was away, and forwards the time left", async () => {
    const topic = `expq/${uniqueName()}`;
    const clientId = uniqueName("eq");
    const persistent = { protocolVersion: 5 as const, clientId, clean: false, properties: { sessionExpiryInterval: 300 } };
    const first = await connectMqtt(baseUrl, persistent);
    await first.client.subscribeAsync(topic, { qos: 1 });
    await first.end();
    const pub = await connectMqtt(baseUrl, { protocolVersion: 5, clientId: uniqueName("ep") });
    await pub.client.publishAsync(topic, "expires", { qos: 1, properties: { messageExpiryInterval: 1 } });
    await pub.client.publishAsync(topic, "lasts", { qos: 1, properties: { messageExpiryInterval: 100 } });
    await pub.client.publishAsync(topic, "forever", { qos: 1 });
    await sleep(2100);
    const back = await connectMqtt(baseUrl, persistent);
    await waitFor(() => back.messages.length >= 2);
    await sleep(200);
    expect(back.messages.map((m) => m.payload.toString())).toEqual(["lasts", "forever"]);
    const left = back.messages[0]!.packet.properties?.messageExpiryInterval;
    expect(left).toBeGreaterThan(90);
    expect(left).toBeLessThan(100);
    expect(back.messages[1]!.packet.properties?.messageExpiryInterval).toBeUndefined();
    await Promise.all([pub.end(), back.end()]);
  });
});

describe("MQTT 5 properties and refusals as AWS IoT", () => {
  it("passes user properties (order and repeats kept), content type, response topic and correlation data through", async () => {
    const topic = `props/${uniqueName()}`;
    const sub = await connectMqtt(baseUrl, { protocolVersion: 5, clientId: uniqueName("ps") });
    await sub.client.subscribeAsync(topic, { qos: 1 });
    const v4 = await connectMqtt(baseUrl, { protocolVersion: 4, clientId: uniqueName("p4") });
    await v4.client.subscribeAsync(topic, { qos: 1 });
    const pub = await connectMqtt(baseUrl, { protocolVersion: 5, clientId: uniqueName("pp") });
    await pub.client.publishAsync(topic, "{}", {
      qos: 1,
      properties: {
        userProperties: { b: ["2", "1"], a: "x" },
        contentType: "application/json",
        payloadFormatIndicator: true,
        responseTopic: `${topic}/reply`,
        correlationData: Buffer.from([1, 2, 3]),
      },
    });
    const got = await sub.next(topic);
    expect(got.packet.properties).toMatchObject({
      userProperties: { b: ["2", "1"], a: "x" },
      contentType: "application/json",
      payloadFormatIndicator: true,
      responseTopic: `${topic}/reply`,
      correlationData: Buffer.from([1, 2, 3]),
    });
    expect((await v4.next(topic)).payload.toString()).toBe("{}"); // 3.1.1 gets the payload without properties
    await Promise.all([sub.end(), v4.end(), pub.end()]);
  });

  it("disconnects a SUBSCRIBE with a Subscription Identifier with 0xA1", async () => {
    const client = await connectMqtt(baseUrl, { protocolVersion: 5, clientId: uniqueName("sid") });
    const reason = disconnectReason(client.client);
    client.client.subscribe("a/b", { qos: 0, properties: { subscriptionIdentifier: 7 } });
    expect(await reason).toBe(ReasonCode.SubscriptionIdentifiersNotSupported);
    client.client.end(true);
  });

  it("answers 0x8F when unsubscribing from an invalid filter", async () => {
    const raw = await rawClient(baseUrl, { protocolVersion: 5 });
    raw.send({ cmd: "connect", protocolVersion: 5, clientId: uniqueName("un"), clean: true, keepalive: 60 });
    await raw.next("connack");
    raw.send({ cmd: "unsubscribe", messageId: 5, unsubscriptions: ["a/#/b", "never/subscribed"] });
    expect((await raw.next("unsuback")).granted).toEqual([ReasonCode.TopicFilterInvalid, ReasonCode.NoSubscriptionExisted]);
    raw.ws.close();
  });

  it("does not send a client a message larger than its Maximum Packet Size", async () => {
    const topic = `mps/${uniqueName()}`;
    const small = await connectMqtt(baseUrl, { protocolVersion: 5, clientId: uniqueName("mps"), properties: { maximumPacketSize: 256 } });
    await small.client.subscribeAsync(topic, { qos: 1 });
    await http.send(new PublishCommand({ topic, qos: 1, payload: bytes("x".repeat(1000)) }));
    await http.send(new PublishCommand({ topic, qos: 1, payload: bytes("fits") }));
    expect((await small.next(topic)).payload.toString()).toBe("fits");
    expect(small.messages).toHaveLength(1);
    await small.end();
  });
});

describe("AWS IoT's per-connection limits", () => {
  const filters = (n: number, root: string) => Array.from({ length: n }, (_, i) => `${root}/${i}`);

  it("takes 8 filters per SUBSCRIBE and 50 subscriptions per connection (MQTT 5: 0x97 past them)", async () => {
    const root = `lim/${uniqueName()}`;
    const client = await connectMqtt(baseUrl, { protocolVersion: 5, clientId: uniqueName("lim") });
    const nine = await client.client.subscribeAsync(filters(9, root), { qos: 0 }).catch((e) => e.packet.granted);
    const codes = (granted: (number | { qos: number })[]) => granted.map((g) => (typeof g === "number" ? g : g.qos));
    expect(codes(nine)).toEqual([0, 0, 0, 0, 0, 0, 0, 0, ReasonCode.QuotaExceeded]);
    for (let i = 1; i < 6; i++) await client.client.subscribeAsync(filters(8, `${root}/${i}`), { qos: 0 }); // 48 in all
    const past = await client.client.subscribeAsync([`${root}/x`, `${root}/y`, `${root}/z`], { qos: 0 }).catch((e) => e.packet.granted);
    expect(codes(past)).toEqual([0, 0, ReasonCode.QuotaExceeded]);
    await client.end();
  });

  it("disconnects a client that publishes a payload over 128 KB (MQTT 5: 0x97), and takes 128 KB exactly", async () => {
    const raw = await rawClient(baseUrl, { protocolVersion: 5 });
    raw.send({ cmd: "connect", protocolVersion: 5, clientId: uniqueName("big"), clean: true, keepalive: 60 });
    await raw.next("connack");
    const topic = `big/${uniqueName()}`;
    raw.send({ cmd: "publish", topic, payload: new Uint8Array(128 * 1024), qos: 1, retain: false, dup: false, messageId: 1 });
    expect(await raw.next("puback")).toMatchObject({ messageId: 1 });
    raw.send({ cmd: "publish", topic, payload: new Uint8Array(128 * 1024 + 1), qos: 1, retain: false, dup: false, messageId: 2 });
    expect((await raw.next("disconnect")).reasonCode).toBe(ReasonCode.QuotaExceeded);
    await raw.closed;
  });

  it("closes an MQTT 3.1.1 connection that subscribes to more than 8 filters at once", async () => {
    const client = await connectMqtt(baseUrl, { protocolVersion: 4, clientId: uniqueName("lim4") });
    const closed = new Promise<void>((resolve) => client.client.once("close", () => resolve()));
    client.client.subscribe(filters(9, `lim4/${uniqueName()}`), { qos: 0 });
    await closed;
    client.client.end(true);
  });
});
