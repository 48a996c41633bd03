import { Hono } from "hono";
import { iotArn } from "../../auth";
import {
  connectionDocument,
  directMessageError,
  parseBooleanQuery,
  parseClientIdLabel,
  parseDirectMessageRequest,
  parseSubscriptionsCursor,
  parseSubscriptionsMaxResults,
  subscriptionsCursorPayload,
  subscriptionsPage,
} from "../../domain/connections";
import { ServiceError } from "../../domain/errors";
import { clientRegistry, hubStub } from "../../objects/stubs";
import { type AppContext, type AppEnv, bodyBytes } from "../context";
import { requirePermission } from "../middleware/auth";
import { openPageToken, sealPageToken } from "../pageTokens";

/**
 * The data plane's connection operations (spec connections.md; routes of the Smithy model iot-data-plane):
 * `GET|DELETE /connections/{clientId}`, `GET /connections/{clientId}/subscriptions`,
 * `POST /connections/{clientId}/messages`. Each is authorized on `client/{clientId}` and answered by the hub that
 * holds the client's session, found through the client id registry.
 */
export const connectionRoutes = new Hono<AppEnv>();

/** The client id (percent-decoded from the raw path: the SDK sends `/` in a client id as `%2F`) and what follows it. */
function target(c: AppContext): { clientId: string; rest: string } {
  const path = new URL(c.req.url).pathname.slice("/connections/".length);
  const slash = path.indexOf("/");
  return { clientId: parseClientIdLabel(slash === -1 ? path : path.slice(0, slash)), rest: slash === -1 ? "" : path.slice(slash) };
}

const clientArn = (c: AppContext, clientId: string) => iotArn.client(c.env.REGION, c.env.ACCOUNT_ID, clientId);

const notFound = (clientId: string) => new ServiceError("ResourceNotFound", `No connection or session found for client ID ${clientId}`);

/** The hub holding the client's connection or session (`live`), or for a while the one where its session ended. */
async function hubOf(c: AppContext, clientId: string, options: { ended?: boolean } = {}) {
  const found = await clientRegistry(c.env, clientId).find(clientId);
  if (!found || (!found.live && !options.ended)) throw notFound(clientId);
  return hubStub(c.env, found.hub);
}

connectionRoutes.get("/connections/*", async (c) => {
  const { clientId, rest } = target(c);
  const query = new URL(c.req.url).searchParams;
  if (rest === "") {
    const includeSocketInformation = parseBooleanQuery("includeSocketInformation", query.get("includeSocketInformation"));
    requirePermission(c, "iot:GetConnection", clientArn(c, clientId));
    const view = await (await hubOf(c, clientId, { ended: true })).connectionView(clientId);
    if (!view) throw notFound(clientId);
    return c.json(connectionDocument(view, { includeSocketInformation, now: Date.now() }));
  }
  if (rest === "/subscriptions") {
    const maxResults = parseSubscriptionsMaxResults(query.get("maxResults"));
    const nextToken = query.get("nextToken");
    const after =
      nextToken !== null && nextToken !== "" ? parseSubscriptionsCursor(await openPageToken(c.env, nextToken), clientId).after : undefined;
    requirePermission(c, "iot:ListSubscriptions", clientArn(c, clientId));
    const all = await (await hubOf(c, clientId)).subscriptionsOf(clientId);
    if (!all) throw notFound(clientId);
    const page = subscriptionsPage(all, after, maxResults);
    const body: Record<string, unknown> = { subscriptions: page.subscriptions };
    if (page.last !== undefined) body.nextToken = await sealPageToken(c.env, subscriptionsCursorPayload({ clientId, after: page.last }));
    return c.json(body);
  }
  return noRoute(c);
});

connectionRoutes.delete("/connections/*", async (c) => {
  const { clientId, rest } = target(c);
  if (rest !== "") return noRoute(c);
  const query = new URL(c.req.url).searchParams;
  const cleanSession = parseBooleanQuery("cleanSession", query.get("cleanSession"));
  const preventWillMessage = parseBooleanQuery("preventWillMessage", query.get("preventWillMessage"));
  requirePermission(c, "iot:DeleteConnection", clientArn(c, clientId));
  const deleted = await (await hubOf(c, clientId)).deleteConnection(clientId, { cleanSession, preventWillMessage });
  if (!deleted) throw notFound(clientId);
  // 200 with no body: the operation's output is Unit.
  return c.body(null, 200);
});

connectionRoutes.post("/connections/*", async (c) => {
  const { clientId, rest } = target(c);
  if (rest !== "/messages") return noRoute(c);
  const request = parseDirectMessageRequest({
    query: new URL(c.req.url).searchParams,
    headers: c.req.raw.headers,
    payload: await bodyBytes(c),
  });
  // The sender's right; the receiver's iot:Receive is checked by its hub. (The iot:Topic condition key of AWS's
  // direct-messaging policies is not supported: this policy engine refuses Condition elements.)
  requirePermission(c, "iot:SendDirectMessage", clientArn(c, clientId));
  const found = await clientRegistry(c.env, clientId).find(clientId);
  if (!found?.live) throw directMessageError("not-connected", clientId)!;
  const outcome = await hubStub(c.env, found.hub).directMessage(clientId, request.message, { timeoutMs: request.timeoutSeconds * 1000 });
  const error = directMessageError(outcome, clientId);
  if (error) throw error;
  return c.json({ message: request.confirmation ? "Message delivered and acknowledged" : "Message sent", traceId: crypto.randomUUID() });
});

function noRoute(c: AppContext): never {
  throw new ServiceError("MethodNotAllowed", `No route for ${c.req.method} ${c.req.path}`);
}
