import { describe, expect, it } from "vitest";
import { acceptedConnack, decideConnect } from "../../../../../src/protocol/mqtt/broker/connect";
import { decideSubscribe, type SubscribeDecision } from "../../../../../src/protocol/mqtt/broker/subscribe";
import { type ConnectPacket, ReasonCode, type SubscribePacket } from "../../../../../src/protocol/mqtt/codec";

const connect = (overrides: Partial<ConnectPacket> = {}): ConnectPacket => ({
  cmd: "connect",
  protocolVersion: 4,
  clientId: "dev-1",
  clean: true,
  keepalive: 60,
  ...overrides,
});
const context = { connectionId: "c1", keepAliveFloor: 30, sessionExpiryMax: 3600, mayConnect: () => true, mayPublishWill: () => true };

describe("decideConnect", () => {
  it.each([
    ["a client id starting with $", connect({ clientId: "$x" }), 2, ReasonCode.ClientIdentifierNotValid],
    ["a client id over 128 bytes", connect({ clientId: "x".repeat(129) }), 2, ReasonCode.ClientIdentifierNotValid],
    [
      "a will on a wildcard topic",
      connect({ will: { topic: "a/#", payload: new Uint8Array(), qos: 0, retain: false } }),
      5,
      ReasonCode.TopicNameInvalid,
    ],
    [
      "a retained will on a reserved topic",
      connect({ will: { topic: "$aws/things/t/shadow/update", payload: new Uint8Array(), qos: 0, retain: true } }),
      5,
      ReasonCode.TopicNameInvalid,
    ],
  ])("refuses %s", (_, packet, returnCode, reasonCode) => {
    expect(decideConnect(packet, context)).toEqual({ accepted: false, connack: { cmd: "connack", sessionPresent: false, returnCode } });
    expect(decideConnect({ ...packet, protocolVersion: 5 }, context)).toEqual({
      accepted: false,
      connack: { cmd: "connack", sessionPresent: false, reasonCode },
    });
  });

  it("refuses an empty client id with a 3.1.1 persistent session [MQTT-3.1.3-8], but assigns one in MQTT 5", () => {
    expect(decideConnect(connect({ clientId: "", clean: false }), context)).toMatchObject({ accepted: false, connack: { returnCode: 2 } });
    expect(decideConnect(connect({ clientId: "", clean: false, protocolVersion: 5 }), context)).toMatchObject({
      accepted: true,
      clientId: "auto-c1",
    });
  });

  it("refuses a client id the policy does not allow to connect, checking that id", () => {
    const asked: string[] = [];
    const decision = decideConnect(connect(), {
      ...context,
      mayConnect: (id) => {
        asked.push(id);
        return false;
      },
    });
    expect(decision).toMatchObject({ accepted: false, connack: { returnCode: 5 } });
    expect(asked).toEqual(["dev-1"]);
  });

  it("refuses a will the principal may not publish, as AWS IoT does at CONNECT (3.1.1 code 5, MQTT 5 0x87)", () => {
    const asked: [string, boolean, string][] = [];
    const denyWill = {
      ...context,
      mayPublishWill: (will: { topic: string; retain: boolean }, clientId: string) => {
        asked.push([will.topic, will.retain, clientId]);
        return false;
      },
    };
    const will = { topic: "cmd/lock/open", payload: new Uint8Array([1]), qos: 1 as const, retain: true };
    expect(decideConnect(connect({ will }), denyWill)).toEqual({
      accepted: false,
      connack: { cmd: "connack", sessionPresent: false, returnCode: 5 },
    });
    expect(decideConnect(connect({ will, protocolVersion: 5 }), denyWill)).toEqual({
      accepted: false,
      connack: { cmd: "connack", sessionPresent: false, reasonCode: ReasonCode.NotAuthorized },
    });
    // The will is checked as the publish it would be: its topic, its retain flag, the connecting client id.
    expect(asked).toEqual([
      ["cmd/lock/open", true, "dev-1"],
      ["cmd/lock/open", true, "dev-1"],
    ]);
    expect(decideConnect(connect(), denyWill)).toMatchObject({ accepted: true });
  });

  it("keeps a client's Receive Maximum within AWS's 100 and announces 100 for its own publishes", () => {
    const small = connect({ protocolVersion: 5, properties: { receiveMaximum: 5 } });
    expect(decideConnect(small, context)).toMatchObject({ accepted: true, receiveMaximum: 5 });
    const large = connect({ protocolVersion: 5, properties: { receiveMaximum: 1000 } });
    const decision = decideConnect(large, context);
    expect(decision).toMatchObject({ accepted: true, receiveMaximum: 100 });
    if (!decision.accepted) throw new Error("refused");
    expect(acceptedConnack(large, decision, false).properties).toMatchObject({ receiveMaximum: 100 });
    expect(decideConnect(connect(), context)).toMatchObject({ accepted: true, receiveMaximum: 100 });
  });

  it("refuses MQTT 5 enhanced authentication", () => {
    const decision = decideConnect(connect({ protocolVersion: 5, properties: { authenticationMethod: "SCRAM" } }), context);
    expect(decision).toMatchObject({ accepted: false, connack: { reasonCode: ReasonCode.BadAuthenticationMethod } });
  });

  it("assigns a client id to a clean client that sent none, and tells an MQTT 5 client", () => {
    const packet = connect({ clientId: "", protocolVersion: 5, keepalive: 10 });
    const decision = decideConnect(packet, context);
    expect(decision).toMatchObject({ accepted: true, clientId: "auto-c1", assignedClientId: true, keepAlive: 30, sessionExpiry: 0 });
    if (!decision.accepted) throw new Error("refused");
    expect(acceptedConnack(packet, decision, false).properties).toMatchObject({
      assignedClientIdentifier: "auto-c1",
      serverKeepAlive: 30,
      maximumQoS: 1,
      topicAliasMaximum: 8,
    });
  });

  it("announces what AWS IoT supports in an MQTT 5 CONNACK", () => {
    const packet = connect({ protocolVersion: 5 });
    const decision = decideConnect(packet, context);
    if (!decision.accepted) throw new Error("refused");
    expect(acceptedConnack(packet, decision, false).properties).toEqual({
      maximumQoS: 1,
      receiveMaximum: 100,
      retainAvailable: true,
      maximumPacketSize: 139264,
      topicAliasMaximum: 8,
      wildcardSubscriptionAvailable: true,
      subscriptionIdentifiersAvailable: false,
      sharedSubscriptionAvailable: true,
    });
  });

  it("keeps the client's Maximum Packet Size, and clamps the will's Message Expiry Interval to 1 s … 7 days", () => {
    const will = { topic: "w", payload: new Uint8Array([1]), qos: 1 as const, retain: false };
    const decision = decideConnect(
      connect({ protocolVersion: 5, properties: { maximumPacketSize: 512 }, will: { ...will, properties: { messageExpiryInterval: 10 ** 7 } } }),
      context,
    );
    expect(decision).toMatchObject({ accepted: true, maximumPacketSize: 512, will: { properties: { messageExpiryInterval: 604800 } } });
  });

  it.each([
    [4, true, undefined, 7200, 0],
    [4, false, undefined, 7200, 7200],
    [5, false, 86400, 7200, 7200],
    [5, false, 600, 7200, 600],
    [5, true, undefined, 7200, 0],
  ] as const)("gives a v%s session (clean %s, asking %s) at most the configured maximum %s: %s", (protocolVersion, clean, asked, max, expiry) => {
    const packet = connect({ protocolVersion, clean, ...(asked !== undefined ? { properties: { sessionExpiryInterval: asked } } : {}) });
    expect(decideConnect(packet, { ...context, sessionExpiryMax: max })).toMatchObject({ accepted: true, sessionExpiry: expiry });
  });

  it("keeps the will as a message and caps the session expiry it reports back", () => {
    const packet = connect({
      protocolVersion: 5,
      clean: false,
      properties: { sessionExpiryInterval: 99999 },
      will: { topic: "w", payload: new Uint8Array([1]), qos: 1, retain: false },
    });
    const decision = decideConnect(packet, context);
    if (!decision.accepted) throw new Error("refused");
    expect(decision.will).toEqual({ topic: "w", payload: new Uint8Array([1]), qos: 1, retain: false });
    expect(decision.sessionExpiry).toBe(3600);
    expect(acceptedConnack(packet, decision, true)).toMatchObject({
      sessionPresent: true,
      reasonCode: 0,
      properties: { sessionExpiryInterval: 3600 },
    });
  });

  it("answers 3.1.1 with return code 0 and no properties", () => {
    const decision = decideConnect(connect(), context);
    if (!decision.accepted) throw new Error("refused");
    expect(acceptedConnack(connect(), decision, false)).toEqual({ cmd: "connack", sessionPresent: false, returnCode: 0 });
  });
});

