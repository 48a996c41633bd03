import { MqttProtocolError, malformed, protocolError } from "./errors";
import type {
  AuthPacket,
  ConnackPacket,
  ConnectPacket,
  DisconnectPacket,
  Packet,
  ProtocolVersion,
  PublishPacket,
  QoS,
  SubscribePacket,
  Subscription,
  UnsubscribePacket,
} from "./packets";
import { readProperties } from "./properties";
import { PacketReader } from "./reader";
import { ReasonCode, V4_MAX_CONNACK_RETURN_CODE, V4_SUBACK_RETURN_CODES, V5_REASON_CODES } from "./reasonCodes";

/** Packet type number → `cmd`; index 0 is reserved. */
const CMD_BY_TYPE = [
  undefined,
  "connect",
  "connack",
  "publish",
  "puback",
  "pubrec",
  "pubrel",
  "pubcomp",
  "subscribe",
  "suback",
  "unsubscribe",
  "unsuback",
  "pingreq",
  "pingresp",
  "disconnect",
  "auth",
] as const;

/**
 * Required fixed-header flags per packet type (3.1.1 Table 2.2, MQTT 5 Table 2-2); PUBLISH
 * (type 3) carries DUP/QoS/RETAIN instead.
 */
const REQUIRED_FLAGS = [-1, 0, 0, -1, 0, 0, 0b0010, 0, 0b0010, 0, 0b0010, 0, 0, 0, 0, 0];

/**
 * Checks the first byte of a packet as soon as it arrives, before its body is buffered.
 * `version` is undefined until CONNECT has been read.
 */
export function checkFirstByte(byte: number, version: ProtocolVersion | undefined): void {
  const type = byte >> 4;
  const flags = byte & 0x0f;
  if (type === 0) throw malformed("packet type 0 is reserved");
  // 3.1.1 has no AUTH: type 15 is "Reserved" there (3.1.1 Table 2.1).
  if (type === 15 && version === 4) throw malformed("packet type 15 is reserved in MQTT 3.1.1");
  if (type === 3) {
    const qos = (flags >> 1) & 0b11;
    if (qos === 3) throw malformed("PUBLISH with QoS 3 [MQTT-3.3.1-4]");
    // [MQTT-3.3.1-2] "The DUP flag MUST be set to 0 for all QoS 0 messages."
    if (qos === 0 && (flags & 0b1000) !== 0) throw malformed("PUBLISH with QoS 0 and DUP 1 [MQTT-3.3.1-2]");
  } else if (flags !== REQUIRED_FLAGS[type]) {
    // [MQTT-2.2.2-1] [MQTT-2.2.2-2] (3.1.1), [MQTT-2.1.3-1] (5): invalid flags are a Malformed Packet.
    throw malformed(`invalid fixed-header flags 0x${flags.toString(16)} for ${CMD_BY_TYPE[type]} [MQTT-2.2.2-2]`);
  }
}

export const isConnectByte = (byte: number): boolean => byte >> 4 === 1;

/**
 * Decodes one complete packet `buf[start, end)` whose fixed header (already checked by
 * `checkFirstByte`) is `headerLength` bytes long. `version` may only be undefined for CONNECT,
 * which carries its own.
 */
