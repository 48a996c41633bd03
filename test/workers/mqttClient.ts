import { env } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import { app } from "../../src/app/app";
import { presignUrl } from "../../src/auth";
import { encode, MqttParser, type Packet } from "../../src/protocol/mqtt/codec";
import { signedRequest } from "../helpers/signedFetch";

export type Publish = Extract<Packet, { cmd: "publish" }>;

/**
 * An MQTT client over a WebSocket opened inside workerd: through the edge (a hub of a pool, as devices connect), or
 * straight to a named hub (to put several clients on one hub, or to evict the hub a client is on).
 */
export async function openMqtt(
  options: { hub?: string; protocolVersion?: 4 | 5; edge?: { env: Env; cf?: Record<string, unknown> }; headers?: Record<string, string> } = {},
) {
  const v = options.protocolVersion ?? 4;
  let response: Response;
  if (options.hub) {
    response = await env.MQTT_HUBS.getByName(options.hub).fetch(
      new Request("https://iot.test/mqtt", { headers: { upgrade: "websocket", "x-iot-access-key-id": "test", "x-iot-subprotocol": "mqtt" } }),
    );
  } else {
    const { rawQuery } = await presignUrl(
      { rawPath: "/mqtt", host: "iot.test" },
      { credentials: { accessKeyId: "test", secretAccessKey: "test" }, region: "us-east-1", service: "iotdevicegateway", date: new Date() },
    );
    const request = new Request(`https://iot.test/mqtt?${rawQuery}`, {
      headers: { upgrade: "websocket", "sec-websocket-protocol": "mqtt", ...options.headers },
      ...(options.edge?.cf ? { cf: options.edge.cf } : {}),
    });
    // Through the edge as deployed, or through the app with another configuration (`edge.env`).
    response = options.edge ? await app.request(request, undefined, options.edge.env) : await exports.default.fetch(request);
  }
  expect(response.status).toBe(101);
  const ws = response.webSocket!;
  ws.accept();
  const parser = new MqttParser({ protocolVersion: v, maxPacketSize: 1 << 20 });
  const packets: Packet[] = [];
  let closed = false;
  ws.addEventListener("close", () => {
    closed = true;
  });
  // Binary frames arrive as Blobs on this side (the default binaryType of current compatibility dates); keep order.
  let received = Promise.resolve();
  ws.addEventListener("message", (event) => {
    const data = event.data as ArrayBuffer | Blob;
    received = received.then(async () => {
      packets.push(...parser.push(new Uint8Array(data instanceof Blob ? await data.arrayBuffer() : data)));
    });
  });
  const next = async <C extends Packet["cmd"]>(cmd: C, ms = 5000): Promise<Extract<Packet, { cmd: C }>> => {
    for (let waited = 0; waited < ms; waited += 20) {
      const index = packets.findIndex((p) => p.cmd === cmd);
      if (index !== -1) return packets.splice(index, 1)[0] as Extract<Packet, { cmd: C }>;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no ${cmd} arrived`);
  };
  const send = (packet: Packet) => ws.send(encode(packet, v));
  return {
    ws,
    packets,
    next,
    send,
    sendBytes: (bytes: Uint8Array) => ws.send(bytes),
    isClosed: () => closed,
    /** CONNECT and wait for CONNACK. */
    async connect(clientId: string, options: { clean?: boolean; receiveMaximum?: number } = {}) {
      send({
        cmd: "connect",
        protocolVersion: v,
        clientId,
        clean: options.clean ?? true,
        keepalive: 60,
        ...(v === 5
          ? {
              properties: {
                sessionExpiryInterval: options.clean === false ? 3600 : 0,
                ...(options.receiveMaximum ? { receiveMaximum: options.receiveMaximum } : {}),
              },
            }
          : {}),
      });
      return next("connack");
    },
    async subscribe(topic: string, qos: 0 | 1 = 1, messageId = 1) {
      send({ cmd: "subscribe", messageId, subscriptions: [{ topic, qos }] });
      return next("suback");
    },
  };
}

export type MqttTestClient = Awaited<ReturnType<typeof openMqtt>>;

/** HTTP Publish through the edge (SigV4-signed), as a backend would publish. */
export async function httpPublish(topic: string, body: string, qos: 0 | 1 = 1): Promise<Response> {
  return exports.default.fetch(await signedRequest(`https://iot.test/topics/${encodeURIComponent(topic)}?qos=${qos}`, { method: "POST", body }));
}

export const text = (payload: Uint8Array) => new TextDecoder().decode(payload);
