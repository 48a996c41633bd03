import { Hono } from "hono";
import { ServiceError } from "../../domain/errors";
import { poolConfigOf, poolName, type RequestLocation, regionOf } from "../../domain/placement";
import { hubPoolStub, hubStub } from "../../objects/stubs";
import type { AppEnv } from "../context";
import { authenticatePresigned } from "../middleware/auth";

export const mqttRoutes = new Hono<AppEnv>();

/**
 * The client's address (Cloudflare's `CF-Connecting-IP`, which the edge sets and clients cannot) and the address it
 * connected to: the request's host when it is an IP literal, and its port.
 */
export function socketAddresses(request: Request): Record<"x-iot-source-ip" | "x-iot-target-ip" | "x-iot-target-port", string | undefined> {
  const url = new URL(request.url);
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  const isIp = /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(":");
  return {
    "x-iot-source-ip": request.headers.get("cf-connecting-ip") || undefined,
    "x-iot-target-ip": isIp ? host : undefined,
    "x-iot-target-port": url.port || (url.protocol === "https:" || url.protocol === "wss:" ? "443" : "80"),
  };
}

/** Subprotocols MQTT clients offer: `mqtt` (mqtt.js, Paho, CRT) and `mqttv3.1` (the v1 JS device SDK). */
const SUBPROTOCOLS = ["mqtt", "mqttv3.1"];

/**
 * MQTT over WebSocket, authenticated by a SigV4 pre-signed URL as AWS IoT does. The connection goes to a hub near the
 * device: the configured region nearest to where the request entered Cloudflare (`request.cf`), one of the region's
 * pools at random, and the hub that pool says has room (domain/placement.ts). Not by client id: that is only known
 * from CONNECT, after the upgrade (docs/fanout-design.md); the session is found through the client id registry.
 */
mqttRoutes.get("/mqtt", async (c) => {
  const principal = await authenticatePresigned(c);
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new ServiceError("InvalidRequest", "Expected a WebSocket upgrade");
  }
  const offered = (c.req.header("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim());
  const subprotocol = SUBPROTOCOLS.find((p) => offered.includes(p));
  if (!subprotocol) throw new ServiceError("InvalidRequest", "The WebSocket subprotocol must be mqtt");
  const config = poolConfigOf(c.env);
  const region = regionOf(c.req.raw.cf as RequestLocation | undefined, config);
  const pool = poolName(region, Math.floor(Math.random() * config.poolsPerRegion));
  let assignment: { hub: string; ticket: number };
  try {
    assignment = await hubPoolStub(c.env, pool).assign(config.hubCapacity);
  } catch (error) {
    console.error(`hub pool ${pool} unavailable`, error);
    throw new ServiceError("ServiceUnavailable", "No connection capacity is available right now; try again");
  }
  const headers = new Headers(c.req.raw.headers);
  headers.set("x-iot-access-key-id", principal.accessKeyId);
  headers.set("x-iot-subprotocol", subprotocol);
  // The addresses GetConnection reports, as the edge saw them (never taken from the client's own headers).
  const socket = socketAddresses(c.req.raw);
  for (const [name, value] of Object.entries(socket)) {
    if (value === undefined) headers.delete(name);
    else headers.set(name, value);
  }
  headers.set("x-iot-pool-ticket", String(assignment.ticket));
  return hubStub(c.env, assignment.hub).fetch(new Request(c.req.raw.url, { method: "GET", headers }));
});
