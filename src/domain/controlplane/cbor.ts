/**
 * A minimal CBOR (RFC 8949) encoder and decoder for the subset the MQTT file-delivery messages use: maps with
 * text-string keys, unsigned and negative integers, text strings, byte strings, arrays, and the simple values
 * false/true/null. Definite lengths only, as the device libraries (tinycbor in FreeRTOS OTA and the
 * MQTT file-streams library) write them.
 *
 * The encoder writes preferred serialization (shortest argument, RFC 8949 §4.1). The decoder accepts any
 * well-formed argument width but refuses, with ServiceError InvalidRequest, everything outside the subset
 * (floats, tags, indefinite lengths, non-text map keys, duplicate keys) and malformed input: truncation,
 * trailing bytes, invalid UTF-8 in text strings (RFC 8949 §3.1, major type 3), reserved additional information.
 */
import { ServiceError } from "../errors";

export type CborValue = number | bigint | string | boolean | null | Uint8Array | CborValue[] | CborMap;
export type CborMap = Map<string, CborValue>;

/** What the encoder accepts: CborValue, plus plain objects whose undefined members are left out (like JSON). */
export type CborEncodable =
  | number
  | bigint
  | string
  | boolean
  | null
  | Uint8Array
  | readonly CborEncodable[]
  | ReadonlyMap<string, CborEncodable>
  | { readonly [key: string]: CborEncodable | undefined };

const MAJOR_UNSIGNED = 0;
const MAJOR_NEGATIVE = 1;
const MAJOR_BYTES = 2;
const MAJOR_TEXT = 3;
const MAJOR_ARRAY = 4;
const MAJOR_MAP = 5;
const MAJOR_TAG = 6;
const MAJOR_SIMPLE = 7;

const SIMPLE_FALSE = 20;
const SIMPLE_TRUE = 21;
const SIMPLE_NULL = 22;
const INDEFINITE = 31;

/** Deep enough for any file-delivery message, shallow enough that hostile nesting cannot exhaust the stack. */
const MAX_DEPTH = 32;
const UINT64_LIMIT = 1n << 64n;

const textEncoder = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF: inside a CBOR text string it is content, not a byte-order mark.
const textDecoder = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

export function encodeCbor(value: CborEncodable): Uint8Array {
  const writer = new Writer();
  writeValue(writer, value, 0);
  return writer.finish();
}

export function decodeCbor(bytes: Uint8Array): CborValue {
  const reader = new Reader(bytes);
  const value = reader.value(0);
  if (reader.offset !== bytes.length) invalid(`unexpected data after the top-level item at byte ${reader.offset}`);
  return value;
}

function invalid(reason: string): never {
  throw new ServiceError("InvalidRequest", `Invalid CBOR: ${reason}`);
}

// ---- Encoding ----

class Writer {
  private buffer = new Uint8Array(64);
  private view = new DataView(this.buffer.buffer);
  private length = 0;

  private reserve(extra: number): void {
    if (this.length + extra <= this.buffer.length) return;
    let size = this.buffer.length * 2;
    while (size < this.length + extra) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.buffer.subarray(0, this.length));
    this.buffer = grown;
    this.view = new DataView(grown.buffer);
  }

  /** The initial byte and argument of an item, in the shortest form (RFC 8949 §3 and §4.1). */
  head(major: number, argument: number | bigint): void {
    const type = major << 5;
    this.reserve(9);
    if (argument < 24) {
      this.buffer[this.length++] = type | Number(argument);
    } else if (argument < 0x100) {
      this.buffer[this.length++] = type | 24;
      this.buffer[this.length++] = Number(argument);
    } else if (argument < 0x10000) {
      this.buffer[this.length++] = type | 25;
      this.view.setUint16(this.length, Number(argument));
      this.length += 2;
    } else if (argument < 0x100000000) {
      this.buffer[this.length++] = type | 26;
      this.view.setUint32(this.length, Number(argument));
      this.length += 4;
    } else {
      this.buffer[this.length++] = type | 27;
      this.view.setBigUint64(this.length, BigInt(argument));
      this.length += 8;
    }
  }

  bytes(data: Uint8Array): void {
    this.reserve(data.length);
    this.buffer.set(data, this.length);
    this.length += data.length;
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.length);
  }
}

function writeValue(writer: Writer, value: CborEncodable, depth: number): void {
  if (depth > MAX_DEPTH) unsupported("nesting deeper than 32 levels");
  if (value === null) return writer.head(MAJOR_SIMPLE, SIMPLE_NULL);
  if (value === false) return writer.head(MAJOR_SIMPLE, SIMPLE_FALSE);
  if (value === true) return writer.head(MAJOR_SIMPLE, SIMPLE_TRUE);
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) unsupported(`number ${value} (only safe integers; larger ones as bigint)`);
    return writeInteger(writer, BigInt(value));
  }
  if (typeof value === "bigint") return writeInteger(writer, value);
  if (typeof value === "string") {
    const encoded = textEncoder.encode(value);
    writer.head(MAJOR_TEXT, encoded.length);
    return writer.bytes(encoded);
  }
  if (value instanceof Uint8Array) {
    writer.head(MAJOR_BYTES, value.length);
    return writer.bytes(value);
  }
  if (isArray(value)) {
    writer.head(MAJOR_ARRAY, value.length);
    for (const item of value) writeValue(writer, item, depth + 1);
    return;
  }
  const entries: [string, CborEncodable][] = [];
  if (value instanceof Map) {
    for (const [key, item] of value) entries.push([key, item]);
  } else {
    for (const [key, item] of Object.entries(value)) if (item !== undefined) entries.push([key, item]);
  }
  writer.head(MAJOR_MAP, entries.length);
  for (const [key, item] of entries) {
    writeValue(writer, key, depth + 1);
    writeValue(writer, item, depth + 1);
  }
}

