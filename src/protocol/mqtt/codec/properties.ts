import { MqttProtocolError, malformed, protocolError } from "./errors";
import { PACKET_TYPE, type PacketCmd, type Properties, type UserProperty } from "./packets";
import type { PacketReader } from "./reader";
import { ReasonCode } from "./reasonCodes";
import { VARINT_MAX, varintSize } from "./varint";
import { binarySize, checkInteger, type PacketWriter, stringSize } from "./writer";

/**
 * MQTT 5 properties (MQTT 5 §2.2.2, Table 2-4): which identifier, which data type, which packets.
 * One table drives both directions, so the decoder's "not valid for this packet" check and the
 * encoder's refusal can never disagree.
 */

/** Where a property set sits: a packet type, or the Will Properties inside CONNECT's payload. */
export type PropertyContext = PacketCmd | "will";

const bit = (context: PropertyContext): number => 1 << (context === "will" ? 0 : PACKET_TYPE[context]);
const anyOf = (...contexts: PropertyContext[]): number => contexts.reduce((mask, c) => mask | bit(c), 0);

type ValueType = "bool" | "byte" | "u16" | "u32" | "varint" | "string" | "binary" | "pair";

interface PropertySpec {
  readonly id: number;
  readonly name: keyof Properties;
  readonly type: ValueType;
  readonly allowedIn: number;
  /** Contexts where the identifier may appear more than once (stored as a list). */
  readonly repeatableIn: number;
  /** 0 is not a legal value. */
  readonly nonZero?: boolean;
}

const PUBLISH_OR_WILL = anyOf("publish", "will");
const ACKS = anyOf("puback", "pubrec", "pubrel", "pubcomp", "suback", "unsuback");

const SPECS: readonly PropertySpec[] = [
  { id: 0x01, name: "payloadFormatIndicator", type: "bool", allowedIn: PUBLISH_OR_WILL, repeatableIn: 0 },
  { id: 0x02, name: "messageExpiryInterval", type: "u32", allowedIn: PUBLISH_OR_WILL, repeatableIn: 0 },
  { id: 0x03, name: "contentType", type: "string", allowedIn: PUBLISH_OR_WILL, repeatableIn: 0 },
  { id: 0x08, name: "responseTopic", type: "string", allowedIn: PUBLISH_OR_WILL, repeatableIn: 0 },
  { id: 0x09, name: "correlationData", type: "binary", allowedIn: PUBLISH_OR_WILL, repeatableIn: 0 },
  // A PUBLISH carries one per matching subscription; SUBSCRIBE at most one (MQTT 5 §3.3.2.3.8, §3.8.2.1.2).
  {
    id: 0x0b,
    name: "subscriptionIdentifiers",
    type: "varint",
    allowedIn: anyOf("publish", "subscribe"),
    repeatableIn: bit("publish"),
    nonZero: true,
  },
  { id: 0x11, name: "sessionExpiryInterval", type: "u32", allowedIn: anyOf("connect", "connack", "disconnect"), repeatableIn: 0 },
  { id: 0x12, name: "assignedClientIdentifier", type: "string", allowedIn: bit("connack"), repeatableIn: 0 },
  { id: 0x13, name: "serverKeepAlive", type: "u16", allowedIn: bit("connack"), repeatableIn: 0 },
  { id: 0x15, name: "authenticationMethod", type: "string", allowedIn: anyOf("connect", "connack", "auth"), repeatableIn: 0 },
  { id: 0x16, name: "authenticationData", type: "binary", allowedIn: anyOf("connect", "connack", "auth"), repeatableIn: 0 },
  { id: 0x17, name: "requestProblemInformation", type: "bool", allowedIn: bit("connect"), repeatableIn: 0 },
  { id: 0x18, name: "willDelayInterval", type: "u32", allowedIn: bit("will"), repeatableIn: 0 },
  { id: 0x19, name: "requestResponseInformation", type: "bool", allowedIn: bit("connect"), repeatableIn: 0 },
  { id: 0x1a, name: "responseInformation", type: "string", allowedIn: bit("connack"), repeatableIn: 0 },
  { id: 0x1c, name: "serverReference", type: "string", allowedIn: anyOf("connack", "disconnect"), repeatableIn: 0 },
  {
    id: 0x1f,
    name: "reasonString",
    type: "string",
    allowedIn: ACKS | anyOf("connack", "disconnect", "auth"),
    repeatableIn: 0,
  },
  { id: 0x21, name: "receiveMaximum", type: "u16", allowedIn: anyOf("connect", "connack"), repeatableIn: 0, nonZero: true },
  { id: 0x22, name: "topicAliasMaximum", type: "u16", allowedIn: anyOf("connect", "connack"), repeatableIn: 0 },
  { id: 0x23, name: "topicAlias", type: "u16", allowedIn: bit("publish"), repeatableIn: 0, nonZero: true },
  { id: 0x24, name: "maximumQoS", type: "byte", allowedIn: bit("connack"), repeatableIn: 0 },
  { id: 0x25, name: "retainAvailable", type: "bool", allowedIn: bit("connack"), repeatableIn: 0 },
  {
    id: 0x26,
    name: "userProperties",
    type: "pair",
    allowedIn: ACKS | PUBLISH_OR_WILL | anyOf("connect", "connack", "subscribe", "unsubscribe", "disconnect", "auth"),
    repeatableIn: -1,
  },
  { id: 0x27, name: "maximumPacketSize", type: "u32", allowedIn: anyOf("connect", "connack"), repeatableIn: 0, nonZero: true },
  { id: 0x28, name: "wildcardSubscriptionAvailable", type: "bool", allowedIn: bit("connack"), repeatableIn: 0 },
  { id: 0x29, name: "subscriptionIdentifiersAvailable", type: "bool", allowedIn: bit("connack"), repeatableIn: 0 },
  { id: 0x2a, name: "sharedSubscriptionAvailable", type: "bool", allowedIn: bit("connack"), repeatableIn: 0 },
];

