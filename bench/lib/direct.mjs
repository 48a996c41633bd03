// The runtime without dev-mode tooling: the same Workers (the project, the ceiling) served by the `workerd` binary
// itself from a generated config — no wrangler, no proxy worker, no Miniflare entry worker in front of them. This is
// the process `wrangler dev` runs the Worker in, minus what it adds for development (bench/README.md).
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { startProcess, waitForHttp } from "./processes.mjs";

const require = createRequire(import.meta.url);

/** The `workerd` binary wrangler itself runs (the `workerd` package's default export is its path). */
const workerdBinary = () => require("workerd").default;

/**
 * A wrangler.toml turned into a workerd config: its vars as text bindings (with `overrides`), its Durable Objects
 * (SQLite-backed, stored on disk under `stateDir`), and its rate limiters as an in-memory fixed-window counter per
 * isolate (bench/lib/ratelimit.js) — the shape of Cloudflare's own limiter, a counter local to the location, where
 * Miniflare's stand-in is a Durable Object with a SQLite write per call. R2 buckets are left out: workerd alone has
 * no local R2 service and the benchmark reads no stream file.
 */
export function workerdConfig(config, { mainModule, port, stateDir, overrides = {} }) {
  const text = (value) => JSON.stringify(String(value));
  const vars = { ...config.vars, ...overrides };
  const bindings = [
    ...Object.entries(vars).map(([name, value]) => `(name = ${text(name)}, text = ${text(value)})`),
    ...config.durable_objects.bindings.map((b) => `(name = ${text(b.name)}, durableObjectNamespace = ${text(b.class_name)})`),
    ...config.ratelimits.map(
      (r) =>
        `(name = ${text(r.name)}, wrapped = (moduleName = "bench:ratelimit", innerBindings = [` +
        `(name = "limit", json = "${Number(r.simple.limit)}"), (name = "period", json = "${Number(r.simple.period)}")]))`,
    ),
  ];
  const classes = config.durable_objects.bindings.map((b) => b.class_name);
  const namespaces = classes.map((name) => `(className = ${text(name)}, uniqueKey = ${text(`${config.name}-${name}`)}, enableSql = true)`);
  return `using Workerd = import "/workerd/workerd.capnp";
const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker), (name = "state", disk = (path = ${text(stateDir)}, writable = true)) ],
  sockets = [ (name = "http", address = "127.0.0.1:${port}", http = (), service = "main") ],
  extensions = [ (modules = [ (name = "bench:ratelimit", esModule = embed "ratelimit.js", internal = true) ]) ],
);
const worker :Workerd.Worker = (
  modules = [ (name = "index.js", esModule = embed ${text(mainModule)}) ],
  compatibilityDate = ${text(config.compatibility_date)},
  compatibilityFlags = [${(config.compatibility_flags ?? []).map(text).join(", ")}],
  bindings = [
    ${bindings.join(",\n    ")}
  ],
  durableObjectNamespaces = [
    ${namespaces.join(",\n    ")}
  ],
  durableObjectStorage = (localDisk = "state"),
);
`;
}

/**
 * Bundles the Worker of `configPath` the way `wrangler deploy` does (`--dry-run --outdir`), writes the workerd config
 * beside it and starts `workerd serve`. `overrides`: vars to set (as `--var` does for `wrangler dev`).
 */
export async function startDirect({ name, root, configPath, dir, port, inspectorPort, logDir, readyTimeoutMs, readyPath, overrides, env }) {
  const wrangler = await import("wrangler");
  const config = wrangler.unstable_readConfig({ config: configPath });
  mkdirSync(dir, { recursive: true });
  const bundleDir = join(dir, "bundle");
  execFileSync(
    process.execPath,
    [join(root, "node_modules", "wrangler", "bin", "wrangler.js"), "deploy", "--dry-run", "--outdir", bundleDir, "--config", configPath],
    {
      cwd: root,
      env,
      stdio: ["ignore", "ignore", "pipe"],
      timeout: 60_000,
    },
  );
  copyFileSync(join(root, "bench", "lib", "ratelimit.js"), join(dir, "ratelimit.js"));
  const stateDir = join(dir, "state");
  mkdirSync(stateDir, { recursive: true });
  const capnp = join(dir, "config.capnp");
  writeFileSync(capnp, workerdConfig(config, { mainModule: "bundle/index.js", port, stateDir, overrides }));
  const handle = startProcess(
    `${name} (workerd)`,
    workerdBinary(),
    ["serve", capnp, "--experimental", ...(inspectorPort ? [`--inspector-addr=127.0.0.1:${inspectorPort}`] : [])],
    { cwd: dir, env, logFile: join(logDir, `${name}-direct.log`) },
  );
  handle.port = port;
  handle.direct = true;
  await waitForHttp(`http://127.0.0.1:${port}${readyPath}`, handle, readyTimeoutMs);
  return handle;
}
