/**
 * AWS IoT lifecycle events (Developer Guide "Lifecycle events"): the documents the broker publishes on
 * `$aws/events/presence/{connected,disconnected,connect_failed}/{clientId}` and
 * `$aws/events/subscriptions/{subscribed,unsubscribed}/{clientId}`. Pure: the hub decides when, this module what.
 */
import { jsonMessage, type Message } from "./message";

/** Why a connection ended, as lifecycle events and GetConnection name it ([DG-LCE] "Disconnect reasons"). */
export const DISCONNECT_REASONS = [
  "AUTH_ERROR",
  "CLIENT_INITIATED_DISCONNECT",
  "CLIENT_ERROR",
  "CONNECTION_LOST",
  "DUPLICATE_CLIENTID",
  "FORBIDDEN_ACCESS",
  "MQTT_KEEP_ALIVE_TIMEOUT",
  "SERVER_ERROR",
  "SERVER_INITIATED_DISCONNECT",
  "API_INITIATED_DISCONNECT",
  "THROTTLED",
  "WEBSOCKET_TTL_EXPIRATION",
  "CUSTOMAUTH_TTL_EXPIRATION",
] as const;
export type DisconnectReason = (typeof DISCONNECT_REASONS)[number];

export const isDisconnectReason = (value: string): value is DisconnectReason => (DISCONNECT_REASONS as readonly string[]).includes(value);

/** What every event carries about the connection it is about. */
export interface EventSubject {
  clientId: string;
  /** Epoch ms. */
  timestamp: number;
  /** Unique for the life of the session. */
  sessionIdentifier: string;
  principalIdentifier: string;
}

/** "Clients with `#` or `+` in their client ID do not produce lifecycle events" ([DG-LCE]). */
export const emitsLifecycleEvents = (clientId: string): boolean => !clientId.includes("#") && !clientId.includes("+");

const PRESENCE = "$aws/events/presence";
const SUBSCRIPTIONS = "$aws/events/subscriptions";

// Events go out at QoS 1 (AWS's own QoS is unverified): a QoS 1 subscriber, persistent sessions included, gets each
// one at least once, as any other message; a QoS 0 subscriber gets it at QoS 0.
export function connectedEvent(subject: EventSubject, details: { ipAddress?: string; versionNumber: number }): Message {
  return jsonMessage(`${PRESENCE}/connected/${subject.clientId}`, {
    ...base(subject, "connected"),
    ...(details.ipAddress !== undefined ? { ipAddress: details.ipAddress } : {}),
    versionNumber: details.versionNumber,
  });
}

export function disconnectedEvent(subject: EventSubject, details: { reason: DisconnectReason; versionNumber: number }): Message {
  return jsonMessage(`${PRESENCE}/disconnected/${subject.clientId}`, {
    ...base(subject, "disconnected"),
    // True only when the client itself ended the connection (its DISCONNECT).
    clientInitiatedDisconnect: details.reason === "CLIENT_INITIATED_DISCONNECT",
    disconnectReason: details.reason,
    versionNumber: details.versionNumber,
  });
}

/** One event per SUBSCRIBE / UNSUBSCRIBE packet, listing its filters. */
export function subscriptionEvent(kind: "subscribed" | "unsubscribed", subject: EventSubject, topics: readonly string[]): Message {
  return jsonMessage(`${SUBSCRIPTIONS}/${kind}/${subject.clientId}`, { ...base(subject, kind), topics: [...topics] });
}

/** Not authorized to connect, or to publish the will it asked for ([DG-LCE]: the only failure reason). */
export function connectFailedEvent(subject: EventSubject, details: { ipAddress?: string }): Message {
  return jsonMessage(`${PRESENCE}/connect_failed/${subject.clientId}`, {
    ...base(subject, "connect_failed"),
    connectFailureReason: "AUTHORIZATION_FAILED",
    ...(details.ipAddress !== undefined ? { ipAddress: details.ipAddress } : {}),
  });
}

function base(subject: EventSubject, eventType: string) {
  return {
    clientId: subject.clientId,
    timestamp: subject.timestamp,
    eventType,
    sessionIdentifier: subject.sessionIdentifier,
    principalIdentifier: subject.principalIdentifier,
  };
}

/**
 * The principal as events name it. AWS names an IAM caller `{account}/{accessKeyId}:{name}` (old docs' example
 * `000000000000/ABCDEFGHIJKLMNOPQRSTU:some-user/...`); this server's principals are access keys with a name.
 */
export const principalIdentifier = (account: string, accessKeyId: string, name: string | undefined): string =>
  `${account}/${accessKeyId}${name ? `:${name}` : ""}`;

/**
 * The reason a server-side close of an established connection is reported with, from the MQTT 5 reason code it
 * was closed with (the mapping beyond AWS's table is ours): not authorized → AUTH_ERROR, a quota → THROTTLED,
 * an unexpected failure → SERVER_ERROR, any other protocol violation → CLIENT_ERROR.
 */
export function disconnectReasonOfCode(reasonCode: number, protocolViolation: boolean): DisconnectReason {
  if (!protocolViolation) return "SERVER_ERROR";
  if (reasonCode === 0x87) return "AUTH_ERROR";
  if (reasonCode === 0x97) return "THROTTLED";
  return "CLIENT_ERROR";
}
