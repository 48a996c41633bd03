import { parseAmzDate } from "./amzDate";
import { parseSignedHeaders } from "./canonicalHeaders";
import { parseRawQuery, queryParam } from "./canonicalQuery";
import { canonicalRequest, stringToSign } from "./canonicalRequest";
import {
  ALGORITHM,
  AMZ_DATE_HEADER,
  CONTENT_SHA256_HEADER,
  MAX_CLOCK_SKEW_MS,
  MAX_PRESIGN_EXPIRES_SECONDS,
  QUERY_ALGORITHM,
  QUERY_CREDENTIAL,
  QUERY_DATE,
  QUERY_EXPIRES,
  QUERY_SECURITY_TOKEN,
  QUERY_SIGNATURE,
  QUERY_SIGNED_HEADERS,
  SCOPE_TERMINATOR,
} from "./constants";
import { credentialScope, type ParsedCredential, parseCredential } from "./credentialScope";
import { fromHex, hmacVerify, sha256Hex } from "./crypto";
import { authErrors } from "./errors";
import { signingKey } from "./signingKey";
import type { Authenticated, Credential, SignedRequest, VerifyOptions } from "./types";

/**
 * Authorization-header form (AWS SDK v3, botocore, curl --aws-sigv4). The payload hash is always
 * computed from the received body; a signed `x-amz-content-sha256` (JS SDK v3) must equal it.
 * Clock skew window: 5 minutes either way.
 */
export async function verifyHeaderSignature(req: SignedRequest, opts: VerifyOptions): Promise<Authenticated> {
  const header = req.headers.get("authorization");
  if (header === null || header.trim() === "") throw authErrors.missingToken();
  const auth = parseAuthorizationHeader(header);

  checkScope(auth.credential, opts);
  const amzDate = req.headers.get(AMZ_DATE_HEADER);
  if (amzDate === null) throw authErrors.missingDate();
  const signedAt = checkDate(amzDate, auth.credential);
  checkClockSkew(amzDate, signedAt, opts.now.getTime());
  if (!auth.signedHeaders.includes("host")) throw authErrors.hostNotSigned();

  const payloadHash = await sha256Hex(req.body);
  const claimedHash = req.headers.get(CONTENT_SHA256_HEADER);
  if (claimedHash !== null && claimedHash.trim() !== payloadHash) throw authErrors.contentSha256Mismatch();

  const credential = await lookupCredential(opts, auth.credential.accessKeyId);
  const canonical = canonicalRequest({
    method: req.method,
    rawPath: req.rawPath,
    query: parseRawQuery(req.rawQuery),
    headers: req.headers,
    signedHeaders: auth.signedHeaders,
    payloadHash,
  });
  if (!(await signatureMatches(credential, auth.credential, amzDate, canonical, auth.signature))) {
    throw authErrors.signatureMismatch();
  }
  return { accessKeyId: auth.credential.accessKeyId, principal: credential.principal };
}

/**
 * Pre-signed query form (MQTT over WebSocket on /mqtt). Behaviour chosen (AWS's own rule for IoT
 * is unpublished, spec auth.md §3):
 * - with X-Amz-Expires (1…604800 s, generic presigners): valid from X-Amz-Date − 5 min until
 *   X-Amz-Date + X-Amz-Expires;
 * - without it (CRT / device SDKs, which sign afresh for every connection): the 5-minute skew
 *   window of the header form.
 * X-Amz-Security-Token is normally appended after signing (CRT, v1 device SDK), generic presigners
 * sign it: the signature is checked without it first, then with it.
 */
export async function verifyPresignedUrl(req: SignedRequest, opts: VerifyOptions): Promise<Authenticated> {
  const query = parseRawQuery(req.rawQuery);
  const get = (name: string) => queryParam(query, name);
  const algorithm = get(QUERY_ALGORITHM);
  const credentialText = get(QUERY_CREDENTIAL);
  const amzDate = get(QUERY_DATE);
  const signedHeadersText = get(QUERY_SIGNED_HEADERS);
  const signature = get(QUERY_SIGNATURE);
  const present = [algorithm, credentialText, amzDate, signedHeadersText, signature].filter((p) => p !== undefined);
  if (present.length === 0) throw authErrors.missingToken();
  if (
    algorithm === undefined ||
    credentialText === undefined ||
    amzDate === undefined ||
    signedHeadersText === undefined ||
    signature === undefined
  ) {
    throw authErrors.malformedPresignedQuery();
  }
  if (algorithm !== ALGORITHM) throw authErrors.unsupportedAlgorithm(algorithm);
  const scope = parseCredential(credentialText);
  if (!scope) throw authErrors.malformedCredential();
  const signedHeaders = parseSignedHeaders(signedHeadersText);
  if (!signedHeaders) throw authErrors.malformedPresignedQuery();

  checkScope(scope, opts);
  const signedAt = checkDate(amzDate, scope);
  const expires = get(QUERY_EXPIRES);
  checkPresignedValidity(amzDate, signedAt, expires, opts.now.getTime());
  if (!signedHeaders.includes("host")) throw authErrors.hostNotSigned();

  const credential = await lookupCredential(opts, scope.accessKeyId);
  const payloadHash = await sha256Hex(req.body);
  const matches = (excludeToken: boolean) =>
    signatureMatches(
      credential,
      scope,
      amzDate,
      canonicalRequest({
        method: req.method,
        rawPath: req.rawPath,
        query,
        excludeFromQuery: (name) => name === QUERY_SIGNATURE || (excludeToken && name === QUERY_SECURITY_TOKEN),
        headers: req.headers,
        signedHeaders,
        payloadHash,
      }),
      signature,
    );
  const hasToken = get(QUERY_SECURITY_TOKEN) !== undefined;
  if (!(await matches(true)) && !(hasToken && (await matches(false)))) throw authErrors.signatureMismatch();
  return { accessKeyId: scope.accessKeyId, principal: credential.principal };
}

