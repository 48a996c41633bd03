import { PublishCommand } from "@aws-sdk/client-iot-data-plane";
import { iotshadow, mqtt5 } from "aws-iot-device-sdk-v2";
import { afterEach, describe, expect, inject, it } from "vitest";
import { presignedMqttUrl, waitFor } from "../helpers/mqtt";
import { uniqueName } from "../helpers/names";
import { bytes, dataPlaneClient } from "../helpers/sdk";

const baseUrl = inject("baseUrl");
const http = dataPlaneClient(baseUrl);
const clients: mqtt5.Mqtt5Client[] = [];

/**
 * The AWS IoT Device SDK v2's MQTT 5 client (aws-crt, native). Over plain ws:// (no TLS locally) it connects with a
 * websocketHandshakeTransform that puts the SigV4 pre-signed path on the upgrade request, as its own builders do for
 * wss:// with credentials.
 */
async function connectV2(clientId: string, options: { sessionExpiry?: number; topicAliases?: boolean } = {}) {
  const url = new URL(await presignedMqttUrl(baseUrl));
  const received: { topic: string; payload: string }[] = [];
  const client = new mqtt5.Mqtt5Client({
    hostName: url.hostname,
    port: Number(url.port),
    connectProperties: { clientId, keepAliveIntervalSeconds: 60, sessionExpiryIntervalSeconds: options.sessionExpiry ?? 3600 },
    sessionBehavior: mqtt5.ClientSessionBehavior.RejoinAlways,
    ...(options.topicAliases
      ? { topicAliasingOptions: { outboundBehavior: mqtt5.OutboundTopicAliasBehaviorType.LRU, outboundCacheMaxSize: 8 } }
      : {}),
    websocketHandshakeTransform: (request, done) => {
      request.path = `${url.pathname}${url.search}`;
      // The signed host includes the port (the CRT sends the bare host name).
      request.headers.set("Host", url.host);
      done();
    },
  });
  clients.push(client);
  client.on("messageReceived", (event) => {
    const payload = event.message.payload;
    received.push({ topic: event.message.topicName, payload: payload ? Buffer.from(payload as ArrayBuffer).toString() : "" });
  });
  const { connack, settings } = await new Promise<mqtt5.ConnectionSuccessEvent>((resolve, reject) => {
    client.once("connectionSuccess", resolve);
    client.once("connectionFailure", (event) => reject(event.error));
    client.start();
  });
  return { client, connack, settings, received };
}

async function stop(client: mqtt5.Mqtt5Client): Promise<void> {
  await new Promise<void>((resolve) => {
    client.once("stopped", () => resolve());
    client.stop();
  });
}

afterEach(() => {
  for (const client of clients.splice(0)) {
    try {
      client.close();
    } catch {
      // already closed
    }
  }
});

