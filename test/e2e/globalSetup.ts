import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { TestProject } from "vitest/node";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    /** The server's `--persist-to` directory, for seeding local bindings (R2 stream files) with the wrangler CLI. */
    persistDir: string;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

async function waitUntilServing(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}:\n${output()}`);
    try {
      await fetch(url);
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`server did not start within 90 s:\n${output()}`);
}

/** Starts the real server exactly as `npm start` does, on a free port with a throw-away persistence directory. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const port = await freePort();
  const persistDir = mkdtempSync(join(tmpdir(), "iot-e2e-"));
  let log = "";
  // Keep-alive enforcement is tested with a 1 s keep-alive instead of AWS's 30 s minimum.
  const child = spawn(process.execPath, ["scripts/start.mjs", "--var", "MQTT_KEEPALIVE_MIN_SECONDS:1"], {
    env: { ...process.env, PORT: String(port), PERSIST_DIR: persistDir, IOT_CREDENTIALS_FILE: "test/fixtures/credentials.json" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  child.stdout?.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (log += d.toString()));
  const baseUrl = `http://127.0.0.1:${port}`;
  await waitUntilServing(baseUrl, child, () => log);
  project.provide("baseUrl", baseUrl);
  project.provide("persistDir", persistDir);
  return async () => {
    if (child.pid !== undefined && child.exitCode === null) {
      process.kill(-child.pid, "SIGTERM");
      await new Promise((r) => child.once("exit", r));
    }
    rmSync(persistDir, { recursive: true, force: true });
  };
}
