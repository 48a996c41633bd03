/**
 * RFC 3986 percent-encoding as SigV4 defines it: every byte of the UTF-8 form is escaped as `%XX`
 * (upper-case hex) except the unreserved characters `A-Z a-z 0-9 - . _ ~`.
 */

const UNRESERVED_ONLY = /^[A-Za-z0-9\-._~]*$/;
const HEX = "0123456789ABCDEF";
const utf8 = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF as data instead of silently dropping it.
const strictUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

function isUnreservedByte(b: number): boolean {
  return (
    (b >= 0x41 && b <= 0x5a) || // A-Z
    (b >= 0x61 && b <= 0x7a) || // a-z
    (b >= 0x30 && b <= 0x39) || // 0-9
    b === 0x2d ||
    b === 0x2e ||
    b === 0x5f ||
    b === 0x7e // - . _ ~
  );
}

function encodeBytes(bytes: Iterable<number>): string {
  let out = "";
  for (const b of bytes) {
    out += isUnreservedByte(b) ? String.fromCharCode(b) : `%${HEX[b >> 4]}${HEX[b & 0xf]}`;
  }
  return out;
}

/** Escapes every character of `text`, `%` included (`%2F` becomes `%252F`). */
export function uriEscape(text: string): string {
  if (UNRESERVED_ONLY.test(text)) return text;
  return encodeBytes(utf8.encode(text));
}

function hexValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return -1;
}

/** Bytes a percent-encoded string stands for; a `%` not followed by two hex digits stays a literal `%`. */
export function percentDecodeToBytes(raw: string): Uint8Array {
  const literal = utf8.encode(raw);
  const out = new Uint8Array(literal.length);
  let n = 0;
  for (let i = 0; i < literal.length; i++) {
    const b = literal[i] as number;
    if (b === 0x25 && i + 2 < literal.length) {
      const hi = hexValue(literal[i + 1] as number);
      const lo = hexValue(literal[i + 2] as number);
      if (hi >= 0 && lo >= 0) {
        out[n++] = (hi << 4) | lo;
        i += 2;
        continue;
      }
    }
    out[n++] = b;
  }
  return out.subarray(0, n);
}

/**
 * The canonical encoding of a query name or value exactly as it came over the wire: decode what
 * the client escaped, then escape it the SigV4 way. Correctly-encoded input comes back unchanged;
 * raw UTF-8 (`ሴ`) or lower-case escapes (`%2f`) are brought to the form the client's signer used.
 */
export function canonicalizeQueryComponent(raw: string): string {
  if (UNRESERVED_ONLY.test(raw)) return raw;
  return encodeBytes(percentDecodeToBytes(raw));
}

/** Percent-decodes to text (for reading X-Amz-* parameter values); undefined if not valid UTF-8. */
export function percentDecode(raw: string): string | undefined {
  try {
    return strictUtf8.decode(percentDecodeToBytes(raw));
  } catch {
    return undefined;
  }
}
