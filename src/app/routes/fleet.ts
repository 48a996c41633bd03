import { Hono } from "hono";
import { ANY_RESOURCE } from "../../auth";
import {
  type FleetThing,
  fleetCursorPayload,
  fleetShardNames,
  mergeFleetPages,
  parseFleetCursor,
  parseFleetPageSize,
  parseThingNamePrefix,
} from "../../domain/fleet";
import type { AppEnv } from "../context";
import { requirePermission } from "../middleware/auth";
import { openPageToken, sealPageToken } from "../pageTokens";

export const fleetRoutes = new Hono<AppEnv>();

/**
 * ListThingsWithShadows, this project's extension (domain/fleet.ts): the things that have at least one shadow, in
 * name order, paged. Like ListThings it is an account-wide listing, authorized on `*` with its own action, so a
 * policy grants it explicitly (or with `iot:*` / `iot:List*`); reading each shadow still needs GetThingShadow.
 */
fleetRoutes.get("/api/things/shadow/ListThingsWithShadows", async (c) => {
  requirePermission(c, "iot:ListThingsWithShadows", ANY_RESOURCE);
  const limit = parseFleetPageSize(c.req.query("maxResults"));
  const prefix = parseThingNamePrefix(c.req.query("thingNamePrefix"));
  const nextToken = c.req.query("nextToken");
  const after = nextToken === undefined ? "" : parseFleetCursor(await openPageToken(c.env, nextToken), prefix);
  // Every shard gives its next names (one more than a page, to know whether more follow): a page costs one small
  // read per shard, whatever the size of the fleet.
  const pages: FleetThing[][] = await Promise.all(
    fleetShardNames().map((shard) => c.env.FLEET.getByName(shard).list({ prefix, after, limit: limit + 1 })),
  );
  const { things, more } = mergeFleetPages(pages, limit);
  const body: Record<string, unknown> = { things };
  const last = things[things.length - 1];
  if (more && last) body.nextToken = await sealPageToken(c.env, fleetCursorPayload(prefix, last.thingName));
  body.timestamp = Math.floor(Date.now() / 1000);
  return c.json(body);
});
