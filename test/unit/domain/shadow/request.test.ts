import { describe, expect, it } from "vitest";
import { extractClientToken, parseGetOrDeleteRequest, parseUpdateRequest, SHADOW_LIMITS } from "../../../../src/domain/shadow";
import { expectServiceError, payload } from "./support";

/** A section object that is itself level 1 and holds `levels` nested objects in all: s.k1.k2… = leaf. */
const nestedSection = (levels: number, leaf: unknown = 1): unknown => {
  let value = leaf;
  for (let i = levels - 1; i >= 1; i--) value = { [`k${i}`]: value };
  return { k0: value };
};
const nestedDesired = (levels: number, leaf?: unknown) => ({ state: { desired: nestedSection(levels, leaf) } });

const INVALID_JSON = "Invalid JSON";

describe("parseUpdateRequest rejects documents with the AWS message [DG:device-shadow-error-messages]", () => {
  const cases: Array<[behaviour: string, body: unknown, message: string]> = [
    ["body that is not JSON", "{", INVALID_JSON],
    ["empty body", "", INVALID_JSON],
    ["JSON array instead of an object", "[]", INVALID_JSON],
    ["JSON string instead of an object", '"state"', INVALID_JSON],
    ["JSON null instead of an object", "null", INVALID_JSON],
    ["missing state", { desired: { a: 1 } }, "Missing required node: state"],
    ["state as a number", { state: 5 }, "State node must be an object"],
    ["state as an array", { state: [] }, "State node must be an object"],
    ["state as a string", { state: "on" }, "State node must be an object"],
    ["desired as a number", { state: { desired: 5 } }, "Desired node must be an object"],
    ["desired as an array", { state: { desired: [1] } }, "Desired node must be an object"],
    ["reported as a boolean", { state: { reported: true } }, "Reported node must be an object"],
    ["reported as a string", { state: { reported: "x" } }, "Reported node must be an object"],
    ["an unknown member in state", { state: { desired: { a: 1 }, foo: 1 } }, "State contains an invalid node"],
    ["a client-written delta", { state: { delta: { a: 1 } } }, "State contains an invalid node"],
    ["negative version", { state: {}, version: -1 }, "Invalid version"],
    ["fractional version", { state: {}, version: 1.5 }, "Invalid version"],
    ["version as a string", { state: {}, version: "1" }, "Invalid version"],
    ["version null", { state: {}, version: null }, "Invalid version"],
    ["version beyond safe integers", { state: {}, version: 2 ** 53 }, "Invalid version"],
    ["clientToken as a number", { state: {}, clientToken: 5 }, "Invalid clientToken"],
    ["clientToken null", { state: {}, clientToken: null }, "Invalid clientToken"],
    ["clientToken as an object", { state: {}, clientToken: {} }, "Invalid clientToken"],
    ["null array element", { state: { desired: { a: [1, null] } } }, INVALID_JSON],
    ["null element in a nested array", { state: { reported: { a: [[null]] } } }, INVALID_JSON],
    ["null element in an array inside an array object", { state: { desired: { a: [{ b: [null] }] } } }, INVALID_JSON],
  ];
  it.each(cases)("%s", (_behaviour, body, message) => {
    expectServiceError(() => parseUpdateRequest(payload(body)), "InvalidRequest", message);
  });
});

