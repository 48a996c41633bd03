import { Hono } from "hono";
import type { AppEnv } from "../context";

/** AWS IoT control plane (`@aws-sdk/client-iot`): streams and the software package catalog. */
export const controlPlaneRoutes = new Hono<AppEnv>();
