/** SHA-256 and HMAC-SHA256 on Web Crypto, available in both workerd and Node. */
import { EMPTY_SHA256 } from "./constants";

const utf8 = new TextEncoder();
const HMAC_SHA256 = { name: "HMAC", hash: "SHA-256" } as const;

export type BytesOrText = Uint8Array | string;

/** Web Crypto takes ArrayBuffer-backed views; our inputs never live in a SharedArrayBuffer. */
function bytes(data: BytesOrText): Uint8Array<ArrayBuffer> {
  return (typeof data === "string" ? utf8.encode(data) : data) as Uint8Array<ArrayBuffer>;
}

export function toHex(data: ArrayBuffer | Uint8Array): string {
  const view = data instanceof Uint8Array ? data : new Uint8Array(data);
  let hex = "";
  for (const b of view) hex += b.toString(16).padStart(2, "0");
  return hex;
}

/** Lower-case hex only (what signers emit); undefined for anything else. */
export function fromHex(hex: string): Uint8Array | undefined {
  if (hex.length % 2 !== 0 || !/^[0-9a-f]*$/.test(hex)) return undefined;
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export async function sha256Hex(data: BytesOrText): Promise<string> {
  // The payload hash of every GET and DELETE: known, not computed each time.
  if (data.length === 0) return EMPTY_SHA256;
  return toHex(await crypto.subtle.digest("SHA-256", bytes(data)));
}

export function importHmacKey(key: BytesOrText): Promise<CryptoKey> {
  return crypto.subtle.importKey("raw", bytes(key), HMAC_SHA256, false, ["sign", "verify"]);
}

export async function hmac(key: CryptoKey, data: BytesOrText): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", key, bytes(data)));
}

/** Checks an HMAC in constant time: Web Crypto's verify compares without early exit. */
export function hmacVerify(key: CryptoKey, mac: Uint8Array, data: BytesOrText): Promise<boolean> {
  return crypto.subtle.verify("HMAC", key, bytes(mac), bytes(data));
}
