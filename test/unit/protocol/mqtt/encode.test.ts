/** Encoder behaviour the oracle cannot show: refusals, shortest forms, version-specific fields, fan-out templates. */
import { Buffer } from "node:buffer";
import { describe, expect, it } from "vitest";
import {
  encode,
  encodePublishTemplate,
  MqttParser,
  type Packet,
  type ProtocolVersion,
  type PublishPacket,
  withMessageId,
} from "../../../../src/protocol/mqtt/codec";

const hexOf = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const publish = (overrides: Partial<PublishPacket> = {}): PublishPacket => ({
  cmd: "publish",
  topic: "a/b",
  payload: text("x"),
  qos: 1,
  retain: false,
  dup: false,
  messageId: 1,
  ...overrides,
});

describe("encode refuses packets that would be malformed on the wire", () => {
  // The casts let the table hold packets the types already forbid, as untyped callers could send.
  const cases: [string, Packet, ProtocolVersion, ErrorConstructor][] = [
    ["U+0000 in a topic [MQTT-1.5.3-2]", publish({ topic: "a\u0000b" }), 4, RangeError],
    ["an unpaired high surrogate [MQTT-1.5.3-1]", publish({ topic: "a\uD800b" }), 4, RangeError],
    ["an unpaired low surrogate [MQTT-1.5.3-1]", publish({ topic: "\uDC00" }), 5, RangeError],
    ["a string longer than 65535 bytes", publish({ topic: "é".repeat(40_000) }), 4, RangeError],
    ["QoS 3 [MQTT-3.3.1-4]", publish({ qos: 3 as 2 }), 4, RangeError],
    ["QoS 1 without a Packet Identifier", publish({ messageId: undefined }), 4, RangeError],
    ["Packet Identifier 0 [MQTT-2.3.1-1]", publish({ messageId: 0 }), 4, RangeError],
    ["Packet Identifier 65536", { cmd: "puback", messageId: 65536 }, 4, RangeError],
    ["DUP on QoS 0 [MQTT-3.3.1-2]", publish({ qos: 0, dup: true }), 4, RangeError],
    ["an empty topic in 3.1.1 [MQTT-4.7.3-1]", publish({ topic: "" }), 4, RangeError],
    ["an empty topic without Topic Alias in MQTT 5", publish({ topic: "" }), 5, RangeError],
    ["a payload that is not a Uint8Array", publish({ payload: "x" as unknown as Uint8Array }), 4, TypeError],
    ["SUBSCRIBE without subscriptions [MQTT-3.8.3-3]", { cmd: "subscribe", messageId: 1, subscriptions: [] }, 4, RangeError],
    ["UNSUBSCRIBE without topic filters [MQTT-3.10.3-2]", { cmd: "unsubscribe", messageId: 1, unsubscriptions: [] }, 5, RangeError],
    ["Retain Handling 3", { cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "a", qos: 0, rh: 3 as 2 }] }, 5, RangeError],
    [
      "No Local on a Shared Subscription [MQTT-3.8.3-4]",
      { cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "$share/g/a", qos: 0, nl: true }] },
      5,
      RangeError,
    ],
    [
      "a property the packet may not carry",
      { cmd: "connect", protocolVersion: 5, clientId: "c", clean: true, keepalive: 0, properties: { topicAlias: 1 } as never },
      5,
      RangeError,
    ],
    ["an unknown property name", publish({ properties: { subscriptionIdentifier: 1 } as never }), 5, TypeError],
    [
      "two Subscription Identifiers in SUBSCRIBE",
      { cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "a", qos: 0 }], properties: { subscriptionIdentifiers: [1, 2] } },
      5,
      RangeError,
    ],
    ["Subscription Identifier 0", publish({ properties: { subscriptionIdentifiers: [0] } }), 5, RangeError],
    ["Receive Maximum 0", { cmd: "connack", sessionPresent: false, reasonCode: 0, properties: { receiveMaximum: 0 } }, 5, RangeError],
    ["Topic Alias 0 [MQTT-3.3.2-8]", publish({ properties: { topicAlias: 0 } }), 5, RangeError],
    ["Maximum QoS 2", { cmd: "connack", sessionPresent: false, reasonCode: 0, properties: { maximumQoS: 2 as 1 } }, 5, RangeError],
    ["a boolean property given as a number", publish({ properties: { payloadFormatIndicator: 1 as unknown as boolean } }), 5, TypeError],
    [
      "Authentication Data without Authentication Method",
      { cmd: "auth", reasonCode: 0x18, properties: { authenticationData: text("x") } },
      5,
      RangeError,
    ],
    ["an MQTT 5 CONNACK given only a 3.1.1 return code", { cmd: "connack", sessionPresent: false, returnCode: 5 }, 5, TypeError],
    ["a 3.1.1 CONNACK given only an MQTT 5 reason code", { cmd: "connack", sessionPresent: false, reasonCode: 0x87 }, 4, TypeError],
    ["a reserved 3.1.1 CONNACK return code", { cmd: "connack", sessionPresent: false, returnCode: 6 }, 4, RangeError],
    ["a reason code outside the packet's table", { cmd: "puback", messageId: 1, reasonCode: 0x92 }, 5, RangeError],
    ["a reserved 3.1.1 SUBACK return code [MQTT-3.9.3-2]", { cmd: "suback", messageId: 1, granted: [3] }, 4, RangeError],
    ["AUTH in 3.1.1", { cmd: "auth", reasonCode: 0 }, 4, RangeError],
    [
      "a 3.1.1 password without user name [MQTT-3.1.2-22]",
      { cmd: "connect", protocolVersion: 4, clientId: "c", clean: true, keepalive: 0, password: text("p") },
      4,
      RangeError,
    ],
    [
      "a CONNECT encoded for another version than it declares",
      { cmd: "connect", protocolVersion: 5, clientId: "c", clean: true, keepalive: 0 },
      4,
      RangeError,
    ],
    ["a keepalive above 65535", { cmd: "connect", protocolVersion: 4, clientId: "c", clean: true, keepalive: 65536 }, 4, RangeError],
  ];

  it.each(cases)("refuses %s", (_, packet, version, errorClass) => {
    expect(() => encode(packet, version)).toThrow(errorClass);
  });
});

