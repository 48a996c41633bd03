import type {
  AuthPacket,
  ConnackPacket,
  ConnectPacket,
  DisconnectPacket,
  Packet,
  Properties,
  ProtocolVersion,
  PubackPacket,
  PubcompPacket,
  PublishPacket,
  PubrecPacket,
  PubrelPacket,
  SubackPacket,
  SubscribePacket,
  UnsubackPacket,
  UnsubscribePacket,
} from "./packets";
import { type PropertyContext, propertiesBlockSize, propertiesSize, writeProperties } from "./properties";
import { V4_MAX_CONNACK_RETURN_CODE, V4_SUBACK_RETURN_CODES, V5_REASON_CODES } from "./reasonCodes";
import { binarySize, checkInteger, startPacket, stringSize } from "./writer";

/**
 * Encodes one packet for a connection speaking `protocolVersion`. MQTT 5-only fields (properties,
 * reason codes of acks and DISCONNECT, subscription options other than QoS) are left out for 3.1.1.
 * Where MQTT 5 lets trailing fields be omitted (PUBACK-family, DISCONNECT, AUTH) the shortest form
 * is written.
 *
 * The result is a view into a shared slab (see alloc.ts): send or copy the view, never its `.buffer`.
 *
 * Throws TypeError / RangeError for a packet that would be malformed on the wire (these are bugs in
 * the caller, not protocol errors of the peer).
 */
export function encode(packet: Packet, protocolVersion: ProtocolVersion): Uint8Array {
  const v5 = protocolVersion === 5;
  switch (packet.cmd) {
    case "connect":
      return encodeConnect(packet, protocolVersion);
    case "connack":
      return encodeConnack(packet, v5);
    case "publish":
      return encodePublish(packet, v5, publishMessageId(packet));
    case "puback":
    case "pubrec":
    case "pubrel":
    case "pubcomp":
      return encodePublishAck(packet, v5);
    case "subscribe":
      return encodeSubscribe(packet, v5);
    case "suback":
      return encodeSuback(packet, v5);
    case "unsubscribe":
      return encodeUnsubscribe(packet, v5);
    case "unsuback":
      return encodeUnsuback(packet, v5);
    case "pingreq":
      return Uint8Array.of(0xc0, 0);
    case "pingresp":
      return Uint8Array.of(0xd0, 0);
    case "disconnect":
      return encodeDisconnect(packet, v5);
    case "auth":
      return encodeAuth(packet, v5);
  }
}

function encodeConnect(packet: ConnectPacket, version: ProtocolVersion): Uint8Array {
  if (packet.protocolVersion !== version) {
    throw new RangeError(`CONNECT says protocolVersion ${packet.protocolVersion} but is encoded for ${version}`);
  }
  const v5 = version === 5;
  const { will, username, password } = packet;
  checkInteger(packet.keepalive, 0, 0xffff, "keepalive");
  // 3.1.1 [MQTT-3.1.2-22]: no password without a user name (MQTT 5 allows it).
  if (!v5 && password !== undefined && username === undefined) throw new RangeError("password requires username in MQTT 3.1.1");

  const propsSize = v5 ? propertiesSize(packet.properties, "connect") : 0;
  // Protocol Name (6) + Protocol Level (1) + Connect Flags (1) + Keep Alive (2)
  let remaining = 10 + stringSize(packet.clientId, "clientId");
  if (v5) remaining += propertiesBlockSize(propsSize);
  let willPropsSize = 0;
  if (will !== undefined) {
    checkInteger(will.qos, 0, 2, "will.qos");
    if (v5) {
      willPropsSize = propertiesSize(will.properties, "will");
      remaining += propertiesBlockSize(willPropsSize);
    }
    remaining += stringSize(will.topic, "will.topic") + binarySize(will.payload, "will.payload");
  }
  if (username !== undefined) remaining += stringSize(username, "username");
  if (password !== undefined) remaining += binarySize(password, "password");

  let flags = packet.clean ? 0x02 : 0;
  if (will !== undefined) flags |= 0x04 | (will.qos << 3) | (will.retain ? 0x20 : 0);
  if (password !== undefined) flags |= 0x40;
  if (username !== undefined) flags |= 0x80;

  const w = startPacket(0x10, remaining);
  w.u16(4);
  w.u8(0x4d); // M
  w.u8(0x51); // Q
  w.u8(0x54); // T
  w.u8(0x54); // T
  w.u8(version);
  w.u8(flags);
  w.u16(packet.keepalive);
  if (v5) writeProperties(w, packet.properties, propsSize);
  w.utf8(packet.clientId);
  if (will !== undefined) {
    if (v5) writeProperties(w, will.properties, willPropsSize);
    w.utf8(will.topic);
    w.binary(will.payload);
  }
  if (username !== undefined) w.utf8(username);
  if (password !== undefined) w.binary(password);
  return w.buf;
}

