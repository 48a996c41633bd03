import { describe, expect, it } from "vitest";
import type { ErrorKind } from "../../../../src/domain/errors";
import { ServiceError } from "../../../../src/domain/errors";
import type { StoredShadow } from "../../../../src/domain/shadow";
import { deleteDocument, errorDocument, shadowDocument, shadowNotFoundMessage } from "../../../../src/domain/shadow";
import { update } from "./support";

const T = 1700000000;

describe("shadowDocument: GET body and /get/accepted [DG:device-shadow-data-flow]", () => {
  const shadow: StoredShadow = update(null, { state: { desired: { a: 1, b: 2 }, reported: { a: 1 } } }, 100).shadow;

  it("holds desired, reported and delta, metadata without delta, version and timestamp in AWS order", () => {
    expect(JSON.stringify(shadowDocument(shadow, T))).toBe(
      JSON.stringify({
        state: { desired: { a: 1, b: 2 }, reported: { a: 1 }, delta: { b: 2 } },
        metadata: { desired: { a: { timestamp: 100 }, b: { timestamp: 100 } }, reported: { a: { timestamp: 100 } } },
        version: 1,
        timestamp: T,
      }),
    );
  });

  it("echoes the clientToken of an MQTT get last", () => {
    expect(Object.entries(shadowDocument(shadow, T, "g1")).at(-1)).toEqual(["clientToken", "g1"]);
  });

  it("omits delta when desired and reported agree", () => {
    const synced = update(shadow, { state: { reported: { b: 2 } } }, 200).shadow;
    expect(shadowDocument(synced, T).state).toEqual({ desired: { a: 1, b: 2 }, reported: { a: 1, b: 2 } });
  });

  it('renders a shadow emptied by "state": null as empty state and metadata (moto aws_verified)', () => {
    const empty = update(shadow, { state: null }, 200).shadow;
    expect(shadowDocument(empty, T)).toEqual({ state: {}, metadata: {}, version: 2, timestamp: T });
  });
});

describe("deleteDocument: DELETE body and /delete/accepted", () => {
  it.each([
    [undefined, { version: 4, timestamp: T }],
    ["d1", { version: 4, timestamp: T, clientToken: "d1" }],
  ])("with clientToken %s", (clientToken, document) => {
    expect(JSON.stringify(deleteDocument(4, T, clientToken))).toBe(JSON.stringify(document));
  });
});

describe("errorDocument: MQTT /rejected [seed4 error response documents]", () => {
  it.each([
    ["InvalidRequest", 400],
    ["Unauthorized", 401],
    ["Forbidden", 403],
    ["ResourceNotFound", 404],
    ["Conflict", 409],
    ["RequestEntityTooLarge", 413],
    ["UnsupportedDocumentEncoding", 415],
    ["Throttling", 429],
    ["InternalFailure", 500],
  ] as Array<[ErrorKind, number]>)("carries the HTTP status of %s as code %i", (kind, code) => {
    expect(errorDocument(new ServiceError(kind, "m"))).toEqual({ code, message: "m" });
  });

  it("writes timestamp only when given, then clientToken, in that order", () => {
    const error = new ServiceError("Conflict", "Version conflict");
    expect(JSON.stringify(errorDocument(error, T, "t"))).toBe('{"code":409,"message":"Version conflict","timestamp":1700000000,"clientToken":"t"}');
    expect(JSON.stringify(errorDocument(error, undefined, "t"))).toBe('{"code":409,"message":"Version conflict","clientToken":"t"}');
  });
});

describe("shadowNotFoundMessage [DG:using-device-shadows]", () => {
  it("names the thing for the classic shadow", () => {
    expect(shadowNotFoundMessage("lamp")).toBe("No shadow exists with name: 'lamp'");
  });

  it("names the shadow for a named shadow", () => {
    expect(shadowNotFoundMessage("lamp", "config")).toBe("No shadow exists with name: 'config'");
  });
});
