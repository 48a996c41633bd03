import { describe, expect, it } from "vitest";
import { diffStates } from "../../../console/src/diff";
import { presignedMqttUrl } from "../../../console/src/mqtt";
import { clearSession, loadSession, parseSession, saveSession } from "../../../console/src/session";
import { verifyPresignedUrl } from "../../../src/auth";

describe("console: history diff", () => {
  it.each([
    ["a changed leaf", { desired: { color: "red" } }, { desired: { color: "blue" } }, [{ path: "desired.color", before: "red", after: "blue" }]],
    [
      "an added and a removed key",
      { reported: { a: 1 } },
      { reported: { b: 2 } },
      [
        { path: "reported.a", before: 1 },
        { path: "reported.b", after: 2 },
      ],
    ],
    [
      "nested objects, leaf by leaf",
      {},
      { desired: { light: { on: true, level: 3 } } },
      [
        { path: "desired.light.level", after: 3 },
        { path: "desired.light.on", after: true },
      ],
    ],
    ["arrays as whole values", { d: { a: [1, 2] } }, { d: { a: [1, 3] } }, [{ path: "d.a", before: [1, 2], after: [1, 3] }]],
    ["an object replacing a scalar", { d: { a: 1 } }, { d: { a: { b: 1 } } }, [{ path: "d.a", before: 1, after: { b: 1 } }]],
    ["an empty object added", { d: {} }, { d: { a: {} } }, [{ path: "d.a", after: {} }]],
    ["nothing", { d: { a: [1, { x: 1 }] } }, { d: { a: [1, { x: 1 }] } }, []],
  ])("%s", (_name, before, after, rows) => {
    expect(diffStates(before, after)).toEqual(rows);
  });
});

describe("console: session", () => {
  class MemoryStorage {
    readonly items = new Map<string, string>();
    getItem = (key: string) => this.items.get(key) ?? null;
    setItem = (key: string, value: string) => void this.items.set(key, value);
    removeItem = (key: string) => void this.items.delete(key);
  }

  it("keeps the credentials in the storage it is given and reads back only a well-formed session", () => {
    const storage = new MemoryStorage();
    expect(loadSession(storage)).toBeUndefined();
    saveSession(storage, { accessKeyId: "test", secretAccessKey: "test", region: "us-east-1" });
    expect(loadSession(storage)).toEqual({ accessKeyId: "test", secretAccessKey: "test", region: "us-east-1" });
    clearSession(storage);
    expect(loadSession(storage)).toBeUndefined();
    for (const bad of [
      "{",
      "null",
      '{"accessKeyId":"a"}',
      '{"accessKeyId":"","secretAccessKey":"s","region":"us-east-1"}',
      '{"accessKeyId":"a","secretAccessKey":"s","region":"US EAST"}',
    ]) {
      expect(parseSession(bad)).toBeUndefined();
    }
  });
});

describe("console: pre-signed /mqtt URL", () => {
  it("is one the server's own SigV4 check accepts, for the page's host, as service iotdevicegateway", async () => {
    const session = { accessKeyId: "test", secretAccessKey: "test", region: "us-east-1" };
    const url = new URL(await presignedMqttUrl(session, { protocol: "http:", hostname: "127.0.0.1", host: "127.0.0.1:8787", port: "8787" }));
    expect(url.protocol).toBe("ws:");
    expect(url.host).toBe("127.0.0.1:8787");
    expect(url.pathname).toBe("/mqtt");
    expect(url.searchParams.get("X-Amz-Credential")).toMatch(/^test\/\d{8}\/us-east-1\/iotdevicegateway\/aws4_request$/);
    const verified = await verifyPresignedUrl(
      { method: "GET", rawPath: url.pathname, rawQuery: url.search.slice(1), headers: new Headers({ host: url.host }), body: new Uint8Array() },
      {
        now: new Date(),
        region: "us-east-1",
        services: ["iotdata", "iotdevicegateway"],
        lookup: (id) => (id === "test" ? { secretAccessKey: "test", principal: "local-admin" } : undefined),
      },
    );
    expect(verified.accessKeyId).toBe("test");
    const https = await presignedMqttUrl(session, { protocol: "https:", hostname: "iot.example.com", host: "iot.example.com", port: "" });
    expect(https.startsWith("wss://iot.example.com/mqtt?")).toBe(true);
  });
});
