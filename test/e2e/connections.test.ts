// The connection operations (GetConnection, DeleteConnection, ListSubscriptions, SendDirectMessage) through the real
// AWS SDK v3, lifecycle events received by an mqtt.js subscriber of `$aws/events/...`, and DescribeEndpoint.

import { DescribeEndpointCommand, IoTClient } from "@aws-sdk/client-iot";
import {
  DeleteConnectionCommand,
  GetConnectionCommand,
  ListSubscriptionsCommand,
  PublishCommand,
  paginateListSubscriptions,
  SendDirectMessageCommand,
} from "@aws-sdk/client-iot-data-plane";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import type { Packet } from "../../src/protocol/mqtt/codec";
import { connectMqtt, rawClient, type TestClient } from "../helpers/mqtt";
import { uniqueName } from "../helpers/names";
import { bytes, dataPlaneClient } from "../helpers/sdk";

const baseUrl = inject("baseUrl");
const http = dataPlaneClient(baseUrl);
const readOnly = dataPlaneClient(baseUrl, { credentials: { accessKeyId: "AKIDREADONLY", secretAccessKey: "readonly-secret" } });
const text = (payload: Uint8Array) => new TextDecoder().decode(payload);
type Publish = Extract<Packet, { cmd: "publish" }>;

/** A subscriber of every lifecycle event; `event(kind, clientId)` waits for the next one about that client. */
let events: TestClient;
const event = async (topic: string) => JSON.parse(text((await events.next(topic, 15_000)).payload));
const connected = (clientId: string) => event(`$aws/events/presence/connected/${clientId}`);
const disconnected = (clientId: string) => event(`$aws/events/presence/disconnected/${clientId}`);

beforeAll(async () => {
  events = await connectMqtt(baseUrl, { clientId: uniqueName("events"), protocolVersion: 5 });
  await events.client.subscribeAsync(
    [
      "$aws/events/presence/connected/+",
      "$aws/events/presence/disconnected/+",
      "$aws/events/presence/connect_failed/+",
      "$aws/events/subscriptions/+/+",
    ],
    { qos: 1 },
  );
});
afterAll(() => events.end());

const sdkError = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error("expected an error");
    },
    (error: { name: string; message: string; $metadata: { httpStatusCode?: number } }) => ({
      name: error.name,
      message: error.message,
      status: error.$metadata.httpStatusCode,
    }),
  );

