import { describe, expect, it } from "vitest";
import { clientIdProblem, effectiveKeepAlive, effectiveSessionExpiry, MQTT_LIMITS } from "../../../../../src/protocol/mqtt/broker/limits";
import { messageOfPublish, publishPacketOf } from "../../../../../src/protocol/mqtt/broker/messages";

describe("MQTT limits as AWS IoT applies them", () => {
  it.each([
    [0, 1200],
    [1, 30],
    [29, 30],
    [30, 30],
    [600, 600],
    [1200, 1200],
    [65535, 1200],
  ])("keep-alive %d becomes %d", (requested, effective) => {
    expect(effectiveKeepAlive(requested)).toBe(effective);
  });

  it("lets a deployment lower the keep-alive floor", () => {
    expect(effectiveKeepAlive(1, 1)).toBe(1);
  });

  it.each([
    [4, true, undefined, 0],
    [4, false, undefined, 3600],
    [5, true, undefined, 0],
    [5, false, 120, 120],
    [5, true, 120, 120], // MQTT 5: Clean Start and Session Expiry are independent
    [5, false, 0xffffffff, MQTT_LIMITS.sessionExpiryMaxSeconds],
  ] as const)("MQTT %d clean=%s expiry=%s gives %d s", (v, clean, requested, expected) => {
    expect(effectiveSessionExpiry(v, clean, requested)).toBe(expected);
  });

  it.each([
    ["device-1", undefined],
    ["a".repeat(128), undefined],
    ["a".repeat(129), "Client id longer than 128 bytes"],
    ["é".repeat(65), "Client id longer than 128 bytes"],
    ["$sys", "Client id must not start with $"],
  ])("client id %s: %s", (clientId, problem) => {
    expect(clientIdProblem(clientId)).toBe(problem);
  });
});

describe("messages between PUBLISH packets and the broker", () => {
  const payload = new Uint8Array([1, 2, 3]);

  it("copies the payload out of the received frame", () => {
    const frame = new Uint8Array([9, 1, 2, 3]);
    const message = messageOfPublish({ cmd: "publish", topic: "t", payload: frame.subarray(1), qos: 1, retain: true, dup: false, messageId: 4 });
    frame[1] = 0;
    expect(message).toEqual({ topic: "t", payload, qos: 1, retain: true });
  });

  it("keeps MQTT 5 properties for MQTT 5 subscribers and drops them for 3.1.1", () => {
    const message = messageOfPublish({
      cmd: "publish",
      topic: "t",
      payload,
      qos: 1,
      retain: false,
      dup: false,
      messageId: 1,
      properties: { contentType: "a/b", userProperties: [["k", "v"]], messageExpiryInterval: 30 },
    });
    expect(publishPacketOf(message, 1, 5, { retain: false }).properties).toEqual({ contentType: "a/b", userProperties: [["k", "v"]] });
    expect(publishPacketOf(message, 1, 5, { retain: false, messageExpiryInterval: 12 }).properties?.messageExpiryInterval).toBe(12);
    expect(publishPacketOf(message, 0, 4, { retain: true })).toEqual({ cmd: "publish", topic: "t", payload, qos: 0, retain: true, dup: false });
  });
});
