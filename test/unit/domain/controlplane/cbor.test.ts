import { describe, expect, it } from "vitest";
import { type CborValue, decodeCbor, encodeCbor } from "../../../../src/domain/controlplane/cbor";
import { ServiceError } from "../../../../src/domain/errors";

const hex = (text: string): Uint8Array => Uint8Array.from(Buffer.from(text, "hex"));
const toHex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
const map = (entries: [string, CborValue][]): Map<string, CborValue> => new Map(entries);

/**
 * RFC 8949 Appendix A, every example of a type in the subset (integers, byte and text strings, arrays,
 * text-keyed maps, false/true/null). Each row is checked both ways: the encoder writes preferred serialization,
 * which is what the appendix shows.
 */
const APPENDIX_A: [string, CborValue, string][] = [
  ["0", 0, "00"],
  ["1", 1, "01"],
  ["10", 10, "0a"],
  ["23", 23, "17"],
  ["24", 24, "1818"],
  ["25", 25, "1819"],
  ["100", 100, "1864"],
  ["1000", 1000, "1903e8"],
  ["1000000", 1000000, "1a000f4240"],
  ["1000000000000", 1000000000000, "1b000000e8d4a51000"],
  ["18446744073709551615", 18446744073709551615n, "1bffffffffffffffff"],
  ["-18446744073709551616", -18446744073709551616n, "3bffffffffffffffff"],
  ["-1", -1, "20"],
  ["-10", -10, "29"],
  ["-100", -100, "3863"],
  ["-1000", -1000, "3903e7"],
  ["false", false, "f4"],
  ["true", true, "f5"],
  ["null", null, "f6"],
  ["h''", new Uint8Array(), "40"],
  ["h'01020304'", Uint8Array.of(1, 2, 3, 4), "4401020304"],
  ['""', "", "60"],
  ['"a"', "a", "6161"],
  ['"IETF"', "IETF", "6449455446"],
  ['"\\"\\\\"', '"\\', "62225c"],
  ['"\\u00fc"', "\u00fc", "62c3bc"],
  ['"\\u6c34"', "\u6c34", "63e6b0b4"],
  ['"\\ud800\\udd51"', "\ud800\udd51", "64f0908591"],
  ["[]", [], "80"],
  ["[1, 2, 3]", [1, 2, 3], "83010203"],
  ["[1, [2, 3], [4, 5]]", [1, [2, 3], [4, 5]], "8301820203820405"],
  ["[1, 2, …, 25]", Array.from({ length: 25 }, (_, i) => i + 1), "98190102030405060708090a0b0c0d0e0f101112131415161718181819"],
  ["{}", map([]), "a0"],
  [
    '{"a": 1, "b": [2, 3]}',
    map([
      ["a", 1],
      ["b", [2, 3]],
    ]),
    "a26161016162820203",
  ],
  ['["a", {"b": "c"}]', ["a", map([["b", "c"]])], "826161a161626163"],
  [
    '{"a": "A", "b": "B", "c": "C", "d": "D", "e": "E"}',
    map([
      ["a", "A"],
      ["b", "B"],
      ["c", "C"],
      ["d", "D"],
      ["e", "E"],
    ]),
    "a56161614161626142616361436164614461656145",
  ],
];

describe("RFC 8949 Appendix A vectors", () => {
  it.each(APPENDIX_A)("encodes %s", (_name, value, bytes) => {
    expect(toHex(encodeCbor(value))).toBe(bytes);
  });

  it.each(APPENDIX_A)("decodes %s", (_name, value, bytes) => {
    expect(decodeCbor(hex(bytes))).toEqual(value);
  });
});

describe("integer widths", () => {
  it.each([
    [255, "18ff"],
    [256, "190100"],
    [65535, "19ffff"],
    [65536, "1a00010000"],
    [4294967295, "1affffffff"],
    [4294967296, "1b0000000100000000"],
    [Number.MAX_SAFE_INTEGER, "1b001fffffffffffff"],
    [-24, "37"],
    [-25, "3818"],
    [-256, "38ff"],
    [-257, "390100"],
    [-Number.MAX_SAFE_INTEGER, "3b001ffffffffffffe"],
  ])("round-trips %d in the shortest form", (value, bytes) => {
    expect(toHex(encodeCbor(value))).toBe(bytes);
    expect(decodeCbor(hex(bytes))).toBe(value);
  });

  it("decodes integers beyond 2^53 as bigint and the rest as number", () => {
    expect(decodeCbor(hex("1b0020000000000000"))).toBe(2n ** 53n);
    expect(decodeCbor(hex("3b001fffffffffffff"))).toBe(-(2n ** 53n));
    expect(typeof decodeCbor(hex("1b001fffffffffffff"))).toBe("number");
  });

  it("accepts a non-shortest argument when decoding (well-formed, not preferred)", () => {
    expect(decodeCbor(hex("1b0000000000000001"))).toBe(1);
    expect(decodeCbor(hex("7800"))).toBe("");
  });
});