describe("lifecycle events", () => {
  it("connected, subscribed, unsubscribed and disconnected (client DISCONNECT) with AWS's fields", async () => {
    const clientId = uniqueName("life");
    const device = await connectMqtt(baseUrl, { clientId, protocolVersion: 5 });
    const up = await connected(clientId);
    expect(up).toMatchObject({ clientId, eventType: "connected", principalIdentifier: "123456789012/test:local-admin", ipAddress: "127.0.0.1" });
    expect(typeof up.sessionIdentifier).toBe("string");
    expect(up.versionNumber).toBeGreaterThan(0);
    expect(Math.abs(up.timestamp - Date.now())).toBeLessThan(60_000);
    await device.client.subscribeAsync(["a/b", "c/#"], { qos: 1 });
    expect(await event(`$aws/events/subscriptions/subscribed/${clientId}`)).toMatchObject({
      eventType: "subscribed",
      topics: ["a/b", "c/#"],
      sessionIdentifier: up.sessionIdentifier,
    });
    await device.client.unsubscribeAsync("a/b");
    expect(await event(`$aws/events/subscriptions/unsubscribed/${clientId}`)).toMatchObject({ eventType: "unsubscribed", topics: ["a/b"] });
    await device.end();
    expect(await disconnected(clientId)).toMatchObject({
      clientId,
      eventType: "disconnected",
      clientInitiatedDisconnect: true,
      disconnectReason: "CLIENT_INITIATED_DISCONNECT",
      sessionIdentifier: up.sessionIdentifier,
      // The connect and the disconnect of one connection carry the same number.
      versionNumber: up.versionNumber,
    });
  });

  it("are queued for a persistent session subscribed to them while it is away; subscribing needs iot:Subscribe", async () => {
    const watcherId = uniqueName("watch");
    const watcher = await connectMqtt(baseUrl, { clientId: watcherId, protocolVersion: 4, clean: false });
    await watcher.client.subscribeAsync("$aws/events/presence/connected/+", { qos: 1 });
    await watcher.end();
    const clientId = uniqueName("away");
    const device = await connectMqtt(baseUrl, { clientId });
    await connected(clientId);
    const back = await connectMqtt(baseUrl, { clientId: watcherId, protocolVersion: 4, clean: false });
    expect(JSON.parse(text((await back.next(`$aws/events/presence/connected/${clientId}`)).payload))).toMatchObject({
      clientId,
      eventType: "connected",
    });
    await device.end();
    back.client.end(true);
    // Events are subscribed to like any topic: without iot:Subscribe on the filter, refused.
    const reader = await rawClient(baseUrl, { accessKeyId: "AKIDPUBLICREADER", secretAccessKey: "public-reader-secret" });
    reader.send({ cmd: "connect", protocolVersion: 4, clientId: uniqueName("reader"), clean: true, keepalive: 60 });
    await reader.next("connack");
    reader.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "$aws/events/presence/connected/+", qos: 1 }] });
    // AWS IoT closes an MQTT 3.1.1 connection whose subscription is refused.
    await reader.closed;
    expect(reader.packets.some((p) => p.cmd === "suback")).toBe(false);
  });

  it("reports a lost socket, a keep-alive timeout, a takeover and a protocol error, each with its reason", async () => {
    const lost = uniqueName("lost");
    const a = await rawClient(baseUrl);
    a.send({ cmd: "connect", protocolVersion: 4, clientId: lost, clean: true, keepalive: 60 });
    await a.next("connack");
    a.ws.terminate();
    expect(await disconnected(lost)).toMatchObject({ disconnectReason: "CONNECTION_LOST", clientInitiatedDisconnect: false });

    const silent = uniqueName("silent");
    const b = await rawClient(baseUrl);
    // The e2e server accepts a 1 s keep-alive: nothing for 1.5 s ends the connection.
    b.send({ cmd: "connect", protocolVersion: 4, clientId: silent, clean: true, keepalive: 1 });
    await b.next("connack");
    expect(await disconnected(silent)).toMatchObject({ disconnectReason: "MQTT_KEEP_ALIVE_TIMEOUT" });

    const twice = uniqueName("twice");
    const first = await connectMqtt(baseUrl, { clientId: twice, protocolVersion: 5 });
    const firstUp = await connected(twice);
    const second = await connectMqtt(baseUrl, { clientId: twice, protocolVersion: 5 });
    const secondUp = await connected(twice);
    const down = await disconnected(twice);
    expect(down).toMatchObject({ disconnectReason: "DUPLICATE_CLIENTID", versionNumber: firstUp.versionNumber });
    expect(secondUp.versionNumber).toBeGreaterThan(firstUp.versionNumber);
    first.client.end(true);
    await second.end();

    const bad = uniqueName("bad");
    const c = await rawClient(baseUrl);
    c.send({ cmd: "connect", protocolVersion: 4, clientId: bad, clean: true, keepalive: 60 });
    await c.next("connack");
    c.send({ cmd: "connect", protocolVersion: 4, clientId: bad, clean: true, keepalive: 60 });
    expect(await disconnected(bad)).toMatchObject({ disconnectReason: "CLIENT_ERROR" });
  });

  it("reports AUTH_ERROR when an MQTT 3.1.1 client publishes where it may not, and connect_failed for a forbidden will", async () => {
    const clientId = uniqueName("dev");
    const device = await rawClient(baseUrl, { accessKeyId: "AKIDDEVICE", secretAccessKey: "device-secret" });
    device.send({ cmd: "connect", protocolVersion: 4, clientId, clean: true, keepalive: 60 });
    await device.next("connack");
    expect(await connected(clientId)).toMatchObject({ principalIdentifier: "123456789012/AKIDDEVICE:device-fleet" });
    device.send({ cmd: "publish", topic: "not/mine", payload: bytes("x"), qos: 0, retain: false, dup: false });
    expect(await disconnected(clientId)).toMatchObject({ disconnectReason: "AUTH_ERROR" });

    const refused = uniqueName("dev");
    const other = await rawClient(baseUrl, { accessKeyId: "AKIDDEVICE", secretAccessKey: "device-secret" });
    other.send({
      cmd: "connect",
      protocolVersion: 4,
      clientId: refused,
      clean: true,
      keepalive: 60,
      will: { topic: "cmd/lock", payload: bytes("open"), qos: 0, retain: false },
    });
    expect((await other.next("connack")).returnCode).toBe(5);
    expect(await event(`$aws/events/presence/connect_failed/${refused}`)).toMatchObject({
      clientId: refused,
      eventType: "connect_failed",
      connectFailureReason: "AUTHORIZATION_FAILED",
    });
  });

  it("refuses publishing to $aws/events from MQTT and HTTP", async () => {
    const topic = `$aws/events/presence/connected/${uniqueName("fake")}`;
    const client = await rawClient(baseUrl, { protocolVersion: 5 });
    client.send({ cmd: "connect", protocolVersion: 5, clientId: uniqueName("forger"), clean: true, keepalive: 60 });
    await client.next("connack");
    client.send({ cmd: "publish", topic, payload: bytes("{}"), qos: 1, retain: false, dup: false, messageId: 1 });
    expect(await client.next("puback")).toMatchObject({ reasonCode: 0x90 });
    expect(await sdkError(http.send(new PublishCommand({ topic, payload: bytes("{}") })))).toMatchObject({
      name: "InvalidRequestException",
      status: 400,
    });
    expect((await events.quiet(topic, 300)).length).toBe(0);
    client.ws.close();
  });
});

