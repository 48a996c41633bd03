import type { Message } from "../../../domain/message";
import { MESSAGE_LIMITS } from "../../../domain/publish";
import { validatePublishTopic } from "../../../domain/topics";
import { type PublishPacket, ReasonCode, type ReasonCodeValue } from "../codec";
import { MQTT_LIMITS } from "./limits";
import { messageOfPublish } from "./messages";

export type PublishDecision =
  /** Route the message; PUBACK once it has been routed when `acknowledge`. */
  | { action: "route"; message: Message; acknowledge: boolean }
  /** MQTT 5 QoS 1: not accepted, PUBACK with this reason; the connection stays. */
  | { action: "refuse"; reasonCode: ReasonCodeValue; why: string }
  /** Nothing is sent back (QoS 2 as AWS IoT; a discarded publish without PUBACK). */
  | { action: "ignore"; why: string }
  /** Close the connection (MQTT 5: DISCONNECT with this reason). */
  | { action: "close"; reasonCode: ReasonCodeValue; why: string };

export interface PublishContext {
  protocolVersion: 4 | 5;
  /** The one publish authorization (auth/mqtt mayPublish) for this connection's principal and client id. */
  mayPublish(message: Message): boolean;
  /** Takes one publish from the connection's rate allowance; false when over AWS's per-connection rate. */
  takePublish(): boolean;
  /** The connection's topic aliases (client → server, at most MQTT_LIMITS.topicAliasMaximum). */
  aliases: TopicAliases;
}

export interface TopicAliases {
  get(alias: number): string | undefined;
  set(alias: number, topic: string): void;
}

/** What a client's PUBLISH gets under AWS IoT's rules (Developer Guide, "MQTT" and its differences from the spec). */
export function decidePublish(packet: PublishPacket, context: PublishContext): PublishDecision {
  // AWS IoT does not support QoS 2: no PUBACK or PUBREC is sent.
  if (packet.qos === 2) return { action: "ignore", why: "QoS 2 is not supported" };
  const v5QoS1 = context.protocolVersion === 5 && packet.qos === 1;
  // AWS IoT closes an MQTT 3.1.1 connection that publishes where it may not; MQTT 5 gets a reason code.
  const refuse = (reasonCode: ReasonCodeValue, why: string): PublishDecision =>
    v5QoS1 ? { action: "refuse", reasonCode, why } : { action: "close", reasonCode, why };
  // AWS IoT: a message larger than 128 KB is refused and the client disconnected (lifecycle event CLIENT_ERROR; the
  // MQTT 5 reason is not documented: Quota exceeded, as for AWS's other per-connection limits).
  if (packet.payload.byteLength > MESSAGE_LIMITS.maxPayloadBytes) {
    return { action: "close", reasonCode: ReasonCode.QuotaExceeded, why: `Payload larger than ${MESSAGE_LIMITS.maxPayloadBytes} bytes` };
  }
  let topic = packet.topic;
  const alias = packet.properties?.topicAlias;
  if (alias !== undefined) {
    // [MQTT-3.3.2-9, 3.3.2-10]: 0 and anything above the Topic Alias Maximum of our CONNACK are invalid (AWS: 0x94).
    if (alias === 0 || alias > MQTT_LIMITS.topicAliasMaximum) {
      return { action: "close", reasonCode: ReasonCode.TopicAliasInvalid, why: `Topic alias ${alias} is outside 1-${MQTT_LIMITS.topicAliasMaximum}` };
    }
    if (topic === "") {
      const known = context.aliases.get(alias);
      if (known === undefined) return { action: "close", reasonCode: ReasonCode.ProtocolError, why: `Topic alias ${alias} was never set` };
      topic = known;
    }
  }
  try {
    validatePublishTopic(topic, { retain: packet.retain });
  } catch (error) {
    return refuse(ReasonCode.TopicNameInvalid, (error as Error).message);
  }
  // A topic with an alias (re)defines the alias for the rest of the connection [MQTT-3.3.2-12].
  if (alias !== undefined && packet.topic !== "") context.aliases.set(alias, topic);
  const message = messageOfPublish({ ...packet, topic });
  if (!context.mayPublish(message)) return refuse(ReasonCode.NotAuthorized, `Not authorized to publish to ${topic}`);
  // AWS IoT: "Publish requests per second per connection … excess discarded".
  if (!context.takePublish()) {
    return v5QoS1
      ? { action: "refuse", reasonCode: ReasonCode.QuotaExceeded, why: "Publish rate exceeded" }
      : { action: "ignore", why: "Publish rate exceeded" };
  }
  return { action: "route", message, acknowledge: packet.qos === 1 };
}
