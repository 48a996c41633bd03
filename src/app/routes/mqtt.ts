import { Hono } from "hono";
import { ServiceError } from "../../domain/errors";
import type { AppEnv } from "../context";
import { authenticatePresigned } from "../middleware/auth";

export const mqttRoutes = new Hono<AppEnv>();

/** Subprotocols MQTT clients offer: `mqtt` (mqtt.js, Paho, CRT) and `mqttv3.1` (the v1 JS device SDK). */
const SUBPROTOCOLS = ["mqtt", "mqttv3.1"];

/**
 * MQTT over WebSocket, authenticated by a SigV4 pre-signed URL as AWS IoT does. The connection goes to a hub
 * chosen at random: the client id is only known from CONNECT, after the upgrade (docs/fanout-design.md).
 */
mqttRoutes.get("/mqtt", async (c) => {
  const principal = await authenticatePresigned(c);
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new ServiceError("InvalidRequest", "Expected a WebSocket upgrade");
  }
  const offered = (c.req.header("sec-websocket-protocol") ?? "").split(",").map((p) => p.trim());
  const subprotocol = SUBPROTOCOLS.find((p) => offered.includes(p));
  if (!subprotocol) throw new ServiceError("InvalidRequest", "The WebSocket subprotocol must be mqtt");
  const hubCount = Math.max(1, Number.parseInt(c.env.MQTT_HUB_COUNT, 10) || 1);
  const hub = `hub-${Math.floor(Math.random() * hubCount)}`;
  const headers = new Headers(c.req.raw.headers);
  headers.set("x-iot-access-key-id", principal.accessKeyId);
  headers.set("x-iot-subprotocol", subprotocol);
  return c.env.MQTT_HUBS.getByName(hub).fetch(new Request(c.req.raw.url, { method: "GET", headers }));
});
