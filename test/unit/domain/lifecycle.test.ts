import { describe, expect, it } from "vitest";
import {
  connectedEvent,
  connectFailedEvent,
  DISCONNECT_REASONS,
  disconnectedEvent,
  disconnectReasonOfCode,
  emitsLifecycleEvents,
  principalIdentifier,
  subscriptionEvent,
} from "../../../src/domain/lifecycle";
import type { Message } from "../../../src/domain/message";

const subject = { clientId: "186b5", timestamp: 1573002230757, sessionIdentifier: "s-1", principalIdentifier: "123456789012/AKID:dev" };
const doc = (message: Message) => JSON.parse(new TextDecoder().decode(message.payload));

describe("lifecycle event documents (Developer Guide, Lifecycle events)", () => {
  it("connected: topic, fields of the AWS example, QoS 1, not retained", () => {
    const message = connectedEvent(subject, { ipAddress: "192.0.2.0", versionNumber: 7 });
    expect(message.topic).toBe("$aws/events/presence/connected/186b5");
    expect(message).toMatchObject({ qos: 1, retain: false });
    expect(doc(message)).toEqual({
      clientId: "186b5",
      timestamp: 1573002230757,
      eventType: "connected",
      sessionIdentifier: "s-1",
      principalIdentifier: "123456789012/AKID:dev",
      ipAddress: "192.0.2.0",
      versionNumber: 7,
    });
    expect(doc(connectedEvent(subject, { versionNumber: 0 }))).not.toHaveProperty("ipAddress");
  });

  it.each(DISCONNECT_REASONS.map((reason) => [reason]))("disconnected with %s: clientInitiatedDisconnect only for a client DISCONNECT", (reason) => {
    const message = disconnectedEvent(subject, { reason, versionNumber: 7 });
    expect(message.topic).toBe("$aws/events/presence/disconnected/186b5");
    expect(doc(message)).toEqual({
      clientId: "186b5",
      timestamp: 1573002230757,
      eventType: "disconnected",
      sessionIdentifier: "s-1",
      principalIdentifier: "123456789012/AKID:dev",
      clientInitiatedDisconnect: reason === "CLIENT_INITIATED_DISCONNECT",
      disconnectReason: reason,
      versionNumber: 7,
    });
  });

  it("subscribed / unsubscribed list the packet's filters; connect_failed says AUTHORIZATION_FAILED", () => {
    const sub = subscriptionEvent("subscribed", subject, ["foo/bar", "dog/#"]);
    expect(sub.topic).toBe("$aws/events/subscriptions/subscribed/186b5");
    expect(doc(sub)).toMatchObject({ eventType: "subscribed", topics: ["foo/bar", "dog/#"] });
    expect(doc(sub)).not.toHaveProperty("versionNumber");
    const unsub = subscriptionEvent("unsubscribed", subject, ["foo/bar"]);
    expect(unsub.topic).toBe("$aws/events/subscriptions/unsubscribed/186b5");
    expect(doc(unsub)).toMatchObject({ eventType: "unsubscribed", topics: ["foo/bar"] });
    const failed = connectFailedEvent(subject, { ipAddress: "2001:db8::1" });
    expect(failed.topic).toBe("$aws/events/presence/connect_failed/186b5");
    expect(doc(failed)).toMatchObject({ eventType: "connect_failed", connectFailureReason: "AUTHORIZATION_FAILED", ipAddress: "2001:db8::1" });
    expect(doc(failed)).not.toHaveProperty("versionNumber");
  });

  it.each([
    ["sensor-1", true],
    ["a/b", true],
    ["a#b", false],
    ["a+b", false],
  ] as const)("client id %s produces events: %s", (clientId, expected) => {
    expect(emitsLifecycleEvents(clientId)).toBe(expected);
  });

  it.each([
    [0x87, true, "AUTH_ERROR"],
    [0x97, true, "THROTTLED"],
    [0x81, true, "CLIENT_ERROR"],
    [0x82, true, "CLIENT_ERROR"],
    [0x80, false, "SERVER_ERROR"],
  ] as const)("a server close with reason code 0x%s (protocol violation %s) is %s", (code, violation, reason) => {
    expect(disconnectReasonOfCode(code, violation)).toBe(reason);
  });

  it("names a principal as account/accessKeyId:name", () => {
    expect(principalIdentifier("123456789012", "AKID", "dev")).toBe("123456789012/AKID:dev");
    expect(principalIdentifier("123456789012", "AKID", undefined)).toBe("123456789012/AKID");
  });
});
