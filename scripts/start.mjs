#!/usr/bin/env node
// `npm start`: serves the API on 127.0.0.1:$PORT (default 8787) through Miniflare's API — the same workerd runtime
// `wrangler dev` runs, without wrangler's dev proxy and file watcher in front (`npm run dev` keeps those, for live
// reload). The Worker is bundled as `wrangler deploy` bundles it; wrangler.toml gives the bindings (Durable Objects,
// the R2 bucket of stream files, the console's assets, vars); local state persists in PERSIST_DIR (default
// .wrangler/state), in the layout `wrangler dev --persist-to` and `wrangler r2 object put --local --persist-to`
// use, so both see the same data. The credentials come from config/local-credentials.json (IOT_CREDENTIALS_FILE);
// `--var NAME:VALUE` sets a var as `wrangler dev --var` does. Nothing reaches the internet. Why not `wrangler dev`:
// README "Performance" (its proxy costs more than a whole request, and its memory grew under load).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { buildConsole } from "./build-console.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const port = Number(process.env.PORT ?? "8787");
const persistTo = process.env.PERSIST_DIR ?? join(root, ".wrangler", "state");
const credentialsFile = process.env.IOT_CREDENTIALS_FILE ?? join(root, "config", "local-credentials.json");
const quietEnv = { ...process.env, WRANGLER_SEND_METRICS: "false", WRANGLER_SEND_ERROR_REPORTS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };
Object.assign(process.env, quietEnv);

/**
 * `--var NAME:VALUE` pairs (as `wrangler dev --var`) and `--config PATH` (another wrangler.toml: the benchmark serves
 * its ceiling worker this way); anything else is refused, so a typo does not pass silently.
 */
export function parseArgs(args) {
  const vars = {};
  let config;
  for (let i = 0; i < args.length; i++) {
    if (args[i] === "--config" && args[i + 1] !== undefined) {
      config = args[++i];
      continue;
    }
    const value = args[i] === "--var" ? args[++i] : args[i]?.startsWith("--var=") ? args[i].slice("--var=".length) : undefined;
    const colon = value?.indexOf(":") ?? -1;
    if (value === undefined || colon <= 0) throw new Error(`unknown argument ${args[i] ?? ""} (npm start takes --var NAME:VALUE and --config PATH)`);
    vars[value.slice(0, colon)] = value.slice(colon + 1);
  }
  return { vars, ...(config !== undefined ? { config } : {}) };
}

/** The Worker's options for Miniflare: wrangler.toml's bindings (as `wrangler dev` gets them), the bundle, the vars. */
export function workerOptionsFrom(config, { workerOptions, bundlePath, vars }) {
  return {
    ...workerOptions,
    name: config.name,
    modulesRoot: dirname(bundlePath),
    modules: [{ type: "ESModule", path: bundlePath }],
    bindings: { ...workerOptions.bindings, ...vars },
  };
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const configPath = resolve(args.config ?? join(root, "wrangler.toml"));
  const project = configPath === join(root, "wrangler.toml");
  const vars = { ...(project ? { IOT_CREDENTIALS: JSON.stringify(JSON.parse(readFileSync(credentialsFile, "utf8"))) } : {}), ...args.vars };
  if (project) await buildConsole();
  const wrangler = await import("wrangler");
  const { convertV4MiniflareOptions, Log, LogLevel, Miniflare } = await import("miniflare");
  const config = wrangler.unstable_readConfig({ config: configPath });
  const bundleDir = mkdtempSync(join(tmpdir(), "iot-start-"));
  process.on("exit", () => rmSync(bundleDir, { recursive: true, force: true }));
  execFileSync(
    process.execPath,
    [join(root, "node_modules", "wrangler", "bin", "wrangler.js"), "deploy", "--dry-run", "--outdir", bundleDir, "--config", configPath],
    { cwd: dirname(configPath), env: quietEnv, stdio: ["ignore", "ignore", "inherit"] },
  );
  const { workerOptions } = wrangler.unstable_getMiniflareWorkerOptions(configPath);
  const mf = new Miniflare(
    convertV4MiniflareOptions({
      host: "127.0.0.1",
      port,
      log: new Log(LogLevel.WARN),
      // Where `wrangler dev --persist-to` keeps its state (wrangler's getDefaultPersistRoot).
      resourcePersistencePath: join(persistTo, "v3"),
      workers: [workerOptionsFrom(config, { workerOptions, bundlePath: join(bundleDir, "index.js"), vars })],
    }),
  );
  const url = await mf.ready;
  process.stdout.write(`Serving on ${url.href} (state in ${persistTo})\n`);
  const stop = async () => {
    await mf.dispose().catch(() => {});
    process.exit(0);
  };
  for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, stop);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error) => {
    process.stderr.write(`npm start: ${error.stack ?? error}\n`);
    process.exit(1);
  });
}
