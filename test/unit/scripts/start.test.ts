import { describe, expect, it } from "vitest";
import { parseArgs, workerOptionsFrom } from "../../../scripts/start.mjs";

describe("npm start (scripts/start.mjs): arguments and the Worker's Miniflare options", () => {
  it("takes --var NAME:VALUE as wrangler dev does (the value may hold colons) and --config", () => {
    expect(parseArgs(["--var", "A:1", "--var=B:x:y", "--config", "bench/ceiling/wrangler.toml"])).toEqual({
      vars: { A: "1", B: "x:y" },
      config: "bench/ceiling/wrangler.toml",
    });
    expect(parseArgs([])).toEqual({ vars: {} });
  });

  it("refuses anything else, so a typo does not pass silently", () => {
    expect(() => parseArgs(["--port", "9000"])).toThrow(/unknown argument --port/);
    expect(() => parseArgs(["--var", "NOVALUE"])).toThrow(/unknown argument/);
    expect(() => parseArgs(["--var"])).toThrow(/unknown argument/);
  });

  it("serves the bundle with wrangler.toml's bindings, the vars added over its own", () => {
    const options = workerOptionsFrom(
      { name: "iot-data-plane" },
      {
        workerOptions: { bindings: { REGION: "us-east-1", THING_REQUESTS_PER_SECOND: "20" }, r2Buckets: { STREAM_FILES: "iot-stream-files" } },
        bundlePath: "/tmp/b/index.js",
        vars: { THING_REQUESTS_PER_SECOND: "1000" },
      },
    );
    expect(options).toEqual({
      name: "iot-data-plane",
      modulesRoot: "/tmp/b",
      modules: [{ type: "ESModule", path: "/tmp/b/index.js" }],
      bindings: { REGION: "us-east-1", THING_REQUESTS_PER_SECOND: "1000" },
      r2Buckets: { STREAM_FILES: "iot-stream-files" },
    });
  });
});
