import { describe, expect, it } from "vitest";
import {
  type ConnectionView,
  connectionDocument,
  DISCONNECT_MEMORY_MS,
  directMessageError,
  parseBooleanQuery,
  parseClientIdLabel,
  parseDirectMessageRequest,
  parseSubscriptionsCursor,
  parseSubscriptionsMaxResults,
  subscriptionsCursorPayload,
  subscriptionsPage,
} from "../../../src/domain/connections";
import { ServiceError } from "../../../src/domain/errors";

const kindOf = (f: () => unknown) => {
  try {
    f();
  } catch (error) {
    return (error as ServiceError).kind;
  }
  return "no error";
};

describe("connection operations: request parsing", () => {
  it.each([
    ["sensor-1", "sensor-1"],
    ["a%2Fb", "a/b"],
    ["%C3%BC%20x", "ü x"],
    ["x".repeat(128), "x".repeat(128)],
  ])("client id label %s is %s", (raw, expected) => {
    expect(parseClientIdLabel(raw)).toBe(expected);
  });

  it.each([[""], ["%24aws"], ["x".repeat(129)], ["%E0%A4%A"]])("client id label %s is InvalidRequest", (raw) => {
    expect(kindOf(() => parseClientIdLabel(raw))).toBe("InvalidRequest");
  });

  it("booleans in any case, absent false, anything else InvalidRequest", () => {
    expect(parseBooleanQuery("cleanSession", "TRUE")).toBe(true);
    expect(parseBooleanQuery("cleanSession", "false")).toBe(false);
    expect(parseBooleanQuery("cleanSession", null)).toBe(false);
    expect(kindOf(() => parseBooleanQuery("cleanSession", "yes"))).toBe("InvalidRequest");
  });

  it("maxResults 1–200, default 20", () => {
    expect(parseSubscriptionsMaxResults(undefined)).toBe(20);
    expect(parseSubscriptionsMaxResults("1")).toBe(1);
    expect(parseSubscriptionsMaxResults("200")).toBe(200);
    for (const bad of ["0", "201", "-1", "ten", ""]) expect(kindOf(() => parseSubscriptionsMaxResults(bad))).toBe("InvalidRequest");
  });
});

describe("ListSubscriptions pages", () => {
  const subs = ["d/#", "a/b", "c/+", "b"].map((topicFilter, i) => ({ topicFilter, qos: (i % 2) as 0 | 1 }));

  it("walks every subscription once, in filter order, with a cursor only while more follow", () => {
    const first = subscriptionsPage(subs, undefined, 3);
    expect(first.subscriptions.map((s) => s.topicFilter)).toEqual(["a/b", "b", "c/+"]);
    expect(first.last).toBe("c/+");
    const second = subscriptionsPage(subs, first.last, 3);
    expect(second.subscriptions.map((s) => s.topicFilter)).toEqual(["d/#"]);
    expect(second.last).toBeUndefined();
    expect(subscriptionsPage(subs, undefined, 4).last).toBeUndefined();
    expect(subscriptionsPage([], undefined, 20)).toEqual({ subscriptions: [] });
  });

  it("a cursor is only good for the client it was issued for", () => {
    const payload = subscriptionsCursorPayload({ clientId: "a", after: "x/y" });
    expect(parseSubscriptionsCursor(payload, "a")).toEqual({ clientId: "a", after: "x/y" });
    expect(kindOf(() => parseSubscriptionsCursor(payload, "b"))).toBe("InvalidRequest");
    expect(kindOf(() => parseSubscriptionsCursor({ k: "retained", c: "a", a: "x" }, "a"))).toBe("InvalidRequest");
  });
});

describe("GetConnection document", () => {
  const now = 1_800_000_000_000;
  const view: ConnectionView = {
    clientId: "c",
    connected: true,
    hasSession: true,
    keepAlive: 60,
    sessionExpiry: 3600,
    connectedAt: now - 1000,
    sourceIp: "192.0.2.1",
    targetIp: "127.0.0.1",
    targetPort: 8787,
  };

  it("connected: connectedSince, no disconnection fields, socket fields only when asked", () => {
    expect(connectionDocument(view, { includeSocketInformation: false, now })).toEqual({
      connected: true,
      clientId: "c",
      cleanSession: false,
      keepAliveDuration: 60,
      sessionExpiry: 3600,
      connectedSince: now - 1000,
    });
    expect(connectionDocument(view, { includeSocketInformation: true, now })).toMatchObject({
      sourceIp: "192.0.2.1",
      targetIp: "127.0.0.1",
      targetPort: 8787,
    });
  });

  it("disconnected: disconnectedSince and reason for 30 minutes, never connectedSince; clean session from expiry 0", () => {
    const gone = {
      ...view,
      connected: false,
      hasSession: false,
      sessionExpiry: 0,
      disconnectedAt: now - 5000,
      disconnectReason: "API_INITIATED_DISCONNECT" as const,
    };
    const doc = connectionDocument(gone, { includeSocketInformation: false, now });
    expect(doc).toMatchObject({ connected: false, cleanSession: true, disconnectedSince: now - 5000, disconnectReason: "API_INITIATED_DISCONNECT" });
    expect(doc).not.toHaveProperty("connectedSince");
    const later = connectionDocument(gone, { includeSocketInformation: false, now: now - 5000 + DISCONNECT_MEMORY_MS + 1 });
    expect(later).not.toHaveProperty("disconnectedSince");
    expect(later).not.toHaveProperty("disconnectReason");
  });
});

