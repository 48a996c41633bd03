import { allocatePacket } from "./alloc";
import { checkMessageId, encodePublish } from "./encode";
import type { ProtocolVersion, PublishPacket } from "./packets";

/**
 * One PUBLISH encoded once for many subscribers (fan-out). Everything but the Packet Identifier is
 * the same for every subscriber that gets the same QoS, retain flag and protocol version; for
 * QoS > 0 the identifier is a per-subscriber two-byte patch.
 */
export interface PublishTemplate {
  /** The encoded PUBLISH; for QoS > 0 its Packet Identifier is 0 until stamped. */
  readonly bytes: Uint8Array;
  /** Offset of the two-byte Packet Identifier in `bytes`; undefined for QoS 0. */
  readonly messageIdOffset: number | undefined;
}

/**
 * Encodes `packet` (its `messageId` is ignored) as a template. QoS 0 templates are final and can be
 * sent to every subscriber as they are; QoS 1/2 ones go through `withMessageId`.
 */
export function encodePublishTemplate(packet: PublishPacket, protocolVersion: ProtocolVersion): PublishTemplate {
  const bytes = encodePublish(packet, protocolVersion === 5, 0);
  if (packet.qos === 0) return { bytes, messageIdOffset: undefined };
  // Fixed header (1 + Remaining Length bytes), then the Topic Name, then the Packet Identifier.
  let headerLength = 2;
  while ((bytes[headerLength - 1]! & 0x80) !== 0) headerLength++;
  const topicLength = (bytes[headerLength]! << 8) | bytes[headerLength + 1]!;
  return { bytes, messageIdOffset: headerLength + 2 + topicLength };
}

/**
 * A copy of the template's bytes with `messageId` in place: one allocation and a memcpy per
 * subscriber. A copy, because a socket may still hold the previous subscriber's bytes.
 */
export function withMessageId(template: PublishTemplate, messageId: number): Uint8Array {
  const offset = template.messageIdOffset;
  if (offset === undefined) throw new RangeError("a QoS 0 PUBLISH has no Packet Identifier");
  checkMessageId(messageId);
  const bytes = allocatePacket(template.bytes.length);
  bytes.set(template.bytes);
  bytes[offset] = messageId >>> 8;
  bytes[offset + 1] = messageId & 0xff;
  return bytes;
}
