import { env, evictDurableObject, listDurableObjectIds } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { presignUrl } from "../../src/auth";
import { encode, MqttParser, type Packet } from "../../src/protocol/mqtt/codec";
import { uniqueName } from "../helpers/names";
import { signedRequest } from "../helpers/signedFetch";

/** An MQTT 3.1.1 client over a WebSocket opened inside workerd. */
async function open() {
  const { rawQuery } = await presignUrl(
    { rawPath: "/mqtt", host: "iot.test" },
    { credentials: { accessKeyId: "test", secretAccessKey: "test" }, region: "us-east-1", service: "iotdevicegateway", date: new Date() },
  );
  const response = await exports.default.fetch(
    new Request(`https://iot.test/mqtt?${rawQuery}`, { headers: { upgrade: "websocket", "sec-websocket-protocol": "mqtt" } }),
  );
  expect(response.status).toBe(101);
  expect(response.headers.get("sec-websocket-protocol")).toBe("mqtt");
  const ws = response.webSocket!;
  ws.accept();
  const parser = new MqttParser({ protocolVersion: 4, maxPacketSize: 1 << 20 });
  const packets: Packet[] = [];
  // Binary frames arrive as Blobs on this side (the default binaryType of current compatibility dates); keep order.
  let received = Promise.resolve();
  ws.addEventListener("message", (event) => {
    const data = event.data as ArrayBuffer | Blob;
    received = received.then(async () => {
      packets.push(...parser.push(new Uint8Array(data instanceof Blob ? await data.arrayBuffer() : data)));
    });
  });
  const next = async (cmd: Packet["cmd"]) => {
    for (let i = 0; i < 250; i++) {
      const index = packets.findIndex((p) => p.cmd === cmd);
      if (index !== -1) return packets.splice(index, 1)[0]!;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no ${cmd} arrived`);
  };
  return { ws, next, send: (packet: Packet) => ws.send(encode(packet, 4)), sendBytes: (bytes: Uint8Array) => ws.send(bytes) };
}

async function evictAllHubs() {
  const ids = await listDurableObjectIds(env.MQTT_HUBS);
  expect(ids.length).toBeGreaterThan(0);
  for (const id of ids) {
    // Hubs of earlier tests may not be running any more; those are evicted already.
    await evictDurableObject(env.MQTT_HUBS.get(id)).catch((error: Error) => expect(error.message).toContain("not currently running"));
  }
}

const publish = async (topic: string, body: string) =>
  exports.default.fetch(await signedRequest(`https://iot.test/topics/${encodeURIComponent(topic)}?qos=1`, { method: "POST", body }));

describe("MqttHubObject", () => {
  it("reads a packet split over two frames and several packets in one frame", async () => {
    const client = await open();
    const connect = encode({ cmd: "connect", protocolVersion: 4, clientId: uniqueName("frames"), clean: true, keepalive: 60 }, 4);
    client.sendBytes(connect.slice(0, 5));
    client.sendBytes(connect.slice(5));
    expect(await client.next("connack")).toMatchObject({ returnCode: 0 });
    const ping = encode({ cmd: "pingreq" }, 4);
    const topic = `frames/${uniqueName()}`;
    const subscribe = encode({ cmd: "subscribe", messageId: 7, subscriptions: [{ topic, qos: 0 }] }, 4);
    const both = new Uint8Array(ping.length * 2 + subscribe.length);
    both.set(ping, 0);
    both.set(subscribe, ping.length);
    both.set(ping, ping.length + subscribe.length);
    client.sendBytes(both);
    await client.next("pingresp");
    expect(await client.next("suback")).toMatchObject({ messageId: 7, granted: [0] });
    await client.next("pingresp");
    client.ws.close();
  });

  it("keeps a connection and its subscriptions across eviction of the hub (hibernation)", async () => {
    const client = await open();
    client.send({ cmd: "connect", protocolVersion: 4, clientId: uniqueName("hib"), clean: true, keepalive: 60 });
    expect(await client.next("connack")).toMatchObject({ returnCode: 0, sessionPresent: false });
    const topic = `hib/${uniqueName()}`;
    client.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic, qos: 1 }] });
    expect(await client.next("suback")).toMatchObject({ granted: [1] });

    await evictAllHubs();

    expect((await publish(topic, "after eviction")).status).toBe(200);
    const delivered = (await client.next("publish")) as Extract<Packet, { cmd: "publish" }>;
    expect(new TextDecoder().decode(delivered.payload)).toBe("after eviction");
    // The connection still speaks MQTT: its state came back from the attachment.
    client.send({ cmd: "puback", messageId: delivered.messageId! });
    client.send({ cmd: "pingreq" });
    await client.next("pingresp");
    client.ws.close();
  });

  it("keeps a persistent session's queued QoS 1 messages in storage across eviction", async () => {
    const clientId = uniqueName("store");
    const topic = `store/${uniqueName()}`;
    const first = await open();
    first.send({ cmd: "connect", protocolVersion: 4, clientId, clean: false, keepalive: 60 });
    await first.next("connack");
    first.send({ cmd: "subscribe", messageId: 1, subscriptions: [{ topic, qos: 1 }] });
    await first.next("suback");
    first.send({ cmd: "disconnect" });
    await new Promise((r) => setTimeout(r, 100));

    expect((await publish(topic, "queued")).status).toBe(200);
    await evictAllHubs();

    const second = await open();
    second.send({ cmd: "connect", protocolVersion: 4, clientId, clean: false, keepalive: 60 });
    expect(await second.next("connack")).toMatchObject({ sessionPresent: true });
    const delivered = (await second.next("publish")) as Extract<Packet, { cmd: "publish" }>;
    expect(new TextDecoder().decode(delivered.payload)).toBe("queued");
    expect(delivered.qos).toBe(1);
    second.ws.close();
  });
});
