import type { Message } from "../../../domain/message";
import { validatePublishTopic } from "../../../domain/topics";
import { type ConnackPacket, type ConnectPacket, ReasonCode } from "../codec";
import { clientIdProblem, effectiveKeepAlive, effectiveSessionExpiry, MQTT_LIMITS } from "./limits";
import { messageOfPublish } from "./messages";

export type ConnectDecision =
  | { accepted: false; connack: ConnackPacket }
  | {
      accepted: true;
      clientId: string;
      assignedClientId: boolean;
      keepAlive: number;
      sessionExpiry: number;
      /** QoS 1 messages this client may have unacknowledged: its Receive Maximum, within AWS's 100. */
      receiveMaximum: number;
      /** The largest packet the client accepts (MQTT 5 Maximum Packet Size): larger messages are not sent to it. */
      maximumPacketSize?: number;
      will?: Message;
    };

export interface ConnectContext {
  /** Used for the client id of a client that sent none. */
  connectionId: string;
  keepAliveFloor: number;
  /** The deployment's session expiry maximum (seconds; AWS: the account's persistent session expiry, 1 h default). */
  sessionExpiryMax: number;
  /** The iot:Connect policy check for a client id (false also when the caller's credentials are gone). */
  mayConnect(clientId: string): boolean;
  /** The will is a publish by the connecting principal: the same check as any publish (auth/mqtt mayPublish). */
  mayPublishWill(will: Message, clientId: string): boolean;
}

/** What a CONNECT gets, before any session is touched: a refusal CONNACK, or the connection's parameters. */
export function decideConnect(packet: ConnectPacket, context: ConnectContext): ConnectDecision {
  const v = packet.protocolVersion;
  const refuse = (returnCode: number, reasonCode: number): ConnectDecision => ({ accepted: false, connack: refusal(v, returnCode, reasonCode) });
  let clientId = packet.clientId;
  let assignedClientId = false;
  if (clientId === "") {
    // [MQTT-3.1.3-8]: a 3.1.1 client with a persistent session must name itself; others get an id [MQTT-3.1.3-6].
    if (v === 4 && !packet.clean) return refuse(2, ReasonCode.ClientIdentifierNotValid);
    clientId = `auto-${context.connectionId}`;
    assignedClientId = true;
  }
  if (clientIdProblem(clientId)) return refuse(2, ReasonCode.ClientIdentifierNotValid);
  // Enhanced authentication is not offered: SigV4 on the WebSocket upgrade is the authentication.
  if (packet.properties?.authenticationMethod !== undefined) return refuse(5, ReasonCode.BadAuthenticationMethod);
  if (!context.mayConnect(clientId)) return refuse(5, ReasonCode.NotAuthorized);
  let will: Message | undefined;
  if (packet.will) {
    try {
      validatePublishTopic(packet.will.topic, { retain: packet.will.retain });
    } catch {
      return refuse(5, ReasonCode.TopicNameInvalid);
    }
    const { topic, payload, qos, retain, properties } = packet.will;
    will = messageOfPublish({ cmd: "publish", topic, payload, qos, retain, dup: false, ...(properties ? { properties } : {}) });
    // A will the client may not publish is refused at CONNECT, not discovered when it would be published
    // (AWS IoT: lifecycle event connect_failed, "not authorized to publish to the will topic").
    if (!context.mayPublishWill(will, clientId)) return refuse(5, ReasonCode.NotAuthorized);
  }
  return {
    accepted: true,
    clientId,
    assignedClientId,
    keepAlive: effectiveKeepAlive(packet.keepalive, context.keepAliveFloor),
    sessionExpiry: effectiveSessionExpiry(v, packet.clean, packet.properties?.sessionExpiryInterval, context.sessionExpiryMax),
    receiveMaximum: Math.min(packet.properties?.receiveMaximum ?? MQTT_LIMITS.inflightPerConnection, MQTT_LIMITS.inflightPerConnection),
    ...(packet.properties?.maximumPacketSize !== undefined ? { maximumPacketSize: packet.properties.maximumPacketSize } : {}),
    ...(will ? { will } : {}),
  };
}

function refusal(v: 4 | 5, returnCode: number, reasonCode: number): ConnackPacket {
  return v === 5 ? { cmd: "connack", sessionPresent: false, reasonCode } : { cmd: "connack", sessionPresent: false, returnCode };
}

/** The CONNACK of an accepted connection: MQTT 5 clients learn what this broker supports and what it changed. */
export function acceptedConnack(
  packet: ConnectPacket,
  decision: Extract<ConnectDecision, { accepted: true }>,
  sessionPresent: boolean,
): ConnackPacket {
  if (packet.protocolVersion === 4) return { cmd: "connack", sessionPresent, returnCode: 0 };
  const requestedExpiry = packet.properties?.sessionExpiryInterval;
  return {
    cmd: "connack",
    sessionPresent,
    reasonCode: ReasonCode.Success,
    properties: {
      maximumQoS: 1,
      // AWS IoT: at most 100 unacknowledged QoS 1 publishes from a client.
      receiveMaximum: MQTT_LIMITS.inflightPerConnection,
      retainAvailable: true,
      maximumPacketSize: MQTT_LIMITS.maxPacketBytes,
      topicAliasMaximum: MQTT_LIMITS.topicAliasMaximum,
      wildcardSubscriptionAvailable: true,
      // AWS IoT: a SUBSCRIBE with a Subscription Identifier is answered with DISCONNECT 0xA1.
      subscriptionIdentifiersAvailable: false,
      sharedSubscriptionAvailable: true,
      ...(decision.assignedClientId ? { assignedClientIdentifier: decision.clientId } : {}),
      ...(decision.keepAlive !== packet.keepalive ? { serverKeepAlive: decision.keepAlive } : {}),
      ...(requestedExpiry !== undefined && requestedExpiry !== decision.sessionExpiry ? { sessionExpiryInterval: decision.sessionExpiry } : {}),
    },
  };
}