const BY_ID: readonly (PropertySpec | undefined)[] = (() => {
  const table: (PropertySpec | undefined)[] = [];
  for (const spec of SPECS) table[spec.id] = spec;
  return table;
})();
const BY_NAME: ReadonlyMap<string, PropertySpec> = new Map(SPECS.map((spec) => [spec.name, spec]));

// ---------------------------------------------------------------------------------------------
// Decoding

/**
 * Reads a Property Length and the properties it covers; `undefined` when there are none.
 * Malformed Packet: unknown identifier, identifier not valid for this packet, a value that runs
 * past the Property Length (MQTT 5 §2.2.2.2). Protocol Error: a repeated identifier that may not
 * repeat, or a value the protocol does not allow (each property's section in MQTT 5 §3).
 */
export function readProperties(reader: PacketReader, context: PropertyContext): Properties | undefined {
  const length = reader.varint("Property Length");
  if (length === 0) return undefined;
  if (length > reader.remaining) throw malformed("Property Length runs past the end of the packet");
  const end = reader.pos + length;
  const contextBit = bit(context);
  // Filled by property name from the table; cast once complete.
  const properties: Record<string, unknown> = {};
  while (reader.pos < end) {
    // The identifier is a Variable Byte Integer, but every defined one fits in a single byte.
    const id = reader.u8("property identifier");
    const spec = BY_ID[id];
    if (spec === undefined) throw malformed(`unknown property identifier 0x${id.toString(16)}`);
    if ((spec.allowedIn & contextBit) === 0) throw malformed(`property ${spec.name} is not valid in ${context}`);
    const value = readValue(reader, spec, end);
    checkDecodedValue(spec, value);
    const existing = properties[spec.name];
    if ((spec.repeatableIn & contextBit) !== 0) {
      if (existing === undefined) properties[spec.name] = [value];
      else (existing as unknown[]).push(value);
    } else if (existing !== undefined) {
      throw protocolError(`property ${spec.name} included more than once`);
    } else {
      properties[spec.name] = spec.type === "varint" ? [value] : value;
    }
  }
  if (reader.pos !== end) throw malformed("a property runs past the Property Length");
  if (properties.authenticationData !== undefined && properties.authenticationMethod === undefined) {
    throw protocolError("Authentication Data without Authentication Method"); // MQTT 5 §3.1.2.11.10
  }
  return properties as Properties;
}

function readValue(reader: PacketReader, spec: PropertySpec, end: number): unknown {
  const field = `property ${spec.name}`;
  let value: unknown;
  switch (spec.type) {
    case "bool":
    case "byte":
      value = reader.u8(field);
      break;
    case "u16":
      value = reader.u16(field);
      break;
    case "u32":
      value = reader.u32(field);
      break;
    case "varint":
      value = reader.varint(field);
      break;
    case "string":
      value = reader.utf8(field);
      break;
    case "binary":
      value = reader.binary(field);
      break;
    case "pair":
      value = [reader.utf8(`${field} name`), reader.utf8(`${field} value`)] satisfies UserProperty;
      break;
  }
  if (reader.pos > end) throw malformed(`${field} runs past the Property Length`);
  return spec.type === "bool" ? toBoolean(spec, value as number) : value;
}

function toBoolean(spec: PropertySpec, byte: number): boolean {
  // "It is a Protocol Error to ... have a value other than 0 or 1" (MQTT 5 §3.1.2.11.6, §3.1.2.11.7,
  // §3.2.2.3.5, §3.2.2.3.11-13). The Payload Format Indicator only defines 0 and 1 (§3.3.2.3.2);
  // anything else is treated the same way.
  if (byte > 1) throw protocolError(`property ${spec.name} must be 0 or 1, got ${byte}`);
  return byte === 1;
}

