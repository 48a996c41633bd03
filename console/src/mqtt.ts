import { SignatureV4 } from "@smithy/signature-v4";
import type { MqttClient } from "mqtt";
import { matchesTopicFilter } from "../../src/domain/topics";
import type { Session } from "./session";
import { WebCryptoSha256 } from "./sha256";

/** A pre-signed URL is valid this long; a fresh one is made well before, for reconnects. */
const URL_LIFETIME_SECONDS = 3600;
const URL_REFRESH_MS = 15 * 60_000;

export interface ReceivedMessage {
  topic: string;
  payload: Uint8Array;
  qos: number;
  retain: boolean;
  receivedAt: number;
}

type Listener = (message: ReceivedMessage) => void;
export type ConnectionState = "connecting" | "connected" | "offline";

/**
 * The SigV4 pre-signed `/mqtt` URL, made in the browser exactly as the AWS IoT device SDKs make theirs (service
 * `iotdevicegateway`, signed host = this origin's host).
 */
export async function presignedMqttUrl(
  session: Session,
  location: { protocol: string; hostname: string; host: string; port: string },
): Promise<string> {
  const signer = new SignatureV4({
    service: "iotdevicegateway",
    region: session.region,
    sha256: WebCryptoSha256,
    credentials: { accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey },
  });
  const protocol = location.protocol === "https:" ? "wss:" : "ws:";
  const signed = await signer.presign(
    {
      method: "GET",
      protocol,
      hostname: location.hostname,
      ...(location.port ? { port: Number(location.port) } : {}),
      path: "/mqtt",
      headers: { host: location.host },
      query: {},
    },
    { expiresIn: URL_LIFETIME_SECONDS },
  );
  const query = new URLSearchParams(signed.query as Record<string, string>);
  return `${protocol}//${location.host}/mqtt?${query}`;
}

/**
 * One MQTT 5 connection per console tab, over the product's own `/mqtt`, shared by every view: each view subscribes
 * to the filters it needs and is told of the messages that match them. Subscriptions are counted per filter, so two
 * views on one filter make one SUBSCRIBE, and the last to leave unsubscribes.
 */
export class ConsoleMqtt {
  private client: MqttClient | undefined;
  private url = "";
  private refresh: ReturnType<typeof setInterval> | undefined;
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly stateListeners = new Set<(state: ConnectionState) => void>();
  state: ConnectionState = "offline";
  readonly clientId = `console-${Math.random().toString(36).slice(2, 10)}`;

  constructor(private readonly session: Session) {}

  private async ensureConnected(): Promise<MqttClient> {
    if (this.client) return this.client;
    // mqtt.js is its own chunk, loaded when a view first needs MQTT: the first page stays small.
    const [{ default: mqtt }, url] = await Promise.all([import("mqtt"), presignedMqttUrl(this.session, location)]);
    this.url = url;
    if (this.client) return this.client;
    this.setState("connecting");
    const client = mqtt.connect(this.url, {
      clientId: this.clientId,
      protocolVersion: 5,
      clean: true,
      reconnectPeriod: 2000,
      // Reconnects use the latest pre-signed URL (refreshed below), never an expired one.
      transformWsUrl: () => this.url,
    });
    this.client = client;
    client.on("connect", () => this.setState("connected"));
    client.on("offline", () => this.setState("offline"));
    client.on("close", () => this.setState(this.state === "connected" ? "offline" : this.state));
    client.on("message", (topic, payload, packet) => {
      const message = { topic, payload: new Uint8Array(payload), qos: packet.qos, retain: packet.retain, receivedAt: Date.now() };
      for (const [filter, listeners] of this.listeners) {
        if (matchesTopicFilter(filter, topic)) for (const listener of listeners) listener(message);
      }
    });
    this.refresh = setInterval(() => {
      presignedMqttUrl(this.session, location).then((url) => (this.url = url), console.error);
    }, URL_REFRESH_MS);
    return client;
  }

  /** Subscribes `listener` to `filter`; resolves once the broker granted it (SUBACK), with the unsubscribe function. */
  async subscribe(filter: string, listener: Listener, qos: 0 | 1 = 1): Promise<() => void> {
    const client = await this.ensureConnected();
    let listeners = this.listeners.get(filter);
    if (!listeners) {
      listeners = new Set();
      this.listeners.set(filter, listeners);
      try {
        await new Promise<void>((resolve, reject) =>
          client.subscribe(filter, { qos }, (error, granted) => {
            const code = granted?.[0]?.qos;
            if (error) reject(error);
            else if (code !== undefined && code >= 0x80) reject(new Error(`Subscription to ${filter} refused (reason code 0x${code.toString(16)})`));
            else resolve();
          }),
        );
      } catch (error) {
        this.listeners.delete(filter);
        throw error;
      }
    }
    listeners.add(listener);
    return () => {
      const current = this.listeners.get(filter);
      if (!current) return;
      current.delete(listener);
      if (current.size === 0) {
        this.listeners.delete(filter);
        client.unsubscribe(filter);
      }
    };
  }

  async publish(topic: string, payload: string, qos: 0 | 1, retain: boolean): Promise<void> {
    const client = await this.ensureConnected();
    await client.publishAsync(topic, payload, { qos, retain });
  }

  onState(listener: (state: ConnectionState) => void): () => void {
    this.stateListeners.add(listener);
    listener(this.state);
    return () => this.stateListeners.delete(listener);
  }

  close(): void {
    if (this.refresh) clearInterval(this.refresh);
    this.client?.end(true);
    this.client = undefined;
    this.listeners.clear();
    this.setState("offline");
  }

  private setState(state: ConnectionState): void {
    this.state = state;
    for (const listener of this.stateListeners) listener(state);
  }
}