describe("GetConnection", () => {
  it("answers a connected client, socket fields only when asked, and a client id with a slash", async () => {
    const clientId = `${uniqueName("gc")}/with slash`;
    const device = await connectMqtt(baseUrl, { clientId, protocolVersion: 5, keepalive: 45, properties: { sessionExpiryInterval: 300 } });
    const plain = await http.send(new GetConnectionCommand({ clientId }));
    expect(plain).toMatchObject({ connected: true, clientId, cleanSession: false, keepAliveDuration: 45, sessionExpiry: 300 });
    expect(Math.abs(plain.connectedSince! - Date.now())).toBeLessThan(60_000);
    expect(plain.disconnectedSince).toBeUndefined();
    expect(plain.sourceIp).toBeUndefined();
    expect(plain.targetPort).toBeUndefined();
    const withSocket = await http.send(new GetConnectionCommand({ clientId, includeSocketInformation: true }));
    // The client's address as the edge saw it (CF-Connecting-IP) and the address it reached.
    expect(withSocket).toMatchObject({ sourceIp: "127.0.0.1", targetIp: "127.0.0.1", targetPort: Number(new URL(baseUrl).port) });
    await device.end();
    // (No lifecycle event to wait for: `+` does not match a client id with a slash, which spans two topic levels.)
    let after = await http.send(new GetConnectionCommand({ clientId }));
    for (let i = 0; i < 50 && after.connected; i++) {
      await new Promise((r) => setTimeout(r, 100));
      after = await http.send(new GetConnectionCommand({ clientId }));
    }
    // The persistent session is answered from its record.
    expect(after).toMatchObject({ connected: false, cleanSession: false, disconnectReason: "CLIENT_INITIATED_DISCONNECT" });
    expect(after.connectedSince).toBeUndefined();
    expect(Math.abs(after.disconnectedSince! - Date.now())).toBeLessThan(60_000);
  });

  it("answers a clean session after its disconnection; unknown is 404, a bad client id 400, no right 403", async () => {
    const clientId = uniqueName("gc");
    const device = await connectMqtt(baseUrl, { clientId, protocolVersion: 4, clean: true });
    expect(await http.send(new GetConnectionCommand({ clientId }))).toMatchObject({ connected: true, cleanSession: true, sessionExpiry: 0 });
    device.client.end(true);
    await disconnected(clientId);
    // The session is gone: the hub where it ended answers from its record for 30 minutes.
    const gone = await http.send(new GetConnectionCommand({ clientId }));
    expect(gone).toMatchObject({ connected: false, cleanSession: true });
    expect(gone.disconnectReason).toBe("CONNECTION_LOST");
    expect(await sdkError(http.send(new GetConnectionCommand({ clientId: uniqueName("never") })))).toMatchObject({
      name: "ResourceNotFoundException",
      status: 404,
    });
    expect(await sdkError(http.send(new GetConnectionCommand({ clientId: "$bad" })))).toMatchObject({ name: "InvalidRequestException", status: 400 });
    expect(await sdkError(http.send(new GetConnectionCommand({ clientId: "x".repeat(129) })))).toMatchObject({ status: 400 });
    expect(await sdkError(readOnly.send(new GetConnectionCommand({ clientId })))).toMatchObject({ name: "ForbiddenException", status: 403 });
  });
});