describe("the AWS IoT Device SDK v2 (MQTT 5 client) over WebSocket", () => {
  it("keeps a persistent session across a stop and a new client (on any hub), with its QoS 1 messages", async () => {
    const clientId = uniqueName("v2");
    const topic = `v2/${uniqueName()}`;
    const first = await connectV2(clientId);
    expect(first.connack.sessionPresent).toBe(false);
    await first.client.subscribe({ subscriptions: [{ topicFilter: topic, qos: mqtt5.QoS.AtLeastOnce }] });
    await http.send(new PublishCommand({ topic, qos: 1, payload: bytes("live") }));
    await waitFor(() => first.received.length === 1);
    await stop(first.client);
    for (let i = 0; i < 3; i++) await http.send(new PublishCommand({ topic, qos: 1, payload: bytes(`queued${i}`) }));
    const second = await connectV2(clientId);
    expect(second.connack.sessionPresent).toBe(true);
    await waitFor(() => second.received.length >= 3);
    expect(second.received.map((m) => m.payload)).toEqual(["queued0", "queued1", "queued2"]);
    await stop(second.client);
  });

  it("publishes at QoS 1 and gets its PUBACK after the message reached a subscriber", async () => {
    const topic = `v2/${uniqueName()}`;
    const subscriber = await connectV2(uniqueName("v2-sub"), { sessionExpiry: 0 });
    await subscriber.client.subscribe({ subscriptions: [{ topicFilter: topic, qos: mqtt5.QoS.AtLeastOnce }] });
    const publisher = await connectV2(uniqueName("v2-pub"), { sessionExpiry: 0 });
    const result = await publisher.client.publish({ topicName: topic, qos: mqtt5.QoS.AtLeastOnce, payload: "hello" });
    expect(result?.reasonCode).toBe(mqtt5.PubackReasonCode.Success);
    await waitFor(() => subscriber.received.length === 1);
    expect(subscriber.received[0]).toEqual({ topic, payload: "hello" });
    await Promise.all([stop(subscriber.client), stop(publisher.client)]);
  });

  it("negotiates what AWS IoT offers: shared subscriptions, 8 topic aliases, 100 in flight, QoS 1", async () => {
    const { client, settings } = await connectV2(uniqueName("v2-set"), { sessionExpiry: 0 });
    expect(settings).toMatchObject({
      maximumQos: mqtt5.QoS.AtLeastOnce,
      receiveMaximumFromServer: 100,
      topicAliasMaximumToServer: 8,
      retainAvailable: true,
      wildcardSubscriptionsAvailable: true,
      subscriptionIdentifiersAvailable: false,
      sharedSubscriptionsAvailable: true,
    });
    await stop(client);
  });

  it("publishes with topic aliases (the client's LRU aliasing) and load-balances over a shared subscription", async () => {
    const topic = `v2/${uniqueName()}/telemetry`;
    const members = await Promise.all([connectV2(uniqueName("v2-m"), { sessionExpiry: 0 }), connectV2(uniqueName("v2-m"), { sessionExpiry: 0 })]);
    for (const member of members) {
      await member.client.subscribe({ subscriptions: [{ topicFilter: `$share/backend/${topic}`, qos: mqtt5.QoS.AtLeastOnce }] });
    }
    const publisher = await connectV2(uniqueName("v2-p"), { sessionExpiry: 0, topicAliases: true });
    const sent = Array.from({ length: 30 }, (_, i) => `t${i}`);
    for (const payload of sent) {
      const result = await publisher.client.publish({ topicName: topic, qos: mqtt5.QoS.AtLeastOnce, payload });
      expect(result?.reasonCode).toBe(mqtt5.PubackReasonCode.Success);
    }
    await waitFor(() => members[0]!.received.length + members[1]!.received.length >= sent.length);
    const all = [...members[0]!.received, ...members[1]!.received];
    expect(all.map((m) => m.payload).sort()).toEqual([...sent].sort());
    expect(all.every((m) => m.topic === topic)).toBe(true);
    expect(members.every((m) => m.received.length > 0)).toBe(true);
    await Promise.all([...members, publisher].map((c) => stop(c.client)));
  });

  it("drives a shadow with the SDK's own shadow client (IotShadowClientv2 over MQTT 5)", async () => {
    const thingName = uniqueName("v2-thing");
    const { client } = await connectV2(uniqueName("v2-sh"), { sessionExpiry: 0 });
    const shadows = iotshadow.IotShadowClientv2.newFromMqtt5(client, {
      maxRequestResponseSubscriptions: 4,
      maxStreamingSubscriptions: 2,
      operationTimeoutInSeconds: 10,
    });
    try {
      const updated = await shadows.updateShadow({ thingName, state: { desired: { color: "green" }, reported: { color: "red" } } });
      expect(updated.version).toBe(1);
      const got = await shadows.getShadow({ thingName });
      expect(got.state).toMatchObject({ desired: { color: "green" }, reported: { color: "red" }, delta: { color: "green" } });
      expect(got.version).toBe(1);
      const stale = await shadows.updateShadow({ thingName, version: 7, state: { reported: { color: "green" } } }).catch((e: unknown) => e);
      expect(JSON.stringify(stale)).toContain("409");
    } finally {
      shadows.close();
    }
    await stop(client);
  });
});