interface AuthorizationHeader {
  credential: ParsedCredential;
  signedHeaders: string[];
  signature: string;
}

/** `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…` (spacing after commas optional). */
function parseAuthorizationHeader(header: string): AuthorizationHeader {
  const trimmed = header.trim();
  const space = trimmed.search(/\s/);
  const algorithm = space === -1 ? trimmed : trimmed.slice(0, space);
  if (algorithm !== ALGORITHM) throw authErrors.unsupportedAlgorithm(algorithm);

  const fields = new Map<string, string>();
  for (const part of (space === -1 ? "" : trimmed.slice(space + 1)).split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const credentialText = fields.get("Credential");
  const signedHeadersText = fields.get("SignedHeaders");
  const signature = fields.get("Signature");
  if (credentialText === undefined || signedHeadersText === undefined || signature === undefined) {
    const missing = [
      credentialText === undefined ? "Credential" : undefined,
      signature === undefined ? "Signature" : undefined,
      signedHeadersText === undefined ? "SignedHeaders" : undefined,
    ].filter((p): p is string => p !== undefined);
    throw authErrors.malformedAuthorization(missing);
  }
  const credential = parseCredential(credentialText);
  if (!credential) throw authErrors.malformedCredential();
  const signedHeaders = parseSignedHeaders(signedHeadersText);
  if (!signedHeaders) throw authErrors.malformedAuthorization(["SignedHeaders"]);
  return { credential, signedHeaders, signature };
}

function checkScope(scope: ParsedCredential, opts: VerifyOptions): void {
  if (scope.terminator !== SCOPE_TERMINATOR) throw authErrors.wrongTerminator(scope.terminator);
  if (scope.region !== opts.region) throw authErrors.wrongRegion(scope.region);
  if (!opts.services.includes(scope.service)) throw authErrors.wrongService(opts.services[0] ?? "");
}

/** Parses X-Amz-Date and checks it names the scope's day; returns the signing instant. */
function checkDate(amzDate: string, scope: ParsedCredential): number {
  const signedAt = parseAmzDate(amzDate);
  if (signedAt === undefined) throw authErrors.malformedDate(amzDate);
  if (amzDate.slice(0, 8) !== scope.date) throw authErrors.scopeDateMismatch(scope.date, amzDate);
  return signedAt;
}

/** Inclusive window: exactly 5 minutes off is still accepted. */
function checkClockSkew(amzDate: string, signedAt: number, now: number): void {
  if (signedAt < now - MAX_CLOCK_SKEW_MS) throw authErrors.signatureExpired(amzDate, now, MAX_CLOCK_SKEW_MS);
  if (signedAt > now + MAX_CLOCK_SKEW_MS) throw authErrors.signatureNotYetCurrent(amzDate, now, MAX_CLOCK_SKEW_MS);
}

function checkPresignedValidity(amzDate: string, signedAt: number, expires: string | undefined, now: number): void {
  if (expires === undefined) return checkClockSkew(amzDate, signedAt, now);
  const seconds = /^\d{1,7}$/.test(expires) ? Number(expires) : NaN;
  if (!(seconds >= 1 && seconds <= MAX_PRESIGN_EXPIRES_SECONDS)) throw authErrors.malformedExpires();
  if (signedAt > now + MAX_CLOCK_SKEW_MS) throw authErrors.signatureNotYetCurrent(amzDate, now, MAX_CLOCK_SKEW_MS);
  if (now > signedAt + seconds * 1000) throw authErrors.presignedUrlExpired();
}

async function lookupCredential(opts: VerifyOptions, accessKeyId: string): Promise<Credential> {
  const credential = await opts.lookup(accessKeyId);
  if (!credential) throw authErrors.unknownAccessKey();
  return credential;
}

async function signatureMatches(
  credential: Credential,
  scope: ParsedCredential,
  amzDate: string,
  canonical: string,
  signature: string,
): Promise<boolean> {
  const mac = fromHex(signature);
  if (mac?.length !== 32) return false;
  const key = await signingKey(credential.secretAccessKey, scope.date, scope.region, scope.service);
  return hmacVerify(key, mac, await stringToSign(amzDate, credentialScope(scope), canonical));
}
