import { base64ToBytes } from "./base64";
import { ServiceError } from "./errors";
import { clampMessageExpiry, type Message, type MessageProperties } from "./message";
import { validatePublishTopic } from "./topics";

/** AWS IoT message broker limits (Developer Guide "AWS IoT Core message broker and protocol limits and quotas"). */
export const MESSAGE_LIMITS = {
  /** Maximum payload of a publish (HTTP or MQTT). */
  maxPayloadBytes: 128 * 1024,
} as const;

/** What the HTTP Publish operation carries besides the payload (restJson1 bindings, aws-iot-data-plane.md §2). */
export interface PublishRequestParts {
  /** The still-encoded remainder of the path after `/topics/` (the SDK sends `/` as `%2F`; curl sends it raw). */
  rawTopic: string;
  query: URLSearchParams;
  headers: Headers;
  payload: Uint8Array;
}

const invalid = (message: string) => new ServiceError("InvalidRequest", message);

/** Parses and validates an HTTP Publish into the message it publishes. Throws InvalidRequest on any bad part. */
export function parsePublishRequest(parts: PublishRequestParts): Message {
  const topic = decodeTopic(parts.rawTopic);
  const qos = parseQos(parts.query.get("qos"));
  const retain = parseBooleanQuery("retain", parts.query.get("retain"));
  validatePublishTopic(topic, { retain });
  if (parts.payload.byteLength > MESSAGE_LIMITS.maxPayloadBytes) {
    throw invalid(`Payload size exceeds the maximum of ${MESSAGE_LIMITS.maxPayloadBytes} bytes`);
  }
  const properties = parseMessageProperties(parts.query, parts.headers);
  return { topic, payload: parts.payload, qos, retain, ...(properties ? { properties } : {}) };
}

export function decodeTopic(rawTopic: string): string {
  try {
    return decodeURIComponent(rawTopic);
  } catch {
    throw invalid("The topic is not correctly percent-encoded");
  }
}

function parseQos(raw: string | null): 0 | 1 {
  if (raw === null || raw === "0") return 0;
  if (raw === "1") return 1;
  throw invalid("qos must be 0 or 1");
}

/** A `true`/`false` query parameter (any case; absent ⇒ false), as the data plane's APIs take them. */
export function parseBooleanQuery(name: string, raw: string | null | undefined): boolean {
  if (raw === null || raw === undefined) return false;
  const value = raw.toLowerCase();
  if (value === "true") return true;
  if (value === "false") return false;
  throw invalid(`${name} must be true or false`);
}

/** MQTT 5 properties of an HTTP message (Publish, SendDirectMessage): query `contentType`, `responseTopic`,
 * `messageExpiry` and the `x-amz-mqtt5-*` headers. Throws InvalidRequest naming the bad part. */
export function parseMessageProperties(query: URLSearchParams, headers: Headers): MessageProperties | undefined {
  const properties: MessageProperties = {};
  const contentType = query.get("contentType");
  if (contentType !== null) properties.contentType = contentType;
  const responseTopic = query.get("responseTopic");
  if (responseTopic !== null) {
    validatePublishTopic(responseTopic);
    properties.responseTopic = responseTopic;
  }
  const expiry = query.get("messageExpiry");
  if (expiry !== null) {
    if (!/^\d{1,10}$/.test(expiry) || Number(expiry) > 0xffffffff) throw invalid("messageExpiry must be a number of seconds");
    // 0 or absent: the message never expires (Publish API); more than 7 days is lowered to 7 days as over MQTT.
    if (Number(expiry) > 0) properties.messageExpiryInterval = clampMessageExpiry(Number(expiry));
  }
  const format = headers.get("x-amz-mqtt5-payload-format-indicator");
  if (format !== null) {
    if (format !== "UNSPECIFIED_BYTES" && format !== "UTF8_DATA") {
      throw invalid("x-amz-mqtt5-payload-format-indicator must be UNSPECIFIED_BYTES or UTF8_DATA");
    }
    properties.payloadFormatIndicator = format === "UTF8_DATA";
  }
  const correlation = headers.get("x-amz-mqtt5-correlation-data");
  if (correlation !== null) properties.correlationData = decodeBase64(correlation, "x-amz-mqtt5-correlation-data");
  const userProperties = headers.get("x-amz-mqtt5-user-properties");
  if (userProperties !== null) {
    const text = new TextDecoder().decode(decodeBase64(userProperties, "x-amz-mqtt5-user-properties"));
    properties.userProperties = parseUserPropertiesJson(text);
  }
  return Object.keys(properties).length > 0 ? properties : undefined;
}

/** The user-properties JSON AWS uses: an array of one-key objects, `[{"deviceName":"alpha"},{"deviceCnt":"45"}]`. */
export function parseUserPropertiesJson(text: string): [string, string][] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalid("x-amz-mqtt5-user-properties must be base64-encoded JSON");
  }
  if (!Array.isArray(parsed)) throw invalid("x-amz-mqtt5-user-properties must be a JSON array of objects");
  const pairs: [string, string][] = [];
  for (const item of parsed) {
    if (typeof item !== "object" || item === null || Array.isArray(item)) {
      throw invalid("x-amz-mqtt5-user-properties must be a JSON array of objects");
    }
    for (const [key, value] of Object.entries(item)) {
      if (typeof value !== "string") throw invalid("User property values must be strings");
      pairs.push([key, value]);
    }
  }
  return pairs;
}

export function userPropertiesJson(pairs: readonly [string, string][]): string {
  return JSON.stringify(pairs.map(([key, value]) => ({ [key]: value })));
}

/** Base64 from a client: anything else is InvalidRequest, naming the field. */
export function decodeBase64(text: string, what: string): Uint8Array {
  try {
    return base64ToBytes(text);
  } catch {
    throw invalid(`${what} must be base64-encoded`);
  }
}
