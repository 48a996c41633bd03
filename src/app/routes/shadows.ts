import { Hono } from "hono";
import { iotArn } from "../../auth";
import { ServiceError } from "../../domain/errors";
import { unwrap } from "../../domain/outcome";
import { SHADOW_LIMITS, validateShadowName, validateThingName } from "../../domain/shadow";
import { cursorBeforeVersion, type HistoryCursor, parseHistoryPageSize, parseVersionParameter } from "../../domain/shadow/history";
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

/**
 * This project's extensions, read with the rights of GetThingShadow (they read what the shadow said): a page of
 * the shadow's history, and the net change since a version (domain/shadow/history.ts).
 */
function authorizeShadowRead(c: AppContext): { thingName: string; shadowName: string | undefined } {
  const thingName = c.req.param("thingName") ?? "";
  const shadowName = c.req.query("name");
  validateThingName(thingName);
  if (shadowName !== undefined) validateShadowName(shadowName);
  requirePermission(c, ACTION.get, iotArn.thing(c.env.REGION, c.env.ACCOUNT_ID, thingName));
  return { thingName, shadowName };
}

shadowRoutes.get("/things/:thingName/shadow/history", async (c) => {
  const { thingName, shadowName } = authorizeShadowRead(c);
  const limit = parseHistoryPageSize(c.req.query("maxResults"));
  const nextToken = c.req.query("nextToken");
  let after: HistoryCursor;
  if (nextToken !== undefined) {
    after = historyCursorOf(await openPageToken(c.env, nextToken), thingName, shadowName);
  } else {
    after = cursorBeforeVersion(parseVersionParameter("fromVersion", c.req.query("fromVersion")) ?? 0);
  }
  const page = unwrap(await c.env.THINGS.getByName(thingName).shadowHistory(thingName, shadowName, after, limit));
  const rest: Record<string, unknown> = {};
  if (page.next) {
    rest.nextToken = await sealPageToken(c.env, { history: 1, t: thingName, s: shadowName ?? "", v: page.next.version, o: page.next.operation });
  }
  rest.timestamp = Math.floor(Date.now() / 1000);
  // The entries arrive as JSON text from the thing's object: spliced in, not parsed again.
  return jsonText(`{"history":${page.entries},${JSON.stringify(rest).slice(1)}`);
});

shadowRoutes.get("/things/:thingName/shadow/changes", async (c) => {
  const { thingName, shadowName } = authorizeShadowRead(c);
  const sinceVersion = parseVersionParameter("sinceVersion", c.req.query("sinceVersion"));
  if (sinceVersion === undefined) throw new ServiceError("InvalidRequest", "sinceVersion is required");
  const changes = unwrap(await c.env.THINGS.getByName(thingName).shadowChanges(thingName, shadowName, sinceVersion));
  return jsonText(`${changes.slice(0, -1)},"timestamp":${Math.floor(Date.now() / 1000)}}`);
});

/** A history nextToken only continues the walk of the shadow it was issued for. */
function historyCursorOf(payload: Record<string, unknown>, thingName: string, shadowName: string | undefined): HistoryCursor {
  const { history, t, s, v, o } = payload;
  if (
    history !== 1 ||
    t !== thingName ||
    s !== (shadowName ?? "") ||
    typeof v !== "number" ||
    !Number.isSafeInteger(v) ||
    (o !== "update" && o !== "delete")
  ) {
    throw new ServiceError("InvalidRequest", "Invalid nextToken");
  }
  return { version: v, operation: o };
}

function parsePageSize(raw: string | undefined): number {
  if (raw === undefined) return SHADOW_LIMITS.listPageSizeDefault;
  const size = /^\d{1,4}$/.test(raw) ? Number(raw) : NaN;
  if (!(size >= 1 && size <= SHADOW_LIMITS.listPageSizeMax)) {
    throw new ServiceError("InvalidRequest", `pageSize must be between 1 and ${SHADOW_LIMITS.listPageSizeMax}`);
  }
  return size;
}