describe("encoded packets share slabs but never each other's bytes", () => {
  it("leaves an encoded packet intact however many packets are encoded after it", () => {
    const first = encode(publish({ payload: new Uint8Array(200).fill(0xab) }), 4);
    const expected = hexOf(first);
    // 200 packets of ~210 bytes fill several 8 KiB slabs; none may land on top of `first`.
    for (let i = 0; i < 200; i++) encode(publish({ payload: new Uint8Array(200).fill(i & 0xff), messageId: i + 1 }), 4);
    expect(hexOf(first)).toBe(expected);
  });

  it("gives each packet a view of exactly its own bytes", () => {
    const a = encode({ cmd: "pingreq" }, 4);
    const b = encode(publish(), 4);
    expect(a.byteLength).toBe(2);
    expect(b.byteLength).toBe(b.length);
    expect(hexOf(a)).toBe("c000");
  });
});

describe("MQTT 5 shortest forms (trailing Reason Code / Property Length omitted where allowed)", () => {
  it.each([
    ["PUBACK Success, no properties: Remaining Length 2 (§3.4.2.1)", { cmd: "puback", messageId: 5, reasonCode: 0 }, "40020005"],
    ["PUBACK without a reason code means Success", { cmd: "puback", messageId: 5 }, "40020005"],
    ["PUBACK with a reason code, no properties: Remaining Length 3 (§3.4.2.2.1)", { cmd: "puback", messageId: 5, reasonCode: 0x10 }, "4003000510"],
    ["PUBREL with an empty properties object", { cmd: "pubrel", messageId: 5, reasonCode: 0, properties: {} }, "62020005"],
    ["PUBCOMP with properties set to undefined", { cmd: "pubcomp", messageId: 5, properties: { reasonString: undefined } }, "70020005"],
    ["DISCONNECT Normal: Remaining Length 0 (§3.14.2.1)", { cmd: "disconnect" }, "e000"],
    ["DISCONNECT with a reason code only: Remaining Length 1 (§3.14.2.2.1)", { cmd: "disconnect", reasonCode: 0x8e }, "e0018e"],
    ["AUTH Success: Remaining Length 0 (§3.15.2.1)", { cmd: "auth", reasonCode: 0 }, "f000"],
    ["CONNACK always carries a Property Length", { cmd: "connack", sessionPresent: true, reasonCode: 0 }, "2003010000"],
  ] satisfies [string, Packet, string][])("%s", (_, packet, expected) => {
    expect(hexOf(encode(packet, 5))).toBe(expected);
  });
});

