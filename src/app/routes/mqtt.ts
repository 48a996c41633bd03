import { Hono } from "hono";
import { ServiceError } from "../../domain/errors";
import type { AppEnv } from "../context";
import { authenticatePresigned } from "../middleware/auth";

export const mqttRoutes = new Hono<AppEnv>();

/** MQTT over WebSocket, authenticated by a SigV4 pre-signed URL as AWS IoT does. */
mqttRoutes.get("/mqtt", async (c) => {
  await authenticatePresigned(c);
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") {
    throw new ServiceError("InvalidRequest", "Expected a WebSocket upgrade");
  }
  throw new ServiceError("MethodNotAllowed", "MQTT over WebSocket is not available yet");
});
