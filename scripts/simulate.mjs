#!/usr/bin/env node
// `npm run simulate`: the fleet simulation of docs/capacity.md — ten million devices through the project's own
// placement, pool, index and fan-out code (scripts/simulate/fleet.ts), no runtime. Bundles it with esbuild, runs it
// and prints, per kind of object, the busiest one's calls per second against Cloudflare's soft limit of 1,000.
// SIM_DEVICES=100000 npm run simulate runs a smaller fleet (rates scale with it).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { build } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = mkdtempSync(join(tmpdir(), "iot-simulate-"));
try {
  await build({
    entryPoints: [join(root, "scripts/simulate/main.ts")],
    bundle: true,
    platform: "node",
    format: "esm",
    outfile: join(out, "simulate.mjs"),
    logLevel: "warning",
  });
  await import(pathToFileURL(join(out, "simulate.mjs")).href);
} finally {
  rmSync(out, { recursive: true, force: true });
}
