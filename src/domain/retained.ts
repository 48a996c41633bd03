import { base64ToBytes, bytesToBase64 } from "./base64";
import type { Message, MessageProperties } from "./message";
import { userPropertiesJson } from "./publish";
import { shardOf } from "./sharding";

/**
 * Retained messages are spread over a fixed number of Durable Objects by a hash of the topic, so no one object
 * holds them all. Changing this number re-homes every topic: it is fixed for the life of a deployment.
 */
export const RETAINED_SHARD_COUNT = 16;
export const LIST_RETAINED_MAX_RESULTS = 200;

export const retainedShardOf = (topic: string): number => shardOf(topic, RETAINED_SHARD_COUNT);

export interface RetainedRecord {
  topic: string;
  payload: Uint8Array;
  qos: 0 | 1;
  properties?: MessageProperties;
  /** Epoch milliseconds. */
  lastModifiedTime: number;
}

export interface RetainedSummary {
  topic: string;
  payloadSize: number;
  qos: number;
  lastModifiedTime: number;
}

/** Position of a ListRetainedMessages walk: the shard, and the last topic returned from it. */
export interface RetainedCursor {
  shard: number;
  after: string;
}

export function parseRetainedCursor(payload: Record<string, unknown>): RetainedCursor | undefined {
  const { s, a } = payload;
  if (typeof s !== "number" || !Number.isInteger(s) || s < 0 || s >= RETAINED_SHARD_COUNT || typeof a !== "string") {
    return undefined;
  }
  return { shard: s, after: a };
}

export const retainedCursorPayload = (cursor: RetainedCursor): Record<string, unknown> => ({ s: cursor.shard, a: cursor.after });

/** GetRetainedMessage response: payload and userProperties are blobs (base64 in JSON). */
export function retainedMessageDocument(record: RetainedRecord): Record<string, unknown> {
  const document: Record<string, unknown> = {
    topic: record.topic,
    payload: bytesToBase64(record.payload),
    qos: record.qos,
    lastModifiedTime: record.lastModifiedTime,
  };
  const userProperties = record.properties?.userProperties;
  if (userProperties?.length) document.userProperties = bytesToBase64(new TextEncoder().encode(userPropertiesJson(userProperties)));
  return document;
}

export function retainedRecordOf(message: Message, now: number): RetainedRecord {
  return {
    topic: message.topic,
    payload: message.payload,
    qos: message.qos,
    ...(message.properties ? { properties: message.properties } : {}),
    lastModifiedTime: now,
  };
}

/** Properties as stored text (correlation data as base64). */
export function serializeProperties(properties: MessageProperties | undefined): string | null {
  if (!properties) return null;
  const { correlationData, ...rest } = properties;
  return JSON.stringify(correlationData ? { ...rest, correlationData: bytesToBase64(correlationData) } : rest);
}

export function deserializeProperties(text: string | null): MessageProperties | undefined {
  if (text === null) return undefined;
  const { correlationData, ...rest } = JSON.parse(text) as MessageProperties & { correlationData?: string };
  return correlationData !== undefined ? { ...rest, correlationData: base64ToBytes(correlationData) } : rest;
}
