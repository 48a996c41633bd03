import { Hono } from "hono";
import { ServiceError } from "../domain/errors";
import { errorResponse, type Plane, toServiceError } from "../protocol/aws/errors";
import type { AppEnv } from "./context";
import { authenticate } from "./middleware/auth";
import { throttlePrincipal } from "./middleware/throttle";
import { connectionRoutes } from "./routes/connections";
import { controlPlaneRoutes } from "./routes/controlPlane";
import { fleetRoutes } from "./routes/fleet";
import { mqttRoutes } from "./routes/mqtt";
import { shadowRoutes } from "./routes/shadows";
import { topicRoutes } from "./routes/topics";

/** Control-plane (`iot`) routes; everything else is the data plane (`iotdata`). */
const CONTROL_PLANE = /^\/(streams|packages|package-configuration|endpoint)(\/|$)/;
export const planeOf = (path: string): Plane => (CONTROL_PLANE.test(path) ? "control" : "data");

const verifyData = authenticate("data");
const verifyControl = authenticate("control");

export const app = new Hono<AppEnv>();

app.onError((error, c) => errorResponse(toServiceError(error), planeOf(c.req.path)));
app.notFound((c) => errorResponse(new ServiceError("MethodNotAllowed", `No route for ${c.req.method} ${c.req.path}`), planeOf(c.req.path)));

// Every API request is signed (SigV4 Authorization header), unknown routes included; /mqtt uses a pre-signed URL.
app.use("*", (c, next) => {
  if (c.req.path === "/mqtt") return next();
  return (planeOf(c.req.path) === "control" ? verifyControl : verifyData)(c, next);
});
app.use("*", (c, next) => (c.req.path === "/mqtt" ? next() : throttlePrincipal(c, next)));

app.route("/", shadowRoutes);
app.route("/", fleetRoutes);
app.route("/", topicRoutes);
app.route("/", mqttRoutes);
app.route("/", connectionRoutes);
app.route("/", controlPlaneRoutes);
