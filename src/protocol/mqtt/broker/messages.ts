import { clampMessageExpiry, type Message, type MessageProperties } from "../../../domain/message";
import type { PublishPacket, PublishProperties } from "../codec";

/** The application message a client's PUBLISH (or will) carries, its topic alias already resolved. */
export function messageOfPublish(packet: PublishPacket): Message {
  const properties = messagePropertiesOf(packet.properties);
  return {
    topic: packet.topic,
    payload: packet.payload.slice(), // decoded payloads are views into the received frame
    qos: packet.qos === 0 ? 0 : 1,
    retain: packet.retain,
    ...(properties ? { properties } : {}),
  };
}

function messagePropertiesOf(properties: PublishProperties | undefined): MessageProperties | undefined {
  if (!properties) return undefined;
  const result: MessageProperties = {};
  if (properties.payloadFormatIndicator !== undefined) result.payloadFormatIndicator = properties.payloadFormatIndicator;
  if (properties.messageExpiryInterval !== undefined) result.messageExpiryInterval = clampMessageExpiry(properties.messageExpiryInterval);
  if (properties.contentType !== undefined) result.contentType = properties.contentType;
  if (properties.responseTopic !== undefined) result.responseTopic = properties.responseTopic;
  if (properties.correlationData !== undefined) result.correlationData = properties.correlationData.slice();
  if (properties.userProperties?.length) result.userProperties = properties.userProperties.map(([k, v]) => [k, v]);
  return Object.keys(result).length > 0 ? result : undefined;
}

/** PUBLISH for one subscriber: MQTT 3.1.1 subscribers get the message without MQTT 5 properties. */
export function publishPacketOf(
  message: Message,
  qos: 0 | 1,
  protocolVersion: 4 | 5,
  options: { retain: boolean; messageExpiryInterval?: number },
): PublishPacket {
  const packet: PublishPacket = { cmd: "publish", topic: message.topic, payload: message.payload, qos, retain: options.retain, dup: false };
  if (qos === 1) packet.messageId = 1; // patched per subscriber
  if (protocolVersion === 5 && message.properties) {
    const { messageExpiryInterval: _, ...rest } = message.properties;
    const properties: PublishProperties = { ...rest };
    if (options.messageExpiryInterval !== undefined) properties.messageExpiryInterval = options.messageExpiryInterval;
    if (Object.keys(properties).length > 0) packet.properties = properties;
  }
  return packet;
}
