import { createHash, createHmac } from "node:crypto";
import { SignatureV4 } from "@smithy/signature-v4";
import type { SignedRequest } from "../../../src/auth";

/**
 * The signer the AWS SDK for JavaScript v3 really uses (@smithy/signature-v4, installed with
 * @aws-sdk/client-iot-data-plane), as an independent oracle for data-plane cases that AWS's test
 * suite does not cover (double-encoded topics, x-amz-content-sha256, presigned /mqtt URLs).
 */

class NodeSha256 {
  private readonly hash;
  constructor(secret?: string | Uint8Array) {
    this.hash = secret === undefined ? createHash("sha256") : createHmac("sha256", secret);
  }
  update(data: string | Uint8Array): void {
    this.hash.update(data);
  }
  async digest(): Promise<Uint8Array> {
    return new Uint8Array(this.hash.digest());
  }
}

export interface SdkSigningOptions {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  region: string;
  service: string;
  date: Date;
  /** false = botocore-like: no x-amz-content-sha256 header. */
  applyChecksum?: boolean;
}

export interface SdkRequest {
  method: string;
  host: string;
  /** As the SDK serializer produces it, labels already percent-encoded. */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: string;
}

function signer(o: SdkSigningOptions): SignatureV4 {
  return new SignatureV4({
    credentials: {
      accessKeyId: o.accessKeyId,
      secretAccessKey: o.secretAccessKey,
      ...(o.sessionToken !== undefined ? { sessionToken: o.sessionToken } : {}),
    },
    region: o.region,
    service: o.service,
    // Structurally the SDK's HashConstructor; its declared type also demands Checksum members we don't need.
    sha256: NodeSha256 as unknown as ConstructorParameters<typeof SignatureV4>[0]["sha256"],
    applyChecksum: o.applyChecksum ?? true,
  });
}

function smithyRequest(r: SdkRequest) {
  return {
    method: r.method,
    protocol: "https:",
    hostname: r.host,
    path: r.path,
    query: r.query ?? {},
    headers: { host: r.host, ...r.headers },
    ...(r.body !== undefined ? { body: r.body } : {}),
  };
}

/** How the SDK's HTTP handler serializes a query object (RFC 3986 escaping). */
function serializeQuery(query: Record<string, string | string[] | null>): string {
  const escapeRfc3986 = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return Object.entries(query)
    .flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map((x) => (x === null ? escapeRfc3986(k) : `${escapeRfc3986(k)}=${escapeRfc3986(x)}`)))
    .join("&");
}

/** Signs with the real SDK signer and returns the request as the server receives it. */
export async function sdkSign(r: SdkRequest, o: SdkSigningOptions): Promise<SignedRequest> {
  const signed = await signer(o).sign(smithyRequest(r), { signingDate: o.date });
  return {
    method: r.method,
    rawPath: r.path,
    rawQuery: serializeQuery((signed.query ?? {}) as Record<string, string | string[] | null>),
    headers: new Headers(signed.headers),
    body: new TextEncoder().encode(r.body ?? ""),
  };
}

/** Presigns with the real SDK signer (it signs X-Amz-Expires and, if given, the session token). */
export async function sdkPresign(r: SdkRequest, o: SdkSigningOptions & { expiresIn: number }): Promise<SignedRequest> {
  const signed = await signer(o).presign(smithyRequest(r), { signingDate: o.date, expiresIn: o.expiresIn });
  return {
    method: r.method,
    rawPath: r.path,
    rawQuery: serializeQuery((signed.query ?? {}) as Record<string, string | string[] | null>),
    headers: new Headers({ host: r.host }),
    body: new Uint8Array(),
  };
}