export function decodePacket(buf: Uint8Array, start: number, headerLength: number, end: number, version: ProtocolVersion | undefined): Packet {
  const firstByte = buf[start]!;
  const cmd = CMD_BY_TYPE[firstByte >> 4]!;
  const reader = new PacketReader(buf, start + headerLength, end);
  if (cmd === "connect") return decodeConnect(reader);
  if (version === undefined) throw protocolError(`${cmd} before CONNECT [MQTT-3.1.0-1]`);
  const v5 = version === 5;
  switch (cmd) {
    case "connack":
      return decodeConnack(reader, v5);
    case "publish":
      return decodePublish(reader, firstByte, v5);
    case "puback":
    case "pubrec":
    case "pubrel":
    case "pubcomp": {
      const messageId = readMessageId(reader, cmd);
      if (!v5) {
        reader.expectEnd(cmd); // 3.1.1: Remaining Length is exactly 2
        return { cmd, messageId };
      }
      // MQTT 5 §3.4.2.1: Reason Code and Property Length may each be omitted from the end.
      const table = cmd === "puback" || cmd === "pubrec" ? V5_REASON_CODES.puback : V5_REASON_CODES.pubrel;
      const reasonCode = reader.remaining > 0 ? readReasonCode(reader, table, cmd) : ReasonCode.Success;
      const properties = reader.remaining > 0 ? readProperties(reader, cmd) : undefined;
      reader.expectEnd(cmd);
      return properties ? { cmd, messageId, reasonCode, properties } : { cmd, messageId, reasonCode };
    }
    case "subscribe":
      return decodeSubscribe(reader, v5);
    case "suback": {
      const messageId = readMessageId(reader, cmd);
      const properties = v5 ? readProperties(reader, cmd) : undefined;
      const granted = readReasonCodeList(reader, v5 ? V5_REASON_CODES.suback : V4_SUBACK_RETURN_CODES, cmd);
      return properties ? { cmd, messageId, granted, properties } : { cmd, messageId, granted };
    }
    case "unsubscribe":
      return decodeUnsubscribe(reader, v5);
    case "unsuback": {
      const messageId = readMessageId(reader, cmd);
      if (!v5) {
        reader.expectEnd(cmd); // 3.1.1: Remaining Length is exactly 2
        return { cmd, messageId };
      }
      const properties = readProperties(reader, cmd);
      const granted = readReasonCodeList(reader, V5_REASON_CODES.unsuback, cmd);
      return properties ? { cmd, messageId, granted, properties } : { cmd, messageId, granted };
    }
    case "pingreq":
    case "pingresp":
      reader.expectEnd(cmd);
      return { cmd };
    case "disconnect":
      return decodeDisconnect(reader, v5);
    case "auth":
      return decodeAuth(reader);
  }
}

const PROTOCOL_NAME = [0x00, 0x04, 0x4d, 0x51, 0x54, 0x54]; // length 4, "MQTT"

function decodeConnect(reader: PacketReader): ConnectPacket {
  // [MQTT-3.1.2-1] The protocol name must be "MQTT" (so MQTT 3.1's "MQIsdp" is refused here too).
  for (const expected of PROTOCOL_NAME) {
    if (reader.u8("protocol name") !== expected) {
      throw new MqttProtocolError(ReasonCode.UnsupportedProtocolVersion, "protocol name is not MQTT [MQTT-3.1.2-1]");
    }
  }
  const level = reader.u8("protocol level");
  if (level !== 4 && level !== 5) {
    // [MQTT-3.1.2-2]: 3.1.1 answers CONNACK return code 0x01, MQTT 5 Reason Code 0x84.
    throw new MqttProtocolError(ReasonCode.UnsupportedProtocolVersion, `unsupported protocol level ${level} [MQTT-3.1.2-2]`);
  }
  const v5 = level === 5;
  const flags = reader.u8("connect flags");
  if (flags & 0b1) throw malformed("CONNECT reserved flag is 1 [MQTT-3.1.2-3]");
  const hasUsername = (flags & 0x80) !== 0;
  const hasPassword = (flags & 0x40) !== 0;
  const willRetain = (flags & 0x20) !== 0;
  const willQos = (flags >> 3) & 0b11;
  const hasWill = (flags & 0x04) !== 0;
  if (hasWill) {
    // 3.1.1 [MQTT-3.1.2-14] / MQTT 5 [MQTT-3.1.2-12]: Will QoS 3 is a Malformed Packet.
    if (willQos === 3) throw malformed("Will QoS 3 [MQTT-3.1.2-14]");
  } else if (willQos !== 0 || willRetain) {
    // 3.1.1 [MQTT-3.1.2-13] [MQTT-3.1.2-15] / MQTT 5 [MQTT-3.1.2-11] [MQTT-3.1.2-13].
    throw malformed("Will QoS / Will Retain set without the Will Flag [MQTT-3.1.2-13]");
  }
  // 3.1.1 only: "If the User Name Flag is set to 0, the Password Flag MUST be set to 0" [MQTT-3.1.2-22].
  if (!v5 && hasPassword && !hasUsername) throw malformed("Password Flag without User Name Flag [MQTT-3.1.2-22]");

  const packet: ConnectPacket = {
    cmd: "connect",
    protocolVersion: level,
    clean: (flags & 0x02) !== 0,
    keepalive: reader.u16("keep alive"),
    clientId: "",
  };
  const properties = v5 ? readProperties(reader, "connect") : undefined;
  if (properties) packet.properties = properties;
  packet.clientId = reader.utf8("client identifier");
  if (hasWill) {
    const willProperties = v5 ? readProperties(reader, "will") : undefined;
    const topic = reader.utf8("will topic");
    const payload = reader.binary("will payload");
    packet.will = { topic, payload, qos: willQos as QoS, retain: willRetain };
    if (willProperties) packet.will.properties = willProperties;
  }
  if (hasUsername) packet.username = reader.utf8("user name");
  if (hasPassword) packet.password = reader.binary("password");
  reader.expectEnd("CONNECT");
  return packet;
}

