import { allocatePacket } from "./alloc";
import { utf8Length, writeUtf8 } from "./utf8";
import { VARINT_MAX, varintSize, writeVarint } from "./varint";

/**
 * Encoding is two passes: measure every field (validating as it goes), then allocate the exact
 * packet and write it. These helpers are the measuring half; `PacketWriter` is the writing half.
 */
const MAX_U16 = 0xffff;

/** Size of a UTF-8 Encoded String field (length prefix included). */
export function stringSize(value: string, field: string): number {
  if (typeof value !== "string") throw new TypeError(`${field} must be a string`);
  const length = utf8Length(value);
  if (length > MAX_U16) throw new RangeError(`${field} is ${length} bytes; an MQTT string holds at most 65535`);
  return 2 + length;
}

/** Size of a Binary Data field (length prefix included). */
export function binarySize(value: Uint8Array, field: string): number {
  if (!(value instanceof Uint8Array)) throw new TypeError(`${field} must be a Uint8Array`);
  if (value.length > MAX_U16) throw new RangeError(`${field} is ${value.length} bytes; MQTT binary data holds at most 65535`);
  return 2 + value.length;
}

export function checkInteger(value: unknown, min: number, max: number, field: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${field} must be an integer in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}

/** Allocates a packet of `remainingLength` bytes after the fixed header and writes the header. */
export function startPacket(firstByte: number, remainingLength: number): PacketWriter {
  if (remainingLength > VARINT_MAX) {
    throw new RangeError(`packet too large to encode: Remaining Length ${remainingLength} > ${VARINT_MAX}`);
  }
  const writer = new PacketWriter(1 + varintSize(remainingLength) + remainingLength);
  writer.u8(firstByte);
  writer.varint(remainingLength);
  return writer;
}

export class PacketWriter {
  readonly buf: Uint8Array;
  pos = 0;

  constructor(size: number) {
    this.buf = allocatePacket(size);
  }

  u8(value: number): void {
    this.buf[this.pos++] = value;
  }

  u16(value: number): void {
    this.buf[this.pos++] = value >>> 8;
    this.buf[this.pos++] = value & 0xff;
  }

  u32(value: number): void {
    this.buf[this.pos++] = value >>> 24;
    this.buf[this.pos++] = (value >>> 16) & 0xff;
    this.buf[this.pos++] = (value >>> 8) & 0xff;
    this.buf[this.pos++] = value & 0xff;
  }

  varint(value: number): void {
    this.pos = writeVarint(this.buf, this.pos, value);
  }

  /** A string already measured by `stringSize`; its length prefix is filled in after the bytes. */
  utf8(value: string): void {
    const start = this.pos;
    this.pos = writeUtf8(this.buf, start + 2, value);
    const length = this.pos - start - 2;
    this.buf[start] = length >>> 8;
    this.buf[start + 1] = length & 0xff;
  }

  binary(value: Uint8Array): void {
    this.u16(value.length);
    this.bytes(value);
  }

  bytes(value: Uint8Array): void {
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }
}
