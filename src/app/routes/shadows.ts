import { Hono } from "hono";
import { iotArn } from "../../auth";
import { ServiceError } from "../../domain/errors";
import { unwrap } from "../../domain/outcome";
import { SHADOW_LIMITS, validateShadowName, validateThingName } from "../../domain/shadow";
import type { ShadowOperation } from "../../services/shadows";
import { type AppContext, type AppEnv, bodyBytes, jsonText } from "../context";
import { requirePermission } from "../middleware/auth";
import { openPageToken, sealPageToken } from "../pageTokens";

export const shadowRoutes = new Hono<AppEnv>();

const ACTION: Record<ShadowOperation, string> = {
  get: "iot:GetThingShadow",
  update: "iot:UpdateThingShadow",
  delete: "iot:DeleteThingShadow",
};

async function shadowCall(c: AppContext, operation: ShadowOperation): Promise<Response> {
  const thingName = c.req.param("thingName") ?? "";
  const shadowName = c.req.query("name");
  validateThingName(thingName);
  if (shadowName !== undefined) validateShadowName(shadowName);
  requirePermission(c, ACTION[operation], iotArn.thing(c.env.REGION, c.env.ACCOUNT_ID, thingName));
  const payload = operation === "update" ? await bodyBytes(c) : new Uint8Array();
  const outcome = await c.env.THINGS.getByName(thingName).shadowRequest({
    thingName,
    ...(shadowName !== undefined ? { shadowName } : {}),
    operation,
    payload,
    origin: "http",
  });
  return jsonText(unwrap(outcome));
}

shadowRoutes.get("/things/:thingName/shadow", (c) => shadowCall(c, "get"));
shadowRoutes.post("/things/:thingName/shadow", (c) => shadowCall(c, "update"));
shadowRoutes.delete("/things/:thingName/shadow", (c) => shadowCall(c, "delete"));

shadowRoutes.get("/api/things/shadow/ListNamedShadowsForThing/:thingName", async (c) => {
  const thingName = c.req.param("thingName");
  validateThingName(thingName);
  requirePermission(c, "iot:ListNamedShadowsForThing", iotArn.thing(c.env.REGION, c.env.ACCOUNT_ID, thingName));
  const pageSize = parsePageSize(c.req.query("pageSize"));
  const nextToken = c.req.query("nextToken");
  let after: string | undefined;
  if (nextToken !== undefined) {
    const token = await openPageToken(c.env, nextToken);
    if (token.thing !== thingName || typeof token.after !== "string") {
      throw new ServiceError("InvalidRequest", "Invalid nextToken");
    }
    after = token.after;
  }
  const page = unwrap(await c.env.THINGS.getByName(thingName).listNamedShadows(after, pageSize));
  const body: Record<string, unknown> = { results: page.names };
  if (page.lastName !== undefined) body.nextToken = await sealPageToken(c.env, { thing: thingName, after: page.lastName });
  body.timestamp = Math.floor(Date.now() / 1000);
  return c.json(body);
});

function parsePageSize(raw: string | undefined): number {
  if (raw === undefined) return SHADOW_LIMITS.listPageSizeDefault;
  const size = /^\d{1,4}$/.test(raw) ? Number(raw) : NaN;
  if (!(size >= 1 && size <= SHADOW_LIMITS.listPageSizeMax)) {
    throw new ServiceError("InvalidRequest", `pageSize must be between 1 and ${SHADOW_LIMITS.listPageSizeMax}`);
  }
  return size;
}
