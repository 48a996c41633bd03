/** Framing of the streaming parser: chunk boundaries, packet sizes, version learning, limits. */
import { describe, expect, it } from "vitest";
import { encode, MqttParser, MqttProtocolError, type Packet, type ProtocolVersion, ReasonCode } from "../../../../src/protocol/mqtt/codec";
import { concat, frame, hex, str, u16 } from "../../../fixtures/mqtt/bytes";
import { comparable } from "./comparable";

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A realistic session as the server sees it: CONNECT first, then one of everything a client sends. */
function clientStream(version: ProtocolVersion): Packet[] {
  const v5 = version === 5;
  return [
    {
      cmd: "connect",
      protocolVersion: version,
      clientId: "stream",
      clean: true,
      keepalive: 30,
      ...(v5 ? { properties: { sessionExpiryInterval: 60, userProperties: [["a", "b"]] } } : {}),
    },
    { cmd: "subscribe", messageId: 1, subscriptions: [{ topic: "t/#", qos: 1, ...(v5 ? { nl: false, rap: false, rh: 0 } : {}) }] },
    { cmd: "publish", topic: "t/1", payload: text("first"), qos: 0, retain: false, dup: false },
    {
      cmd: "publish",
      topic: "t/2",
      payload: new Uint8Array(20_000).fill(7),
      qos: 1,
      retain: true,
      dup: false,
      messageId: 2,
      ...(v5 ? { properties: { contentType: "bin" } } : {}),
    },
    { cmd: "puback", messageId: 9, ...(v5 ? { reasonCode: 0 } : {}) },
    { cmd: "pingreq" },
    { cmd: "unsubscribe", messageId: 3, unsubscriptions: ["t/#"] },
    { cmd: "disconnect", ...(v5 ? { reasonCode: 0 } : {}) },
  ];
}

function encodeStream(packets: Packet[], version: ProtocolVersion): Uint8Array {
  return concat(...packets.map((p) => encode(p, version)));
}

/** Pushes `bytes` cut at the given offsets and collects every packet. */
function parseInPieces(bytes: Uint8Array, cuts: number[], parser = new MqttParser({ maxPacketSize: 1 << 20 })): Packet[] {
  const packets: Packet[] = [];
  let start = 0;
  for (const cut of [...cuts, bytes.length]) {
    packets.push(...parser.push(bytes.subarray(start, cut)));
    start = cut;
  }
  return packets;
}

/** Deterministic pseudo-random cut points (so a failure reproduces). */
function randomCuts(length: number, count: number, seed: number): number[] {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2 ** 31);
  return Array.from({ length: count }, () => next() % length).sort((a, b) => a - b);
}

describe.each([4, 5] as const)("MQTT %s stream", (version) => {
  const packets = clientStream(version);
  const bytes = encodeStream(packets, version);

  it("decodes several packets from one chunk", () => {
    expect(comparable(parseInPieces(bytes, []))).toEqual(comparable(packets));
  });

  it("decodes packets fed one byte at a time", () => {
    const cuts = Array.from({ length: bytes.length - 1 }, (_, i) => i + 1);
    expect(comparable(parseInPieces(bytes, cuts))).toEqual(comparable(packets));
  });

  it.each([1, 2, 3])("decodes packets cut at random places (seed %i)", (seed) => {
    expect(comparable(parseInPieces(bytes, randomCuts(bytes.length, 25, seed)))).toEqual(comparable(packets));
  });

  it("accepts empty chunks anywhere", () => {
    expect(comparable(parseInPieces(bytes, [0, 0, 5, 5, bytes.length]))).toEqual(comparable(packets));
  });

  it("learns the protocol version from CONNECT", () => {
    const parser = new MqttParser({ maxPacketSize: 1 << 20 });
    expect(parser.protocolVersion).toBeUndefined();
    parser.push(bytes.subarray(0, 1));
    expect(parser.protocolVersion).toBeUndefined();
    parser.push(bytes.subarray(1));
    expect(parser.protocolVersion).toBe(version);
  });
});

describe("Remaining Length sizes", () => {
  // Remaining Length boundaries of MQTT 5 §1.5.5 / 3.1.1 §2.2.3: 1 byte up to 127, 2 up to 16 383, 3 up to 2 097 151.
  it.each([
    [0, 1],
    [127, 1],
    [128, 2],
    [16_383, 2],
    [16_384, 3],
    [2_097_151, 3],
    [2_097_152, 4],
  ])("frames a packet with Remaining Length %i (%i-byte field), whole and split inside the length field", (remaining, lengthBytes) => {
    const topic = "t";
    const payload = new Uint8Array(Math.max(0, remaining - 3)).fill(1);
    const packet: Packet = remaining === 0 ? { cmd: "pingreq" } : { cmd: "publish", topic, payload, qos: 0, retain: false, dup: false };
    const bytes = encode(packet, 4);
    expect(bytes.length).toBe(1 + lengthBytes + remaining);
    const stream = concat(bytes, encode({ cmd: "pingresp" }, 4));
    const parse = (cuts: number[]) => parseInPieces(stream, cuts, new MqttParser({ protocolVersion: 4, maxPacketSize: 3 << 20 }));
    for (const cuts of [[], [1], [2], [lengthBytes], [1, lengthBytes, lengthBytes + 1]]) {
      expect(comparable(parse(cuts))).toEqual(comparable([packet, { cmd: "pingresp" }]));
    }
  });
});