describe("decideSubscribe", () => {
  const subscribe = (...subscriptions: SubscribePacket["subscriptions"]): SubscribePacket => ({ cmd: "subscribe", messageId: 1, subscriptions });
  const allow = { protocolVersion: 5 as const, existing: new Set<string>(), maySubscribe: () => true };

  const granted = (decision: SubscribeDecision) => {
    if (decision.action !== "subscribe") throw new Error(`not subscribed: ${decision.action}`);
    return decision;
  };

  it("grants what it can and refuses the rest with MQTT 5 reason codes", () => {
    const packet = subscribe(
      { topic: "a/+", qos: 1 },
      { topic: "a/#/b", qos: 0 },
      { topic: "$share/g/a", qos: 0 },
      { topic: "secret", qos: 0 },
      { topic: "$share/g+/a", qos: 0 },
    );
    const mayNotSecret = { ...allow, maySubscribe: (f: string) => f !== "secret" };
    expect(granted(decideSubscribe(packet, mayNotSecret)).granted).toEqual([
      1,
      ReasonCode.TopicFilterInvalid,
      0,
      ReasonCode.NotAuthorized,
      ReasonCode.TopicFilterInvalid,
    ]);
  });

  it.each([
    ["not authorized", { topic: "secret", qos: 0 as const }],
    ["an invalid filter", { topic: "a/#/b", qos: 0 as const }],
  ])("closes an MQTT 3.1.1 connection whose SUBSCRIBE is refused (%s), as AWS IoT does", (_, refused) => {
    const v4 = { ...allow, protocolVersion: 4 as const, maySubscribe: (f: string) => f !== "secret" };
    expect(decideSubscribe(subscribe({ topic: "a/+", qos: 1 }, refused), v4)).toMatchObject({ action: "close" });
    expect(decideSubscribe(subscribe({ topic: "a/+", qos: 1 }), v4)).toMatchObject({ action: "subscribe", granted: [1] });
  });

  it("closes the connection on a Subscription Identifier (AWS IoT: DISCONNECT 0xA1)", () => {
    const packet: SubscribePacket = { ...subscribe({ topic: "a", qos: 0 }), properties: { subscriptionIdentifiers: [7] } };
    expect(decideSubscribe(packet, allow)).toMatchObject({ action: "close", reasonCode: ReasonCode.SubscriptionIdentifiersNotSupported });
  });

  it("takes shared subscriptions on both versions, never with retained messages, and No Local on one is a protocol error", () => {
    const shared = subscribe({ topic: "$share/workers/jobs/+/new", qos: 1 }, { topic: "$share/g/a/b", qos: 0 });
    for (const protocolVersion of [4, 5] as const) {
      const decision = granted(decideSubscribe(shared, { ...allow, protocolVersion }));
      expect(decision.granted).toEqual([1, 0]);
      expect(decision.accepted.map((a) => a.sendRetained)).toEqual([false, false]);
    }
    expect(decideSubscribe(subscribe({ topic: "$share/g/a", qos: 0, nl: true }), allow)).toMatchObject({
      action: "close",
      reasonCode: ReasonCode.ProtocolError,
    });
  });

  it("checks iot:Subscribe on the whole shared filter, $share prefix included", () => {
    const asked: string[] = [];
    decideSubscribe(subscribe({ topic: "$share/g/a/b", qos: 0 }), { ...allow, maySubscribe: (f) => asked.push(f) > 0 });
    expect(asked).toEqual(["$share/g/a/b"]);
  });

  it("sends no SUBACK at all when QoS 2 is asked for (AWS IoT)", () => {
    expect(decideSubscribe(subscribe({ topic: "a", qos: 1 }, { topic: "b", qos: 2 }), allow)).toEqual({ action: "ignore" });
  });

  it("allows 8 filters per SUBSCRIBE and 50 per connection; MQTT 3.1.1 is closed past them", () => {
    const nine = subscribe(...Array.from({ length: 9 }, (_, i) => ({ topic: `t/${i}`, qos: 0 as const })));
    expect(granted(decideSubscribe(nine, allow)).granted.at(-1)).toBe(ReasonCode.QuotaExceeded);
    expect(decideSubscribe(nine, { ...allow, protocolVersion: 4 })).toMatchObject({ action: "close", reasonCode: ReasonCode.QuotaExceeded });
    const existing = new Set(Array.from({ length: 49 }, (_, i) => `old/${i}`));
    const decision = granted(
      decideSubscribe(subscribe({ topic: "new/1", qos: 0 }, { topic: "new/2", qos: 0 }, { topic: "old/3", qos: 1 }), {
        ...allow,
        existing,
      }),
    );
    expect(decision.granted).toEqual([0, ReasonCode.QuotaExceeded, 1]);
    expect(decision.accepted.map((a) => [a.filter, a.replaced])).toEqual([
      ["new/1", false],
      ["old/3", true],
    ]);
  });

  it.each([
    ["an exact filter", { topic: "a/b", qos: 1 as const }, new Set<string>(), true],
    ["a wildcard filter (AWS IoT sends retained messages to exact filters only)", { topic: "a/+", qos: 1 as const }, new Set<string>(), false],
    ["Retain Handling 2", { topic: "a/b", qos: 1 as const, rh: 2 as const }, new Set<string>(), false],
    ["Retain Handling 1 on a new subscription", { topic: "a/b", qos: 1 as const, rh: 1 as const }, new Set<string>(), true],
    ["Retain Handling 1 on a replaced subscription", { topic: "a/b", qos: 1 as const, rh: 1 as const }, new Set(["a/b"]), false],
  ])("decides whether %s gets the retained message", (_, subscription, existing, sendRetained) => {
    expect(granted(decideSubscribe(subscribe(subscription), { ...allow, existing })).accepted[0]!.sendRetained).toBe(sendRetained);
  });
});
