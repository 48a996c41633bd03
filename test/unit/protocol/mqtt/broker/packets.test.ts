import { describe, expect, it } from "vitest";
import { decideDisconnect } from "../../../../../src/protocol/mqtt/broker/disconnect";
import { decidePublish, type PublishContext } from "../../../../../src/protocol/mqtt/broker/publish";
import { decideUnsubscribe } from "../../../../../src/protocol/mqtt/broker/unsubscribe";
import { MqttProtocolError, type PublishPacket, ReasonCode } from "../../../../../src/protocol/mqtt/codec";

const publish = (overrides: Partial<PublishPacket> = {}): PublishPacket => ({
  cmd: "publish",
  topic: "devices/d1/temp",
  payload: new Uint8Array([1]),
  qos: 1,
  retain: false,
  dup: false,
  messageId: 7,
  ...overrides,
});
const noAliases = { get: () => undefined, set: () => undefined };
const allow: PublishContext = { protocolVersion: 5, mayPublish: () => true, takePublish: () => true, aliases: noAliases };

/** A connection's alias table as the hub keeps it. */
function aliasTable() {
  const table = new Map<number, string>();
  return { table, aliases: { get: (alias: number) => table.get(alias), set: (alias: number, topic: string) => void table.set(alias, topic) } };
}

describe("decidePublish", () => {
  it("routes an allowed publish and acknowledges QoS 1 only", () => {
    expect(decidePublish(publish(), allow)).toMatchObject({ action: "route", acknowledge: true, message: { topic: "devices/d1/temp", qos: 1 } });
    expect(decidePublish(publish({ qos: 0, messageId: undefined }), allow)).toMatchObject({ action: "route", acknowledge: false });
  });

  it("disconnects a client whose payload is over 128 KB (AWS IoT), on either protocol version", () => {
    const big = publish({ payload: new Uint8Array(128 * 1024 + 1) });
    expect(decidePublish(big, allow)).toMatchObject({ action: "close", reasonCode: ReasonCode.QuotaExceeded });
    expect(decidePublish({ ...big, qos: 0 }, { ...allow, protocolVersion: 4 })).toMatchObject({ action: "close" });
    expect(decidePublish(publish({ payload: new Uint8Array(128 * 1024) }), allow)).toMatchObject({ action: "route" });
  });

  it("sends nothing back for QoS 2, as AWS IoT", () => {
    expect(decidePublish(publish({ qos: 2 }), allow)).toMatchObject({ action: "ignore" });
  });

  it.each([
    ["not authorized", { mayPublish: () => false }, publish(), ReasonCode.NotAuthorized],
    ["an invalid topic", {}, publish({ topic: "a/+/b" }), ReasonCode.TopicNameInvalid],
    ["a retained publish to a reserved topic", {}, publish({ topic: "$aws/things/t/shadow/update", retain: true }), ReasonCode.TopicNameInvalid],
  ])("refuses %s: MQTT 5 QoS 1 with a PUBACK reason, otherwise by closing the connection", (_, overrides, packet, reasonCode) => {
    const context = { ...allow, ...overrides };
    expect(decidePublish(packet, context)).toMatchObject({ action: "refuse", reasonCode });
    expect(decidePublish(packet, { ...context, protocolVersion: 4 })).toMatchObject({ action: "close", reasonCode });
    expect(decidePublish({ ...packet, qos: 0 }, context)).toMatchObject({ action: "close", reasonCode });
  });

  it("passes the message it would route to the one publish authorization", () => {
    const asked: { topic: string; retain: boolean }[] = [];
    decidePublish(publish({ retain: true }), {
      ...allow,
      mayPublish: (m) => {
        asked.push({ topic: m.topic, retain: m.retain });
        return true;
      },
    });
    expect(asked).toEqual([{ topic: "devices/d1/temp", retain: true }]);
  });

  it("discards publishes over the connection's rate: MQTT 5 QoS 1 hears 0x97, the rest nothing", () => {
    const over = { ...allow, takePublish: () => false };
    expect(decidePublish(publish(), over)).toMatchObject({ action: "refuse", reasonCode: ReasonCode.QuotaExceeded });
    expect(decidePublish(publish(), { ...over, protocolVersion: 4 })).toMatchObject({ action: "ignore" });
    expect(decidePublish(publish({ qos: 0 }), over)).toMatchObject({ action: "ignore" });
  });

  it("does not take from the rate allowance for a publish it refuses anyway", () => {
    let taken = 0;
    decidePublish(publish({ topic: "#" }), { ...allow, takePublish: () => ++taken > 0 });
    expect(taken).toBe(0);
  });
});

