/**
 * Encode / decode speed against mqtt-packet. Prints figures only: timings on a shared machine are
 * too noisy to assert on. Each case first checks that both sides produce the same result, so the
 * figures compare like with like. Kept small (well under a second) because it runs with the unit suite.
 */

import { Buffer } from "node:buffer";
import { performance } from "node:perf_hooks";
import mqttPacket from "mqtt-packet";
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
import { oracleGenerate } from "./oracle";

/** Operations per second of `fn` over `iterations` runs, after a warm-up. */
function opsPerSecond(iterations: number, fn: () => unknown): number {
  for (let i = 0; i < Math.min(iterations, 1_000); i++) fn();
  const start = performance.now();
  for (let i = 0; i < iterations; i++) fn();
  return iterations / ((performance.now() - start) / 1000);
}

const rows: Record<string, { codec: string; mqttPacket: string; ratio: string }> = {};
function record(name: string, ours: number, theirs: number, unit = "ops/s"): void {
  const fmt = (n: number) => `${Math.round(n).toLocaleString("en-US")} ${unit}`;
  rows[name] = { codec: fmt(ours), mqttPacket: fmt(theirs), ratio: `${(ours / theirs).toFixed(1)}×` };
}

const payload = new TextEncoder().encode(JSON.stringify({ state: { reported: { temperature: 21.5, humidity: 40 } } }).padEnd(100));
const publishV4: PublishPacket = {
  cmd: "publish",
  topic: "$aws/things/sensor-0042/shadow/update/delta",
  payload,
  qos: 1,
  retain: false,
  dup: false,
  messageId: 42,
};
const publishV5: PublishPacket = {
  ...publishV4,
  properties: { contentType: "application/json", messageExpiryInterval: 60, userProperties: [["trace", "abc123"]] },
};

function theirPacket(packet: Packet, version: ProtocolVersion): mqttPacket.Packet {
  // The oracle adapter builds the mqtt-packet object; generate once to get it in their shape.
  const [parsed] = parseWithMqttPacket(oracleGenerate(packet, version), version);
  return parsed!;
}

function parseWithMqttPacket(bytes: Uint8Array, version: ProtocolVersion): mqttPacket.Packet[] {
  const parser = mqttPacket.parser({ protocolVersion: version });
  const out: mqttPacket.Packet[] = [];
  parser.on("packet", (p) => out.push(p));
  parser.parse(Buffer.from(bytes));
  return out;
}

describe("codec speed vs mqtt-packet (figures printed, not asserted)", () => {
  it.each([
    ["encode PUBLISH QoS 1, 100-byte payload, 3.1.1", publishV4, 4],
    ["encode PUBLISH QoS 1 with 3 properties, MQTT 5", publishV5, 5],
  ] as const)("%s", (name, packet, version) => {
    const theirs = theirPacket(packet, version);
    expect(Buffer.from(encode(packet, version)).equals(mqttPacket.generate(theirs, { protocolVersion: version }))).toBe(true);
    record(
      name,
      opsPerSecond(20_000, () => encode(packet, version)),
      opsPerSecond(20_000, () => mqttPacket.generate(theirs, { protocolVersion: version })),
    );
  });

  it.each([
    ["decode 1,000 PUBLISH in one chunk, 3.1.1", publishV4, 4],
    ["decode 1,000 PUBLISH in one chunk, MQTT 5", publishV5, 5],
  ] as const)("%s", (name, packet, version) => {
    const stream = Buffer.concat(Array.from({ length: 1_000 }, () => encode(packet, version)));
    const ours = () => new MqttParser({ protocolVersion: version, maxPacketSize: 1 << 20 }).push(stream);
    const theirs = () => parseWithMqttPacket(stream, version);
    expect(ours()).toHaveLength(1_000);
    expect(theirs()).toHaveLength(1_000);
    record(name, opsPerSecond(20, ours) * 1_000, opsPerSecond(20, theirs) * 1_000, "packets/s");
  });

  it("fan-out of one QoS 1 PUBLISH to 1,000 subscribers (template + per-subscriber Packet Identifier)", () => {
    const theirs = theirPacket(publishV4, 4);
    const template = encodePublishTemplate(publishV4, 4);
    expect(Buffer.from(withMessageId(template, 42)).equals(mqttPacket.generate(theirs))).toBe(true);
    const fanOutTemplate = () => {
      const t = encodePublishTemplate(publishV4, 4);
      for (let id = 1; id <= 1_000; id++) withMessageId(t, id);
    };
    const fanOutEncode = () => {
      for (let id = 1; id <= 1_000; id++) encode({ ...publishV4, messageId: id }, 4);
    };
    const fanOutMqttPacket = () => {
      for (let id = 1; id <= 1_000; id++) mqttPacket.generate({ ...theirs, messageId: id } as mqttPacket.Packet);
    };
    const template1k = opsPerSecond(20, fanOutTemplate);
    record("fan-out ×1,000: template vs mqtt-packet generate", template1k * 1_000, opsPerSecond(20, fanOutMqttPacket) * 1_000, "packets/s");
    record("fan-out ×1,000: template vs codec encode() each", template1k * 1_000, opsPerSecond(20, fanOutEncode) * 1_000, "packets/s");
  });

  it("prints the figures", () => {
    console.log(`\nMQTT codec vs mqtt-packet ${process.version}\n`);
    console.table(rows);
    expect(Object.keys(rows)).toHaveLength(6);
  });
});