function encodeConnack(packet: ConnackPacket, v5: boolean): Uint8Array {
  // The two versions use different code tables, so the field for the other one is never used.
  const code = v5 ? packet.reasonCode : packet.returnCode;
  if (code === undefined) throw new TypeError(`CONNACK needs ${v5 ? "reasonCode (MQTT 5)" : "returnCode (3.1.1)"}`);
  if (v5 ? !V5_REASON_CODES.connack.has(code) : !Number.isInteger(code) || code < 0 || code > V4_MAX_CONNACK_RETURN_CODE) {
    throw new RangeError(`CONNACK code ${code} is not valid`);
  }
  const propsSize = v5 ? propertiesSize(packet.properties, "connack") : 0;
  const w = startPacket(0x20, 2 + (v5 ? propertiesBlockSize(propsSize) : 0));
  w.u8(packet.sessionPresent ? 1 : 0);
  w.u8(code);
  if (v5) writeProperties(w, packet.properties, propsSize);
  return w.buf;
}

function publishMessageId(packet: PublishPacket): number {
  return packet.qos > 0 ? checkMessageId(packet.messageId) : 0;
}

/**
 * PUBLISH with `messageId` written in place (0 leaves a placeholder for publish templates).
 * Ignored for QoS 0, which has no Packet Identifier [MQTT-2.2.1-2].
 */
export function encodePublish(packet: PublishPacket, v5: boolean, messageId: number): Uint8Array {
  const { qos, topic, payload } = packet;
  checkInteger(qos, 0, 2, "qos");
  // [MQTT-3.3.1-2] The DUP flag MUST be set to 0 for all QoS 0 messages.
  if (packet.dup && qos === 0) throw new RangeError("dup must be false for QoS 0");
  if (!(payload instanceof Uint8Array)) throw new TypeError("payload must be a Uint8Array");
  const propsSize = v5 ? propertiesSize(packet.properties, "publish") : 0;
  // An empty topic is only meaningful with a Topic Alias (MQTT 5 §3.3.2.1; 3.1.1 [MQTT-4.7.3-1]).
  if (topic === "" && (!v5 || packet.properties?.topicAlias === undefined)) {
    throw new RangeError("PUBLISH topic must not be empty unless a Topic Alias is given");
  }
  let remaining = stringSize(topic, "topic") + payload.length;
  if (qos > 0) remaining += 2;
  if (v5) remaining += propertiesBlockSize(propsSize);

  const w = startPacket(0x30 | (packet.dup ? 0x08 : 0) | (qos << 1) | (packet.retain ? 1 : 0), remaining);
  w.utf8(topic);
  if (qos > 0) w.u16(messageId);
  if (v5) writeProperties(w, packet.properties, propsSize);
  w.bytes(payload);
  return w.buf;
}

