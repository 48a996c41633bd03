import { malformed } from "./errors";
import { decodeUtf8 } from "./utf8";
import { readVarint, varintSize } from "./varint";

/**
 * A bounds-checked cursor over one packet's bytes (`buf[pos, end)`). Any read past `end` is a
 * Malformed Packet: the Remaining Length promised fewer bytes than the fields need.
 * Binary fields are returned as views into `buf`, not copies.
 */
export class PacketReader {
  constructor(
    readonly buf: Uint8Array,
    public pos: number,
    readonly end: number,
  ) {}

  get remaining(): number {
    return this.end - this.pos;
  }

  u8(field: string): number {
    this.need(1, field);
    return this.buf[this.pos++]!;
  }

  u16(field: string): number {
    this.need(2, field);
    const value = (this.buf[this.pos]! << 8) | this.buf[this.pos + 1]!;
    this.pos += 2;
    return value;
  }

  u32(field: string): number {
    this.need(4, field);
    const b = this.buf;
    const p = this.pos;
    this.pos += 4;
    return b[p]! * 0x100_0000 + ((b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!);
  }

  varint(field: string): number {
    const value = readVarint(this.buf, this.pos, this.end);
    if (value < 0) throw malformed(`packet ends inside ${field}`);
    this.pos += varintSize(value);
    return value;
  }

  /** A UTF-8 Encoded String: two-byte length, then the bytes. */
  utf8(field: string): string {
    const length = this.u16(field);
    this.need(length, field);
    const start = this.pos;
    this.pos += length;
    return decodeUtf8(this.buf, start, this.pos);
  }

  /** Binary Data: two-byte length, then the bytes. */
  binary(field: string): Uint8Array {
    const length = this.u16(field);
    this.need(length, field);
    const start = this.pos;
    this.pos += length;
    return this.buf.subarray(start, this.pos);
  }

  /** Everything left (the PUBLISH payload). */
  rest(): Uint8Array {
    const bytes = this.buf.subarray(this.pos, this.end);
    this.pos = this.end;
    return bytes;
  }

  /** Every field has been read: bytes left over mean the Remaining Length is wrong. */
  expectEnd(packet: string): void {
    if (this.pos !== this.end) throw malformed(`${packet}: ${this.end - this.pos} unexpected byte(s) at the end`);
  }

  private need(bytes: number, field: string): void {
    if (this.pos + bytes > this.end) throw malformed(`packet ends inside ${field}`);
  }
}
