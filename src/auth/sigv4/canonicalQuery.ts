import { canonicalizeQueryComponent, percentDecode } from "./uriEncoding";

/** One `name=value` pair of a query string, still percent-encoded as received. */
export interface RawQueryParam {
  readonly rawName: string;
  readonly rawValue: string;
}

/** Splits a raw query (the text after `?`) into its pairs without decoding them. */
export function parseRawQuery(rawQuery: string): RawQueryParam[] {
  const params: RawQueryParam[] = [];
  for (const piece of rawQuery.split("&")) {
    if (piece === "") continue;
    const eq = piece.indexOf("=");
    params.push(eq === -1 ? { rawName: piece, rawValue: "" } : { rawName: piece.slice(0, eq), rawValue: piece.slice(eq + 1) });
  }
  return params;
}

/** Decoded value of the first parameter called `name`, or undefined when absent or undecodable. */
export function queryParam(params: readonly RawQueryParam[], name: string): string | undefined {
  for (const p of params) {
    if (percentDecode(p.rawName) === name) return percentDecode(p.rawValue);
  }
  return undefined;
}

/**
 * Canonical query string: every name and value RFC 3986-encoded, sorted by encoded name and then
 * encoded value (code-point order), `name=value` joined with `&`; a parameter without a value
 * becomes `name=`. `exclude` drops parameters by decoded name (X-Amz-Signature, and the session
 * token when it was appended after signing).
 */
export function canonicalQuery(params: readonly RawQueryParam[], exclude: (name: string) => boolean = () => false): string {
  const pairs: [string, string][] = [];
  for (const p of params) {
    const name = canonicalizeQueryComponent(p.rawName);
    if (exclude(percentDecode(p.rawName) ?? p.rawName)) continue;
    pairs.push([name, canonicalizeQueryComponent(p.rawValue)]);
  }
  pairs.sort(([an, av], [bn, bv]) => compare(an, bn) || compare(av, bv));
  return pairs.map(([n, v]) => `${n}=${v}`).join("&");
}

/** Encoded components are ASCII, so UTF-16 order is code-point order. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