describe("SendDirectMessage", () => {
  const request = (query: string, payload = new Uint8Array(3), headers: Record<string, string> = {}) =>
    parseDirectMessageRequest({ query: new URLSearchParams(query), headers: new Headers(headers), payload });

  it("confirmation decides the QoS; never retained; timeout default 5, 0 as absent", () => {
    expect(request("topic=cmd%2Fa")).toMatchObject({ confirmation: false, timeoutSeconds: 5, message: { topic: "cmd/a", qos: 0, retain: false } });
    expect(request("topic=cmd&confirmation=TRUE&timeout=15")).toMatchObject({ confirmation: true, timeoutSeconds: 15, message: { qos: 1 } });
    expect(request("topic=cmd&confirmation=true&timeout=0").timeoutSeconds).toBe(5);
    // Without confirmation the timeout is not used.
    expect(request("topic=cmd&timeout=99").confirmation).toBe(false);
  });

  it("carries MQTT 5 properties from the query and the x-amz-mqtt5 headers", () => {
    const userProperties = Buffer.from(JSON.stringify([{ deviceName: "alpha" }])).toString("base64");
    const parsed = request("topic=cmd&contentType=text%2Fplain&responseTopic=reply%2F1", new Uint8Array(), {
      "x-amz-mqtt5-user-properties": userProperties,
      "x-amz-mqtt5-payload-format-indicator": "UTF8_DATA",
      "x-amz-mqtt5-correlation-data": Buffer.from("corr").toString("base64"),
    });
    expect(parsed.message.properties).toEqual({
      contentType: "text/plain",
      responseTopic: "reply/1",
      userProperties: [["deviceName", "alpha"]],
      payloadFormatIndicator: true,
      correlationData: new TextEncoder().encode("corr"),
    });
  });

  it.each([
    ["", "InvalidRequest"],
    ["topic=", "InvalidRequest"],
    ["topic=%24aws%2Fthings%2Fx%2Fshadow%2Fget", "InvalidRequest"],
    ["topic=a%2F%2B", "InvalidRequest"],
    ["topic=a&confirmation=maybe", "InvalidRequest"],
    ["topic=a&confirmation=true&timeout=16", "InvalidRequest"],
    ["topic=a&confirmation=true&timeout=x", "InvalidRequest"],
  ])("%s is %s", (query, kind) => {
    expect(kindOf(() => request(query))).toBe(kind);
  });

  it("a payload over 128 KB is RequestEntityTooLarge (413)", () => {
    expect(kindOf(() => request("topic=a", new Uint8Array(128 * 1024 + 1)))).toBe("RequestEntityTooLarge");
    expect(kindOf(() => request("topic=a", new Uint8Array(128 * 1024)))).toBe("no error");
  });

  it("maps each hub outcome to the API's answer", () => {
    expect(directMessageError("delivered", "c")).toBeNull();
    expect(directMessageError("acknowledged", "c")).toBeNull();
    expect(directMessageError("not-connected", "c")?.kind).toBe("ResourceNotFound");
    expect(directMessageError("offline-session", "c")?.message).toBe(
      "The target client ID is not connected, but it has an active persistent session",
    );
    expect(directMessageError("not-authorized", "c")).toMatchObject({ kind: "Forbidden" });
    expect(directMessageError("not-authorized", "c")?.message).toContain("c");
    expect(directMessageError("window-full", "c")?.kind).toBe("Throttling");
    expect(directMessageError("too-large", "c")?.kind).toBe("RequestEntityTooLarge");
    expect(directMessageError("timeout", "c")?.kind).toBe("GatewayTimeout");
    expect(directMessageError("timeout", "c")).toBeInstanceOf(ServiceError);
  });
});
