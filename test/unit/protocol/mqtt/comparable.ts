import { Buffer } from "node:buffer";

/**
 * A deep copy with every Uint8Array (or Buffer) replaced by `hex:<bytes>`, so packets compare by
 * content whatever the view's class or offset, and multi-megabyte payloads compare quickly.
 */
export function comparable(value: unknown): unknown {
  if (value instanceof Uint8Array) return `hex:${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString("hex")}`;
  if (Array.isArray(value)) return value.map(comparable);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, comparable(v)]));
  }
  return value;
}
