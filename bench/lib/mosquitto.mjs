// Mosquitto (the Debian package) as the reference broker: found, or installed with apt-get when this process may,
// then started on two loopback listeners, plain MQTT over TCP and MQTT over WebSocket.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { startProcess } from "./processes.mjs";

const BINARY = "/usr/sbin/mosquitto";

function version() {
  // `mosquitto -h` prints its version on the first line and exits non-zero.
  const out = spawnSync(BINARY, ["-h"], { encoding: "utf8", timeout: 5000 });
  return /mosquitto version (\S+)/.exec(`${out.stdout}${out.stderr}`)?.[1] ?? "unknown";
}

/**
 * { available: true, binary, version, how } or { available: false, reason }. Installs with apt-get only as root
 * with apt-get present, each step bounded in time.
 */
export function ensureMosquitto({ log }) {
  if (existsSync(BINARY)) return { available: true, binary: BINARY, version: version(), how: "found (already installed)" };
  if (process.getuid?.() !== 0) return { available: false, reason: `${BINARY} not found and not running as root, so it cannot be installed` };
  if (!existsSync("/usr/bin/apt-get")) return { available: false, reason: `${BINARY} not found and apt-get is not available` };
  log("Mosquitto not found: installing the Debian package (apt-get, at most 4 minutes)…");
  try {
    const options = { stdio: "ignore", timeout: 120_000, env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" } };
    execFileSync("apt-get", ["update"], options);
    execFileSync("apt-get", ["install", "-y", "--no-install-recommends", "mosquitto"], options);
  } catch (error) {
    return { available: false, reason: `apt-get install mosquitto failed: ${error.message.split("\n")[0]}` };
  }
  if (!existsSync(BINARY)) return { available: false, reason: `apt-get install mosquitto did not provide ${BINARY}` };
  return { available: true, binary: BINARY, version: version(), how: "installed now with apt-get" };
}

function portOpen(port) {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

/**
 * Starts Mosquitto with a temporary configuration. Debian's 2.0.11 starts a `protocol websockets` listener only when
 * a plain TCP listener is configured too, so both are, and both are measured.
 */
export async function startMosquitto({ tcpPort, wsPort, workDir, logDir }) {
  const config = join(workDir, "mosquitto.conf");
  writeFileSync(
    config,
    [
      `listener ${tcpPort} 127.0.0.1`,
      `listener ${wsPort} 127.0.0.1`,
      "protocol websockets",
      "allow_anonymous true",
      "persistence false",
      "log_dest stderr",
      "log_type error",
      "log_type warning",
      "",
    ].join("\n"),
  );
  const handle = startProcess("mosquitto", BINARY, ["-c", config], { cwd: workDir, env: process.env, logFile: join(logDir, "mosquitto.log") });
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (handle.exited) throw new Error(`mosquitto exited at start (see ${handle.logFile})`);
    if ((await portOpen(tcpPort)) && (await portOpen(wsPort))) return handle;
    await sleep(100);
  }
  throw new Error(`mosquitto did not open ports ${tcpPort}/${wsPort} within 10 s (see ${handle.logFile})`);
}