describe("round trips of file-delivery shaped messages", () => {
  it.each<[string, CborValue]>([
    [
      "a GetStream request",
      map([
        ["c", "rdy"],
        ["f", 0],
        ["l", 4096],
        ["o", 0],
        ["b", Uint8Array.of(0xff, 0x01)],
        ["n", 1],
      ]),
    ],
    [
      "a data block",
      map([
        ["f", 3],
        ["l", 300],
        ["i", 7],
        ["p", new Uint8Array(300).fill(0xab)],
      ]),
    ],
    [
      "a description",
      map([
        ["s", 2],
        ["d", "fw"],
        [
          "r",
          [
            map([
              ["f", 0],
              ["z", 131072],
            ]),
            map([
              ["f", 1],
              ["z", 51200],
            ]),
          ],
        ],
      ]),
    ],
    ["a long text (2-byte length)", "x".repeat(300)],
    ["a 70000-byte string (4-byte length)", new Uint8Array(70000).fill(7)],
  ])("%s", (_name, value) => {
    expect(decodeCbor(encodeCbor(value))).toEqual(value);
  });

  it("encodes plain objects like maps, leaving undefined members out", () => {
    expect(toHex(encodeCbor({ a: 1, skipped: undefined, b: [2, 3] }))).toBe("a26161016162820203");
  });

  it("keeps a leading U+FEFF inside a text string", () => {
    expect(decodeCbor(encodeCbor("\ufeffx"))).toBe("\ufeffx");
  });

  it("returns byte strings that do not alias the input buffer", () => {
    const input = hex("420102");
    const decoded = decodeCbor(input) as Uint8Array;
    input[1] = 9;
    expect(Array.from(decoded)).toEqual([1, 2]);
  });
});

describe("decoder refusals (InvalidRequest)", () => {
  it.each([
    ["empty input", ""],
    ["truncated argument", "19e8"],
    ["truncated byte string", "44010203"],
    ["truncated array", "830102"],
    ["a length larger than the input", "5bffffffffffffffff00"],
    ["trailing bytes", "0000"],
    ["invalid UTF-8 in a text string", "62c328"],
    ["a lone surrogate in a text string (CESU-8)", "63eda080"],
    ["reserved additional information 28", "1c"],
    ["additional information 31 on an integer", "1f"],
    ["an indefinite-length byte string (RFC 8949 A: 5f…)", "5f42010243030405ff"],
    ["an indefinite-length text string", "7f657374726561646d696e67ff"],
    ["an indefinite-length array", "9f018202039f0405ffff"],
    ["an indefinite-length map", "bf61610161629f0203ffff"],
    ["a float (1.5 as half precision)", "f93e00"],
    ["a double", "fb3ff199999999999a"],
    ["undefined (simple 23)", "f7"],
    ["simple value 16", "f0"],
    ["a tag (0: date-time string)", "c074323031332d30332d32315432303a30343a30305a"],
    ["integer map keys ({1: 2, 3: 4})", "a201020304"],
    ["a duplicate map key", "a2616101616102"],
    ["a break outside an indefinite item", "ff"],
  ])("%s", (_name, bytes) => {
    let error: unknown;
    try {
      decodeCbor(hex(bytes));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as ServiceError).kind).toBe("InvalidRequest");
    expect((error as ServiceError).message).toMatch(/^Invalid CBOR: /);
  });

  it("refuses nesting deeper than 32 levels instead of exhausting the stack", () => {
    expect(() => decodeCbor(hex(`${"81".repeat(100_000)}00`))).toThrow(/nesting/);
    expect(decodeCbor(hex(`${"81".repeat(32)}00`))).toBeDefined();
  });
});

describe("encoder refusals (caller bugs: InternalFailure)", () => {
  it.each<[string, unknown]>([
    ["a fraction", 1.5],
    ["an unsafe integer number", 2 ** 53],
    ["NaN", Number.NaN],
    ["an integer of 2^64", 2n ** 64n],
    ["an integer below -2^64", -(2n ** 64n) - 1n],
  ])("%s", (_name, value) => {
    let error: unknown;
    try {
      encodeCbor(value as CborValue);
    } catch (caught) {
      error = caught;
    }
    expect((error as ServiceError).kind).toBe("InternalFailure");
  });
});
