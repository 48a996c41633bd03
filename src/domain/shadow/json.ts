/** A JSON value exactly as `JSON.parse` produces it. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export const isJsonObject = (value: Json | undefined): value is JsonObject => typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Reads an own member only: device documents may use keys such as `constructor` or `__proto__`, which
 * must never resolve to something inherited from `Object.prototype`.
 */
export function getMember(object: JsonObject, key: string): Json | undefined {
  return Object.hasOwn(object, key) ? object[key] : undefined;
}

/** Defines an own data member; plain assignment would turn a `__proto__` key into a prototype change. */
export function setMember(object: JsonObject, key: string, value: Json): void {
  Object.defineProperty(object, key, { value, enumerable: true, writable: true, configurable: true });
}

export const isEmptyObject = (object: JsonObject): boolean => Object.keys(object).length === 0;

const encoder = new TextEncoder();

export const utf8ByteLength = (text: string): number => encoder.encode(text).byteLength;

/** Bytes of the compact serialisation, the measure AWS applies to the stored state (8 KB limit). */
export const compactJsonByteLength = (value: Json): number => utf8ByteLength(JSON.stringify(value));

/**
 * Deep equality of JSON values: member order is irrelevant, arrays compare element by element and
 * numbers numerically (`1` and `1.0` parse to the same number).
 */
export function jsonEquals(a: Json, b: Json): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) {
    return Array.isArray(b) && a.length === b.length && a.every((item, i) => jsonEquals(item, b[i] as Json));
  }
  if (isJsonObject(a) && isJsonObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && jsonEquals(a[key] as Json, b[key] as Json));
  }
  return false;
}
