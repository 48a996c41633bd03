/**
 * The connection operations of the IoT data plane (GetConnection, DeleteConnection, ListSubscriptions,
 * SendDirectMessage; Smithy model iot-data-plane, API reference `API_iotdata_*`, Developer Guide "Direct messaging"):
 * request parsing and the documents they answer with. Pure; the edge routes and the hub carry them out.
 */
import { ServiceError } from "./errors";
import type { DisconnectReason } from "./lifecycle";
import type { Message } from "./message";
import { MESSAGE_LIMITS, parseBooleanQuery, parseMessageProperties } from "./publish";
import { validatePublishTopic } from "./topics";

export const LIST_SUBSCRIPTIONS_MAX_RESULTS = { min: 1, max: 200, default: 20 } as const;
/** SendDirectMessage `timeout`, seconds: 1–15, default 5 ([API-SDM]). */
export const DIRECT_MESSAGE_TIMEOUT = { min: 1, max: 15, default: 5 } as const;

const invalid = (message: string) => new ServiceError("InvalidRequest", message);

/**
 * The `{clientId}` label, from the raw (still percent-encoded) path segment: the SDK encodes `/` as `%2F`.
 * Shape ClientId: 1–128 characters, not starting with `$`. The SDKs do not check it; the server must.
 */
export function parseClientIdLabel(rawSegment: string): string {
  let clientId: string;
  try {
    clientId = decodeURIComponent(rawSegment);
  } catch {
    throw invalid("The client ID is not correctly URL-encoded");
  }
  if (clientId.length === 0) throw invalid("The client ID must not be empty");
  if ([...clientId].length > 128) throw invalid("The client ID must not be longer than 128 characters");
  if (clientId.startsWith("$")) throw invalid("The client ID must not start with '$'");
  return clientId;
}

/** Boolean query members (`true`/`false` in any case: AWS's own examples send `TRUE`), parsed as Publish's `retain`. */
export { parseBooleanQuery };

export function parseSubscriptionsMaxResults(raw: string | null | undefined): number {
  if (raw === null || raw === undefined) return LIST_SUBSCRIPTIONS_MAX_RESULTS.default;
  const value = /^\d{1,4}$/.test(raw) ? Number(raw) : Number.NaN;
  const { min, max } = LIST_SUBSCRIPTIONS_MAX_RESULTS;
  if (!(value >= min && value <= max)) throw invalid(`maxResults must be between ${min} and ${max}`);
  return value;
}

/** What a ListSubscriptions `nextToken` carries (sealed by the edge): the client and the last filter listed. */
export interface SubscriptionsCursor {
  clientId: string;
  after: string;
}

export const subscriptionsCursorPayload = (cursor: SubscriptionsCursor): Record<string, unknown> => ({
  k: "subs",
  c: cursor.clientId,
  a: cursor.after,
});

/** A token is only good for the client it was issued for. */
export function parseSubscriptionsCursor(payload: Record<string, unknown>, clientId: string): SubscriptionsCursor {
  if (payload.k !== "subs" || payload.c !== clientId || typeof payload.a !== "string") throw invalid("Invalid nextToken");
  return { clientId, after: payload.a };
}

export interface SubscriptionSummary {
  topicFilter: string;
  qos: 0 | 1;
}

/**
 * One page of a session's subscriptions in filter order, after `after`: the page and, when more follow, the last
 * filter listed (the cursor of the next page).
 */
export function subscriptionsPage(
  all: readonly SubscriptionSummary[],
  after: string | undefined,
  maxResults: number,
): { subscriptions: SubscriptionSummary[]; last?: string } {
  const ordered = [...all].sort((a, b) => (a.topicFilter < b.topicFilter ? -1 : a.topicFilter > b.topicFilter ? 1 : 0));
  const rest = after === undefined ? ordered : ordered.filter((s) => s.topicFilter > after);
  const subscriptions = rest.slice(0, maxResults);
  return rest.length > maxResults ? { subscriptions, last: subscriptions[subscriptions.length - 1]!.topicFilter } : { subscriptions };
}

/** What the hub holding a client's session knows of its connection (RPC: plain data). */
export interface ConnectionView {
  clientId: string;
  connected: boolean;
  /** A session (persistent, or the clean session of the open connection) is held. */
  hasSession: boolean;
  keepAlive?: number;
  sessionExpiry: number;
  /** Epoch ms. */
  connectedAt?: number;
  /** Epoch ms. */
  disconnectedAt?: number;
  disconnectReason?: DisconnectReason;
  sourceIp?: string;
  sourcePort?: number;
  targetIp?: string;
  targetPort?: number;
}

/**
 * The GetConnection document. `connected` and `cleanSession` always (SDKs with Smithy defaults would read an absent
 * one as false); `connectedSince` only while connected, `disconnectedSince` and `disconnectReason` only while
 * disconnected and for 30 minutes ([API-GC]); the socket fields only when asked for.
 */
