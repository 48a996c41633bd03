// The local runtimes the benchmark drives: the project (through its own `npm start` script) and the ceiling worker
// (bench/ceiling), both `wrangler dev` from this repository's node_modules with the same flags; then both again on
// workerd alone, without the dev tooling (bench/lib/direct.mjs).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { startDirect } from "./direct.mjs";
import { startProcess, waitForHttp } from "./processes.mjs";

/**
 * Flags both runtimes get. Request logging off: it is printed by wrangler's Node process, not part of the runtime.
 * An inspector port of our choosing: left to wrangler, two servers starting together both take 9229 and one fails.
 */
const commonDevArgs = (inspectorPort) => ["--log-level", "warn", "--inspector-port", String(inspectorPort)];

const quietEnv = () => ({
  ...process.env,
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_SEND_ERROR_REPORTS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
});

/** The project, via scripts/start.mjs, with the per-thing throttle raised out of the way. */
export async function startProject({ root, port, inspectorPort, persistDir, logDir, readyTimeoutMs }) {
  const handle = startProcess(
    "project (wrangler dev)",
    process.execPath,
    [join(root, "scripts", "start.mjs"), ...commonDevArgs(inspectorPort), "--var", "THING_REQUESTS_PER_SECOND:1000000"],
    { cwd: root, env: { ...quietEnv(), PORT: String(port), PERSIST_DIR: persistDir }, logFile: join(logDir, "project.log") },
  );
  handle.port = port;
  await waitForHttp(`http://127.0.0.1:${port}/`, handle, readyTimeoutMs);
  return handle;
}

/** The ceiling worker (bench/ceiling), same wrangler, same flags, its own port and state directory. */
export async function startCeiling({ root, port, inspectorPort, persistDir, logDir, readyTimeoutMs }) {
  const handle = startProcess(
    "ceiling (wrangler dev)",
    process.execPath,
    [
      join(root, "node_modules", "wrangler", "bin", "wrangler.js"),
      "dev",
      "--config",
      join(root, "bench", "ceiling", "wrangler.toml"),
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--persist-to",
      persistDir,
      "--show-interactive-dev-session=false",
      ...commonDevArgs(inspectorPort),
    ],
    { cwd: join(root, "bench", "ceiling"), env: quietEnv(), logFile: join(logDir, "ceiling.log") },
  );
  handle.port = port;
  await waitForHttp(`http://127.0.0.1:${port}/noop`, handle, readyTimeoutMs);
  return handle;
}

/** The project on workerd alone (bench/lib/direct.mjs): the same vars and credentials as `startProject`. */
export function startProjectDirect({ root, port, dir, logDir, readyTimeoutMs }) {
  return startDirect({
    name: "project",
    root,
    configPath: join(root, "wrangler.toml"),
    dir,
    port,
    logDir,
    readyTimeoutMs,
    readyPath: "/",
    env: quietEnv(),
    overrides: {
      THING_REQUESTS_PER_SECOND: "1000000",
      IOT_CREDENTIALS: JSON.stringify(JSON.parse(readFileSync(join(root, "config", "local-credentials.json"), "utf8"))),
    },
  });
}

/** The ceiling worker on workerd alone. */
export function startCeilingDirect({ root, port, dir, logDir, readyTimeoutMs }) {
  return startDirect({
    name: "ceiling",
    root,
    configPath: join(root, "bench", "ceiling", "wrangler.toml"),
    dir,
    port,
    logDir,
    readyTimeoutMs,
    readyPath: "/noop",
    env: quietEnv(),
  });
}