describe("parseUpdateRequest limits", () => {
  const TOO_DEEP = "JSON contains too many levels of nesting; maximum is 6";

  it.each([
    ["six nested objects (desired.a.b.c.d.e.f = 1)", nestedDesired(6)],
    ["an empty object at level 7 (empty containers do not count)", nestedDesired(6, {})],
    ["an empty array at level 7", nestedDesired(6, [])],
    ["arrays counting as levels up to 6", { state: { desired: { a: [[[[[1]]]]] } } }],
  ])("accepts %s", (_behaviour, body) => {
    expect(() => parseUpdateRequest(payload(body))).not.toThrow();
  });

  it.each([
    ["seven nested objects in desired", nestedDesired(7)],
    ["seven nested objects in reported", { state: { reported: nestedSection(7) } }],
    ["a non-empty array at level 7", nestedDesired(6, [1])],
    ["arrays counting as levels beyond 6", { state: { desired: { a: [[[[[[1]]]]]] } } }],
  ])("rejects %s", (_behaviour, body) => {
    expectServiceError(() => parseUpdateRequest(payload(body)), "InvalidRequest", TOO_DEEP);
  });

  // [DG:device-shadow-document]: clientToken is limited to 64 bytes, so multi-byte characters count more.
  it.each([
    ["64 ASCII characters", "a".repeat(64)],
    ["32 two-byte characters (64 bytes)", "é".repeat(32)],
    ["21 three-byte characters (63 bytes)", "€".repeat(21)],
    ["16 four-byte characters (64 bytes, 32 UTF-16 units)", "😀".repeat(16)],
    ["an empty string", ""],
  ])("accepts a clientToken of %s", (_behaviour, token) => {
    expect(parseUpdateRequest(payload({ state: {}, clientToken: token })).clientToken).toBe(token);
  });

  it.each([
    ["65 ASCII characters", "a".repeat(65)],
    ["33 two-byte characters (66 bytes)", "é".repeat(33)],
    ["22 three-byte characters (66 bytes)", "€".repeat(22)],
    ["17 four-byte characters (68 bytes, 34 UTF-16 units)", "😀".repeat(17)],
  ])("rejects a clientToken of %s", (_behaviour, token) => {
    expectServiceError(() => parseUpdateRequest(payload({ state: {}, clientToken: token })), "InvalidRequest", "Invalid clientToken");
  });

  const paddedTo = (size: number) => {
    const body = '{"state":{"reported":{"a":1}}}';
    return payload(body + " ".repeat(size - body.length));
  };

  it("accepts a raw payload of exactly maxPayloadBytes", () => {
    expect(parseUpdateRequest(paddedTo(SHADOW_LIMITS.maxPayloadBytes)).state).toEqual({ reported: { a: 1 } });
  });

  it("rejects a raw payload one byte over maxPayloadBytes with 413", () => {
    expectServiceError(
      () => parseUpdateRequest(paddedTo(SHADOW_LIMITS.maxPayloadBytes + 1)),
      "RequestEntityTooLarge",
      "The payload exceeds the maximum size allowed",
    );
  });

  it.each([
    ["an invalid byte", [0x7b, 0xff, 0x7d]],
    ["an encoded UTF-16 surrogate", [0x22, 0xed, 0xa0, 0x80, 0x22]],
    ["an overlong encoding", [0x22, 0xc0, 0xaf, 0x22]],
    ["a truncated sequence", [0x22, 0xe2, 0x82]],
  ])("rejects a non-UTF-8 payload (%s) with 415 and the service's message", (_behaviour, bytes) => {
    expectServiceError(
      () => parseUpdateRequest(new Uint8Array(bytes)),
      "UnsupportedDocumentEncoding",
      "Unsupported documented encoding; supported encoding is UTF-8",
    );
  });
});

