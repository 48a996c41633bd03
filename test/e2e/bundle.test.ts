import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect, it } from "vitest";

it("bundles for deployment with `wrangler deploy --dry-run`", async () => {
  const outdir = mkdtempSync(join(tmpdir(), "iot-bundle-"));
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["node_modules/wrangler/bin/wrangler.js", "deploy", "--dry-run", "--outdir", outdir],
      { env: { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_SEND_ERROR_REPORTS: "false" }, timeout: 120_000 },
    );
    expect(stdout).toContain("--dry-run: exiting now.");
    expect(readdirSync(outdir)).toContain("index.js");
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}, 120_000);
