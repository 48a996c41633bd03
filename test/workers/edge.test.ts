import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { app } from "../../src/app/app";
import { uniqueName } from "../helpers/names";
import { signedRequest } from "../helpers/signedFetch";

const update = (thing: string) =>
  signedRequest(`https://iot.test/things/${thing}/shadow`, { method: "POST", body: JSON.stringify({ state: { reported: { a: 1 } } }) });

describe("edge configuration", () => {
  it("refuses every request when no credentials are configured (fail closed)", async () => {
    const { IOT_CREDENTIALS: _, ...unconfigured } = env;
    const response = await app.request(await update(uniqueName("closed")), undefined, unconfigured);
    expect(response.status).toBe(403);
    expect(response.headers.get("x-amzn-errortype")).toBe("ForbiddenException");
    expect(await response.text()).not.toContain("test");
  });

  it("throttles a principal over its rate with ThrottlingException before anything changes", async () => {
    const thing = uniqueName("principal");
    const keys: string[] = [];
    const limited = {
      ...env,
      PRINCIPAL_RATE_LIMITER: {
        limit: async ({ key }: { key: string }) => {
          keys.push(key);
          return { success: false };
        },
      },
    };
    const response = await app.request(await update(thing), undefined, limited);
    expect(response.status).toBe(429);
    expect(response.headers.get("x-amzn-errortype")).toBe("ThrottlingException");
    expect(keys).toEqual(["local-admin"]);
    const read = await app.request(await signedRequest(`https://iot.test/things/${thing}/shadow`), undefined, env);
    expect(read.status).toBe(404);
  });

  it("does not ask the principal rate limiter when PRINCIPAL_RATE_LIMIT is off", async () => {
    let asked = 0;
    const off = {
      ...env,
      PRINCIPAL_RATE_LIMIT: "off",
      PRINCIPAL_RATE_LIMITER: {
        limit: async () => {
          asked++;
          return { success: false };
        },
      },
    };
    const response = await app.request(await update(uniqueName("unlimited")), undefined, off);
    expect(response.status).toBe(200);
    expect(asked).toBe(0);
  });
});

describe("request body bound", () => {
  /** A body of `total` bytes in 64 KiB chunks, counting how much of it was ever read. */
  function countingBody(total: number) {
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (pulled >= total) return controller.close();
        const chunk = new Uint8Array(Math.min(65536, total - pulled));
        pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    return { stream, pulled: () => pulled };
  }

  it("refuses a body over the largest legal one (128 KB) from its Content-Length with 413, reading none of it", async () => {
    const { stream, pulled } = countingBody(10 << 20);
    const request = new Request("https://iot.test/topics/big", { method: "POST", body: stream, headers: { "content-length": String(10 << 20) } });
    const response = await app.request(request, undefined, env);
    expect(response.status).toBe(413);
    expect(response.headers.get("x-amzn-errortype")).toBe("RequestEntityTooLargeException");
    expect(pulled()).toBeLessThanOrEqual(65536);
  });

  it("refuses a streamed body without Content-Length as soon as it passes the bound, without reading the rest", async () => {
    const { stream, pulled } = countingBody(10 << 20);
    const response = await app.request(new Request("https://iot.test/topics/big", { method: "POST", body: stream }), undefined, env);
    expect(response.status).toBe(413);
    expect(response.headers.get("x-amzn-errortype")).toBe("RequestEntityTooLargeException");
    expect(pulled()).toBeLessThan(512 * 1024);
  });

  it("accepts a Publish of exactly 128 KB, signed", async () => {
    const response = await app.request(
      await signedRequest(`https://iot.test/topics/${uniqueName("edge")}`, { method: "POST", body: "x".repeat(128 * 1024) }),
      undefined,
      env,
    );
    expect(response.status).toBe(200);
  });
});
