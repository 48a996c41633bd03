import { describe, expect, it } from "vitest";
import { type SignedRequest, type VerifyOptions, verifyPresignedUrl } from "../../../src/auth";
import presignedSuite from "../../fixtures/sigv4/aws-c-auth-presigned.json";
import { parseRawHttpRequest } from "./rawHttpRequest";
import { type SdkRequest, type SdkSigningOptions, sdkPresign } from "./smithySigner";

/**
 * Pre-signed `wss://…/mqtt` URLs (spec auth.md §3, README pitfall 8). CRT-style URLs (no
 * X-Amz-Expires, token appended) come from the official aws-c-auth vectors; generic-presigner URLs
 * (X-Amz-Expires, token signed) from the real @smithy/signature-v4 `presign`.
 */

const SIGNED_AT = new Date("2024-05-01T10:00:00Z");
const KEY = { accessKeyId: "ASIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };
const TOKEN = "IQoJb3JpZ2luX2VjEXAMPLE//+token==";
const SIGNATURE_MISMATCH =
  "The request signature we calculated does not match the signature you provided. " +
  "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";
const MINUTE = 60_000;

const gateway: VerifyOptions = {
  now: SIGNED_AT,
  region: "us-east-1",
  services: ["iotdata", "iotdevicegateway"],
  lookup: (id) => (id === KEY.accessKeyId ? { secretAccessKey: KEY.secretAccessKey, principal: "device" } : undefined),
};
const at = (offsetMs: number): VerifyOptions => ({ ...gateway, now: new Date(SIGNED_AT.getTime() + offsetMs) });

const mqtt: SdkRequest = { method: "GET", host: "data.iot.example.com:443", path: "/mqtt" };
const sdk = (overrides: Partial<SdkSigningOptions & { expiresIn: number }> = {}): SdkSigningOptions & { expiresIn: number } => ({
  ...KEY,
  region: "us-east-1",
  service: "iotdevicegateway",
  date: SIGNED_AT,
  expiresIn: 3600,
  ...overrides,
});

const suiteOptions: VerifyOptions = {
  now: new Date(presignedSuite.date),
  region: presignedSuite.region,
  services: [presignedSuite.service],
  lookup: () => ({ secretAccessKey: presignedSuite.credentials.secretAccessKey, principal: "suite" }),
};
const crtUrl = (): SignedRequest => parseRawHttpRequest(presignedSuite.vectors[0]?.signedRequest ?? "");

function withQuery(req: SignedRequest, edit: (params: URLSearchParams) => void): SignedRequest {
  const params = new URLSearchParams(req.rawQuery);
  edit(params);
  return { ...req, rawQuery: params.toString() };
}

describe("pre-signed URLs from generic presigners (X-Amz-Expires, token signed)", () => {
  it("accepts a URL whose signed query includes the session token", async () => {
    const req = await sdkPresign(mqtt, sdk({ sessionToken: TOKEN }));
    expect(req.rawQuery).toContain("X-Amz-Security-Token=");
    await expect(verifyPresignedUrl(req, gateway)).resolves.toEqual({ accessKeyId: KEY.accessKeyId, principal: "device" });
  });

  it("accepts a URL with the token appended after signing (CRT / v1 device SDK)", async () => {
    const req = await sdkPresign(mqtt, sdk());
    const withToken = { ...req, rawQuery: `${req.rawQuery}&X-Amz-Security-Token=${encodeURIComponent(TOKEN)}` };
    await expect(verifyPresignedUrl(withToken, gateway)).resolves.toBeDefined();
  });

  it("refuses a signed session token that was replaced", async () => {
    const req = await sdkPresign(mqtt, sdk({ sessionToken: TOKEN }));
    const swapped = withQuery(req, (p) => p.set("X-Amz-Security-Token", "another-token"));
    await expect(verifyPresignedUrl(swapped, gateway)).rejects.toMatchObject({ message: SIGNATURE_MISMATCH });
  });

  it.each([
    ["59 s into a 60 s validity", 60, 59_000],
    ["10 min into a 1 h validity (beyond the 5 min skew window)", 3600, 10 * MINUTE],
    ["4:59 before X-Amz-Date (client clock ahead)", 60, -(4 * MINUTE + 59_000)],
  ])("accepts a URL checked %s", async (_, expiresIn, offset) => {
    const req = await sdkPresign(mqtt, sdk({ expiresIn }));
    await expect(verifyPresignedUrl(req, at(offset))).resolves.toBeDefined();
  });

  it("refuses a URL once X-Amz-Date + X-Amz-Expires has passed", async () => {
    const req = await sdkPresign(mqtt, sdk({ expiresIn: 60 }));
    await expect(verifyPresignedUrl(req, at(61_000))).rejects.toMatchObject({
      kind: "Forbidden",
      message: "Request has expired",
    });
  });

  it("refuses a URL dated more than 5 minutes in the future", async () => {
    const req = await sdkPresign(mqtt, sdk());
    await expect(verifyPresignedUrl(req, at(-(5 * MINUTE + 1000)))).rejects.toMatchObject({
      message: expect.stringMatching(/^Signature not yet current: 20240501T100000Z is still later than/),
    });
  });

  it.each(["0", "604801", "soon", "-5"])("refuses X-Amz-Expires=%s", async (expires) => {
    const req = withQuery(await sdkPresign(mqtt, sdk()), (p) => p.set("X-Amz-Expires", expires));
    await expect(verifyPresignedUrl(req, gateway)).rejects.toMatchObject({
      message: "X-Amz-Expires must be a number of seconds between 1 and 604800.",
    });
  });

  // paho sends host:port even for 443; the Host header is signed exactly as received.
  it("verifies the Host header exactly as received, port included", async () => {
    const req = await sdkPresign({ ...mqtt, host: "localhost:8787" }, sdk());
    await expect(verifyPresignedUrl(req, gateway)).resolves.toBeDefined();
    const withoutPort = { ...req, headers: new Headers({ host: "localhost" }) };
    await expect(verifyPresignedUrl(withoutPort, gateway)).rejects.toMatchObject({ message: SIGNATURE_MISMATCH });
  });

  it("refuses a URL signed for another region", async () => {
    const req = await sdkPresign(mqtt, sdk({ region: "ap-northeast-1" }));
    await expect(verifyPresignedUrl(req, gateway)).rejects.toMatchObject({
      kind: "Forbidden",
      message: "Credential should be scoped to a valid region, not 'ap-northeast-1'.",
    });
  });

  it.each(["iotdata", "iotdevicegateway"])("accepts the %s scope", async (service) => {
    const req = await sdkPresign(mqtt, sdk({ service }));
    await expect(verifyPresignedUrl(req, gateway)).resolves.toBeDefined();
  });

  it("refuses a URL for another service", async () => {
    const req = await sdkPresign(mqtt, sdk({ service: "execute-api" }));
    await expect(verifyPresignedUrl(req, gateway)).rejects.toMatchObject({
      message: "Credential should be scoped to correct service: 'iotdata'.",
    });
  });

  it("refuses an unknown access key", async () => {
    const req = await sdkPresign(mqtt, sdk({ accessKeyId: "ASIAUNKNOWN" }));
    await expect(verifyPresignedUrl(req, gateway)).rejects.toMatchObject({
      message: "The security token included in the request is invalid.",
    });
  });
});

describe("CRT-style URLs without X-Amz-Expires (5 minute window)", () => {
  const signedAt = new Date(presignedSuite.date).getTime();
  const checkedAt = (offset: number): VerifyOptions => ({ ...suiteOptions, now: new Date(signedAt + offset) });

  it("accepts the URL 4:59 after X-Amz-Date", async () => {
    await expect(verifyPresignedUrl(crtUrl(), checkedAt(4 * MINUTE + 59_000))).resolves.toBeDefined();
  });

  it("refuses the URL 5:01 after X-Amz-Date", async () => {
    await expect(verifyPresignedUrl(crtUrl(), checkedAt(5 * MINUTE + 1000))).rejects.toMatchObject({
      kind: "Forbidden",
      message: "Signature expired: 20150830T123600Z is now earlier than 20150830T123601Z (20150830T124101Z - 5 min.)",
    });
  });
});

describe("malformed pre-signed queries", () => {
  const cases: [string, (p: URLSearchParams) => void, string][] = [
    [
      "no X-Amz-* parameter at all",
      (p) =>
        ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-SignedHeaders", "X-Amz-Signature"].forEach((n) => {
          p.delete(n);
        }),
      "Missing Authentication Token",
    ],
    [
      "no X-Amz-Signature",
      (p) => p.delete("X-Amz-Signature"),
      "Query-string authentication version 4 requires the X-Amz-Algorithm, X-Amz-Credential, X-Amz-Signature, X-Amz-Date and X-Amz-SignedHeaders parameters.",
    ],
    [
      "another algorithm",
      (p) => p.set("X-Amz-Algorithm", "AWS4-HMAC-SHA1"),
      "Unsupported signing algorithm 'AWS4-HMAC-SHA1'; only 'AWS4-HMAC-SHA256' is accepted.",
    ],
    [
      "a credential without scope",
      (p) => p.set("X-Amz-Credential", "AKIDEXAMPLE"),
      "Credential must have the form '<access key>/<yyyymmdd>/<region>/<service>/aws4_request'.",
    ],
    [
      "a bad scope terminator",
      (p) => p.set("X-Amz-Credential", "AKIDEXAMPLE/20150830/us-east-1/service/aws5_request"),
      "Credential should be scoped with a valid terminator: 'aws4_request', not 'aws5_request'.",
    ],
    [
      "SignedHeaders without host",
      (p) => p.set("X-Amz-SignedHeaders", "x-amz-date"),
      "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    ],
    ["a changed parameter value", (p) => p.set("Param1", "value2"), SIGNATURE_MISMATCH],
  ];

  it("(control) accepts the vector after the same re-serialization with nothing changed", async () => {
    await expect(
      verifyPresignedUrl(
        withQuery(crtUrl(), () => {}),
        suiteOptions,
      ),
    ).resolves.toBeDefined();
  });

  it.each(cases)("refuses %s", async (_, edit, message) => {
    await expect(verifyPresignedUrl(withQuery(crtUrl(), edit), suiteOptions)).rejects.toMatchObject({
      kind: "Forbidden",
      message,
    });
  });
});
