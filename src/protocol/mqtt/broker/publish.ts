import type { Message } from "../../../domain/message";
import { validatePublishTopic } from "../../../domain/topics";
import { type PublishPacket, ReasonCode, type ReasonCodeValue } from "../codec";
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
}

/** What a client's PUBLISH gets under AWS IoT's rules (Developer Guide, "MQTT" and its differences from the spec). */
export function decidePublish(packet: PublishPacket, context: PublishContext): PublishDecision {
  // AWS IoT does not support QoS 2: no PUBACK or PUBREC is sent.
  if (packet.qos === 2) return { action: "ignore", why: "QoS 2 is not supported" };
  const v5QoS1 = context.protocolVersion === 5 && packet.qos === 1;
  // AWS IoT closes an MQTT 3.1.1 connection that publishes where it may not; MQTT 5 gets a reason code.
  const refuse = (reasonCode: ReasonCodeValue, why: string): PublishDecision =>
    v5QoS1 ? { action: "refuse", reasonCode, why } : { action: "close", reasonCode, why };
  if (packet.properties?.topicAlias !== undefined) {
    return { action: "close", reasonCode: ReasonCode.TopicAliasInvalid, why: "Topic aliases are not supported (Topic Alias Maximum is 0)" };
  }
  try {
    validatePublishTopic(packet.topic, { retain: packet.retain });
  } catch (error) {
    return refuse(ReasonCode.TopicNameInvalid, (error as Error).message);
  }
  const message = messageOfPublish(packet);
  if (!context.mayPublish(message)) return refuse(ReasonCode.NotAuthorized, `Not authorized to publish to ${packet.topic}`);
  // AWS IoT: "Publish requests per second per connection … excess discarded".
  if (!context.takePublish()) {
    return v5QoS1
      ? { action: "refuse", reasonCode: ReasonCode.QuotaExceeded, why: "Publish rate exceeded" }
      : { action: "ignore", why: "Publish rate exceeded" };
  }
  return { action: "route", message, acknowledge: packet.qos === 1 };
}
