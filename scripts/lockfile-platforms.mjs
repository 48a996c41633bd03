#!/usr/bin/env node
// The npm registry mirror this project is built against lacks workerd's macOS and Windows binaries, so `npm install`
// leaves their optional entries out of package-lock.json, and `npm ci` then refuses the lock file as out of sync.
// This puts the entries back (they are never installed on Linux: npm skips optional packages for other platforms).
// Run it after any `npm install` that rewrites the lock file: `node scripts/lockfile-platforms.mjs`.
import { readFileSync, writeFileSync } from "node:fs";

const path = new URL("../package-lock.json", import.meta.url);
const lock = JSON.parse(readFileSync(path, "utf8"));
const workerd = lock.packages["node_modules/workerd"];
const platforms = {
  "darwin-64": ["darwin", "x64"],
  "darwin-arm64": ["darwin", "arm64"],
  "windows-64": ["win32", "x64"],
  "linux-64": ["linux", "x64"],
  "linux-arm64": ["linux", "arm64"],
};
let added = 0;
for (const [name, version] of Object.entries(workerd.optionalDependencies ?? {})) {
  const key = `node_modules/${name}`;
  if (lock.packages[key]) continue;
  const [os, cpu] = platforms[name.replace("@cloudflare/workerd-", "")] ?? [];
  if (!os) throw new Error(`unknown workerd platform package ${name}`);
  lock.packages[key] = { version, cpu: [cpu], dev: true, license: "Apache-2.0", optional: true, os: [os], engines: { node: ">=16" } };
  added += 1;
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === "" ? -1 : b === "" ? 1 : a.localeCompare(b))));
writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`package-lock.json: ${added} workerd platform entr${added === 1 ? "y" : "ies"} restored`);