/** First byte and MQTT 5 Reason Code table of each publish acknowledgement. */
const PUBLISH_ACK_FORMAT = {
  puback: { firstByte: 0x40, reasonCodes: V5_REASON_CODES.puback },
  pubrec: { firstByte: 0x50, reasonCodes: V5_REASON_CODES.puback },
  pubrel: { firstByte: 0x62, reasonCodes: V5_REASON_CODES.pubrel },
  pubcomp: { firstByte: 0x70, reasonCodes: V5_REASON_CODES.pubrel },
} as const;

/**
 * PUBACK / PUBREC / PUBREL / PUBCOMP: Packet Identifier, then for MQTT 5 an optional Reason Code
 * and optional properties; a Success code with no properties is omitted and so is an empty
 * Property Length (MQTT 5 §3.4.2.1, §3.4.2.2.1).
 */
function encodePublishAck(packet: PubackPacket | PubrecPacket | PubrelPacket | PubcompPacket, v5: boolean): Uint8Array {
  const { firstByte, reasonCodes } = PUBLISH_ACK_FORMAT[packet.cmd];
  const messageId = checkMessageId(packet.messageId);
  if (!v5) {
    const w = startPacket(firstByte, 2);
    w.u16(messageId);
    return w.buf;
  }
  const code = checkReasonCode(packet.reasonCode ?? 0, reasonCodes, packet.cmd);
  const propsSize = propertiesSize(packet.properties, packet.cmd);
  const tail = propsSize > 0 ? 1 + propertiesBlockSize(propsSize) : code !== 0 ? 1 : 0;
  const w = startPacket(firstByte, 2 + tail);
  w.u16(messageId);
  if (tail > 0) w.u8(code);
  if (propsSize > 0) writeProperties(w, packet.properties, propsSize);
  return w.buf;
}

function encodeSubscribe(packet: SubscribePacket, v5: boolean): Uint8Array {
  const messageId = checkMessageId(packet.messageId);
  const { subscriptions } = packet;
  // 3.1.1 [MQTT-3.8.3-3] / MQTT 5 [MQTT-3.8.3-2]: at least one Topic Filter.
  if (!Array.isArray(subscriptions) || subscriptions.length === 0) {
    throw new RangeError("SUBSCRIBE needs at least one subscription");
  }
  const propsSize = v5 ? propertiesSize(packet.properties, "subscribe") : 0;
  let remaining = 2 + (v5 ? propertiesBlockSize(propsSize) : 0);
  const options = new Array<number>(subscriptions.length);
  for (let i = 0; i < subscriptions.length; i++) {
    const sub = subscriptions[i]!;
    remaining += stringSize(sub.topic, "subscription topic") + 1;
    let byte = checkInteger(sub.qos, 0, 2, "subscription qos");
    if (v5) {
      const rh = checkInteger(sub.rh ?? 0, 0, 2, "subscription rh");
      if (sub.nl && sub.topic.startsWith("$share/")) throw new RangeError("No Local on a Shared Subscription [MQTT-3.8.3-4]");
      byte |= (sub.nl ? 0b100 : 0) | (sub.rap ? 0b1000 : 0) | (rh << 4);
    }
    options[i] = byte;
  }
  const w = startPacket(0x82, remaining);
  w.u16(messageId);
  if (v5) writeProperties(w, packet.properties, propsSize);
  for (let i = 0; i < subscriptions.length; i++) {
    w.utf8(subscriptions[i]!.topic);
    w.u8(options[i]!);
  }
  return w.buf;
}

function encodeSuback(packet: SubackPacket, v5: boolean): Uint8Array {
  const messageId = checkMessageId(packet.messageId);
  const granted = checkReasonCodes(packet.granted, v5 ? V5_REASON_CODES.suback : V4_SUBACK_RETURN_CODES, "suback");
  const propsSize = v5 ? propertiesSize(packet.properties, "suback") : 0;
  const w = startPacket(0x90, 2 + (v5 ? propertiesBlockSize(propsSize) : 0) + granted.length);
  w.u16(messageId);
  if (v5) writeProperties(w, packet.properties, propsSize);
  for (const code of granted) w.u8(code);
  return w.buf;
}

