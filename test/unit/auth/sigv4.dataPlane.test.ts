import { describe, expect, it } from "vitest";
import { type SignedRequest, type VerifyOptions, verifyHeaderSignature } from "../../../src/auth";
import { type SdkRequest, type SdkSigningOptions, sdkSign } from "./smithySigner";

/**
 * Header-signed HTTP requests as the data-plane and control-plane clients send them, signed by the
 * real AWS SDK v3 signer (spec auth.md §1–2, README pitfalls 1, 2, 11, 12).
 */

const SIGNED_AT = new Date("2024-05-01T10:00:00Z");
const KEY = { accessKeyId: "AKIAIOSFODNN7EXAMPLE", secretAccessKey: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" };
const SIGNATURE_MISMATCH =
  "The request signature we calculated does not match the signature you provided. " +
  "Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

const dataPlane: VerifyOptions = {
  now: SIGNED_AT,
  region: "us-east-1",
  services: ["iotdata", "iotdevicegateway"],
  lookup: (id) => (id === KEY.accessKeyId ? { secretAccessKey: KEY.secretAccessKey, principal: "device-admin" } : undefined),
};

const sdk = (overrides: Partial<SdkSigningOptions> = {}): SdkSigningOptions => ({
  ...KEY,
  region: "us-east-1",
  service: "iotdata",
  date: SIGNED_AT,
  ...overrides,
});

// What @aws-sdk/client-iot-data-plane sends for Publish to "$aws/things/t/shadow/update".
const publish: SdkRequest = {
  method: "POST",
  host: "data.iot.example.com",
  path: "/topics/%24aws%2Fthings%2Ft%2Fshadow%2Fupdate",
  query: { qos: "1" },
  headers: { "content-type": "application/octet-stream" },
  body: '{"state":{"reported":{"on":true}}}',
};

function withHeader(req: SignedRequest, name: string, value: string | null): SignedRequest {
  const headers = new Headers(req.headers);
  if (value === null) headers.delete(name);
  else headers.set(name, value);
  return { ...req, headers };
}

const at = (offsetMs: number): VerifyOptions => ({ ...dataPlane, now: new Date(SIGNED_AT.getTime() + offsetMs) });
const MINUTE = 60_000;

describe("header-signed data-plane requests", () => {
  // Pitfall 2: the SDK sends "/" in a topic as %2F and its canonical URI encodes it again (%252F).
  it("accepts a topic path with %2F exactly as the SDK signed it", async () => {
    const req = await sdkSign(publish, sdk());
    await expect(verifyHeaderSignature(req, dataPlane)).resolves.toEqual({
      accessKeyId: KEY.accessKeyId,
      principal: "device-admin",
    });
  });

  it("refuses the same signature when the path arrives decoded (proves the raw path is what counts)", async () => {
    const req = await sdkSign(publish, sdk());
    const decoded = { ...req, rawPath: "/topics/$aws/things/t/shadow/update" };
    await expect(verifyHeaderSignature(decoded, dataPlane)).rejects.toMatchObject({ message: SIGNATURE_MISMATCH });
  });

  it("accepts a hand-written client's raw-slash topic path", async () => {
    const req = await sdkSign({ ...publish, path: "/topics/sensors/room1/temp" }, sdk());
    await expect(verifyHeaderSignature(req, dataPlane)).resolves.toBeDefined();
  });

  // Pitfall 1: both data-plane scope services are accepted.
  it.each(["iotdata", "iotdevicegateway"])("accepts the %s credential scope", async (service) => {
    const req = await sdkSign(publish, sdk({ service }));
    await expect(verifyHeaderSignature(req, dataPlane)).resolves.toBeDefined();
  });

  // Pitfall 11: the control plane accepts iot and execute-api (botocore 1.29).
  it.each(["iot", "execute-api"])("accepts the %s scope on the control plane", async (service) => {
    const req = await sdkSign({ method: "GET", host: "iot.example.com", path: "/streams" }, sdk({ service }));
    await expect(verifyHeaderSignature(req, { ...dataPlane, services: ["iot", "execute-api"] })).resolves.toBeDefined();
  });

  it("refuses a scope service the endpoint does not serve", async () => {
    const req = await sdkSign(publish, sdk({ service: "iot" }));
    await expect(verifyHeaderSignature(req, dataPlane)).rejects.toMatchObject({
      kind: "Forbidden",
      message: "Credential should be scoped to correct service: 'iotdata'.",
    });
  });

  // Pitfall 12 / aws-sdk-ruby#1052.
  it("refuses a scope naming another region with AWS's message", async () => {
    const req = await sdkSign(publish, sdk({ region: "eu-west-1" }));
    await expect(verifyHeaderSignature(req, dataPlane)).rejects.toMatchObject({
      kind: "Forbidden",
      message: "Credential should be scoped to a valid region, not 'eu-west-1'.",
    });
  });

  it("accepts a signed session token (temporary credentials)", async () => {
    const req = await sdkSign(publish, sdk({ sessionToken: "FwoGZXIvYXdzEXAMPLE//token==" }));
    expect(req.headers.get("authorization")).toContain("x-amz-security-token");
    await expect(verifyHeaderSignature(req, dataPlane)).resolves.toBeDefined();
  });
});

describe("payload integrity", () => {
  // The JS SDK v3 signs x-amz-content-sha256; a body swapped after signing must be caught even
  // though that header is what the signature covers.
  it("refuses a body that does not match x-amz-content-sha256", async () => {
    const req = await sdkSign(publish, sdk());
    expect(req.headers.has("x-amz-content-sha256")).toBe(true);
    const tampered = { ...req, body: new TextEncoder().encode('{"state":{"reported":{"on":false}}}') };
    await expect(verifyHeaderSignature(tampered, dataPlane)).rejects.toMatchObject({
      kind: "Forbidden",
      message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
    });
  });

  it("refuses UNSIGNED-PAYLOAD (only S3 allows it)", async () => {
    const req = await sdkSign(publish, sdk({ applyChecksum: false }));
    const unsigned = withHeader(req, "x-amz-content-sha256", "UNSIGNED-PAYLOAD");
    await expect(verifyHeaderSignature(unsigned, dataPlane)).rejects.toMatchObject({
      message: "The provided 'x-amz-content-sha256' header does not match what was computed.",
    });
  });

  // botocore sends no x-amz-content-sha256: the hash we compute is what the signature covers.
  it("accepts a request without x-amz-content-sha256 and refuses it once the body changes", async () => {
    const req = await sdkSign(publish, sdk({ applyChecksum: false }));
    expect(req.headers.has("x-amz-content-sha256")).toBe(false);
    await expect(verifyHeaderSignature(req, dataPlane)).resolves.toBeDefined();
    const tampered = { ...req, body: new TextEncoder().encode("{}") };
    await expect(verifyHeaderSignature(tampered, dataPlane)).rejects.toMatchObject({ message: SIGNATURE_MISMATCH });
  });
});

describe("clock skew (5 minutes, IAM user guide)", () => {
  it.each([
    ["4:59 after signing", 4 * MINUTE + 59_000],
    ["exactly 5:00 after signing", 5 * MINUTE],
    ["4:59 before signing (client clock ahead)", -(4 * MINUTE + 59_000)],
  ])("accepts a request checked %s", async (_, offset) => {
    const req = await sdkSign(publish, sdk());
    await expect(verifyHeaderSignature(req, at(offset))).resolves.toBeDefined();
  });

  it("refuses a request checked 5:01 after signing", async () => {
    const req = await sdkSign(publish, sdk());
    await expect(verifyHeaderSignature(req, at(5 * MINUTE + 1000))).rejects.toMatchObject({
      kind: "Forbidden",
      message: "Signature expired: 20240501T100000Z is now earlier than 20240501T100001Z (20240501T100501Z - 5 min.)",
    });
  });

  it("refuses a request signed more than 5 minutes in the future", async () => {
    const req = await sdkSign(publish, sdk());
    await expect(verifyHeaderSignature(req, at(-(5 * MINUTE + 1000)))).rejects.toMatchObject({
      message: "Signature not yet current: 20240501T100000Z is still later than 20240501T095959Z (20240501T095459Z + 5 min.)",
    });
  });
});

describe("refusals", () => {
  const cases: [string, (req: SignedRequest) => SignedRequest, string][] = [
    ["no Authorization header", (r) => withHeader(r, "authorization", null), "Missing Authentication Token"],
    [
      "an Authorization header without Signature",
      (r) => withHeader(r, "authorization", (r.headers.get("authorization") ?? "").replace(/, Signature=.*$/, "")),
      "Authorization header requires 'Signature' parameter.",
    ],
    [
      "another algorithm",
      (r) => withHeader(r, "authorization", "AWS4-ECDSA-P256-SHA256 Credential=x"),
      "Unsupported signing algorithm 'AWS4-ECDSA-P256-SHA256'; only 'AWS4-HMAC-SHA256' is accepted.",
    ],
    [
      "a malformed credential",
      (r) => withHeader(r, "authorization", (r.headers.get("authorization") ?? "").replace(/Credential=[^,]+/, "Credential=AKID/20240501")),
      "Credential must have the form '<access key>/<yyyymmdd>/<region>/<service>/aws4_request'.",
    ],
    [
      "no x-amz-date",
      (r) => withHeader(r, "x-amz-date", null),
      "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.",
    ],
    [
      "a malformed x-amz-date",
      (r) => withHeader(r, "x-amz-date", "2024-05-01T10:00:00Z"),
      "Date must be in ISO-8601 'basic format'. Got '2024-05-01T10:00:00Z'. See http://en.wikipedia.org/wiki/ISO_8601",
    ],
    [
      "an x-amz-date on another day than the scope",
      (r) => withHeader(r, "x-amz-date", "20240502T100000Z"),
      "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '20240501' != '20240502', from '20240502T100000Z'.",
    ],
    [
      "an unknown access key",
      (r) => withHeader(r, "authorization", (r.headers.get("authorization") ?? "").replace(KEY.accessKeyId, "AKIDUNKNOWN")),
      "The security token included in the request is invalid.",
    ],
    [
      "a signature that is not 64 hex digits",
      (r) => withHeader(r, "authorization", (r.headers.get("authorization") ?? "").replace(/Signature=\w+/, "Signature=zz")),
      SIGNATURE_MISMATCH,
    ],
    ["a changed query", (r) => ({ ...r, rawQuery: "qos=0" }), SIGNATURE_MISMATCH],
    ["a changed method", (r) => ({ ...r, method: "PUT" }), SIGNATURE_MISMATCH],
  ];

  it.each(cases)("refuses %s", async (_, mutate, message) => {
    const req = mutate(await sdkSign(publish, sdk()));
    await expect(verifyHeaderSignature(req, dataPlane)).rejects.toMatchObject({ kind: "Forbidden", message });
  });

  it("refuses a SignedHeaders list without host", async () => {
    const req = await sdkSign(publish, sdk());
    const auth = (req.headers.get("authorization") ?? "").replace(/(SignedHeaders=[^,]*?)host;/, "$1");
    expect(auth).not.toMatch(/SignedHeaders=[^,]*host/);
    await expect(verifyHeaderSignature(withHeader(req, "authorization", auth), dataPlane)).rejects.toMatchObject({
      message: "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
    });
  });

  it("refuses a correct signature made with a different secret even after the right one was cached", async () => {
    const req = await sdkSign(publish, sdk());
    await expect(verifyHeaderSignature(req, dataPlane)).resolves.toBeDefined();
    const rotated: VerifyOptions = { ...dataPlane, lookup: () => ({ secretAccessKey: "rotated-secret", principal: "p" }) };
    await expect(verifyHeaderSignature(req, rotated)).rejects.toMatchObject({ message: SIGNATURE_MISMATCH });
  });

  it("awaits an asynchronous credential lookup", async () => {
    const req = await sdkSign(publish, sdk());
    const asyncLookup: VerifyOptions = { ...dataPlane, lookup: async (id) => dataPlane.lookup(id) };
    await expect(verifyHeaderSignature(req, asyncLookup)).resolves.toMatchObject({ principal: "device-admin" });
  });
});
