/** MQTT 5 properties a message can carry end to end (HTTP Publish query/headers ⇄ MQTT PUBLISH). */
export interface MessageProperties {
  payloadFormatIndicator?: boolean;
  messageExpiryInterval?: number;
  contentType?: string;
  responseTopic?: string;
  correlationData?: Uint8Array;
  /** Ordered; MQTT 5 allows the same key more than once. */
  userProperties?: [string, string][];
}

/** One application message, whichever way it entered (HTTP Publish, MQTT PUBLISH, a service notification). */
export interface Message {
  /**
   * Unique per message, given where it enters (broker/pipeline withId): a hub never delivers one message twice to a
   * client however many times it reaches the hub (a retried call, overlapping subscriptions, a handover's overlap).
   */
  id?: string;
  topic: string;
  payload: Uint8Array;
  qos: 0 | 1;
  retain: boolean;
  properties?: MessageProperties;
}

const encoder = new TextEncoder();

/** A service notification (shadow accepted/rejected/delta/documents...): JSON, QoS 1, never retained. */
export function jsonMessage(topic: string, document: unknown): Message {
  return { topic, payload: encoder.encode(JSON.stringify(document)), qos: 1, retain: false };
}

/** AWS IoT: a Message Expiry Interval is at least 1 s (0 is raised to 1) and at most 7 days (larger is lowered). */
export const MESSAGE_EXPIRY_MIN_SECONDS = 1;
export const MESSAGE_EXPIRY_MAX_SECONDS = 7 * 24 * 3600;

export function clampMessageExpiry(seconds: number): number {
  return Math.min(MESSAGE_EXPIRY_MAX_SECONDS, Math.max(MESSAGE_EXPIRY_MIN_SECONDS, seconds));
}

/**
 * Seconds a message stored at `storedAtSeconds` has left at `nowSeconds`: undefined when it never expires, ≤ 0 when it
 * has expired [MQTT-3.3.2-5]. What is forwarded carries this remaining interval [MQTT-3.3.2-6].
 */
export function remainingExpiry(message: Pick<Message, "properties">, storedAtSeconds: number, nowSeconds: number): number | undefined {
  const expiry = message.properties?.messageExpiryInterval;
  return expiry === undefined ? undefined : expiry - (nowSeconds - storedAtSeconds);
}
