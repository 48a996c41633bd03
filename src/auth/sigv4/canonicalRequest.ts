import { canonicalHeaders } from "./canonicalHeaders";
import { canonicalQuery, type RawQueryParam } from "./canonicalQuery";
import { canonicalUri } from "./canonicalUri";
import { ALGORITHM } from "./constants";
import { sha256Hex } from "./crypto";

export interface CanonicalRequestInput {
  method: string;
  rawPath: string;
  query: readonly RawQueryParam[];
  /** Query parameters (by decoded name) that are not part of what was signed. */
  excludeFromQuery?: (name: string) => boolean;
  headers: Headers;
  signedHeaders: readonly string[];
  payloadHash: string;
}

/**
 * Method, canonical URI, canonical query, canonical headers (each line ends in "\n", so a blank
 * line follows), signed-headers line and payload hash, joined with "\n".
 */
export function canonicalRequest(input: CanonicalRequestInput): string {
  return [
    input.method,
    canonicalUri(input.rawPath),
    canonicalQuery(input.query, input.excludeFromQuery),
    canonicalHeaders(input.headers, input.signedHeaders),
    input.signedHeaders.join(";"),
    input.payloadHash,
  ].join("\n");
}

export async function stringToSign(amzDate: string, scope: string, canonical: string): Promise<string> {
  return `${ALGORITHM}\n${amzDate}\n${scope}\n${await sha256Hex(canonical)}`;
}
