// Load process holding N idle connections (forked by bench/run.mjs) while the orchestrator reads the runtime's
// memory: mode "mqtt" = MQTT-over-WebSocket clients that CONNECT and then stay silent (keep-alive 1200 s), mode
// "raw" = plain WebSockets held by one ceiling Durable Object, "rawEcho" = the same held by the ceiling's echo
// object, each having sent one 64-byte frame and received it back (traffic like CONNECT/CONNACK, then silence).
// Says "connected", waits for "close", says "closed".
import { closeWebSocket, connectMany, connectMqtt, connectWebSocket, endMqtt, nowMs } from "../lib/clients.mjs";
import { presignedMqttUrl } from "../lib/signing.mjs";

const { mode, baseUrl, connections, runId } = JSON.parse(process.argv[2]);
const host = new URL(baseUrl).host;

const start = nowMs();
const url = mode === "mqtt" ? await presignedMqttUrl(host) : `ws://${host}/${mode === "rawEcho" ? "echo" : "ws"}/bench-idle-${runId}`;
let dropped = 0;
const clients = await connectMany(connections, async (i) => {
  if (mode !== "mqtt") {
    const ws = await connectWebSocket(url);
    ws.once("close", () => dropped++);
    if (mode === "rawEcho") {
      const echoed = new Promise((resolve) => ws.once("message", resolve));
      ws.send(new Uint8Array(64));
      await echoed;
    }
    return ws;
  }
  const client = await connectMqtt(url, `bench-idle-${runId}-${i}`);
  client.once("close", () => dropped++);
  return client;
});
process.send({ event: "connected", connections: clients.length, connectMs: Math.round(nowMs() - start) });

process.on("message", async (message) => {
  if (message !== "close") return;
  const droppedBeforeClose = dropped;
  await connectMany(clients.length, (i) => (mode === "mqtt" ? endMqtt(clients[i]) : closeWebSocket(clients[i])), 100);
  process.send({ event: "closed", droppedBeforeClose }, () => process.exit(0));
});