describe("DeleteConnection", () => {
  it("closes an MQTT 5 client with DISCONNECT 0x98, publishes its will, keeps its persistent session", async () => {
    const clientId = uniqueName("del");
    const willTopic = `wills/${clientId}`;
    const watcher = await connectMqtt(baseUrl, { clientId: uniqueName("w") });
    await watcher.client.subscribeAsync(willTopic, { qos: 1 });
    const device = await rawClient(baseUrl, { protocolVersion: 5 });
    device.send({
      cmd: "connect",
      protocolVersion: 5,
      clientId,
      clean: true,
      keepalive: 60,
      properties: { sessionExpiryInterval: 600 },
      will: { topic: willTopic, payload: bytes("bye"), qos: 1, retain: false },
    });
    await device.next("connack");
    device.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "keep/me", qos: 1 }] });
    await device.next("suback");
    const up = await connected(clientId);
    await http.send(new DeleteConnectionCommand({ clientId }));
    expect(await device.next("disconnect")).toMatchObject({ reasonCode: 0x98 });
    await device.closed;
    expect(await disconnected(clientId)).toMatchObject({
      disconnectReason: "API_INITIATED_DISCONNECT",
      clientInitiatedDisconnect: false,
      versionNumber: up.versionNumber,
    });
    expect(text((await watcher.next(willTopic)).payload)).toBe("bye");
    expect(await http.send(new GetConnectionCommand({ clientId }))).toMatchObject({ connected: false, disconnectReason: "API_INITIATED_DISCONNECT" });
    expect((await http.send(new ListSubscriptionsCommand({ clientId }))).subscriptions).toEqual([{ topicFilter: "keep/me", qos: 1 }]);
    // cleanSession=true on the offline session ends it.
    await http.send(new DeleteConnectionCommand({ clientId, cleanSession: true }));
    expect(await sdkError(http.send(new ListSubscriptionsCommand({ clientId })))).toMatchObject({ name: "ResourceNotFoundException" });
    await watcher.end();
  });

  it("preventWillMessage keeps the will back; cleanSession ends a connected persistent session; unknown is 404", async () => {
    const clientId = uniqueName("del");
    const willTopic = `wills/${clientId}`;
    const watcher = await connectMqtt(baseUrl, { clientId: uniqueName("w") });
    await watcher.client.subscribeAsync(willTopic, { qos: 1 });
    const device = await connectMqtt(baseUrl, {
      clientId,
      protocolVersion: 4,
      clean: false,
      will: { topic: willTopic, payload: Buffer.from("bye"), qos: 1, retain: false },
    });
    await device.client.subscribeAsync("some/topic", { qos: 1 });
    const closed = new Promise<void>((resolve) => device.client.once("close", () => resolve()));
    await http.send(new DeleteConnectionCommand({ clientId, cleanSession: true, preventWillMessage: true }));
    await closed;
    expect(await disconnected(clientId)).toMatchObject({ disconnectReason: "API_INITIATED_DISCONNECT" });
    expect((await watcher.quiet(willTopic, 500)).length).toBe(0);
    expect(await sdkError(http.send(new ListSubscriptionsCommand({ clientId })))).toMatchObject({ status: 404 });
    expect(await sdkError(http.send(new DeleteConnectionCommand({ clientId: uniqueName("never") })))).toMatchObject({
      name: "ResourceNotFoundException",
      status: 404,
    });
    expect(await sdkError(readOnly.send(new DeleteConnectionCommand({ clientId })))).toMatchObject({ name: "ForbiddenException" });
    device.client.end(true);
    await watcher.end();
  });
});

