import { describe, expect, it } from "vitest";
import { type SignedRequest, type VerifyOptions, verifyHeaderSignature, verifyPresignedUrl } from "../../../src/auth";
import { parseSignedHeaders } from "../../../src/auth/sigv4/canonicalHeaders";
import { parseRawQuery } from "../../../src/auth/sigv4/canonicalQuery";
import { canonicalRequest, stringToSign } from "../../../src/auth/sigv4/canonicalRequest";
import { hmac, sha256Hex, toHex } from "../../../src/auth/sigv4/crypto";
import { signingKey } from "../../../src/auth/sigv4/signingKey";
import presignedSuite from "../../fixtures/sigv4/aws-c-auth-presigned.json";
import headerSuite from "../../fixtures/sigv4/aws-sig-v4-test-suite.json";
import { parseRawHttpRequest } from "./rawHttpRequest";

/**
 * AWS's published SigV4 test suite (test/fixtures/sigv4/README.md). Each vector must reproduce
 * the official canonical request, string to sign and signature, be accepted by the verifier, and
 * be refused once a byte of signature, body or a signed header changes.
 */

const SIGNATURE_MISMATCH =
  "The request signature we calculated does not match the signature you provided. " +
  "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
const SCOPE = "20150830/us-east-1/service/aws4_request";

const options: VerifyOptions = {
  now: new Date(headerSuite.date),
  region: headerSuite.region,
  services: [headerSuite.service],
  lookup: (id) =>
    id === headerSuite.credentials.accessKeyId ? { secretAccessKey: headerSuite.credentials.secretAccessKey, principal: "suite" } : undefined,
};

async function signatureOf(sts: string): Promise<string> {
  const key = await signingKey(headerSuite.credentials.secretAccessKey, "20150830", "us-east-1", "service");
  return toHex(await hmac(key, sts));
}

function withHeader(req: SignedRequest, name: string, value: string): SignedRequest {
  const headers = new Headers(req.headers);
  headers.set(name, value);
  return { ...req, headers };
}

/** Flips the last hex digit of the signature wherever it is. */
function flipLastHexDigit(text: string): string {
  return text.slice(0, -1) + (text.endsWith("0") ? "1" : "0");
}

describe("AWS SigV4 test suite, Authorization header form", () => {
  for (const vector of headerSuite.vectors) {
    describe(vector.name, () => {
      const signed = () => withHeader(parseRawHttpRequest(vector.req), "authorization", vector.authz);
      const signature = /Signature=([0-9a-f]{64})$/.exec(vector.authz)?.[1] ?? "";
      const signedHeaders = parseSignedHeaders(/SignedHeaders=([^,]+)/.exec(vector.authz)?.[1] ?? "") ?? [];

      // One vector (get-utf8) publishes no canonical request: only its signature is checked, below.
      if (vector.creq !== null)
        it("builds the official canonical request and string to sign", async () => {
          const req = parseRawHttpRequest(vector.req);
          const creq = canonicalRequest({
            method: req.method,
            rawPath: req.rawPath,
            query: parseRawQuery(req.rawQuery),
            headers: req.headers,
            signedHeaders,
            payloadHash: await sha256Hex(req.body),
          });
          expect(creq).toBe(vector.creq);
          expect(await stringToSign("20150830T123600Z", SCOPE, creq)).toBe(vector.sts);
          expect(await signatureOf(vector.sts ?? "")).toBe(signature);
        });

      it("accepts the official signature", async () => {
        await expect(verifyHeaderSignature(signed(), options)).resolves.toEqual({
          accessKeyId: "AKIDEXAMPLE",
          principal: "suite",
        });
      });

      it("refuses a changed signature", async () => {
        const req = withHeader(signed(), "authorization", flipLastHexDigit(vector.authz));
        await expect(verifyHeaderSignature(req, options)).rejects.toMatchObject({
          kind: "Forbidden",
          message: SIGNATURE_MISMATCH,
        });
      });

      it("refuses a changed body", async () => {
        const req = signed();
        const body = new Uint8Array([...req.body, 0x78]);
        await expect(verifyHeaderSignature({ ...req, body }, options)).rejects.toMatchObject({
          message: SIGNATURE_MISMATCH,
        });
      });

      it("refuses a changed signed header", async () => {
        const req = withHeader(signed(), "host", "example.amazonaws.com.evil");
        await expect(verifyHeaderSignature(req, options)).rejects.toMatchObject({ message: SIGNATURE_MISMATCH });
      });
    });
  }
});

describe("aws-c-auth (CRT) vectors, pre-signed query form without X-Amz-Expires", () => {
  for (const vector of presignedSuite.vectors) {
    describe(vector.name, () => {
      const signed = () => parseRawHttpRequest(vector.signedRequest);

      it("builds the official canonical request and string to sign", async () => {
        const req = signed();
        const creq = canonicalRequest({
          method: req.method,
          rawPath: req.rawPath,
          query: parseRawQuery(req.rawQuery),
          excludeFromQuery: (name) => name === "X-Amz-Signature",
          headers: req.headers,
          signedHeaders: ["host"],
          payloadHash: await sha256Hex(req.body),
        });
        expect(creq).toBe(vector.creq);
        expect(await stringToSign("20150830T123600Z", SCOPE, creq)).toBe(vector.sts);
        expect(req.rawQuery).toContain(`X-Amz-Signature=${await signatureOf(vector.sts)}`);
      });

      it("accepts the official URL", async () => {
        await expect(verifyPresignedUrl(signed(), options)).resolves.toMatchObject({ accessKeyId: "AKIDEXAMPLE" });
      });

      // What the CRT and the v1 device SDK do with temporary credentials [CRT], [V1], [GO820].
      it("accepts the URL with a session token appended after signing", async () => {
        const req = signed();
        const rawQuery = `${req.rawQuery}&X-Amz-Security-Token=IQoJb3JpZ2luX2VjE%2F%2Fexample%3D%3D`;
        await expect(verifyPresignedUrl({ ...req, rawQuery }, options)).resolves.toMatchObject({
          accessKeyId: "AKIDEXAMPLE",
        });
      });

      it("refuses a changed signature", async () => {
        const req = signed();
        const rawQuery = req.rawQuery.replace(/X-Amz-Signature=([0-9a-f]+)/, (_, sig: string) => `X-Amz-Signature=${flipLastHexDigit(sig)}`);
        await expect(verifyPresignedUrl({ ...req, rawQuery }, options)).rejects.toMatchObject({
          message: SIGNATURE_MISMATCH,
        });
      });

      it("refuses a changed host", async () => {
        const req = withHeader(signed(), "host", "attacker.example");
        await expect(verifyPresignedUrl(req, options)).rejects.toMatchObject({ message: SIGNATURE_MISMATCH });
      });

      it("refuses an extra query parameter", async () => {
        const req = signed();
        await expect(verifyPresignedUrl({ ...req, rawQuery: `${req.rawQuery}&x=1` }, options)).rejects.toMatchObject({
          message: SIGNATURE_MISMATCH,
        });
      });
    });
  }
});
