/**
 * Table-driven cross-check against mqtt-packet (see test/fixtures/mqtt/packets.ts for the table and
 * what each `oracle` level means). Each fixture yields up to four tests.
 */
import { Buffer } from "node:buffer";
import { describe, expect, it } from "vitest";
import { encode, MqttParser, type Packet, type ProtocolVersion } from "../../../../src/protocol/mqtt/codec";
import { PACKET_FIXTURES } from "../../../fixtures/mqtt/packets";
import { comparable } from "./comparable";
import { oracleGenerate, oracleParse } from "./oracle";

/** Decodes a buffer that holds exactly one packet, on a stream already speaking `version`. */
function decodeOne(bytes: Uint8Array, version: ProtocolVersion): Packet {
  const packets = new MqttParser({ protocolVersion: version, maxPacketSize: 4 * 1024 * 1024 }).push(bytes);
  expect(packets).toHaveLength(1);
  return packets[0]!;
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

describe.each(PACKET_FIXTURES.map((f) => [`v${f.version === 4 ? "3.1.1" : "5"} ${f.name}`, f] as const))("%s", (_, fixture) => {
  const { packet, version, oracle = "exact" } = fixture;

  it("round-trips through encode and the parser unchanged", () => {
    expect(comparable(decodeOne(encode(packet, version), version))).toEqual(comparable(packet));
  });

  if (oracle === "none") return;

  it("decodes mqtt-packet's encoding to the same packet", () => {
    expect(comparable(decodeOne(oracleGenerate(packet, version), version))).toEqual(comparable(packet));
  });

  it("is decoded by mqtt-packet to the same packet", () => {
    expect(comparable(oracleParse(encode(packet, version), version))).toEqual(comparable([packet]));
  });

  if (oracle === "exact") {
    it("encodes byte for byte like mqtt-packet", () => {
      expect(hex(encode(packet, version))).toBe(hex(oracleGenerate(packet, version)));
    });
  } else {
    it(`encodes differently from mqtt-packet, both valid: ${fixture.note}`, () => {
      expect(hex(encode(packet, version))).not.toBe(hex(oracleGenerate(packet, version)));
    });
  }
});

describe("fixture table coverage", () => {
  const ALL_CMDS = [
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
  ];
  // Every MQTT 5 property (MQTT 5 Table 2-4), by the codec's names.
  const ALL_PROPERTIES = [
    "payloadFormatIndicator",
    "messageExpiryInterval",
    "contentType",
    "responseTopic",
    "correlationData",
    "subscriptionIdentifiers",
    "sessionExpiryInterval",
    "assignedClientIdentifier",
    "serverKeepAlive",
    "authenticationMethod",
    "authenticationData",
    "requestProblemInformation",
    "willDelayInterval",
    "requestResponseInformation",
    "responseInformation",
    "serverReference",
    "reasonString",
    "receiveMaximum",
    "topicAliasMaximum",
    "topicAlias",
    "maximumQoS",
    "retainAvailable",
    "userProperties",
    "maximumPacketSize",
    "wildcardSubscriptionAvailable",
    "subscriptionIdentifiersAvailable",
    "sharedSubscriptionAvailable",
  ];
  const crossChecked = PACKET_FIXTURES.filter((f) => f.oracle !== "none");

  it.each([4, 5] as const)("cross-checks every packet type of protocol level %i with mqtt-packet", (version) => {
    const cmds = new Set(crossChecked.filter((f) => f.version === version).map((f) => f.packet.cmd));
    expect([...cmds].sort()).toEqual((version === 5 ? [...ALL_CMDS, "auth"] : ALL_CMDS).sort());
  });

  it("cross-checks every MQTT 5 property with mqtt-packet, byte for byte", () => {
    const seen = new Set<string>();
    for (const { packet, oracle = "exact" } of crossChecked) {
      if (oracle !== "exact") continue;
      for (const props of ["properties" in packet ? packet.properties : undefined, packet.cmd === "connect" ? packet.will?.properties : undefined]) {
        for (const name of Object.keys(props ?? {})) seen.add(name);
      }
    }
    expect([...seen].sort()).toEqual([...ALL_PROPERTIES].sort());
  });
});