function encodeUnsubscribe(packet: UnsubscribePacket, v5: boolean): Uint8Array {
  const messageId = checkMessageId(packet.messageId);
  const { unsubscriptions } = packet;
  // [MQTT-3.10.3-2]: at least one Topic Filter.
  if (!Array.isArray(unsubscriptions) || unsubscriptions.length === 0) {
    throw new RangeError("UNSUBSCRIBE needs at least one topic filter");
  }
  const propsSize = v5 ? propertiesSize(packet.properties, "unsubscribe") : 0;
  let remaining = 2 + (v5 ? propertiesBlockSize(propsSize) : 0);
  for (const topic of unsubscriptions) remaining += stringSize(topic, "unsubscription topic");
  const w = startPacket(0xa2, remaining);
  w.u16(messageId);
  if (v5) writeProperties(w, packet.properties, propsSize);
  for (const topic of unsubscriptions) w.utf8(topic);
  return w.buf;
}

function encodeUnsuback(packet: UnsubackPacket, v5: boolean): Uint8Array {
  const messageId = checkMessageId(packet.messageId);
  if (!v5) {
    const w = startPacket(0xb0, 2);
    w.u16(messageId);
    return w.buf;
  }
  const granted = checkReasonCodes(packet.granted, V5_REASON_CODES.unsuback, "unsuback");
  const propsSize = propertiesSize(packet.properties, "unsuback");
  const w = startPacket(0xb0, 2 + propertiesBlockSize(propsSize) + granted.length);
  w.u16(messageId);
  writeProperties(w, packet.properties, propsSize);
  for (const code of granted) w.u8(code);
  return w.buf;
}

/** DISCONNECT and AUTH: optional Reason Code, then optional properties (MQTT 5 §3.14.2, §3.15.2). */
function encodeReasonAndProperties(
  firstByte: number,
  reasonCode: number,
  table: ReadonlySet<number>,
  properties: Properties | undefined,
  context: PropertyContext,
): Uint8Array {
  const code = checkReasonCode(reasonCode, table, context);
  const propsSize = propertiesSize(properties, context);
  const remaining = propsSize > 0 ? 1 + propertiesBlockSize(propsSize) : code !== 0 ? 1 : 0;
  const w = startPacket(firstByte, remaining);
  if (remaining > 0) w.u8(code);
  if (propsSize > 0) writeProperties(w, properties, propsSize);
  return w.buf;
}

function encodeDisconnect(packet: DisconnectPacket, v5: boolean): Uint8Array {
  if (!v5) return Uint8Array.of(0xe0, 0);
  return encodeReasonAndProperties(0xe0, packet.reasonCode ?? 0, V5_REASON_CODES.disconnect, packet.properties, "disconnect");
}

function encodeAuth(packet: AuthPacket, v5: boolean): Uint8Array {
  if (!v5) throw new RangeError("AUTH does not exist in MQTT 3.1.1");
  return encodeReasonAndProperties(0xf0, packet.reasonCode, V5_REASON_CODES.auth, packet.properties, "auth");
}

export function checkMessageId(messageId: number | undefined): number {
  // 3.1.1 [MQTT-2.3.1-1] / MQTT 5 [MQTT-2.2.1-3]: Packet Identifiers are 1..65535.
  return checkInteger(messageId, 1, 0xffff, "messageId");
}

function checkReasonCode(code: number, allowed: ReadonlySet<number>, cmd: string): number {
  if (!allowed.has(code)) throw new RangeError(`reason code ${code} is not valid in ${cmd}`);
  return code;
}

function checkReasonCodes(codes: number[] | undefined, allowed: ReadonlySet<number>, cmd: string): number[] {
  if (!Array.isArray(codes) || codes.length === 0) throw new RangeError(`${cmd} needs at least one reason code`);
  for (const code of codes) checkReasonCode(code, allowed, cmd);
  return codes;
}