describe("decidePublish with topic aliases (client → server, at most 8)", () => {
  it("sets an alias with a topic and resolves it on a later publish without one", () => {
    const { table, aliases } = aliasTable();
    const first = decidePublish(publish({ properties: { topicAlias: 3 } }), { ...allow, aliases });
    expect(first).toMatchObject({ action: "route", message: { topic: "devices/d1/temp" } });
    expect(table.get(3)).toBe("devices/d1/temp");
    const second = decidePublish(publish({ topic: "", properties: { topicAlias: 3 } }), { ...allow, aliases });
    expect(second).toMatchObject({ action: "route", message: { topic: "devices/d1/temp" } });
    // The alias itself is not forwarded: receivers get the topic.
    expect((second as { message: { properties?: object } }).message.properties).toBeUndefined();
    decidePublish(publish({ topic: "devices/d1/hum", properties: { topicAlias: 3 } }), { ...allow, aliases });
    expect(table.get(3)).toBe("devices/d1/hum");
  });

  it.each([0, 9, 14])("closes the connection with 0x94 for alias %s", (topicAlias) => {
    expect(decidePublish(publish({ properties: { topicAlias } }), allow)).toMatchObject({
      action: "close",
      reasonCode: ReasonCode.TopicAliasInvalid,
    });
  });

  it("closes the connection with a protocol error for an alias that was never set", () => {
    expect(decidePublish(publish({ topic: "", properties: { topicAlias: 2 } }), allow)).toMatchObject({
      action: "close",
      reasonCode: ReasonCode.ProtocolError,
    });
  });

  it("checks the policy on the resolved topic", () => {
    const { aliases } = aliasTable();
    aliases.set(1, "secret/topic");
    const asked: string[] = [];
    decidePublish(publish({ topic: "", properties: { topicAlias: 1 } }), { ...allow, aliases, mayPublish: (m) => asked.push(m.topic) < 0 });
    expect(asked).toEqual(["secret/topic"]);
  });

  it("clamps the Message Expiry Interval to 1 s … 7 days (AWS IoT)", () => {
    const expiry = (seconds: number) =>
      (
        decidePublish(publish({ properties: { messageExpiryInterval: seconds } }), allow) as {
          message: { properties: { messageExpiryInterval: number } };
        }
      ).message.properties.messageExpiryInterval;
    expect([expiry(0), expiry(1), expiry(3600), expiry(604801), expiry(0xffffffff)]).toEqual([1, 1, 3600, 604800, 604800]);
  });
});

describe("decideUnsubscribe", () => {
  it("removes the filters the client has and says filter by filter in MQTT 5", () => {
    const packet = { cmd: "unsubscribe" as const, messageId: 3, unsubscriptions: ["a/b", "x/#", "a/b"] };
    expect(decideUnsubscribe(packet, 5, new Set(["a/b"]))).toEqual({
      removed: ["a/b"],
      unsuback: { cmd: "unsuback", messageId: 3, granted: [ReasonCode.Success, ReasonCode.NoSubscriptionExisted, ReasonCode.Success] },
    });
    expect(decideUnsubscribe(packet, 4, new Set(["a/b"])).unsuback).toEqual({ cmd: "unsuback", messageId: 3 });
  });

  it("answers 0x8F for a filter that is not valid (MQTT 5)", () => {
    const packet = { cmd: "unsubscribe" as const, messageId: 4, unsubscriptions: ["a/#/b", "$share/g+/x", "$share/g/x"] };
    expect(decideUnsubscribe(packet, 5, new Set(["$share/g/x"])).unsuback).toMatchObject({
      granted: [ReasonCode.TopicFilterInvalid, ReasonCode.TopicFilterInvalid, ReasonCode.Success],
    });
  });
});

describe("decideDisconnect", () => {
  it("discards the will on a normal DISCONNECT and publishes it on 0x04", () => {
    expect(decideDisconnect({ cmd: "disconnect" }, 0)).toEqual({ publishWill: false });
    expect(decideDisconnect({ cmd: "disconnect", reasonCode: ReasonCode.DisconnectWithWillMessage }, 0)).toEqual({ publishWill: true });
  });

  it("changes the session expiry, capped, but may not extend a session that was to end [MQTT-3.14.2-2]", () => {
    expect(decideDisconnect({ cmd: "disconnect", properties: { sessionExpiryInterval: 99999 } }, 60)).toEqual({
      sessionExpiry: 3600,
      publishWill: false,
    });
    expect(decideDisconnect({ cmd: "disconnect", properties: { sessionExpiryInterval: 0 } }, 60)).toEqual({ sessionExpiry: 0, publishWill: false });
    expect(() => decideDisconnect({ cmd: "disconnect", properties: { sessionExpiryInterval: 10 } }, 0)).toThrow(MqttProtocolError);
    expect(decideDisconnect({ cmd: "disconnect", properties: { sessionExpiryInterval: 99999 } }, 60, 86400)).toMatchObject({ sessionExpiry: 86400 });
  });
});
