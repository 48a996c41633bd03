import { MESSAGE_LIMITS } from "../../../domain/publish";

/**
 * AWS IoT Core message broker limits for MQTT (Developer Guide "AWS IoT Core endpoints and quotas",
 * "MQTT" and "differences from the MQTT specification"). One table, used by every MQTT handler.
 */
export const MQTT_LIMITS = {
  clientIdMaxBytes: 128,
  keepAliveMinSeconds: 30,
  keepAliveMaxSeconds: 1200,
  /** Subscriptions in one SUBSCRIBE packet. */
  subscriptionsPerSubscribe: 8,
  subscriptionsPerConnection: 50,
  /**
   * Persistent session expiry: AWS's default maximum is 1 hour, which an account may raise up to 7 days (here the
   * deployment's MQTT_SESSION_EXPIRY_MAX_SECONDS, within that bound).
   */
  sessionExpiryMaxSeconds: 3600,
  sessionExpiryCeilingSeconds: 7 * 24 * 3600,
  /** Topic aliases a client may set (client → server); AWS IoT's default of 8. None are sent to clients. */
  topicAliasMaximum: 8,
  /** Undelivered QoS 1 messages kept for one persistent session (oldest dropped first). */
  queuedMessagesPerSession: 1000,
  /** QoS 1 messages sent and not yet acknowledged, per connection (AWS: in-flight unacknowledged messages). */
  inflightPerConnection: 100,
  /** Whole MQTT packet: 128 KB payload plus room for the topic and properties. */
  maxPacketBytes: MESSAGE_LIMITS.maxPayloadBytes + 8 * 1024,
  /** A connection must send CONNECT this soon after the WebSocket opens. */
  connectTimeoutSeconds: 10,
  /** Publishes a connection may send per second (AWS: 100, inbound + outbound; we count inbound). Excess discarded. */
  publishesPerSecond: 100,
  /** Bytes a connection may send per second (AWS: 512 KiB/s). Excess is delayed. */
  inboundBytesPerSecond: 512 * 1024,
  /**
   * Bytes received from one connection and not yet handled (delayed by the rate limits, or waiting behind slow
   * routing). Past this the connection is closed (MQTT 5: DISCONNECT 0x97 Quota exceeded): one flooding client cannot
   * grow a hub's memory.
   */
  maxPendingInputBytes: 2 * 1024 * 1024,
} as const;

/**
 * AWS IoT accepts keep-alive 30–1200 s; 0 (disabled) and larger values become 1200, smaller ones the minimum
 * (30 s unless the deployment lowers it, which the end-to-end tests do to test keep-alive enforcement quickly).
 */
export function effectiveKeepAlive(requested: number, minimum: number = MQTT_LIMITS.keepAliveMinSeconds): number {
  if (requested === 0) return MQTT_LIMITS.keepAliveMaxSeconds;
  return Math.min(MQTT_LIMITS.keepAliveMaxSeconds, Math.max(minimum, requested));
}

/**
 * Seconds a session outlives its connection: 3.1.1 clean session ⇒ 0, persistent ⇒ the deployment's maximum (AWS:
 * the account's persistent session expiry); MQTT 5 as asked, capped at that maximum.
 */
export function effectiveSessionExpiry(
  protocolVersion: 4 | 5,
  clean: boolean,
  requested: number | undefined,
  maximum: number = MQTT_LIMITS.sessionExpiryMaxSeconds,
): number {
  if (protocolVersion === 4) return clean ? 0 : maximum;
  return Math.min(requested ?? 0, maximum);
}

/** The deployment's session expiry maximum: AWS's default 1 h unless configured, never above 7 days. */
export function sessionExpiryMaximum(configured: string | undefined): number {
  const seconds = configured === undefined || configured === "" ? Number.NaN : Number(configured);
  if (!Number.isInteger(seconds) || seconds < 0) return MQTT_LIMITS.sessionExpiryMaxSeconds;
  return Math.min(seconds, MQTT_LIMITS.sessionExpiryCeilingSeconds);
}

export function clientIdProblem(clientId: string): string | undefined {
  if (new TextEncoder().encode(clientId).byteLength > MQTT_LIMITS.clientIdMaxBytes) return "Client id longer than 128 bytes";
  if (clientId.startsWith("$")) return "Client id must not start with $";
  return undefined;
}
