/**
 * Opaque, tamper-evident page tokens shared by every List* operation (`nextToken`).
 *
 * Format: base64url(JSON payload) + "." + base64url(first 16 bytes of HMAC-SHA256(key, <first segment>)).
 * The MAC covers the transmitted text of the first segment, so it is checked before any JSON is parsed, and
 * both segments are compared as text: an alternative encoding of the same bytes is refused, not accepted.
 */

import { base64UrlToBytes, bytesToBase64Url } from "./base64";
import { ServiceError } from "./errors";

const MAX_TOKEN_CHARS = 2048;
const MAC_BYTES = 16;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const TOKEN_KEY_INFO = "iot-data-plane/page-token/v1";

const encoder = new TextEncoder();
const strictDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

export async function encodePageToken(payload: Record<string, unknown>, key: CryptoKey | Uint8Array): Promise<string> {
  const body = bytesToBase64Url(encoder.encode(JSON.stringify(payload)));
  const token = `${body}.${await macOf(body, key)}`;
  // A token the decoder would refuse is a bug in the caller's payload, not a client error.
  if (token.length > MAX_TOKEN_CHARS) {
    throw new ServiceError("InternalFailure", `Pagination token would exceed ${MAX_TOKEN_CHARS} characters`);
  }
  return token;
}

/** Throws InvalidRequest for malformed, forged (bad MAC) or oversize tokens. */
export async function decodePageToken(token: string, key: CryptoKey | Uint8Array): Promise<Record<string, unknown>> {
  if (token.length > MAX_TOKEN_CHARS) throw invalidToken();
  const dot = token.indexOf(".");
  if (dot === -1) throw invalidToken();
  const body = token.slice(0, dot);
  const presentedMac = token.slice(dot + 1);
  if (!BASE64URL.test(body) || !BASE64URL.test(presentedMac)) throw invalidToken();
  if (!constantTimeEqual(presentedMac, await macOf(body, key))) throw invalidToken();

  let payload: unknown;
  try {
    payload = JSON.parse(strictDecoder.decode(base64UrlToBytes(body)));
  } catch {
    // Only reachable with a valid MAC, i.e. a token minted by an older or buggy encoder.
    throw invalidToken();
  }
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) throw invalidToken();
  return payload as Record<string, unknown>; // checked just above: a JSON object
}

/**
 * Derives the HMAC key from a configuration secret (HKDF-SHA256 with a purpose label, so the same secret can
 * safely serve other uses). Deterministic and non-extractable: derive once per isolate and cache the result.
 */
export async function importTokenKey(secret: string): Promise<CryptoKey> {
  if (secret.length === 0) throw new ServiceError("InternalFailure", "The pagination token secret is empty");
  const material = await crypto.subtle.importKey("raw", encoder.encode(secret), "HKDF", false, ["deriveBits"]);
  const bits = await crypto.subtle.deriveBits(
    { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: encoder.encode(TOKEN_KEY_INFO) },
    material,
    256,
  );
  return crypto.subtle.importKey("raw", bits, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
}

async function macOf(body: string, key: CryptoKey | Uint8Array): Promise<string> {
  const hmacKey =
    key instanceof Uint8Array
      ? await crypto.subtle.importKey("raw", key as Uint8Array<ArrayBuffer>, { name: "HMAC", hash: "SHA-256" }, false, ["sign"])
      : key;
  const signature = await crypto.subtle.sign("HMAC", hmacKey, encoder.encode(body));
  return bytesToBase64Url(new Uint8Array(signature, 0, MAC_BYTES));
}

function invalidToken(): ServiceError {
  return new ServiceError("InvalidRequest", "Invalid pagination token");
}

/** Compares two strings without an early exit, so timing does not reveal how much of a forged MAC was right. */
function constantTimeEqual(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i += 1) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}
