import { PublishCommand } from "@aws-sdk/client-iot-data-plane";
import { mqtt5 } from "aws-iot-device-sdk-v2";
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
async function connectV2(clientId: string, options: { sessionExpiry?: number } = {}) {
  const url = new URL(await presignedMqttUrl(baseUrl));
  const received: { topic: string; payload: string }[] = [];
  const client = new mqtt5.Mqtt5Client({
    hostName: url.hostname,
    port: Number(url.port),
    connectProperties: { clientId, keepAliveIntervalSeconds: 60, sessionExpiryIntervalSeconds: options.sessionExpiry ?? 3600 },
    sessionBehavior: mqtt5.ClientSessionBehavior.RejoinAlways,
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
  const connack = await new Promise<mqtt5.ConnackPacket>((resolve, reject) => {
    client.once("connectionSuccess", (event) => resolve(event.connack));
    client.once("connectionFailure", (event) => reject(event.error));
    client.start();
  });
  return { client, connack, received };
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
});
