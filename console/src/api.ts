import {
  DeleteThingShadowCommand,
  GetRetainedMessageCommand,
  GetThingShadowCommand,
  IoTDataPlaneClient,
  ListNamedShadowsForThingCommand,
  ListRetainedMessagesCommand,
  PublishCommand,
  UpdateThingShadowCommand,
} from "@aws-sdk/client-iot-data-plane";
import { SignatureV4 } from "@smithy/signature-v4";
import type { JsonObject } from "../../src/domain/shadow";
import type { HistoryEntry, ShadowChanges } from "../../src/domain/shadow/history";
import type { Session } from "./session";
import { WebCryptoSha256 } from "./sha256";

/** An error as the API answered it: the AWS exception name (x-amzn-ErrorType) and message. */
export class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

export interface ShadowDocument {
  state: { desired?: JsonObject; reported?: JsonObject; delta?: JsonObject };
  metadata: { desired?: JsonObject; reported?: JsonObject };
  version: number;
  timestamp: number;
}

export interface FleetPage {
  things: { thingName: string; shadowCount: number }[];
  nextToken?: string;
}

export interface HistoryPage {
  history: HistoryEntry[];
  nextToken?: string;
}

export interface RetainedPage {
  retainedTopics: { topic: string; payloadSize: number; qos: number; lastModifiedTime: number }[];
  nextToken?: string;
}

export interface RetainedMessage {
  topic: string;
  payload: Uint8Array;
  qos: number;
  lastModifiedTime: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Every call the console makes, signed in the browser with the signed-in principal's key: the AWS operations
 * through the AWS SDK's own client, this project's extensions (fleet directory, history) with the SDK's SigV4
 * signer. The console has exactly that principal's rights.
 */
export class ConsoleApi {
  private readonly client: IoTDataPlaneClient;
  private readonly signer: SignatureV4;

  constructor(
    readonly session: Session,
    private readonly origin: string = location.origin,
  ) {
    const credentials = { accessKeyId: session.accessKeyId, secretAccessKey: session.secretAccessKey };
    this.client = new IoTDataPlaneClient({ endpoint: origin, region: session.region, credentials, maxAttempts: 2 });
    this.signer = new SignatureV4({ service: "iotdata", region: session.region, sha256: WebCryptoSha256, credentials });
  }

  async getShadow(thingName: string, shadowName?: string): Promise<ShadowDocument | undefined> {
    try {
      const out = await this.call(() => this.client.send(new GetThingShadowCommand({ thingName, ...(shadowName ? { shadowName } : {}) })));
      return JSON.parse(decoder.decode(out.payload)) as ShadowDocument;
    } catch (error) {
      if (error instanceof ApiError && error.type === "ResourceNotFoundException") return undefined;
      throw error;
    }
  }

  async updateShadow(thingName: string, shadowName: string | undefined, document: object): Promise<{ version: number }> {
    const payload = encoder.encode(JSON.stringify(document));
    const out = await this.call(() => this.client.send(new UpdateThingShadowCommand({ thingName, ...(shadowName ? { shadowName } : {}), payload })));
    return JSON.parse(decoder.decode(out.payload)) as { version: number };
  }

  async deleteShadow(thingName: string, shadowName?: string): Promise<void> {
    await this.call(() => this.client.send(new DeleteThingShadowCommand({ thingName, ...(shadowName ? { shadowName } : {}) })));
  }

  async listNamedShadows(thingName: string, nextToken?: string): Promise<{ results: string[]; nextToken?: string }> {
    const out = await this.call(() =>
      this.client.send(new ListNamedShadowsForThingCommand({ thingName, pageSize: 100, ...(nextToken ? { nextToken } : {}) })),
    );
    return { results: out.results ?? [], ...(out.nextToken ? { nextToken: out.nextToken } : {}) };
  }

  async listRetained(maxResults: number, nextToken?: string): Promise<RetainedPage> {
    const out = await this.call(() => this.client.send(new ListRetainedMessagesCommand({ maxResults, ...(nextToken ? { nextToken } : {}) })));
    return {
      retainedTopics: (out.retainedTopics ?? []).map((t) => ({
        topic: t.topic ?? "",
        payloadSize: t.payloadSize ?? 0,
        qos: t.qos ?? 0,
        lastModifiedTime: t.lastModifiedTime ?? 0,
      })),
      ...(out.nextToken ? { nextToken: out.nextToken } : {}),
    };
  }

  async getRetained(topic: string): Promise<RetainedMessage> {
    const out = await this.call(() => this.client.send(new GetRetainedMessageCommand({ topic })));
    return { topic: out.topic ?? topic, payload: out.payload ?? new Uint8Array(), qos: out.qos ?? 0, lastModifiedTime: out.lastModifiedTime ?? 0 };
  }

  async publish(topic: string, payload: string, qos: 0 | 1, retain: boolean): Promise<void> {
    await this.call(() => this.client.send(new PublishCommand({ topic, payload: encoder.encode(payload), qos, retain })));
  }

  /** ListThingsWithShadows (this project's extension): a page of the things that have shadows. */
  listThings(maxResults: number, thingNamePrefix: string, nextToken?: string): Promise<FleetPage> {
    return this.extension("/api/things/shadow/ListThingsWithShadows", {
      maxResults: String(maxResults),
      ...(thingNamePrefix ? { thingNamePrefix } : {}),
      ...(nextToken ? { nextToken } : {}),
    });
  }

  /** A page of a shadow's history (this project's extension). */
  history(thingName: string, shadowName: string | undefined, maxResults: number, nextToken?: string): Promise<HistoryPage> {
    return this.extension(`/things/${thingName}/shadow/history`, {
      maxResults: String(maxResults),
      ...(shadowName ? { name: shadowName } : {}),
      ...(nextToken ? { nextToken } : {}),
    });
  }

  /** The net change of a shadow since a version (this project's extension). */
  changes(thingName: string, shadowName: string | undefined, sinceVersion: number): Promise<ShadowChanges> {
    return this.extension(`/things/${thingName}/shadow/changes`, {
      sinceVersion: String(sinceVersion),
      ...(shadowName ? { name: shadowName } : {}),
    });
  }

  /** An SDK call whose error becomes an ApiError (the exception's name, message and status). */
  private async call<T>(send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
      throw new ApiError(e.name ?? "Error", e.message ?? String(error), e.$metadata?.httpStatusCode);
    }
  }

  private async extension<T>(path: string, query: Record<string, string>): Promise<T> {
    const url = new URL(path, this.origin);
    const signed = await this.signer.sign({
      method: "GET",
      protocol: url.protocol,
      hostname: url.hostname,
      ...(url.port ? { port: Number(url.port) } : {}),
      path: url.pathname,
      query,
      headers: { host: url.host },
    });
    const headers = new Headers();
    // The browser sets Host itself (the signed value is the same origin's).
    for (const [name, value] of Object.entries(signed.headers)) if (name.toLowerCase() !== "host") headers.set(name, value);
    const response = await fetch(`${url.origin}${url.pathname}?${new URLSearchParams(query)}`, { headers });
    const body = (await response.json()) as T & { message?: string };
    if (!response.ok) throw new ApiError(response.headers.get("x-amzn-errortype") ?? "Error", body.message ?? response.statusText, response.status);
    return body;
  }
}

/** A payload for display: UTF-8 text when it is, else hex. */
export function payloadText(payload: Uint8Array): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(payload);
  } catch {
    return [...payload].map((b) => b.toString(16).padStart(2, "0")).join(" ");
  }
}