describe("maximum packet size", () => {
  const publish = (payloadLength: number) =>
    encode({ cmd: "publish", topic: "t", payload: new Uint8Array(payloadLength), qos: 0, retain: false, dup: false }, 4);

  it("accepts a packet of exactly maxPacketSize bytes (fixed header included)", () => {
    const bytes = publish(100);
    const parser = new MqttParser({ protocolVersion: 4, maxPacketSize: bytes.length });
    expect(parser.push(bytes)).toHaveLength(1);
  });

  it("refuses a larger one with Packet too large (0x95) from its fixed header alone, before the body arrives", () => {
    const bytes = publish(100);
    const parser = new MqttParser({ protocolVersion: 4, maxPacketSize: bytes.length - 1 });
    // Only the two fixed-header bytes are pushed: the body is never buffered.
    expect(() => parser.push(bytes.subarray(0, 2))).toThrow(expect.objectContaining({ reasonCode: ReasonCode.PacketTooLarge }));
  });

  it("refuses a huge announced size without allocating it", () => {
    const parser = new MqttParser({ protocolVersion: 5, maxPacketSize: 128 * 1024 });
    // PUBLISH announcing the largest Remaining Length (268 435 455 bytes).
    expect(() => parser.push(hex("30 ff ff ff 7f"))).toThrow(expect.objectContaining({ reasonCode: 0x95 }));
  });
});

describe("failure and state", () => {
  it("stays failed after a protocol error and rethrows it on every later push", () => {
    const parser = new MqttParser({ protocolVersion: 4, maxPacketSize: 1024 });
    let first: unknown;
    try {
      parser.push(hex("00 00"));
    } catch (error) {
      first = error;
    }
    expect(first).toBeInstanceOf(MqttProtocolError);
    expect(() => parser.push(encode({ cmd: "pingreq" }, 4))).toThrow(first as Error);
  });

  it("rejects a bad first byte as soon as it arrives, before the rest of the packet", () => {
    const parser = new MqttParser({ protocolVersion: 4, maxPacketSize: 1024 });
    expect(() => parser.push(hex("36"))).toThrow(expect.objectContaining({ reasonCode: ReasonCode.MalformedPacket }));
  });

  it("refuses a non-CONNECT first packet even before its length arrives [MQTT-3.1.0-1]", () => {
    const parser = new MqttParser({ maxPacketSize: 1024 });
    expect(() => parser.push(hex("30"))).toThrow(expect.objectContaining({ reasonCode: ReasonCode.ProtocolError }));
  });

  it("reads 3.1.1 packets after a 3.1.1 CONNECT and MQTT 5 packets after an MQTT 5 one", () => {
    // The same PUBACK bytes with a reason code: valid MQTT 5, malformed 3.1.1 (Remaining Length must be 2).
    const puback = hex("40 03 00 01 10");
    const connect = (level: 4 | 5) => encode({ cmd: "connect", protocolVersion: level, clientId: "c", clean: true, keepalive: 0 }, level);
    expect(new MqttParser({ maxPacketSize: 64 }).push(concat(connect(5), puback))[1]).toEqual({
      cmd: "puback",
      messageId: 1,
      reasonCode: 0x10,
    });
    expect(() => new MqttParser({ maxPacketSize: 64 }).push(concat(connect(4), puback))).toThrow(MqttProtocolError);
  });

  it("keeps a payload that spanned chunks intact after later pushes", () => {
    const parser = new MqttParser({ protocolVersion: 4, maxPacketSize: 1024 });
    const first = encode({ cmd: "publish", topic: "a", payload: text("hello world"), qos: 0, retain: false, dup: false }, 4);
    const second = encode({ cmd: "publish", topic: "b", payload: text("HELLO WORLD"), qos: 0, retain: false, dup: false }, 4);
    parser.push(first.subarray(0, 6));
    const [packet] = parser.push(first.subarray(6));
    parser.push(concat(second.subarray(0, 4)));
    parser.push(second.subarray(4));
    expect(new TextDecoder().decode((packet as { payload: Uint8Array }).payload)).toBe("hello world");
  });

  it("keeps a leading U+FEFF in strings instead of stripping it as a BOM [MQTT-1.5.4-3]", () => {
    const parser = new MqttParser({ protocolVersion: 4, maxPacketSize: 1024 });
    const [packet] = parser.push(frame(0x30, concat(u16(4), hex("ef bb bf 61"))));
    expect((packet as { topic: string }).topic).toBe("\uFEFFa");
  });

  it("decodes a long non-ASCII topic (TextDecoder path) and a short ASCII one (fast path) alike", () => {
    const parser = new MqttParser({ protocolVersion: 4, maxPacketSize: 4096 });
    const long = "é/".repeat(200);
    const ascii = "x".repeat(300);
    const packets = parser.push(concat(frame(0x30, str(long)), frame(0x30, str(ascii)), frame(0x30, str("a/b"))));
    expect(packets.map((p) => (p as { topic: string }).topic)).toEqual([long, ascii, "a/b"]);
  });

  it("refuses a maxPacketSize that cannot hold any packet", () => {
    expect(() => new MqttParser({ maxPacketSize: 1 })).toThrow(RangeError);
  });
});
