import { describe, expect, it } from "vitest";
import {
  deserializeProperties,
  parseRetainedCursor,
  RETAINED_SHARD_COUNT,
  retainedCursorPayload,
  retainedMessageDocument,
  retainedShardOf,
  serializeProperties,
} from "../../../src/domain/retained";

describe("retained messages", () => {
  it("spreads topics over all shards, always the same shard for a topic", () => {
    const shards = new Set(Array.from({ length: 500 }, (_, i) => retainedShardOf(`sensor/${i}`)));
    expect(shards.size).toBe(RETAINED_SHARD_COUNT);
    expect(retainedShardOf("a/b")).toBe(retainedShardOf("a/b"));
  });

  it("renders GetRetainedMessage with base64 payload and user properties, and omits absent properties", () => {
    const document = retainedMessageDocument({
      topic: "t",
      payload: new TextEncoder().encode("hi"),
      qos: 1,
      lastModifiedTime: 1700000000123,
      properties: { userProperties: [["a", "b"]] },
    });
    expect(document).toEqual({ topic: "t", payload: btoa("hi"), qos: 1, lastModifiedTime: 1700000000123, userProperties: btoa('[{"a":"b"}]') });
    expect(retainedMessageDocument({ topic: "t", payload: new Uint8Array(), qos: 0, lastModifiedTime: 1 })).not.toHaveProperty("userProperties");
  });

  it("stores properties as text and reads them back, correlation data included", () => {
    const properties = { contentType: "x", correlationData: new Uint8Array([0, 255]), userProperties: [["k", "v"]] as [string, string][] };
    expect(deserializeProperties(serializeProperties(properties))).toEqual(properties);
    expect(serializeProperties(undefined)).toBeNull();
    expect(deserializeProperties(null)).toBeUndefined();
  });

  it.each([
    [
      { s: 0, a: "" },
      { shard: 0, after: "" },
    ],
    [
      { s: RETAINED_SHARD_COUNT - 1, a: "x/y" },
      { shard: RETAINED_SHARD_COUNT - 1, after: "x/y" },
    ],
    [{ s: RETAINED_SHARD_COUNT, a: "" }, undefined],
    [{ s: -1, a: "" }, undefined],
    [{ s: 1.5, a: "" }, undefined],
    [{ s: "1", a: "" }, undefined],
    [{ s: 1 }, undefined],
  ])("reads cursor %j as %j", (payload, cursor) => {
    expect(parseRetainedCursor(payload)).toEqual(cursor);
    if (cursor) expect(parseRetainedCursor(retainedCursorPayload(cursor))).toEqual(cursor);
  });
});
