import { describe, expect, it } from "vitest";
import { workerdConfig } from "../../../bench/lib/direct.mjs";
import makeBinding from "../../../bench/lib/ratelimit.js";

const config = {
  name: "iot-data-plane",
  compatibility_date: "2026-11-01",
  compatibility_flags: [],
  vars: { REGION: "us-east-1", THING_REQUESTS_PER_SECOND: "20" },
  durable_objects: {
    bindings: [
      { name: "THINGS", class_name: "ThingObject" },
      { name: "MQTT_HUBS", class_name: "MqttHubObject" },
    ],
  },
  ratelimits: [{ name: "PRINCIPAL_RATE_LIMITER", namespace_id: "1001", simple: { limit: 20000, period: 10 } }],
};

describe("bench: the workerd config of the runtime without dev tooling", () => {
  const text = workerdConfig(config, {
    mainModule: "bundle/index.js",
    port: 8901,
    stateDir: "/tmp/state dir",
    overrides: { THING_REQUESTS_PER_SECOND: "1000000", IOT_CREDENTIALS: '{"test":{"secretAccessKey":"t\\"x"}}' },
  });

  it("serves the bundle on loopback with the wrangler.toml's compatibility date", () => {
    expect(text).toContain('address = "127.0.0.1:8901"');
    expect(text).toContain('esModule = embed "bundle/index.js"');
    expect(text).toContain('compatibilityDate = "2026-11-01"');
  });

  it("binds every var as text, overrides winning, values quoted", () => {
    expect(text).toContain('(name = "REGION", text = "us-east-1")');
    expect(text).toContain('(name = "THING_REQUESTS_PER_SECOND", text = "1000000")');
    expect(text).not.toContain('text = "20"');
    expect(text).toContain(`(name = "IOT_CREDENTIALS", text = ${JSON.stringify('{"test":{"secretAccessKey":"t\\"x"}}')})`);
  });

  it("declares each Durable Object class SQLite-backed, stored on disk, under its binding", () => {
    expect(text).toContain('(name = "THINGS", durableObjectNamespace = "ThingObject")');
    expect(text).toContain('(className = "ThingObject", uniqueKey = "iot-data-plane-ThingObject", enableSql = true)');
    expect(text).toContain('(className = "MqttHubObject", uniqueKey = "iot-data-plane-MqttHubObject", enableSql = true)');
    expect(text).toContain('disk = (path = "/tmp/state dir", writable = true)');
    expect(text).toContain('durableObjectStorage = (localDisk = "state")');
  });

  it("turns each rate limiter into the in-memory wrapped binding with its limit and period", () => {
    expect(text).toContain('(name = "PRINCIPAL_RATE_LIMITER", wrapped = (moduleName = "bench:ratelimit"');
    expect(text).toContain('(name = "limit", json = "20000"), (name = "period", json = "10")');
    expect(text).toContain('(name = "bench:ratelimit", esModule = embed "ratelimit.js", internal = true)');
  });
});

describe("bench: the in-memory rate limiter", () => {
  it("allows `limit` calls per key and period, then refuses, and starts again in the next period", async () => {
    const limiter = makeBinding({ limit: 3, period: 10 });
    const realNow = Date.now;
    try {
      Date.now = () => 1_000_000;
      const first = await Promise.all([1, 2, 3, 4].map(() => limiter.limit({ key: "alice" })));
      expect(first.map((r) => r.success)).toEqual([true, true, true, false]);
      expect((await limiter.limit({ key: "bob" })).success).toBe(true);
      Date.now = () => 1_010_000;
      expect((await limiter.limit({ key: "alice" })).success).toBe(true);
    } finally {
      Date.now = realNow;
    }
  });
});
