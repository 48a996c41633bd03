import { defineConfig } from "vitest/config";

// The real local server (`npm start` → wrangler dev) driven by the real AWS SDK and mqtt.js.
export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts"],
    globalSetup: ["test/e2e/globalSetup.ts"],
    environment: "node",
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // One server for all files; files run one after another to keep the 2-core machine predictable.
    fileParallelism: false,
  },
});