function isArray(value: CborEncodable): value is readonly CborEncodable[] {
  return Array.isArray(value);
}

function writeInteger(writer: Writer, value: bigint): void {
  if (value >= UINT64_LIMIT || value < -UINT64_LIMIT) unsupported(`integer ${value} (outside CBOR's 64-bit range)`);
  if (value >= 0n) writer.head(MAJOR_UNSIGNED, value);
  else writer.head(MAJOR_NEGATIVE, -1n - value);
}

/** Encoding something outside the subset is a bug in the caller, not a client error. */
function unsupported(what: string): never {
  throw new ServiceError("InternalFailure", `Cannot encode as CBOR: ${what}`);
}

// ---- Decoding ----

class Reader {
  offset = 0;
  private readonly view: DataView;

  constructor(private readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(count: number): void {
    if (this.bytes.length - this.offset < count) invalid(`unexpected end of input at byte ${this.offset}`);
  }

  /** Reads the argument that follows an initial byte with additional information `info`. */
  private argument(info: number): number | bigint {
    if (info < 24) return info;
    const widths: Record<number, number> = { 24: 1, 25: 2, 26: 4, 27: 8 };
    const width = widths[info];
    if (width === undefined) invalid(`reserved additional information ${info} at byte ${this.offset - 1}`);
    this.need(width);
    const at = this.offset;
    this.offset += width;
    if (width === 1) return this.view.getUint8(at);
    if (width === 2) return this.view.getUint16(at);
    if (width === 4) return this.view.getUint32(at);
    const big = this.view.getBigUint64(at);
    return big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  }

  /** A length or count: no more than the bytes left, since every item takes at least one byte. */
  private count(argument: number | bigint): number {
    const remaining = this.bytes.length - this.offset;
    if (typeof argument === "bigint" || argument > remaining) {
      invalid(`length ${argument} exceeds the ${remaining} bytes left`);
    }
    return argument;
  }

  value(depth: number): CborValue {
    if (depth > MAX_DEPTH) invalid(`nesting deeper than ${MAX_DEPTH} levels`);
    this.need(1);
    const initial = this.view.getUint8(this.offset);
    this.offset += 1;
    const major = initial >> 5;
    const info = initial & 0x1f;
    if (info === INDEFINITE) {
      if (major === MAJOR_BYTES || major === MAJOR_TEXT || major === MAJOR_ARRAY || major === MAJOR_MAP) {
        invalid("indefinite-length items are not supported");
      }
      invalid(`additional information 31 is not valid for major type ${major}`);
    }
    if (major === MAJOR_SIMPLE) return this.simple(info);
    const argument = this.argument(info);
    switch (major) {
      case MAJOR_UNSIGNED:
        return argument;
      case MAJOR_NEGATIVE:
        // -1 - n stays a safe integer only while n < 2^53 - 1.
        if (typeof argument === "number" && argument < Number.MAX_SAFE_INTEGER) return -1 - argument;
        return -1n - BigInt(argument);
      case MAJOR_BYTES:
        return this.take(this.count(argument)).slice();
      case MAJOR_TEXT:
        return this.text(this.count(argument));
      case MAJOR_ARRAY: {
        const length = this.count(argument);
        const items: CborValue[] = [];
        for (let i = 0; i < length; i += 1) items.push(this.value(depth + 1));
        return items;
      }
      case MAJOR_MAP:
        return this.map(this.count(argument), depth);
      case MAJOR_TAG:
        return invalid("tags are not supported");
      default:
        return invalid(`unknown major type ${major}`);
    }
  }

  private simple(info: number): CborValue {
    if (info === SIMPLE_FALSE) return false;
    if (info === SIMPLE_TRUE) return true;
    if (info === SIMPLE_NULL) return null;
    if (info >= 25 && info <= 27) invalid("floating-point numbers are not supported");
    return invalid(`simple value ${info} is not supported`);
  }

  private take(length: number): Uint8Array {
    this.need(length);
    const slice = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += length;
    return slice;
  }

  private text(length: number): string {
    const at = this.offset;
    try {
      return textDecoder.decode(this.take(length));
    } catch (error) {
      if (error instanceof ServiceError) throw error;
      return invalid(`text string at byte ${at} is not valid UTF-8`);
    }
  }

  private map(size: number, depth: number): CborMap {
    const map: CborMap = new Map();
    for (let i = 0; i < size; i += 1) {
      const at = this.offset;
      const key = this.value(depth + 1);
      if (typeof key !== "string") invalid(`map key at byte ${at} is not a text string`);
      if (map.has(key)) invalid(`duplicate map key "${key}"`);
      map.set(key, this.value(depth + 1));
    }
    return map;
  }
}
