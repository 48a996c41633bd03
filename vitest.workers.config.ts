import { readFileSync } from "node:fs";
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

// Routes and Durable Objects inside workerd, with real bindings and per-test isolated storage.
export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          IOT_CREDENTIALS: JSON.stringify(JSON.parse(readFileSync("test/fixtures/credentials.json", "utf8"))),
          // A short history, so pruning shows after a few updates (test/workers/history.test.ts).
          SHADOW_HISTORY_VERSIONS: "5",
        },
      },
    }),
  ],
  test: {
    include: ["test/workers/**/*.test.ts"],
    // A budget, not a speed check: some tests drive hundreds of objects, and a loaded 2-core machine is slow.
    testTimeout: 30_000,
  },
});
