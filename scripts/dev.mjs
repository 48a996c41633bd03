#!/usr/bin/env node
// `npm run dev`: serves the API with `wrangler dev` (live reload when a source file changes) on 127.0.0.1:$PORT (default 8787) with local persistence,
// the local credentials from config/local-credentials.json, and nothing that reaches the internet. It builds the
// web console first (scripts/build-console.mjs), so /console/ serves what the sources say.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildConsole } from "./build-console.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const port = process.env.PORT ?? "8787";
const persistTo = process.env.PERSIST_DIR ?? join(root, ".wrangler", "state");
const credentialsFile = process.env.IOT_CREDENTIALS_FILE ?? join(root, "config", "local-credentials.json");
const credentials = JSON.stringify(JSON.parse(readFileSync(credentialsFile, "utf8")));
await buildConsole();

const child = spawn(
  process.execPath,
  [
    join(root, "node_modules", "wrangler", "bin", "wrangler.js"),
    "dev",
    "--ip",
    "127.0.0.1",
    "--port",
    port,
    "--persist-to",
    persistTo,
    "--var",
    `IOT_CREDENTIALS:${credentials}`,
    "--show-interactive-dev-session=false",
    ...process.argv.slice(2),
  ],
  {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_SEND_ERROR_REPORTS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
  },
);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
