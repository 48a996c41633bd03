import { formatAmzDate } from "./amzDate";
import { parseRawQuery, type RawQueryParam } from "./canonicalQuery";
import { canonicalRequest, stringToSign } from "./canonicalRequest";
import {
  ALGORITHM,
  AMZ_DATE_HEADER,
  CONTENT_SHA256_HEADER,
  EMPTY_SHA256,
  QUERY_ALGORITHM,
  QUERY_CREDENTIAL,
  QUERY_DATE,
  QUERY_EXPIRES,
  QUERY_SECURITY_TOKEN,
  QUERY_SIGNATURE,
  QUERY_SIGNED_HEADERS,
  SECURITY_TOKEN_HEADER,
} from "./constants";
import { credentialScope } from "./credentialScope";
import { hmac, sha256Hex, toHex } from "./crypto";
import { signingKey } from "./signingKey";
import { uriEscape } from "./uriEncoding";

/**
 * A small SigV4 signer for our test helpers and benchmarks, behaving like the clients we serve.
 * The verifier's own tests run against AWS's published vectors and the real SDK signer, not this.
 */

export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SigningScope {
  credentials: SigningCredentials;
  region: string;
  service: string;
  date: Date;
}

export interface RequestToSign {
  method: string;
  /** Path as it will be sent, already percent-encoded (`/topics/a%2Fb`). */
  rawPath: string;
  rawQuery?: string;
  /** Must contain `host`. Every header given is signed. */
  headers: HeadersInit;
  body?: Uint8Array | string;
}

export interface SignRequestOptions extends SigningScope {
  /** Send and sign `x-amz-content-sha256` like the JS SDK v3 (default); false behaves like botocore. */
  contentSha256Header?: boolean;
}

export interface SigningResult {
  canonicalRequest: string;
  stringToSign: string;
  signature: string;
}

/** Returns the headers to send: the input ones plus x-amz-date, authorization and friends. */
export async function signRequest(req: RequestToSign, opts: SignRequestOptions): Promise<SigningResult & { headers: Headers }> {
  const headers = new Headers(req.headers);
  if (!headers.has("host")) throw new TypeError("signRequest: a host header is required");
  const amzDate = formatAmzDate(opts.date);
  const payloadHash = await sha256Hex(req.body ?? "");
  headers.set(AMZ_DATE_HEADER, amzDate);
  if (opts.credentials.sessionToken !== undefined) headers.set(SECURITY_TOKEN_HEADER, opts.credentials.sessionToken);
  if (opts.contentSha256Header ?? true) headers.set(CONTENT_SHA256_HEADER, payloadHash);
  headers.delete("authorization");

  const signedHeaders = [...headers.keys()].sort();
  const result = await sign(opts, amzDate, {
    method: req.method,
    rawPath: req.rawPath,
    query: parseRawQuery(req.rawQuery ?? ""),
    headers,
    signedHeaders,
    payloadHash,
  });
  headers.set(
    "authorization",
    `${ALGORITHM} Credential=${opts.credentials.accessKeyId}/${credentialScope(scopeOf(opts, amzDate))}, ` +
      `SignedHeaders=${signedHeaders.join(";")}, Signature=${result.signature}`,
  );
  return { ...result, headers };
}

export interface UrlToPresign {
  method?: string;
  rawPath: string;
  rawQuery?: string;
  /** Host header value the client will send, with the port when the URL has one. */
  host: string;
}

export interface PresignOptions extends SigningScope {
  /** Omitted by the AWS device SDKs; generic presigners add it. */
  expiresSeconds?: number;
  /**
   * "appended": added after signing, not covered by the signature (CRT / IoT device SDKs, default);
   * "signed": part of the signed query (@smithy/signature-v4 `presign`).
   */
  sessionTokenPlacement?: "appended" | "signed";
}

/** Returns the query string of a pre-signed URL (the text after `?`). */
export async function presignUrl(url: UrlToPresign, opts: PresignOptions): Promise<SigningResult & { rawQuery: string }> {
  const amzDate = formatAmzDate(opts.date);
  const token = opts.credentials.sessionToken;
  const tokenSigned = token !== undefined && opts.sessionTokenPlacement === "signed";
  const param = (name: string, value: string): RawQueryParam => ({ rawName: name, rawValue: uriEscape(value) });

  const signedParams: RawQueryParam[] = [
    ...parseRawQuery(url.rawQuery ?? ""),
    param(QUERY_ALGORITHM, ALGORITHM),
    param(QUERY_CREDENTIAL, `${opts.credentials.accessKeyId}/${credentialScope(scopeOf(opts, amzDate))}`),
    param(QUERY_DATE, amzDate),
    ...(opts.expiresSeconds !== undefined ? [param(QUERY_EXPIRES, String(opts.expiresSeconds))] : []),
    param(QUERY_SIGNED_HEADERS, "host"),
    ...(tokenSigned ? [param(QUERY_SECURITY_TOKEN, token)] : []),
  ];
  const result = await sign(opts, amzDate, {
    method: url.method ?? "GET",
    rawPath: url.rawPath,
    query: signedParams,
    headers: new Headers({ host: url.host }),
    signedHeaders: ["host"],
    payloadHash: EMPTY_SHA256,
  });
  const finalParams = [
    ...signedParams,
    param(QUERY_SIGNATURE, result.signature),
    ...(token !== undefined && !tokenSigned ? [param(QUERY_SECURITY_TOKEN, token)] : []),
  ];
  return { ...result, rawQuery: finalParams.map((p) => `${p.rawName}=${p.rawValue}`).join("&") };
}

function scopeOf(opts: SigningScope, amzDate: string) {
  return { date: amzDate.slice(0, 8), region: opts.region, service: opts.service };
}

async function sign(opts: SigningScope, amzDate: string, input: Parameters<typeof canonicalRequest>[0]): Promise<SigningResult> {
  const scope = scopeOf(opts, amzDate);
  const canonical = canonicalRequest(input);
  const toSign = await stringToSign(amzDate, credentialScope(scope), canonical);
  const key = await signingKey(opts.credentials.secretAccessKey, scope.date, scope.region, scope.service);
  return { canonicalRequest: canonical, stringToSign: toSign, signature: toHex(await hmac(key, toSign)) };
}
