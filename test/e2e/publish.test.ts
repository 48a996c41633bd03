import {
  GetRetainedMessageCommand,
  InvalidRequestException,
  ListRetainedMessagesCommand,
  PublishCommand,
  paginateListRetainedMessages,
  ResourceNotFoundException,
} from "@aws-sdk/client-iot-data-plane";
import { describe, expect, inject, it } from "vitest";
import { connectMqtt } from "../helpers/mqtt";
import { uniqueName } from "../helpers/names";
import { dataPlaneClient } from "../helpers/sdk";

const baseUrl = inject("baseUrl");
const client = dataPlaneClient(baseUrl);
const text = (s: string) => new TextEncoder().encode(s);

async function listAll(pageSize: number, prefix: string): Promise<string[]> {
  const topics: string[] = [];
  for await (const page of paginateListRetainedMessages({ client, pageSize }, {})) {
    expect(page.retainedTopics!.length).toBeLessThanOrEqual(pageSize);
    topics.push(...page.retainedTopics!.map((t) => t.topic!).filter((t) => t.startsWith(prefix)));
  }
  return topics;
}

describe("Publish and retained messages through @aws-sdk/client-iot-data-plane", () => {
  it("stores a retained message, returns it byte for byte, replaces it, and deletes it with an empty retained publish", async () => {
    const topic = `retain/${uniqueName()}/a b/état`;
    const binary = Uint8Array.from({ length: 256 }, (_, i) => i);
    await client.send(new PublishCommand({ topic, payload: binary, qos: 1, retain: true }));
    const stored = await client.send(new GetRetainedMessageCommand({ topic }));
    expect(stored.topic).toBe(topic);
    expect(Array.from(stored.payload!)).toEqual(Array.from(binary));
    expect(stored.qos).toBe(1);
    expect(Math.abs(stored.lastModifiedTime! - Date.now())).toBeLessThan(60_000);

    await client.send(new PublishCommand({ topic, payload: text("second"), qos: 0, retain: true }));
    const replaced = await client.send(new GetRetainedMessageCommand({ topic }));
    expect(new TextDecoder().decode(replaced.payload)).toBe("second");
    expect(replaced.qos).toBe(0);

    await client.send(new PublishCommand({ topic, retain: true }));
    await expect(client.send(new GetRetainedMessageCommand({ topic }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it("serves many concurrent retained publishes to one topic (each request waits only on its own calls)", async () => {
    const topic = `concurrent/${uniqueName()}`;
    const payloads = Array.from({ length: 24 }, (_, i) => `v${i}`);
    await Promise.all(payloads.map((p) => client.send(new PublishCommand({ topic, payload: text(p), qos: 1, retain: true }))));
    const stored = new TextDecoder().decode((await client.send(new GetRetainedMessageCommand({ topic }))).payload);
    expect(payloads).toContain(stored);
  });

  it("does not retain a message published without retain", async () => {
    const topic = `plain/${uniqueName()}`;
    await client.send(new PublishCommand({ topic, payload: text("x") }));
    await expect(client.send(new GetRetainedMessageCommand({ topic }))).rejects.toBeInstanceOf(ResourceNotFoundException);
  });

  it("round-trips MQTT 5 user properties through the retained store and to MQTT 5 subscribers", async () => {
    const topic = `props/${uniqueName()}`;
    const subscriber = await connectMqtt(baseUrl, { clientId: uniqueName("p5"), protocolVersion: 5 });
    const legacy = await connectMqtt(baseUrl, { clientId: uniqueName("p4"), protocolVersion: 4 });
    await subscriber.client.subscribeAsync(topic, { qos: 1 });
    await legacy.client.subscribeAsync(topic, { qos: 1 });
    await client.send(
      new PublishCommand({
        topic,
        payload: text('{"t":21}'),
        qos: 1,
        retain: true,
        userProperties: JSON.stringify([{ deviceName: "alpha" }, { deviceCnt: "45" }]),
        contentType: "application/json",
        responseTopic: "replies/alpha",
        correlationData: btoa("corr-1"),
        payloadFormatIndicator: "UTF8_DATA",
        messageExpiry: 3600,
      }),
    );
    const stored = await client.send(new GetRetainedMessageCommand({ topic }));
    expect(JSON.parse(new TextDecoder().decode(stored.userProperties))).toEqual([{ deviceName: "alpha" }, { deviceCnt: "45" }]);

    const live = await subscriber.next(topic);
    expect(live.packet.properties).toMatchObject({
      userProperties: { deviceName: "alpha", deviceCnt: "45" },
      contentType: "application/json",
      responseTopic: "replies/alpha",
      payloadFormatIndicator: true,
    });
    expect(Buffer.from(live.packet.properties!.correlationData!).toString()).toBe("corr-1");
    expect(live.packet.retain).toBe(false); // live messages carry RETAIN=0
    const old = await legacy.next(topic);
    expect(old.packet.properties).toBeUndefined();
    expect(old.payload.toString()).toBe('{"t":21}');
    await subscriber.end();
    await legacy.end();
  });

  it("pages through more than 300 retained topics with maxResults 1, 2 and 200, each exactly once", async () => {
    const prefix = `page/${uniqueName()}/`;
    const topics = Array.from({ length: 310 }, (_, i) => `${prefix}${i.toString().padStart(3, "0")}`);
    for (let i = 0; i < topics.length; i += 20) {
      await Promise.all(topics.slice(i, i + 20).map((topic) => client.send(new PublishCommand({ topic, payload: text(topic), retain: true }))));
    }
    for (const pageSize of [200, 2, 1]) {
      const listed = await listAll(pageSize, prefix);
      expect(listed).toHaveLength(topics.length);
      expect(new Set(listed)).toEqual(new Set(topics));
    }
    const summary = (await client.send(new ListRetainedMessagesCommand({ maxResults: 200 }))).retainedTopics![0]!;
    expect(summary).toEqual({
      topic: expect.any(String),
      payloadSize: expect.any(Number),
      qos: expect.any(Number),
      lastModifiedTime: expect.any(Number),
    });
  }, 120_000);

  it("lists each topic once even while other topics are written during the walk", async () => {
    const prefix = `walk/${uniqueName()}/`;
    const initial = Array.from({ length: 40 }, (_, i) => `${prefix}${i}`);
    await Promise.all(initial.map((topic) => client.send(new PublishCommand({ topic, payload: text("1"), retain: true }))));
    const seen: string[] = [];
    let nextToken: string | undefined;
    let round = 0;
    do {
      const page = await client.send(new ListRetainedMessagesCommand({ maxResults: 5, nextToken }));
      seen.push(...page.retainedTopics!.map((t) => t.topic!).filter((t) => t.startsWith(prefix)));
      nextToken = page.nextToken;
      await client.send(new PublishCommand({ topic: `${prefix}new-${round++}`, payload: text("2"), retain: true }));
    } while (nextToken);
    expect(new Set(seen).size).toBe(seen.length);
    for (const topic of initial) expect(seen).toContain(topic);
  }, 120_000);

  it.each([
    ["a forged nextToken", () => new ListRetainedMessagesCommand({ nextToken: "eyJzIjo5OTl9.AAAA" })],
    ["maxResults above 200", () => new ListRetainedMessagesCommand({ maxResults: 201 })],
    ["qos 2", () => new PublishCommand({ topic: "a/b", qos: 2 })],
    ["a wildcard in the topic", () => new PublishCommand({ topic: "a/+/b" })],
    ["a topic over 256 bytes", () => new PublishCommand({ topic: "é".repeat(129) })],
    ["a topic with 8 slashes", () => new PublishCommand({ topic: "a/b/c/d/e/f/g/h/i" })],
    ["a retained publish to a reserved topic", () => new PublishCommand({ topic: "$aws/things/x/shadow/update", retain: true, payload: text("{}") })],
  ])("rejects %s with InvalidRequestException", async (_, command) => {
    await expect(client.send(command() as PublishCommand)).rejects.toBeInstanceOf(InvalidRequestException);
  });

  it("refuses a payload over 128 KB with 413 RequestEntityTooLargeException before reading it all", async () => {
    const error = await client.send(new PublishCommand({ topic: "big/one", payload: new Uint8Array(128 * 1024 + 1) })).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: "RequestEntityTooLargeException", $metadata: { httpStatusCode: 413 } });
  });

  it("answers a shadow request published over HTTP on the shadow's MQTT topics", async () => {
    const thing = uniqueName("viahttp");
    const device = await connectMqtt(baseUrl, { clientId: uniqueName("dev") });
    await device.client.subscribeAsync(`$aws/things/${thing}/shadow/update/+`, { qos: 1 });
    await client.send(
      new PublishCommand({
        topic: `$aws/things/${thing}/shadow/update`,
        payload: text(JSON.stringify({ state: { desired: { on: true } }, clientToken: "h1" })),
      }),
    );
    const accepted = JSON.parse((await device.next(`$aws/things/${thing}/shadow/update/accepted`)).payload.toString());
    expect(accepted).toMatchObject({ version: 1, clientToken: "h1", state: { desired: { on: true } } });
    await client.send(new PublishCommand({ topic: `$aws/things/${thing}/shadow/update`, payload: text("{bad") }));
    const rejected = JSON.parse((await device.next(`$aws/things/${thing}/shadow/update/rejected`)).payload.toString());
    expect(rejected).toMatchObject({ code: 400, message: "Invalid JSON" });
    await device.end();
  });
});