function decodeConnack(reader: PacketReader, v5: boolean): ConnackPacket {
  const flags = reader.u8("connect acknowledge flags");
  // 3.1.1 §3.2.2.1 / MQTT 5 §3.2.2.1.1: bits 7-1 are reserved and set to 0.
  if (flags & 0xfe) throw malformed("CONNACK reserved flags are not 0");
  const sessionPresent = flags === 1;
  if (!v5) {
    const returnCode = reader.u8("connect return code");
    if (returnCode > V4_MAX_CONNACK_RETURN_CODE) throw protocolError(`reserved CONNACK return code ${returnCode}`);
    reader.expectEnd("CONNACK");
    return { cmd: "connack", sessionPresent, returnCode };
  }
  const reasonCode = readReasonCode(reader, V5_REASON_CODES.connack, "connack");
  const properties = readProperties(reader, "connack");
  reader.expectEnd("CONNACK");
  return properties ? { cmd: "connack", sessionPresent, reasonCode, properties } : { cmd: "connack", sessionPresent, reasonCode };
}

function decodePublish(reader: PacketReader, firstByte: number, v5: boolean): PublishPacket {
  const qos = ((firstByte >> 1) & 0b11) as QoS;
  const packet: PublishPacket = {
    cmd: "publish",
    topic: reader.utf8("topic name"),
    payload: EMPTY,
    qos,
    retain: (firstByte & 0b1) !== 0,
    dup: (firstByte & 0b1000) !== 0,
  };
  // [MQTT-2.2.1-2] a QoS 0 PUBLISH has no Packet Identifier.
  if (qos > 0) packet.messageId = readMessageId(reader, "publish");
  if (v5) {
    const properties = readProperties(reader, "publish");
    if (properties) packet.properties = properties;
    // MQTT 5 §3.3.2.1: "It is a Protocol Error if the Topic Name is zero length and there is no Topic Alias."
    if (packet.topic === "" && properties?.topicAlias === undefined) {
      throw protocolError("PUBLISH with an empty Topic Name and no Topic Alias");
    }
  } else if (packet.topic === "") {
    throw protocolError("PUBLISH with an empty Topic Name [MQTT-4.7.3-1]");
  }
  packet.payload = reader.rest();
  return packet;
}

const EMPTY = new Uint8Array(0);

function decodeSubscribe(reader: PacketReader, v5: boolean): SubscribePacket {
  const messageId = readMessageId(reader, "subscribe");
  const properties = v5 ? readProperties(reader, "subscribe") : undefined;
  const subscriptions: Subscription[] = [];
  while (reader.remaining > 0) {
    const topic = reader.utf8("topic filter");
    const options = reader.u8("subscription options");
    const qos = options & 0b11;
    if (qos === 3) throw malformed("SUBSCRIBE with QoS 3 [MQTT-3.8.3-4]");
    if (!v5) {
      // 3.1.1 [MQTT-3.8.3-4]: bits 7-2 of the requested-QoS byte are reserved.
      if (options & 0xfc) throw malformed("SUBSCRIBE reserved bits are not 0 [MQTT-3.8.3-4]");
      subscriptions.push({ topic, qos: qos as QoS });
      continue;
    }
    // MQTT 5 [MQTT-3.8.3-5]: bits 7-6 are reserved; "It is a Protocol Error to send a Retain Handling value of 3".
    if (options & 0xc0) throw malformed("SUBSCRIBE reserved bits are not 0 [MQTT-3.8.3-5]");
    const rh = (options >> 4) & 0b11;
    if (rh === 3) throw protocolError("Retain Handling 3");
    const nl = (options & 0b100) !== 0;
    // [MQTT-3.8.3-4] (MQTT 5): No Local on a Shared Subscription is a Protocol Error.
    if (nl && topic.startsWith("$share/")) throw protocolError("No Local on a Shared Subscription [MQTT-3.8.3-4]");
    subscriptions.push({ topic, qos: qos as QoS, nl, rap: (options & 0b1000) !== 0, rh: rh as 0 | 1 | 2 });
  }
  // 3.1.1 [MQTT-3.8.3-3] / MQTT 5 [MQTT-3.8.3-2]: at least one Topic Filter.
  if (subscriptions.length === 0) throw protocolError("SUBSCRIBE without Topic Filters [MQTT-3.8.3-3]");
  return properties ? { cmd: "subscribe", messageId, subscriptions, properties } : { cmd: "subscribe", messageId, subscriptions };
}

