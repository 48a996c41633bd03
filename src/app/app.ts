import { Hono } from "hono";
import { ServiceError } from "../domain/errors";
import { errorResponse, toServiceError } from "../protocol/aws/errors";
import type { AppEnv } from "./context";
import { shadowRoutes } from "./routes/shadows";

export const app = new Hono<AppEnv>();

app.route("/", shadowRoutes);

app.notFound((c) =>
  errorResponse(new ServiceError("MethodNotAllowed", `No route for ${c.req.method} ${new URL(c.req.url).pathname}`), "data"),
);
app.onError((error) => errorResponse(toServiceError(error), "data"));