describe("parseUpdateRequest accepts", () => {
  it.each([
    ["state null (clears the shadow)", { state: null }, null],
    ["an empty state", { state: {} }, {}],
    ["a null section (removes it)", { state: { desired: null } }, { desired: null }],
    ["both sections", { state: { desired: { a: 1 }, reported: { b: 2 } } }, { desired: { a: 1 }, reported: { b: 2 } }],
  ])("%s", (_behaviour, body, state) => {
    expect(parseUpdateRequest(payload(body)).state).toEqual(state);
  });

  it("reads version 0 and clientToken, omitting both members when absent", () => {
    expect(parseUpdateRequest(payload({ state: {}, version: 0, clientToken: "c" }))).toEqual({
      state: {},
      version: 0,
      clientToken: "c",
    });
    expect(Object.keys(parseUpdateRequest(payload({ state: {} })))).toEqual(["state"]);
  });

  it("ignores top-level members other than state, clientToken and version [DG:diagnosing-shadows]", () => {
    expect(parseUpdateRequest(payload({ state: { reported: { a: 1 } }, metadata: 5, timestamp: "x" }))).toEqual({
      state: { reported: { a: 1 } },
    });
  });

  it("keeps the request state verbatim, member order and nulls included, for the accepted echo", () => {
    const body = '{"state":{"reported":{"z":null,"a":[1,2]},"desired":{"m":{"n":null}}}}';
    expect(JSON.stringify(parseUpdateRequest(payload(body)).state)).toBe('{"reported":{"z":null,"a":[1,2]},"desired":{"m":{"n":null}}}');
  });

  it("accepts a UTF-8 byte order mark and non-ASCII keys", () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...payload({ state: { desired: { température: 21 } } })]);
    expect(parseUpdateRequest(bytes).state).toEqual({ desired: { température: 21 } });
  });
});

describe("parseGetOrDeleteRequest reads only clientToken [DG:device-shadow-mqtt]", () => {
  it.each([
    ["an empty payload", new Uint8Array(), {}],
    ["an empty object", payload({}), {}],
    ["a token", payload({ clientToken: "abc" }), { clientToken: "abc" }],
    ["a token next to the version the v1 JS SDK adds", payload({ clientToken: "abc", version: 3 }), { clientToken: "abc" }],
    ["members it ignores even when they would be invalid in an update", payload({ version: "x", state: 5 }), {}],
  ])("accepts %s", (_behaviour, bytes, expected) => {
    expect(parseGetOrDeleteRequest(bytes)).toEqual(expected);
  });

  it.each([
    ["text that is not JSON", payload("get"), "InvalidRequest", "Invalid JSON"],
    ["a JSON array", payload([]), "InvalidRequest", "Invalid JSON"],
    ["a token that is not a string", payload({ clientToken: 1 }), "InvalidRequest", "Invalid clientToken"],
    ["a 65-byte token", payload({ clientToken: "x".repeat(65) }), "InvalidRequest", "Invalid clientToken"],
    ["a non-UTF-8 payload", new Uint8Array([0xff]), "UnsupportedDocumentEncoding", "Unsupported documented encoding; supported encoding is UTF-8"],
  ] as const)("rejects %s", (_behaviour, bytes, kind, message) => {
    expectServiceError(() => parseGetOrDeleteRequest(bytes), kind, message);
  });
});

describe("extractClientToken finds the token to echo in /rejected documents [seed4]", () => {
  it.each([
    ["a valid update", payload({ state: {}, clientToken: "t1" }), "t1"],
    ["an update rejected for its state (token still readable)", payload({ desired: {}, clientToken: "t2" }), "t2"],
    ["an update with an invalid version", payload({ state: {}, version: -1, clientToken: "t3" }), "t3"],
    ["a get payload", payload({ clientToken: "g" }), "g"],
  ])("returns the token of %s", (_behaviour, bytes, token) => {
    expect(extractClientToken(bytes)).toBe(token);
  });

  it.each([
    ["the token itself is invalid (65 bytes)", payload({ state: {}, clientToken: "x".repeat(65) })],
    ["the token is not a string", payload({ state: {}, clientToken: 7 })],
    ["the payload is not JSON", payload('{"clientToken":"t"')],
    ["the payload is not UTF-8", new Uint8Array([0x7b, 0xff, 0x7d])],
    ["there is no token", payload({ state: {} })],
    ["the payload is empty", new Uint8Array()],
  ])("returns undefined when %s", (_behaviour, bytes) => {
    expect(extractClientToken(bytes)).toBeUndefined();
  });
});
