/**
 * Adapter to the `mqtt-packet` npm package, used as an independent oracle in Node-side tests only
 * (it needs Node streams and Buffer, which is why src/ has its own codec).
 *
 * Shape differences it bridges:
 * - Buffer ↔ Uint8Array;
 * - userProperties: mqtt-packet uses a record whose repeated names hold arrays (so it groups
 *   repeated names together), the codec an ordered list of [name, value];
 * - subscriptionIdentifier (number | number[]) ↔ subscriptionIdentifiers (number[]);
 * - mqtt-packet puts cmd/retain/qos/dup/length/topic/payload on every packet and protocolId on
 *   CONNECT; only the fields the codec's packet type has are kept.
 */

import { Buffer } from "node:buffer";
import mqttPacket from "mqtt-packet";
import type { Packet, ProtocolVersion, UserProperty } from "../../../../src/protocol/mqtt/codec";

type Loose = Record<string, unknown>;

export function oracleGenerate(packet: Packet, version: ProtocolVersion): Uint8Array {
  // mqtt-packet's own packet types are looser than its runtime; the converted object matches the runtime.
  const generated = mqttPacket.generate(toOracle(packet, version) as unknown as mqttPacket.Packet, { protocolVersion: version });
  return new Uint8Array(generated);
}

export function oracleParse(bytes: Uint8Array, version: ProtocolVersion): Packet[] {
  const parser = mqttPacket.parser({ protocolVersion: version });
  const packets: Packet[] = [];
  const errors: Error[] = [];
  parser.on("packet", (p) => packets.push(fromOracle(p as unknown as Loose, version)));
  parser.on("error", (e) => errors.push(e));
  parser.parse(Buffer.from(bytes));
  if (errors.length > 0) throw errors[0];
  return packets;
}

function toOracle(packet: Packet, version: ProtocolVersion): Loose {
  const out: Loose = { ...(packet as unknown as Loose) };
  if ("properties" in packet && packet.properties) out.properties = propertiesToOracle(packet.properties as Loose);
  switch (packet.cmd) {
    case "connect":
      out.protocolId = "MQTT";
      if (packet.password) out.password = Buffer.from(packet.password);
      if (packet.will) {
        const will: Loose = { ...packet.will, payload: Buffer.from(packet.will.payload) };
        if (packet.will.properties) will.properties = propertiesToOracle(packet.will.properties as Loose);
        out.will = will;
      }
      break;
    case "publish":
      out.payload = Buffer.from(packet.payload);
      break;
    case "puback":
    case "pubrec":
    case "pubrel":
    case "pubcomp":
    case "disconnect":
      if (version === 5) out.reasonCode = packet.reasonCode ?? 0;
      break;
  }
  return out;
}

function propertiesToOracle(properties: Loose): Loose {
  const out: Loose = {};
  for (const [name, value] of Object.entries(properties)) {
    if (value instanceof Uint8Array) out[name] = Buffer.from(value);
    else if (name === "subscriptionIdentifiers") {
      const ids = value as number[];
      out.subscriptionIdentifier = ids.length === 1 ? ids[0] : ids;
    } else if (name === "userProperties") {
      const record: Record<string, string | string[]> = {};
      for (const [key, val] of value as UserProperty[]) {
        const existing = record[key];
        record[key] = existing === undefined ? val : Array.isArray(existing) ? [...existing, val] : [existing, val];
      }
      out.userProperties = record;
    } else out[name] = value;
  }
  return out;
}

function fromOracle(p: Loose, version: ProtocolVersion): Packet {
  const v5 = version === 5 || p.protocolVersion === 5;
  const out: Loose = { cmd: p.cmd };
  const copy = (...names: string[]) => {
    for (const name of names) if (p[name] !== undefined) out[name] = p[name];
  };
  switch (p.cmd) {
    case "connect": {
      copy("protocolVersion", "clientId", "clean", "keepalive", "username");
      if (p.password) out.password = new Uint8Array(p.password as Buffer);
      if (p.will) {
        const will = p.will as Loose;
        out.will = {
          topic: will.topic,
          payload: new Uint8Array(will.payload as Buffer),
          qos: will.qos,
          retain: will.retain,
          ...(will.properties ? { properties: propertiesFromOracle(will.properties as Loose) } : {}),
        };
      }
      break;
    }
    case "connack":
      copy("sessionPresent", v5 ? "reasonCode" : "returnCode");
      break;
    case "publish":
      copy("topic", "qos", "retain", "dup");
      if ((p.qos as number) > 0) copy("messageId");
      out.payload = new Uint8Array(p.payload as Buffer);
      break;
    case "puback":
    case "pubrec":
    case "pubrel":
    case "pubcomp":
      copy("messageId", ...(v5 ? ["reasonCode"] : []));
      break;
    case "subscribe":
      copy("messageId", "subscriptions");
      break;
    case "suback":
      copy("messageId", "granted");
      break;
    case "unsubscribe":
      copy("messageId", "unsubscriptions");
      break;
    case "unsuback":
      copy("messageId", ...(v5 ? ["granted"] : []));
      break;
    case "disconnect":
    case "auth":
      if (v5) copy("reasonCode");
      break;
  }
  if (p.properties) out.properties = propertiesFromOracle(p.properties as Loose);
  return out as unknown as Packet;
}

function propertiesFromOracle(properties: Loose): Loose {
  const out: Loose = {};
  for (const [name, value] of Object.entries(properties)) {
    if (Buffer.isBuffer(value)) out[name] = new Uint8Array(value);
    else if (name === "subscriptionIdentifier") out.subscriptionIdentifiers = Array.isArray(value) ? value : [value];
    else if (name === "userProperties") {
      const list: UserProperty[] = [];
      for (const [key, val] of Object.entries(value as Record<string, string | string[]>)) {
        for (const v of Array.isArray(val) ? val : [val]) list.push([key, v]);
      }
      out.userProperties = list;
    } else out[name] = value;
  }
  return out;
}