function checkDecodedValue(spec: PropertySpec, value: unknown): void {
  if (spec.nonZero && value === 0) {
    // [MQTT-3.3.2-8] A Topic Alias of 0 is not permitted; the matching Reason Code is Topic Alias invalid.
    if (spec.name === "topicAlias") throw new MqttProtocolError(ReasonCode.TopicAliasInvalid, "Topic Alias 0");
    throw protocolError(`property ${spec.name} must not be 0`);
  }
  if (spec.name === "maximumQoS" && (value as number) > 1) {
    throw protocolError(`Maximum QoS must be 0 or 1, got ${String(value)}`); // MQTT 5 §3.2.2.3.4
  }
}

// ---------------------------------------------------------------------------------------------
// Encoding

/**
 * Bytes the properties take after the Property Length field (0 when there are none). Validates
 * everything: property valid in this context, value of the right type and range, single-valued
 * properties not given as lists. Keys whose value is `undefined` are skipped.
 */
export function propertiesSize(properties: Properties | undefined, context: PropertyContext): number {
  if (properties === undefined) return 0;
  const contextBit = bit(context);
  let size = 0;
  for (const name in properties) {
    const value: unknown = properties[name as keyof Properties];
    if (value === undefined) continue;
    const spec = BY_NAME.get(name);
    if (spec === undefined) throw new TypeError(`unknown MQTT 5 property ${name}`);
    if ((spec.allowedIn & contextBit) === 0) throw new RangeError(`property ${name} is not valid in ${context}`);
    if (spec.type === "pair" || spec.type === "varint") {
      if (!Array.isArray(value)) throw new TypeError(`property ${name} must be an array`);
      if ((spec.repeatableIn & contextBit) === 0 && value.length > 1) {
        throw new RangeError(`property ${name} may appear only once in ${context}`);
      }
      for (const item of value) size += 1 + valueSize(spec, item);
    } else {
      size += 1 + valueSize(spec, value);
    }
  }
  if (properties.authenticationData !== undefined && properties.authenticationMethod === undefined) {
    throw new RangeError("authenticationData requires authenticationMethod");
  }
  return size;
}

/** Size of the whole properties block: Property Length field plus the properties. */
export const propertiesBlockSize = (contentSize: number): number => varintSize(contentSize) + contentSize;

function valueSize(spec: PropertySpec, value: unknown): number {
  const field = `property ${spec.name}`;
  switch (spec.type) {
    case "bool":
      if (typeof value !== "boolean") throw new TypeError(`${field} must be a boolean`);
      return 1;
    case "byte":
      checkInteger(value, 0, 1, field); // Maximum QoS is the only Byte property that is not a boolean
      return 1;
    case "u16":
      checkInteger(value, spec.nonZero ? 1 : 0, 0xffff, field);
      return 2;
    case "u32":
      checkInteger(value, spec.nonZero ? 1 : 0, 0xffff_ffff, field);
      return 4;
    case "varint":
      return varintSize(checkInteger(value, 1, VARINT_MAX, field));
    case "string":
      return stringSize(value as string, field);
    case "binary":
      return binarySize(value as Uint8Array, field);
    case "pair": {
      if (!Array.isArray(value) || value.length !== 2) throw new TypeError(`${field} entries must be [name, value]`);
      return stringSize(value[0] as string, `${field} name`) + stringSize(value[1] as string, `${field} value`);
    }
  }
}

/** Writes the Property Length and the properties measured by `propertiesSize`, in key order. */
export function writeProperties(writer: PacketWriter, properties: Properties | undefined, contentSize: number): void {
  writer.varint(contentSize);
  if (contentSize === 0 || properties === undefined) return;
  for (const name in properties) {
    const value: unknown = properties[name as keyof Properties];
    if (value === undefined) continue;
    const spec = BY_NAME.get(name)!;
    if (spec.type === "pair" || spec.type === "varint") {
      for (const item of value as unknown[]) writeValue(writer, spec, item);
    } else {
      writeValue(writer, spec, value);
    }
  }
}

function writeValue(writer: PacketWriter, spec: PropertySpec, value: unknown): void {
  writer.u8(spec.id);
  switch (spec.type) {
    case "bool":
      writer.u8(value ? 1 : 0);
      break;
    case "byte":
      writer.u8(value as number);
      break;
    case "u16":
      writer.u16(value as number);
      break;
    case "u32":
      writer.u32(value as number);
      break;
    case "varint":
      writer.varint(value as number);
      break;
    case "string":
      writer.utf8(value as string);
      break;
    case "binary":
      writer.binary(value as Uint8Array);
      break;
    case "pair":
      writer.utf8((value as UserProperty)[0]);
      writer.utf8((value as UserProperty)[1]);
      break;
  }
}
