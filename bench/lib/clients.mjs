// Client connections for the load processes: mqtt.js clients and plain WebSockets (the `ws` package, which mqtt.js
// itself uses in Node, so both kinds cost the load process the same per frame).
import mqtt from "mqtt";
import WebSocket from "ws";

/** Milliseconds on a clock shared by everything in this process, with sub-millisecond resolution. */
export const nowMs = () => performance.timeOrigin + performance.now();

/** Runs `connectOne(i)` for i < n, `batch` at a time (a thousand simultaneous handshakes only measure the backlog). */
export async function connectMany(n, connectOne, batch = 50) {
  const clients = [];
  for (let start = 0; start < n; start += batch) {
    const count = Math.min(batch, n - start);
    clients.push(...(await Promise.all(Array.from({ length: count }, (_, j) => connectOne(start + j)))));
  }
  return clients;
}

/**
 * An mqtt.js client, connected (CONNACK received). Keep-alive 1200 s (AWS IoT's maximum) so that idle clients send
 * nothing during a run; no reconnects, so a dropped connection shows as missing messages rather than being hidden.
 */
export function connectMqtt(url, clientId, options = {}) {
  return new Promise((resolve, reject) => {
    const client = mqtt.connect(url, {
      clientId,
      keepalive: 1200,
      reconnectPeriod: 0,
      connectTimeout: 30_000,
      protocolVersion: 4,
      clean: true,
      ...options,
    });
    client.once("connect", () => resolve(client));
    client.once("error", (error) => reject(new Error(`${clientId}: ${error.message}`)));
    client.once("close", () => reject(new Error(`${clientId}: closed before CONNACK`)));
  });
}

export function subscribe(client, topic, qos = 0) {
  return new Promise((resolve, reject) => {
    client.subscribe(topic, { qos }, (error, granted) => {
      if (error) return reject(error);
      if (granted?.some((g) => g.qos === 128)) return reject(new Error(`subscription to ${topic} refused`));
      resolve();
    });
  });
}

export function endMqtt(client) {
  return new Promise((resolve) => client.end(false, {}, () => resolve()));
}

/** A plain WebSocket, open. */
export function connectWebSocket(url) {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    ws.once("open", () => resolve(ws));
    ws.once("error", reject);
  });
}

export function closeWebSocket(ws) {
  return new Promise((resolve) => {
    if (ws.readyState === WebSocket.CLOSED) return resolve();
    const timer = setTimeout(() => {
      ws.terminate();
      resolve();
    }, 2000);
    ws.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
    ws.close(1000);
  });
}
