import { describe, expect, it } from "vitest";
import { bytesToBase64 } from "../../../src/domain/base64";
import { decodeBase64, MESSAGE_LIMITS, parsePublishRequest, parseUserPropertiesJson, userPropertiesJson } from "../../../src/domain/publish";
import { errorOf } from "../../helpers/errors";

const b64 = (text: string) => btoa(text);
function parse(rawTopic: string, query = "", headers: Record<string, string> = {}, payload = new Uint8Array()) {
  return parsePublishRequest({ rawTopic, query: new URLSearchParams(query), headers: new Headers(headers), payload });
}
const invalid = (fn: () => unknown) => errorOf(fn).kind;

describe("parsePublishRequest", () => {
  it.each([
    ["a%2Fb%2Fc", "a/b/c"], // the SDK: `/` as %2F
    ["a/b/c", "a/b/c"], // curl: raw slashes
    ["%24aws%2Fthings%2Ft%2Fshadow%2Fupdate", "$aws/things/t/shadow/update"],
    ["caf%C3%A9/x", "café/x"],
  ])("takes the whole remainder %s as topic %s", (raw, topic) => {
    expect(parse(raw).topic).toBe(topic);
  });

  it("defaults to QoS 0, not retained, no properties", () => {
    expect(parse("a")).toEqual({ topic: "a", payload: new Uint8Array(), qos: 0, retain: false });
  });

  it("reads qos, retain and every MQTT 5 property in the forms the SDK sends", () => {
    const message = parse(
      "t",
      "qos=1&retain=true&contentType=text%2Fplain&responseTopic=r%2Fx&messageExpiry=60",
      {
        "x-amz-mqtt5-user-properties": b64(JSON.stringify([{ a: "1" }, { a: "2" }, { b: "3" }])),
        "x-amz-mqtt5-payload-format-indicator": "UTF8_DATA",
        "x-amz-mqtt5-correlation-data": b64("corr"),
      },
      new Uint8Array([1, 2, 3]),
    );
    expect(message).toEqual({
      topic: "t",
      payload: new Uint8Array([1, 2, 3]),
      qos: 1,
      retain: true,
      properties: {
        contentType: "text/plain",
        responseTopic: "r/x",
        messageExpiryInterval: 60,
        payloadFormatIndicator: true,
        correlationData: new TextEncoder().encode("corr"),
        userProperties: [
          ["a", "1"],
          ["a", "2"],
          ["b", "3"],
        ],
      },
    });
  });

  it("treats messageExpiry 0 as never expiring", () => {
    expect(parse("t", "messageExpiry=0").properties).toBeUndefined();
  });

  it.each([
    ["qos 2", () => parse("t", "qos=2")],
    ["qos text", () => parse("t", "qos=one")],
    ["retain not a boolean", () => parse("t", "retain=yes")],
    ["bad percent-encoding", () => parse("a%ZZ")],
    ["a wildcard topic", () => parse("a%2F%2B")],
    ["a retained reserved topic", () => parse("%24aws%2Fthings%2Ft%2Fshadow%2Fupdate", "retain=true")],
    ["a negative expiry", () => parse("t", "messageExpiry=-1")],
    ["a response topic with a wildcard", () => parse("t", "responseTopic=a%2F%23")],
    ["a bad payload format indicator", () => parse("t", "", { "x-amz-mqtt5-payload-format-indicator": "TEXT" })],
    ["user properties not base64", () => parse("t", "", { "x-amz-mqtt5-user-properties": "%%%" })],
    ["user properties not an array", () => parse("t", "", { "x-amz-mqtt5-user-properties": b64("{}") })],
    ["a user property value that is not a string", () => parse("t", "", { "x-amz-mqtt5-user-properties": b64('[{"a":1}]') })],
    ["a payload over 128 KB", () => parse("t", "", {}, new Uint8Array(MESSAGE_LIMITS.maxPayloadBytes + 1))],
  ])("refuses %s with InvalidRequest", (_, fn) => {
    expect(invalid(fn)).toBe("InvalidRequest");
  });

  it("accepts a payload of exactly 128 KB", () => {
    expect(parse("t", "", {}, new Uint8Array(MESSAGE_LIMITS.maxPayloadBytes)).payload.byteLength).toBe(131072);
  });
});

describe("user properties JSON and base64", () => {
  it("round-trips AWS's array of one-key objects, keeping order and duplicates", () => {
    const pairs: [string, string][] = [
      ["k", "1"],
      ["k", "2"],
      ["é", "ü"],
    ];
    expect(parseUserPropertiesJson(userPropertiesJson(pairs))).toEqual(pairs);
  });

  it("round-trips every byte value through base64, including large buffers", () => {
    const bytes = Uint8Array.from({ length: 70_000 }, (_, i) => (i * 7) % 256);
    expect(decodeBase64(bytesToBase64(bytes), "x")).toEqual(bytes);
  });
});
