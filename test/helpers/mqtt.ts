import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import WebSocket from "ws";
import { presignUrl } from "../../src/auth";
import { encode, MqttParser, type Packet } from "../../src/protocol/mqtt/codec";

export interface Received {
  topic: string;
  payload: Buffer;
  packet: mqtt.IPublishPacket;
}

/** A pre-signed `/mqtt` URL as the AWS device SDKs build it (service iotdevicegateway, no X-Amz-Expires). */
export async function presignedMqttUrl(
  baseUrl: string,
  options: { accessKeyId?: string; secretAccessKey?: string; date?: Date; sessionToken?: string } = {},
): Promise<string> {
  const url = new URL(baseUrl);
  const { rawQuery } = await presignUrl(
    { rawPath: "/mqtt", host: url.host },
    {
      credentials: {
        accessKeyId: options.accessKeyId ?? "test",
        secretAccessKey: options.secretAccessKey ?? "test",
        ...(options.sessionToken ? { sessionToken: options.sessionToken } : {}),
      },
      region: "us-east-1",
      service: "iotdevicegateway",
      date: options.date ?? new Date(),
    },
  );
  return `ws://${url.host}/mqtt?${rawQuery}`;
}

/** A connected mqtt.js client that records every message it receives. */
export interface TestClient {
  client: MqttClient;
  messages: Received[];
  /** Resolves with the next message on `topic` (or the first one already received and not yet taken). */
  next(topic: string, timeoutMs?: number): Promise<Received>;
  /** Resolves after `ms` with the messages on `topic` received so far. */
  quiet(topic: string, ms?: number): Promise<Received[]>;
  end(): Promise<void>;
}

export async function connectMqtt(baseUrl: string, options: IClientOptions & { url?: string } = {}): Promise<TestClient> {
  const url = options.url ?? (await presignedMqttUrl(baseUrl));
  const client = mqtt.connect(url, { reconnectPeriod: 0, connectTimeout: 10_000, ...options });
  const messages: Received[] = [];
  const taken = new Set<Received>();
  const waiters: { topic: string; resolve: (m: Received) => void }[] = [];
  client.on("message", (topic, payload, packet) => {
    const message = { topic, payload, packet };
    messages.push(message);
    const waiter = waiters.findIndex((w) => w.topic === topic);
    if (waiter !== -1) {
      taken.add(message);
      waiters.splice(waiter, 1)[0]!.resolve(message);
    }
  });
  await new Promise<void>((resolve, reject) => {
    client.once("connect", () => resolve());
    client.once("error", reject);
    client.once("close", () => reject(new Error("connection closed before CONNACK")));
  });
  return {
    client,
    messages,
    next(topic, timeoutMs = 10_000) {
      const ready = messages.find((m) => m.topic === topic && !taken.has(m));
      if (ready) {
        taken.add(ready);
        return Promise.resolve(ready);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no message on ${topic} within ${timeoutMs} ms`)), timeoutMs);
        waiters.push({
          topic,
          resolve: (m) => {
            clearTimeout(timer);
            resolve(m);
          },
        });
      });
    },
    async quiet(topic, ms = 500) {
      await new Promise((r) => setTimeout(r, ms));
      return messages.filter((m) => m.topic === topic);
    },
    // A polite end: DISCONNECT, then close (end(true) would only drop the socket).
    end: () => new Promise<void>((resolve) => client.end(false, {}, () => resolve())),
  };
}

/** Resolves once the socket is open; rejects on an error before that. */
export function opened(ws: WebSocket): Promise<void> {
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve());
    ws.once("error", reject);
  });
}

/** Polls until `check` holds (or fails after `ms`). */
export async function waitFor(check: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 20));
  }
}

export type RawClient = Awaited<ReturnType<typeof rawClient>>;

/** A bare WebSocket speaking MQTT through our codec, for what mqtt.js will not do (malformed packets, silence, no acks). */
export async function rawClient(
  baseUrl: string,
  options: { url?: string; protocolVersion?: 4 | 5; accessKeyId?: string; secretAccessKey?: string } = {},
) {
  const v = options.protocolVersion ?? 4;
  const credentials = options.accessKeyId ? { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey ?? "" } : {};
  const ws = new WebSocket(options.url ?? (await presignedMqttUrl(baseUrl, credentials)), ["mqtt"]);
  const parser = new MqttParser({ protocolVersion: v, maxPacketSize: 1 << 20 });
  const packets: Packet[] = [];
  ws.on("message", (data: Buffer) => packets.push(...parser.push(new Uint8Array(data))));
  const closed = new Promise<number>((resolve) => ws.on("close", (code) => resolve(code)));
  await opened(ws);
  /** The next packet of a kind (waiting for it), taken out of the received list. */
  const next = async <C extends Packet["cmd"]>(cmd: C, ms = 10_000): Promise<Extract<Packet, { cmd: C }>> => {
    let found: Extract<Packet, { cmd: C }> | undefined;
    await waitFor(() => {
      const i = packets.findIndex((p) => p.cmd === cmd);
      if (i === -1) return false;
      found = packets.splice(i, 1)[0] as Extract<Packet, { cmd: C }>;
      return true;
    }, ms);
    return found!;
  };
  return { ws, packets, closed, next, send: (packet: Packet, version: 4 | 5 = v) => ws.send(encode(packet, version)) };
}
