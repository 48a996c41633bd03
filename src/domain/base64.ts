/** Base64 for every blob the APIs carry (payloads, correlation data, page tokens, file blocks); runs in workerd and Node. */
export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  // Chunked: String.fromCharCode with one argument per byte would overflow the stack on large payloads.
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/** Throws on text that is not base64 (atob rejects foreign characters and impossible lengths). */
export function base64ToBytes(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

export const bytesToBase64Url = (bytes: Uint8Array): string => bytesToBase64(bytes).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

export const base64UrlToBytes = (text: string): Uint8Array => base64ToBytes(text.replace(/-/g, "+").replace(/_/g, "/"));
