import { ForbiddenException, GetThingShadowCommand, ThrottlingException, UpdateThingShadowCommand } from "@aws-sdk/client-iot-data-plane";
import { describe, expect, inject, it } from "vitest";
import { presignUrl } from "../../src/auth";
import { uniqueName } from "../helpers/names";
import { bytes, dataPlaneClient, json } from "../helpers/sdk";

const baseUrl = inject("baseUrl");
const admin = dataPlaneClient(baseUrl);
const readonly = dataPlaneClient(baseUrl, { credentials: { accessKeyId: "AKIDREADONLY", secretAccessKey: "readonly-secret" } });

async function seed(thingName: string) {
  await admin.send(new UpdateThingShadowCommand({ thingName, payload: bytes({ state: { reported: { v: 1 } } }) }));
}
async function version(thingName: string) {
  return json((await admin.send(new GetThingShadowCommand({ thingName }))).payload).version as number;
}

describe("SigV4 authentication with the AWS SDK", () => {
  it.each([
    ["a wrong secret", { accessKeyId: "test", secretAccessKey: "wrong" }, "signature we calculated does not match"],
    ["an unknown access key", { accessKeyId: "AKIDUNKNOWN", secretAccessKey: "test" }, "security token included in the request is invalid"],
  ])("refuses %s with ForbiddenException and changes nothing", async (_, credentials, message) => {
    const thingName = uniqueName("auth");
    await seed(thingName);
    const attempt = dataPlaneClient(baseUrl, { credentials }).send(
      new UpdateThingShadowCommand({ thingName, payload: bytes({ state: { reported: { v: 2 } } }) }),
    );
    await expect(attempt).rejects.toBeInstanceOf(ForbiddenException);
    await expect(attempt).rejects.toThrow(message);
    expect(await version(thingName)).toBe(1);
  });

  it("refuses a request signed for another region", async () => {
    const attempt = dataPlaneClient(baseUrl, { region: "eu-west-1" }).send(new GetThingShadowCommand({ thingName: "any" }));
    await expect(attempt).rejects.toBeInstanceOf(ForbiddenException);
    await expect(attempt).rejects.toThrow("Credential should be scoped to a valid region, not 'eu-west-1'.");
  });

  it("refuses a body tampered with after signing and changes nothing", async () => {
    const thingName = uniqueName("tamper");
    await seed(thingName);
    const client = dataPlaneClient(baseUrl);
    // The deserialize step runs after signing (finalizeRequest) and before the request is sent.
    client.middlewareStack.add(
      (next) => async (args) => {
        const request = args.request as { body: Uint8Array };
        request.body = bytes({ state: { reported: { v: 666 } } });
        return next(args);
      },
      { step: "deserialize", name: "tamperBody" },
    );
    await expect(client.send(new UpdateThingShadowCommand({ thingName, payload: bytes({ state: { reported: { v: 2 } } }) }))).rejects.toBeInstanceOf(
      ForbiddenException,
    );
    expect(json((await admin.send(new GetThingShadowCommand({ thingName }))).payload).state.reported).toEqual({ v: 1 });
  });

  it("refuses an unsigned request", async () => {
    const response = await fetch(`${baseUrl}/things/x/shadow`);
    expect(response.status).toBe(403);
    expect(response.headers.get("x-amzn-errortype")).toBe("ForbiddenException");
  });
});

describe("pre-signed WebSocket URLs on /mqtt", () => {
  async function presigned(date: Date, expiresSeconds?: number) {
    const host = new URL(baseUrl).host;
    const { rawQuery } = await presignUrl(
      { rawPath: "/mqtt", host },
      {
        credentials: { accessKeyId: "test", secretAccessKey: "test" },
        region: "us-east-1",
        service: "iotdevicegateway",
        date,
        ...(expiresSeconds !== undefined ? { expiresSeconds } : {}),
      },
    );
    return `${baseUrl}/mqtt?${rawQuery}`;
  }

  it("accepts a fresh URL (the refusal is then about the missing upgrade, not the signature)", async () => {
    const response = await fetch(await presigned(new Date()));
    expect(response.status).toBe(400);
    expect(response.headers.get("x-amzn-errortype")).toBe("InvalidRequestException");
  });

  it("refuses a replayed URL whose X-Amz-Expires has passed", async () => {
    const response = await fetch(await presigned(new Date(Date.now() - 120_000), 60));
    expect(response.status).toBe(403);
    expect(response.headers.get("x-amzn-errortype")).toBe("ForbiddenException");
  });

  it("refuses a URL with a forged signature", async () => {
    const url = (await presigned(new Date())).replace(/X-Amz-Signature=[0-9a-f]{4}/, "X-Amz-Signature=0000");
    expect((await fetch(url)).status).toBe(403);
  });
});

describe("IoT policies", () => {
  it("allows what the principal's policy allows", async () => {
    const thingName = uniqueName("shared");
    await seed(thingName);
    await readonly.send(new UpdateThingShadowCommand({ thingName, payload: bytes({ state: { reported: { v: 2 } } }) }));
    expect(await version(thingName)).toBe(2);
  });

  it.each([
    ["an action the policy does not allow (implicit deny)", () => uniqueName("other"), "update"],
    ["a resource under an explicit Deny, even though an Allow matches too", () => uniqueName("shared-secret"), "get"],
  ])("refuses %s with ForbiddenException and changes nothing", async (_, name, operation) => {
    const thingName = name();
    await seed(thingName);
    const attempt =
      operation === "update"
        ? readonly.send(new UpdateThingShadowCommand({ thingName, payload: bytes({ state: { reported: { v: 2 } } }) }))
        : readonly.send(new GetThingShadowCommand({ thingName }));
    await expect(attempt).rejects.toBeInstanceOf(ForbiddenException);
    await expect(attempt).rejects.toThrow("Forbidden");
    expect(await version(thingName)).toBe(1);
  });
});

describe("throttling", () => {
  it("surfaces ThrottlingException when one thing gets more than 20 requests per second, and applies only accepted updates", async () => {
    const thingName = uniqueName("burst");
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) =>
        admin.send(new UpdateThingShadowCommand({ thingName, payload: bytes({ state: { reported: { [`k${i}`]: i } } }) })),
      ),
    );
    const rejected = results.filter((r) => r.status === "rejected").map((r) => (r as PromiseRejectedResult).reason);
    expect(rejected.length).toBeGreaterThan(0);
    for (const error of rejected) expect(error).toBeInstanceOf(ThrottlingException);
    const accepted = results.length - rejected.length;
    await new Promise((r) => setTimeout(r, 1100));
    const document = json((await admin.send(new GetThingShadowCommand({ thingName }))).payload);
    expect(document.version).toBe(accepted);
    expect(Object.keys(document.state.reported)).toHaveLength(accepted);
  });
});
