import { describe, expect, it } from "vitest";
import { parseAmzDate } from "../../../src/auth/sigv4/amzDate";
import { canonicalQuery, parseRawQuery } from "../../../src/auth/sigv4/canonicalQuery";
import { canonicalUri } from "../../../src/auth/sigv4/canonicalUri";

/** Canonicalization rules the official vectors do not reach (data-plane paths, odd encodings). */

describe("canonicalUri (non-S3: normalize, then encode the path as sent once more)", () => {
  it.each([
    ["/", "/"],
    ["", "/"],
    // Pitfall 2: what @aws-sdk/client-iot-data-plane sends for Publish("$aws/things/t/shadow/update").
    ["/topics/%24aws%2Fthings%2Ft%2Fshadow%2Fupdate", "/topics/%2524aws%252Fthings%252Ft%252Fshadow%252Fupdate"],
    ["/things/my%20thing/shadow", "/things/my%2520thing/shadow"],
    // Hand-written clients send raw slashes: each becomes a segment separator.
    ["/topics/a/b/c", "/topics/a/b/c"],
    ["/a/./b/../c/", "/a/c/"],
    ["//a//b", "/a/b"],
    ["/ሴ", "/%E1%88%B4"],
    // botocore quote(safe='/~') and smithy escapeUri escape sub-delims too.
    ["/a:b@c!d", "/a%3Ab%40c%21d"],
  ])("%s → %s", (raw, canonical) => {
    expect(canonicalUri(raw)).toBe(canonical);
  });
});

describe("canonicalQuery", () => {
  it.each([
    ["", ""],
    ["b=2&a=1", "a=1&b=2"],
    ["flag", "flag="],
    ["a=1&&b=2", "a=1&b=2"],
    // Sorted by name, then value — not by the "name=value" string (tedder/requests-aws4auth#21).
    ["id-type=receipt&id=1", "id=1&id-type=receipt"],
    ["k=b&k=a", "k=a&k=b"],
    // Received encodings are brought to the canonical form the signer produced.
    ["name=%2f", "name=%2F"],
    ["k=ሴ", "k=%E1%88%B4"],
    ["k=%7E", "k=~"],
    ["k=a+b", "k=a%2Bb"],
    ["k=a%20b", "k=a%20b"],
    ["k=100%", "k=100%25"],
    ["k=%zz", "k=%25zz"],
  ])("%s → %s", (raw, canonical) => {
    expect(canonicalQuery(parseRawQuery(raw))).toBe(canonical);
  });

  it("drops excluded parameters by decoded name", () => {
    const raw = "X-Amz-Signature=abc&X%2DAmz%2DSecurity%2DToken=t&a=1";
    expect(canonicalQuery(parseRawQuery(raw), (n) => n === "X-Amz-Signature" || n === "X-Amz-Security-Token")).toBe("a=1");
  });
});

describe("parseAmzDate", () => {
  it.each([
    ["20150830T123600Z", Date.UTC(2015, 7, 30, 12, 36, 0)],
    ["20240229T235959Z", Date.UTC(2024, 1, 29, 23, 59, 59)],
    ["20150231T000000Z", undefined],
    ["20230229T000000Z", undefined],
    ["20151330T000000Z", undefined],
    ["20150830T240000Z", undefined],
    ["20150830T126000Z", undefined],
    ["20150830T123660Z", undefined],
    ["00990101T000000Z", undefined],
    ["20150830T123600", undefined],
    ["2015-08-30T12:36:00Z", undefined],
  ])("%s", (text, expected) => {
    expect(parseAmzDate(text)).toBe(expected);
  });
});
