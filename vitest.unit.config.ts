import { defineConfig } from "vitest/config";

// Pure domain modules (no Workers imports): fast, in Node.
export default defineConfig({
  test: {
    include: ["test/unit/**/*.test.ts"],
    environment: "node",
  },
});
