import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ServiceError } from "../../../src/domain/errors";
import { decodePageToken, encodePageToken, importTokenKey } from "../../../src/domain/pagination";

const rawKey = new Uint8Array(32).map((_, i) => i + 1);
const otherKey = new Uint8Array(32).map((_, i) => 100 - i);

const base64url = (bytes: Uint8Array | string) => Buffer.from(bytes).toString("base64url");
/** The documented format, built independently with Node's crypto: proves the wire format, not just a round trip. */
function mintWithNode(bodyBytes: Uint8Array | string, key: Uint8Array): string {
  const body = base64url(bodyBytes);
  const mac = createHmac("sha256", key).update(body).digest().subarray(0, 16);
  return `${body}.${base64url(mac)}`;
}

async function expectInvalidToken(token: string, key: CryptoKey | Uint8Array = rawKey): Promise<void> {
  const error: unknown = await decodePageToken(token, key).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ServiceError);
  expect((error as ServiceError).kind).toBe("InvalidRequest");
  expect((error as ServiceError).message).toBe("Invalid pagination token");
}

const BASE64URL_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const flipAt = (text: string, index: number) => {
  const replacement = BASE64URL_ALPHABET[(BASE64URL_ALPHABET.indexOf(text.charAt(index)) + 1) % 64];
  return `${text.slice(0, index)}${replacement}${text.slice(index + 1)}`;
};

describe("encodePageToken / decodePageToken", () => {
  const payloads: [string, Record<string, unknown>][] = [
    ["a cursor", { after: "thing-0042" }],
    ["several members", { after: "$aws/things/t/x", op: "ListRetainedMessages", n: 3, asc: true }],
    ["nested values and unicode", { after: "日本/😀", filter: { prefix: ["a", null] } }],
    ["an empty object", {}],
  ];
  it.each(payloads)("round-trips %s with a raw key", async (_, payload) => {
    expect(await decodePageToken(await encodePageToken(payload, rawKey), rawKey)).toEqual(payload);
  });

  it("round-trips with a key from importTokenKey", async () => {
    const key = await importTokenKey("configuration secret");
    expect(await decodePageToken(await encodePageToken({ after: "x" }, key), key)).toEqual({ after: "x" });
  });

  it("produces base64url(JSON) + '.' + base64url(16-byte truncated HMAC-SHA256 over the first segment)", async () => {
    const payload = { after: "lamp?/+" };
    const token = await encodePageToken(payload, rawKey);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(token).toBe(mintWithNode(JSON.stringify(payload), rawKey));
  });

  it("refuses a token minted with another key", async () => {
    await expectInvalidToken(await encodePageToken({ after: "x" }, otherKey));
  });

  it("refuses every single-character change in the payload segment", async () => {
    const token = await encodePageToken({ after: "thing-0042", n: 7 }, rawKey);
    const dot = token.indexOf(".");
    for (let i = 0; i < dot; i += 1) await expectInvalidToken(flipAt(token, i));
  });

  // Includes the last character, whose low bits are padding: a byte-wise comparison would accept some flips there.
  it("refuses every single-character change in the MAC segment", async () => {
    const token = await encodePageToken({ after: "thing-0042" }, rawKey);
    for (let i = token.indexOf(".") + 1; i < token.length; i += 1) await expectInvalidToken(flipAt(token, i));
  });

  it("refuses a forged payload that reuses a genuine MAC", async () => {
    const genuine = await encodePageToken({ after: "a" }, rawKey);
    const mac = genuine.slice(genuine.indexOf(".") + 1);
    await expectInvalidToken(`${base64url(JSON.stringify({ after: "z" }))}.${mac}`);
  });

  const malformed: [string, string][] = [
    ["empty", ""],
    ["no dot", "eyJhIjoxfQ"],
    ["only a dot", "."],
    ["empty MAC", "eyJhIjoxfQ."],
    ["empty payload", ".AAAAAAAAAAAAAAAAAAAAAA"],
    ["three segments", "eyJhIjoxfQ.AAAA.AAAA"],
    ["not base64", "not base64!.AAAAAAAAAAAAAAAAAAAAAA"],
    ["standard base64 padding", "eyJhIjoxfQ==.AAAAAAAAAAAAAAAAAAAAAA"],
    ["whitespace", "eyJh IjoxfQ.AAAAAAAAAAAAAAAAAAAAAA"],
    ["over 2048 characters", `${"A".repeat(2100)}.AAAAAAAAAAAAAAAAAAAAAA`],
  ];
  it.each(malformed)("refuses a malformed token: %s", async (_, token) => {
    await expectInvalidToken(token);
  });

  // Correctly signed but not a JSON object: only an encoder bug could produce these, but the decoder must not
  // hand them on as a Record.
  const notObjects: [string, Uint8Array | string][] = [
    ["an array", "[1,2]"],
    ["a string", '"after"'],
    ["null", "null"],
    ["a number", "42"],
    ["not JSON", "after=x"],
    ["invalid UTF-8", new Uint8Array([0x7b, 0xff, 0x7d])],
  ];
  it.each(notObjects)("refuses a signed payload that is %s", async (_, body) => {
    await expectInvalidToken(mintWithNode(body, rawKey));
  });

  // Unpadded base64url lengths skip every value ≡ 1 (mod 4), so exactly 2048 characters is unreachable: take the
  // longest genuine token within the limit and the shortest one beyond it.
  it("accepts a genuine token up to 2048 characters and refuses a longer one", async () => {
    const tokens = Array.from({ length: 40 }, (_, i) => mintWithNode(JSON.stringify({ f: "x".repeat(1500 + i) }), rawKey));
    const withinLimit = tokens.filter((token) => token.length <= 2048).at(-1) ?? "";
    const beyondLimit = tokens.find((token) => token.length > 2048) ?? "";
    expect(withinLimit.length).toBeGreaterThanOrEqual(2046);
    expect(await decodePageToken(withinLimit, rawKey)).toHaveProperty("f");
    expect(beyondLimit.length).toBeLessThanOrEqual(2050);
    await expectInvalidToken(beyondLimit);
  });

  it("will not mint a token the decoder would refuse as oversize", async () => {
    const error: unknown = await encodePageToken({ after: "x".repeat(2000) }, rawKey).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as ServiceError).kind).toBe("InternalFailure");
  });
});

describe("importTokenKey", () => {
  it("derives the same key from the same secret (tokens survive isolate restarts)", async () => {
    const token = await encodePageToken({ after: "x" }, await importTokenKey("secret-one"));
    expect(await decodePageToken(token, await importTokenKey("secret-one"))).toEqual({ after: "x" });
  });

  it("derives different keys for different secrets", async () => {
    const token = await encodePageToken({ after: "x" }, await importTokenKey("secret-one"));
    await expectInvalidToken(token, await importTokenKey("secret-two"));
  });

  it("does not use the secret's bytes as the HMAC key directly (derivation with a purpose label)", async () => {
    const secret = "configuration secret";
    const token = await encodePageToken({ after: "x" }, await importTokenKey(secret));
    await expectInvalidToken(token, new TextEncoder().encode(secret));
  });

  it("refuses an empty secret", async () => {
    const error: unknown = await importTokenKey("").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as ServiceError).kind).toBe("InternalFailure");
  });
});