describe("ListSubscriptions", () => {
  it("pages with the SDK paginator, also for an offline persistent session; bad maxResults and tokens are 400", async () => {
    const clientId = uniqueName("ls");
    const device = await connectMqtt(baseUrl, { clientId, protocolVersion: 5, properties: { sessionExpiryInterval: 600 }, clean: true });
    const filters = ["e/1", "a/+", "d/#", "b/2", "c/3"];
    await device.client.subscribeAsync(filters.slice(0, 3), { qos: 1 });
    await device.client.subscribeAsync(filters.slice(3), { qos: 0 });
    await device.end();
    const pages = [];
    for await (const page of paginateListSubscriptions({ client: http, pageSize: 2 }, { clientId })) pages.push(page);
    expect(pages.map((p) => p.subscriptions?.length)).toEqual([2, 2, 1]);
    expect(pages.flatMap((p) => p.subscriptions)).toEqual([
      { topicFilter: "a/+", qos: 1 },
      { topicFilter: "b/2", qos: 0 },
      { topicFilter: "c/3", qos: 0 },
      { topicFilter: "d/#", qos: 1 },
      { topicFilter: "e/1", qos: 1 },
    ]);
    expect(pages[2]!.nextToken).toBeUndefined();
    const all = await http.send(new ListSubscriptionsCommand({ clientId }));
    expect(all.subscriptions).toHaveLength(5);
    expect(all.nextToken).toBeUndefined();
    for (const maxResults of [0, 201]) {
      expect(await sdkError(http.send(new ListSubscriptionsCommand({ clientId, maxResults })))).toMatchObject({ name: "InvalidRequestException" });
    }
    expect(await sdkError(http.send(new ListSubscriptionsCommand({ clientId, nextToken: "forged.token" })))).toMatchObject({ status: 400 });
    // A token of one client is not good for another.
    const token = (await http.send(new ListSubscriptionsCommand({ clientId, maxResults: 1 }))).nextToken!;
    expect(await sdkError(http.send(new ListSubscriptionsCommand({ clientId: uniqueName("other"), nextToken: token })))).toMatchObject({
      status: 400,
    });
    expect(await sdkError(http.send(new ListSubscriptionsCommand({ clientId: uniqueName("never") })))).toMatchObject({ status: 404 });
    expect(await sdkError(readOnly.send(new ListSubscriptionsCommand({ clientId })))).toMatchObject({ status: 403 });
  });
});