describe("3.1.1 leaves out MQTT 5-only fields", () => {
  it.each([
    ["PUBACK reason code and properties", { cmd: "puback", messageId: 5, reasonCode: 0x10, properties: { reasonString: "r" } }, "40020005"],
    ["DISCONNECT reason code", { cmd: "disconnect", reasonCode: 0x8e }, "e000"],
    ["UNSUBACK reason codes", { cmd: "unsuback", messageId: 2, granted: [0x11] }, "b0020002"],
    [
      "subscription options other than QoS",
      { cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "a", qos: 1, nl: true, rap: true, rh: 2 }] },
      "820600010001" + "61" + "01",
    ],
    ["PUBLISH properties", publish({ properties: { contentType: "x" } }), "3208" + "0003612f62" + "0001" + "78"],
  ] satisfies [string, Packet, string][])("drops %s", (_, packet, expected) => {
    expect(hexOf(encode(packet, 4))).toBe(expected);
  });
});

describe("publish templates for fan-out", () => {
  const topics = { short: "t", "two-byte Remaining Length": "x".repeat(200), "non-ASCII": "é/中/😀" };

  describe.each([4, 5] as const)("MQTT %s", (version) => {
    it.each(Object.entries(topics))("stamping a Packet Identifier gives exactly encode()'s bytes (%s topic)", (_, topic) => {
      const base = publish({
        topic,
        qos: 1,
        payload: new Uint8Array(300).fill(3),
        ...(version === 5 ? { properties: { messageExpiryInterval: 9 } } : {}),
      });
      const template = encodePublishTemplate(base, version);
      for (const messageId of [1, 255, 256, 4660, 65535]) {
        expect(hexOf(withMessageId(template, messageId))).toBe(hexOf(encode({ ...base, messageId }, version)));
      }
    });

    it("gives each subscriber its own copy and leaves the template untouched", () => {
      const template = encodePublishTemplate(publish({ qos: 1 }), version);
      const before = hexOf(template.bytes);
      const a = withMessageId(template, 1);
      const b = withMessageId(template, 2);
      expect(hexOf(template.bytes)).toBe(before);
      expect(a).not.toBe(b);
      const parser = new MqttParser({ protocolVersion: version, maxPacketSize: 1024 });
      expect(parser.push(a)[0]).toMatchObject({ messageId: 1 });
      expect(parser.push(b)[0]).toMatchObject({ messageId: 2 });
    });

    it("a QoS 0 template is final: no Packet Identifier to stamp", () => {
      const packet = publish({ qos: 0, messageId: undefined });
      const template = encodePublishTemplate(packet, version);
      expect(template.messageIdOffset).toBeUndefined();
      expect(hexOf(template.bytes)).toBe(hexOf(encode(packet, version)));
      expect(() => withMessageId(template, 1)).toThrow(RangeError);
    });
  });

  it("refuses to stamp Packet Identifier 0 [MQTT-2.2.1-4]", () => {
    expect(() => withMessageId(encodePublishTemplate(publish(), 5), 0)).toThrow(RangeError);
  });
});
