import { describe, expect, it } from "vitest";
import { presignUrl, signRequest, type VerifyOptions, verifyHeaderSignature, verifyPresignedUrl } from "../../../src/auth";
import { sdkPresign, sdkSign } from "./smithySigner";

/**
 * Our test/benchmark signer must produce what the real SDK signer produces, so helpers built on it
 * exercise the server the way real clients do.
 */

const date = new Date("2024-05-01T10:00:00Z");
const credentials = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "secret/with+chars", sessionToken: "tok/en+=" };
const scope = { credentials, region: "eu-central-1", service: "iotdata", date };
const sdkScope = { ...credentials, region: "eu-central-1", service: "iotdata", date };
const verify: VerifyOptions = {
  now: date,
  region: "eu-central-1",
  services: ["iotdata", "iotdevicegateway"],
  lookup: () => ({ secretAccessKey: credentials.secretAccessKey, principal: "p" }),
};

describe("signRequest", () => {
  it.each([true, false])("matches @smithy/signature-v4 (x-amz-content-sha256: %s)", async (contentSha256Header) => {
    const request = {
      method: "POST",
      host: "data.example.com",
      path: "/things/t%201/shadow",
      query: { name: "a b" },
      headers: { "content-type": "application/json" },
      body: '{"state":{}}',
    };
    const sdk = await sdkSign(request, { ...sdkScope, applyChecksum: contentSha256Header });
    const ours = await signRequest(
      {
        method: request.method,
        rawPath: request.path,
        rawQuery: "name=a%20b",
        headers: { host: request.host, ...request.headers },
        body: request.body,
      },
      { ...scope, contentSha256Header },
    );
    expect(ours.headers.get("authorization")).toBe(sdk.headers.get("authorization"));
  });

  it("produces requests the verifier accepts", async () => {
    const body = new TextEncoder().encode("hello");
    const { headers } = await signRequest({ method: "POST", rawPath: "/topics/a%2Fb", headers: { host: "h" }, body }, scope);
    await expect(verifyHeaderSignature({ method: "POST", rawPath: "/topics/a%2Fb", rawQuery: "", headers, body }, verify)).resolves.toBeDefined();
  });

  it("requires a host header", async () => {
    await expect(signRequest({ method: "GET", rawPath: "/", headers: {} }, scope)).rejects.toThrow(/host/);
  });
});

describe("presignUrl", () => {
  it("matches @smithy/signature-v4 presign when the token is signed and X-Amz-Expires is set", async () => {
    const sdk = await sdkPresign({ method: "GET", host: "data.example.com:443", path: "/mqtt" }, { ...sdkScope, expiresIn: 900 });
    const ours = await presignUrl(
      { rawPath: "/mqtt", host: "data.example.com:443" },
      { ...scope, expiresSeconds: 900, sessionTokenPlacement: "signed" },
    );
    expect(ours.signature).toBe(new URLSearchParams(sdk.rawQuery).get("X-Amz-Signature"));
  });

  it("appends the token after signing by default, like the CRT, and the verifier accepts it", async () => {
    const ours = await presignUrl({ rawPath: "/mqtt", host: "h:443" }, { ...scope, service: "iotdevicegateway" });
    expect(ours.rawQuery).toMatch(/&X-Amz-Signature=[0-9a-f]{64}&X-Amz-Security-Token=tok%2Fen%2B%3D$/);
    expect(ours.rawQuery).not.toContain("X-Amz-Expires");
    expect(ours.canonicalRequest).not.toContain("X-Amz-Security-Token");
    const req = { method: "GET", rawPath: "/mqtt", rawQuery: ours.rawQuery, headers: new Headers({ host: "h:443" }), body: new Uint8Array() };
    await expect(verifyPresignedUrl(req, verify)).resolves.toBeDefined();
  });
});
