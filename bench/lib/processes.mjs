// Starting and stopping the servers the benchmark runs, and reading their memory from /proc.
import { spawn } from "node:child_process";
import { createWriteStream, readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

const started = new Set();

/**
 * Spawns a long-running server in its own process group (so that stopping it also stops what it spawned, e.g.
 * wrangler's workerd), with its output in `logFile`.
 */
export function startProcess(name, command, args, { cwd, env, logFile }) {
  const log = createWriteStream(logFile);
  const child = spawn(command, args, { cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const handle = { name, child, logFile, exited: false };
  child.once("exit", () => {
    handle.exited = true;
    started.delete(handle);
  });
  started.add(handle);
  return handle;
}

/** SIGTERM to the process group, then SIGKILL after `graceMs` if anything of it is left; waits until it is gone. */
export async function stopProcess(handle, graceMs = 5000) {
  const pgid = handle.child.pid;
  const groupAlive = () => processGroupMembers(pgid).length > 0;
  const waitForGroup = async (ms) => {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline && groupAlive()) await sleep(100);
  };
  if (groupAlive()) {
    signalGroup(pgid, "SIGTERM");
    await waitForGroup(graceMs);
    if (groupAlive()) {
      signalGroup(pgid, "SIGKILL");
      await waitForGroup(2000);
    }
  }
  started.delete(handle);
}

/** Synchronous last resort (process `exit` handler): SIGKILL every group this module started. */
export function killAllStartedSync() {
  for (const handle of started) signalGroup(handle.child.pid, "SIGKILL");
  started.clear();
}

function signalGroup(pgid, signal) {
  try {
    process.kill(-pgid, signal);
  } catch {
    // the group is already gone
  }
}

/** Polls `url` until it answers with any HTTP status (the server is listening and its Worker loaded). */
export async function waitForHttp(url, handle, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (handle.exited) throw new Error(`${handle.name} exited before it was ready (see ${handle.logFile})`);
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      await response.arrayBuffer();
      return;
    } catch {
      await sleep(250);
    }
  }
  throw new Error(`${handle.name} not ready at ${url} within ${timeoutMs} ms (see ${handle.logFile})`);
}

/** /proc/{pid}/stat fields we need: command name, parent pid, process group. */
function statOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const close = stat.lastIndexOf(")");
    const comm = stat.slice(stat.indexOf("(") + 1, close);
    const [, ppid, pgrp] = stat.slice(close + 2).split(" ");
    return { pid: Number(pid), comm, ppid: Number(ppid), pgrp: Number(pgrp) };
  } catch {
    return undefined; // exited meanwhile
  }
}

function allProcesses() {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .map(statOf)
    .filter(Boolean);
}

function processGroupMembers(pgid) {
  return allProcesses().filter((p) => p.pgrp === pgid);
}

/** Every descendant of `rootPid` (children, grandchildren, …). */
export function descendants(rootPid) {
  const all = allProcesses();
  const found = [];
  const frontier = [rootPid];
  while (frontier.length) {
    const parent = frontier.pop();
    for (const p of all) {
      if (p.ppid === parent) {
        found.push(p);
        frontier.push(p.pid);
      }
    }
  }
  return found;
}

/** Resident set size of one process in bytes (VmRSS), or 0 when it is gone. */
export function rssBytes(pid) {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function cmdline(pid) {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
}

/** The `workerd` processes of a server: the process itself (workerd run directly) or those under it (wrangler dev). */
export function workerdProcesses(handle) {
  const self = statOf(handle.child.pid);
  return [...(self ? [self] : []), ...descendants(handle.child.pid)].filter((p) => p.comm === "workerd");
}

/**
 * Summed RSS of the `workerd` processes of a server. `wrangler dev` runs two: its proxy, which listens on
 * the server's port and forwards every request and WebSocket, and the one running the Worker; both are reported.
 * A server with one (`npm start` through Miniflare, workerd alone) runs the Worker in it.
 */
export function workerdRss(handle) {
  const workerds = workerdProcesses(handle);
  const byRole = { proxy: 0, worker: 0 };
  let bytes = 0;
  for (const p of workerds) {
    const rss = rssBytes(p.pid);
    bytes += rss;
    byRole[workerds.length > 1 && cmdline(p.pid).includes(`entry=127.0.0.1:${handle.port} `) ? "proxy" : "worker"] += rss;
  }
  return { bytes, processes: workerds.length, byRole };
}
