#!/usr/bin/env node
// Builds the web console (console/) into dist/assets/console/, served by the worker as static assets at /console/
// (wrangler.toml [assets]). One bundle with everything it needs (Preact, the AWS SDK's IoT Data Plane client, the
// SigV4 signer, mqtt.js): no CDN, works offline. `npm start`, `npm test` and `npm run deploy` run it first.
//
//   node scripts/build-console.mjs        prints the files written and their sizes
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const kib = (bytes) => (bytes / 1024).toFixed(1);

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
/** The assets directory of wrangler.toml; only console/ (and _headers) lives in it, so no API path can be shadowed. */
export const ASSETS_DIR = join(root, "dist", "assets");
const out = join(ASSETS_DIR, "console");

/**
 * Headers for the console's files (Workers static assets `_headers`): the page runs only its own script, talks
 * only to its own origin (HTTP and the /mqtt WebSocket), and cannot be framed.
 */
const HEADERS = `/console/*
  Content-Security-Policy: default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'
  X-Content-Type-Options: nosniff
  Referrer-Policy: no-referrer
`;

export async function buildConsole({ log = (line) => console.error(`[build-console] ${line}`) } = {}) {
  rmSync(ASSETS_DIR, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  await build({
    entryPoints: [join(root, "console", "src", "main.tsx")],
    outdir: out,
    entryNames: "console",
    chunkNames: "chunk-[hash]",
    bundle: true,
    splitting: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    jsx: "automatic",
    jsxImportSource: "preact",
    define: { "process.env.NODE_ENV": '"production"' },
    legalComments: "linked",
    logLevel: "warning",
  });
  copyFileSync(join(root, "console", "index.html"), join(out, "index.html"));
  copyFileSync(join(root, "console", "console.css"), join(out, "console.css"));
  writeFileSync(join(ASSETS_DIR, "_headers"), HEADERS);
  for (const file of readdirSync(out).sort()) {
    const bytes = readFileSync(join(out, file));
    log(`${relative(root, join(out, file))} ${kib(bytes.byteLength)} KiB (gzip ${kib(gzipSync(bytes).byteLength)} KiB)`);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await buildConsole();