export function connectionDocument(view: ConnectionView, options: { includeSocketInformation: boolean; now: number }): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    connected: view.connected,
    clientId: view.clientId,
    cleanSession: view.sessionExpiry === 0,
  };
  if (view.keepAlive !== undefined) doc.keepAliveDuration = view.keepAlive;
  doc.sessionExpiry = view.sessionExpiry;
  if (view.connected) {
    if (view.connectedAt !== undefined) doc.connectedSince = view.connectedAt;
  } else if (view.disconnectedAt !== undefined && options.now - view.disconnectedAt <= DISCONNECT_MEMORY_MS) {
    doc.disconnectedSince = view.disconnectedAt;
    if (view.disconnectReason !== undefined) doc.disconnectReason = view.disconnectReason;
  }
  if (options.includeSocketInformation) {
    if (view.sourceIp !== undefined) doc.sourceIp = view.sourceIp;
    if (view.sourcePort !== undefined) doc.sourcePort = view.sourcePort;
    if (view.targetIp !== undefined) doc.targetIp = view.targetIp;
    if (view.targetPort !== undefined) doc.targetPort = view.targetPort;
  }
  return doc;
}

/** How long a disconnection is reported after it happened ([API-GC]: "available for 30 minutes"). */
export const DISCONNECT_MEMORY_MS = 30 * 60 * 1000;

export interface DirectMessageRequest {
  message: Message;
  confirmation: boolean;
  /** Only used with confirmation. */
  timeoutSeconds: number;
}

/**
 * A SendDirectMessage: `topic` (required, an ordinary topic name: not `$`-reserved), `confirmation`, `timeout`
 * (1–15 s; 0 as absent, for SDKs that send Smithy defaults), MQTT 5 properties as Publish carries them, the payload
 * (at most 128 KB: 413). QoS follows `confirmation` (QoS 1 waits for the PUBACK); never retained.
 */
export function parseDirectMessageRequest(parts: { query: URLSearchParams; headers: Headers; payload: Uint8Array }): DirectMessageRequest {
  const topic = parts.query.get("topic");
  if (topic === null || topic === "") throw invalid("The topic is required");
  if (topic.startsWith("$")) throw invalid("Direct messages cannot be sent to reserved topics (topics that start with '$')");
  validatePublishTopic(topic);
  const confirmation = parseBooleanQuery("confirmation", parts.query.get("confirmation"));
  const timeoutSeconds = parseTimeout(parts.query.get("timeout"), confirmation);
  if (parts.payload.byteLength > MESSAGE_LIMITS.maxPayloadBytes) {
    throw new ServiceError("RequestEntityTooLarge", `Payload size exceeds the maximum of ${MESSAGE_LIMITS.maxPayloadBytes} bytes`);
  }
  const properties = parseMessageProperties(parts.query, parts.headers);
  return {
    message: { topic, payload: parts.payload, qos: confirmation ? 1 : 0, retain: false, ...(properties ? { properties } : {}) },
    confirmation,
    timeoutSeconds,
  };
}

function parseTimeout(raw: string | null, confirmation: boolean): number {
  const { min, max } = DIRECT_MESSAGE_TIMEOUT;
  if (raw === null) return DIRECT_MESSAGE_TIMEOUT.default;
  const value = /^\d{1,6}$/.test(raw) ? Number(raw) : Number.NaN;
  if (Number.isNaN(value)) throw invalid(`timeout must be a number of seconds between ${min} and ${max}`);
  if (value === 0) return DIRECT_MESSAGE_TIMEOUT.default;
  // Only used with confirmation ([API-SDM]); out of range then is a bad request.
  if (confirmation && (value < min || value > max)) throw invalid(`timeout must be between ${min} and ${max} seconds`);
  return Math.min(max, Math.max(min, value));
}

/** What the hub holding the target's session did with a direct message. */
export type DirectOutcome =
  | "delivered"
  | "acknowledged"
  | "not-connected"
  | "offline-session"
  | "not-authorized"
  | "window-full"
  | "too-large"
  | "timeout";

/** The API's answer to an outcome ([DG-DM] "API response status codes"): null for 200. */
export function directMessageError(outcome: DirectOutcome, clientId: string): ServiceError | null {
  switch (outcome) {
    case "delivered":
    case "acknowledged":
      return null;
    case "not-connected":
      return new ServiceError("ResourceNotFound", "The target client ID is not connected");
    case "offline-session":
      // AWS's exact text ([DG-DM]).
      return new ServiceError("ResourceNotFound", "The target client ID is not connected, but it has an active persistent session");
    case "not-authorized":
      return new ServiceError("Forbidden", `The client ${clientId} is not authorized to receive messages on this topic`);
    case "window-full":
      return new ServiceError("Throttling", `The client ${clientId} has too many unacknowledged QoS 1 messages`);
    case "too-large":
      return new ServiceError("RequestEntityTooLarge", `The message exceeds the Maximum Packet Size of the client ${clientId}`);
    case "timeout":
      return new ServiceError("GatewayTimeout", `The client ${clientId} did not acknowledge the message in time`);
  }
}
