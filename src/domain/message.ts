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
