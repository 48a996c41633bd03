// The local runtimes the benchmark drives: the project and the ceiling worker (bench/ceiling), both served as
// `npm start` serves (scripts/start.mjs: Miniflare's API, this repository's node_modules); then both again on workerd
// alone, without Miniflare (bench/lib/direct.mjs).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startDirect } from "./direct.mjs";
import { startProcess, waitForHttp } from "./processes.mjs";

const quietEnv = () => ({
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_SEND_ERROR_REPORTS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
});

/**
 * AWS's per-thing (20/s) and per-connection (100 publishes/s) limits, raised out of the way: the benchmark measures
 * what the code costs, not the limits.
 */
const UNTHROTTLED = { THING_REQUESTS_PER_SECOND: "1000000", MQTT_PUBLISHES_PER_SECOND: "1000000" };

/** The project as `npm start` serves it (scripts/start.mjs, Miniflare), with the limits out of the way. */
export async function startProject({ root, port, persistDir, logDir, readyTimeoutMs }) {
  const handle = startProcess(
    "project (npm start)",
    process.execPath,
    [join(root, "scripts", "start.mjs"), ...Object.entries(UNTHROTTLED).flatMap(([name, value]) => ["--var", `${name}:${value}`])],
    { cwd: root, env: { ...quietEnv(), PORT: String(port), PERSIST_DIR: persistDir }, logFile: join(logDir, "project.log") },
  );
  handle.port = port;
  await waitForHttp(`http://127.0.0.1:${port}/`, handle, readyTimeoutMs);
  return handle;
}

/** The ceiling worker (bench/ceiling) served the same way, its own port and state directory. */
export async function startCeiling({ root, port, persistDir, logDir, readyTimeoutMs }) {
  const handle = startProcess(
    "ceiling (npm start)",
    process.execPath,
    [join(root, "scripts", "start.mjs"), "--config", join(root, "bench", "ceiling", "wrangler.toml")],
    { cwd: root, env: { ...quietEnv(), PORT: String(port), PERSIST_DIR: persistDir }, logFile: join(logDir, "ceiling.log") },
  );
  handle.port = port;
  await waitForHttp(`http://127.0.0.1:${port}/noop`, handle, readyTimeoutMs);
  return handle;
}

/**
 * The project on workerd alone (bench/lib/direct.mjs): the same vars and credentials as `startProject`. `costMeter`:
 * counting what each operation costs (COST_METER, src/metering) — a server of its own, so the counting never
 * weighs on the speed figures.
 */
export function startProjectDirect({ root, port, dir, logDir, readyTimeoutMs, costMeter = false, inspectorPort, vars = {} }) {
  return startDirect({
    name: costMeter ? "project-cost" : "project",
    root,
    inspectorPort,
    configPath: join(root, "wrangler.toml"),
    dir,
    port,
    logDir,
    readyTimeoutMs,
    readyPath: "/",
    env: quietEnv(),
    overrides: {
      ...UNTHROTTLED,
      IOT_CREDENTIALS: JSON.stringify(JSON.parse(readFileSync(join(root, "config", "local-credentials.json"), "utf8"))),
      ...(costMeter ? { COST_METER: "on" } : {}),
      ...vars,
    },
  });
}

/** The ceiling worker on workerd alone. */
export function startCeilingDirect({ root, port, dir, logDir, readyTimeoutMs, inspectorPort }) {
  return startDirect({
    name: "ceiling",
    root,
    inspectorPort,
    configPath: join(root, "bench", "ceiling", "wrangler.toml"),
    dir,
    port,
    logDir,
    readyTimeoutMs,
    readyPath: "/noop",
    env: quietEnv(),
  });
}
