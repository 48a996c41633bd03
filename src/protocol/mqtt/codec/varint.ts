import { malformed } from "./errors";

/** Largest value a four-byte Variable Byte Integer can hold (MQTT 5 §1.5.5; 3.1.1 §2.2.3). */
export const VARINT_MAX = 268_435_455;

/** Bytes needed to encode `value` (0 ≤ value ≤ VARINT_MAX) as a Variable Byte Integer. */
export function varintSize(value: number): number {
  return value < 0x80 ? 1 : value < 0x4000 ? 2 : value < 0x20_0000 ? 3 : 4;
}

/** Writes `value` at `pos`; returns the position after it. */
export function writeVarint(buf: Uint8Array, pos: number, value: number): number {
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value > 0) byte |= 0x80;
    buf[pos++] = byte;
  } while (value > 0);
  return pos;
}

/**
 * Reads the Variable Byte Integer at `buf[pos]`, or returns -1 when `end` comes before its last
 * byte. Because the shortest form is enforced, its size is always `varintSize(value)`.
 *
 * Throws Malformed Packet for more than four bytes, and for a non-minimal encoding, which MQTT 5
 * forbids [MQTT-1.5.5-1]; 3.1.1's encoding algorithm (§2.2.3) only ever produces the shortest form,
 * so the same rule is applied to both versions.
 */
export function readVarint(buf: Uint8Array, pos: number, end: number): number {
  let value = 0;
  let multiplier = 1;
  for (let i = 0; i < 4; i++) {
    if (pos + i >= end) return -1;
    const byte = buf[pos + i]!;
    value += (byte & 0x7f) * multiplier;
    if ((byte & 0x80) === 0) {
      if (byte === 0 && i > 0) throw malformed("Variable Byte Integer not in its shortest form [MQTT-1.5.5-1]");
      return value;
    }
    multiplier *= 128;
  }
  throw malformed("Variable Byte Integer longer than four bytes");
}
