import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import { presignUrl } from "../../src/auth";

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