function decodeUnsubscribe(reader: PacketReader, v5: boolean): UnsubscribePacket {
  const messageId = readMessageId(reader, "unsubscribe");
  const properties = v5 ? readProperties(reader, "unsubscribe") : undefined;
  const unsubscriptions: string[] = [];
  while (reader.remaining > 0) unsubscriptions.push(reader.utf8("topic filter"));
  // 3.1.1 [MQTT-3.10.3-2] / MQTT 5 [MQTT-3.10.3-2]: at least one Topic Filter.
  if (unsubscriptions.length === 0) throw protocolError("UNSUBSCRIBE without Topic Filters [MQTT-3.10.3-2]");
  return properties ? { cmd: "unsubscribe", messageId, unsubscriptions, properties } : { cmd: "unsubscribe", messageId, unsubscriptions };
}

function decodeDisconnect(reader: PacketReader, v5: boolean): DisconnectPacket {
  if (!v5) {
    reader.expectEnd("DISCONNECT"); // 3.1.1: Remaining Length 0
    return { cmd: "disconnect" };
  }
  // MQTT 5 §3.14.2: Reason Code and Property Length may each be omitted from the end.
  const reasonCode = reader.remaining > 0 ? readReasonCode(reader, V5_REASON_CODES.disconnect, "disconnect") : 0;
  const properties = reader.remaining > 0 ? readProperties(reader, "disconnect") : undefined;
  reader.expectEnd("DISCONNECT");
  return properties ? { cmd: "disconnect", reasonCode, properties } : { cmd: "disconnect", reasonCode };
}

function decodeAuth(reader: PacketReader): AuthPacket {
  // MQTT 5 §3.15.2: Reason Code and Property Length may each be omitted from the end.
  const reasonCode = reader.remaining > 0 ? readReasonCode(reader, V5_REASON_CODES.auth, "auth") : 0;
  const properties = reader.remaining > 0 ? readProperties(reader, "auth") : undefined;
  reader.expectEnd("AUTH");
  return properties ? { cmd: "auth", reasonCode, properties } : { cmd: "auth", reasonCode };
}

function readMessageId(reader: PacketReader, cmd: string): number {
  const messageId = reader.u16("packet identifier");
  // 3.1.1 [MQTT-2.3.1-1] / MQTT 5 [MQTT-2.2.1-3] [MQTT-2.2.1-4]: Packet Identifiers are non-zero.
  if (messageId === 0) throw protocolError(`${cmd} with Packet Identifier 0 [MQTT-2.3.1-1]`);
  return messageId;
}

/** A Reason Code outside its packet's table is data the protocol does not allow: Protocol Error. */
function readReasonCode(reader: PacketReader, allowed: ReadonlySet<number>, cmd: string): number {
  const code = reader.u8("reason code");
  if (!allowed.has(code)) throw protocolError(`reason code 0x${code.toString(16)} is not valid in ${cmd}`);
  return code;
}

function readReasonCodeList(reader: PacketReader, allowed: ReadonlySet<number>, cmd: string): number[] {
  const codes: number[] = [];
  while (reader.remaining > 0) codes.push(readReasonCode(reader, allowed, cmd));
  // One code per Topic Filter of the SUBSCRIBE / UNSUBSCRIBE, which has at least one.
  if (codes.length === 0) throw protocolError(`${cmd} without reason codes`);
  return codes;
}