describe("SendDirectMessage", () => {
  it("reaches only the target connection, without a subscription, at QoS 0, with MQTT 5 properties", async () => {
    const clientId = uniqueName("dm");
    const topic = `commands/${clientId}`;
    const target = await rawClient(baseUrl, { protocolVersion: 5 });
    target.send({ cmd: "connect", protocolVersion: 5, clientId, clean: true, keepalive: 60 });
    await target.next("connack");
    const bystander = await connectMqtt(baseUrl, { clientId: uniqueName("by") });
    await bystander.client.subscribeAsync(topic, { qos: 1 });
    const answer = await http.send(
      new SendDirectMessageCommand({
        clientId,
        topic,
        payload: bytes("reboot"),
        contentType: "text/plain",
        responseTopic: `replies/${clientId}`,
        userProperties: JSON.stringify([{ deviceName: "alpha" }]),
        payloadFormatIndicator: "UTF8_DATA",
        correlationData: Buffer.from("corr-1").toString("base64"),
      }),
    );
    expect(typeof answer.message).toBe("string");
    expect(typeof answer.traceId).toBe("string");
    const message = (await target.next("publish")) as Publish;
    expect(message).toMatchObject({ topic, qos: 0, retain: false });
    expect(text(message.payload)).toBe("reboot");
    expect(message.properties).toMatchObject({
      contentType: "text/plain",
      responseTopic: `replies/${clientId}`,
      userProperties: [["deviceName", "alpha"]],
      payloadFormatIndicator: true,
    });
    expect(text(message.properties!.correlationData!)).toBe("corr-1");
    // No fan-out, nothing retained.
    expect((await bystander.quiet(topic, 500)).length).toBe(0);
    await bystander.end();
    target.ws.close();
  });

  it("with confirmation waits for the PUBACK: 200 when it comes, 504 GatewayTimeoutException when it does not", async () => {
    const clientId = uniqueName("dm");
    const device = await rawClient(baseUrl, { protocolVersion: 4 });
    device.send({ cmd: "connect", protocolVersion: 4, clientId, clean: true, keepalive: 60 });
    await device.next("connack");
    const acked = http.send(new SendDirectMessageCommand({ clientId, topic: "cmd/1", payload: bytes("one"), confirmation: true, timeout: 10 }));
    const first = (await device.next("publish")) as Publish;
    expect(first).toMatchObject({ topic: "cmd/1", qos: 1 });
    device.send({ cmd: "puback", messageId: first.messageId! });
    await expect(acked).resolves.toMatchObject({ $metadata: { httpStatusCode: 200 } });
    const unacked = await sdkError(
      http.send(new SendDirectMessageCommand({ clientId, topic: "cmd/2", payload: bytes("two"), confirmation: true, timeout: 1 })),
    );
    expect(unacked).toMatchObject({ name: "GatewayTimeoutException", status: 504 });
    device.ws.close();
  });

  it("answers 404 for an absent client (AWS's text for an offline persistent session), 403 without the rights, 400 and 413 for bad input", async () => {
    const clientId = uniqueName("dm");
    const device = await connectMqtt(baseUrl, { clientId, protocolVersion: 4, clean: false });
    await device.end();
    await disconnected(clientId);
    expect(await sdkError(http.send(new SendDirectMessageCommand({ clientId, topic: "cmd" })))).toEqual({
      name: "ResourceNotFoundException",
      status: 404,
      message: "The target client ID is not connected, but it has an active persistent session",
    });
    expect(await sdkError(http.send(new SendDirectMessageCommand({ clientId: uniqueName("never"), topic: "cmd" })))).toMatchObject({ status: 404 });
    // Not queued for the offline session either.
    const back = await rawClient(baseUrl);
    back.send({ cmd: "connect", protocolVersion: 4, clientId, clean: false, keepalive: 60 });
    expect(await back.next("connack")).toMatchObject({ sessionPresent: true });
    await new Promise((r) => setTimeout(r, 300));
    expect(back.packets.filter((p) => p.cmd === "publish")).toHaveLength(0);
    expect(await sdkError(readOnly.send(new SendDirectMessageCommand({ clientId, topic: "cmd" })))).toMatchObject({
      name: "ForbiddenException",
      status: 403,
    });
    for (const topic of ["$aws/things/x/shadow/get", "a/+", ""]) {
      expect(await sdkError(http.send(new SendDirectMessageCommand({ clientId, topic })))).toMatchObject({ name: "InvalidRequestException" });
    }
    expect(await sdkError(http.send(new SendDirectMessageCommand({ clientId, topic: "cmd", confirmation: true, timeout: 16 })))).toMatchObject({
      status: 400,
    });
    expect(
      await sdkError(http.send(new SendDirectMessageCommand({ clientId, topic: "cmd", payload: new Uint8Array(128 * 1024 + 1) }))),
    ).toMatchObject({
      name: "RequestEntityTooLargeException",
      status: 413,
    });
    back.ws.close();

    // The receiver's own policy must allow iot:Receive on the topic.
    const deviceId = uniqueName("dev");
    const restricted = await rawClient(baseUrl, { accessKeyId: "AKIDDEVICE", secretAccessKey: "device-secret" });
    restricted.send({ cmd: "connect", protocolVersion: 4, clientId: deviceId, clean: true, keepalive: 60 });
    await restricted.next("connack");
    const refused = await sdkError(http.send(new SendDirectMessageCommand({ clientId: deviceId, topic: "elsewhere/x" })));
    expect(refused).toMatchObject({ name: "ForbiddenException", status: 403 });
    expect(refused.message).toContain(deviceId);
    await http.send(new SendDirectMessageCommand({ clientId: deviceId, topic: `devices/${deviceId}/cmd`, payload: bytes("ok") }));
    expect(text(((await restricted.next("publish")) as Publish).payload)).toBe("ok");
    restricted.ws.close();
  });
});

describe("DescribeEndpoint", () => {
  const control = new IoTClient({
    endpoint: baseUrl,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });

  it("answers the host this server is reached at, for AWS's endpoint types; others are InvalidRequestException", async () => {
    for (const endpointType of ["iot:Data-ATS", "iot:Data", "iot:CredentialProvider", "iot:Jobs", undefined]) {
      expect((await control.send(new DescribeEndpointCommand({ endpointType }))).endpointAddress).toBe(new URL(baseUrl).host);
    }
    const bad = await sdkError(control.send(new DescribeEndpointCommand({ endpointType: "iot:Nope" })));
    expect(bad).toMatchObject({ name: "InvalidRequestException", status: 400 });
    // The address works as the data plane's endpoint.
    const address = (await control.send(new DescribeEndpointCommand({ endpointType: "iot:Data-ATS" }))).endpointAddress!;
    const viaAddress = dataPlaneClient(`http://${address}`);
    await expect(viaAddress.send(new PublishCommand({ topic: "endpoint/check", payload: bytes("{}") }))).resolves.toMatchObject({
      $metadata: { httpStatusCode: 200 },
    });
  });
});
