import { Hono } from "hono";
import { ANY_RESOURCE, iotArn } from "../../auth";
import { mayPublish } from "../../auth/mqtt";
import { ServiceError } from "../../domain/errors";
import { decodeTopic, parsePublishRequest } from "../../domain/publish";
import {
  LIST_RETAINED_MAX_RESULTS,
  parseRetainedCursor,
  RETAINED_SHARD_COUNT,
  type RetainedCursor,
  type RetainedSummary,
  retainedCursorPayload,
  retainedMessageDocument,
} from "../../domain/retained";
import { retainedMessage, routePublish } from "../../objects/fanout";
import { type AppContext, type AppEnv, bodyBytes } from "../context";
import { requirePermission } from "../middleware/auth";
import { openPageToken, sealPageToken } from "../pageTokens";

export const topicRoutes = new Hono<AppEnv>();

/** The raw remainder of the path after `prefix`: topics travel with `/` raw (curl) or as `%2F` (the SDK). */
function rawTopicAfter(c: AppContext, prefix: string): string {
  const path = new URL(c.req.url).pathname;
  return path.slice(prefix.length);
}

topicRoutes.post("/topics/*", async (c) => {
  const message = parsePublishRequest({
    rawTopic: rawTopicAfter(c, "/topics/"),
    query: new URL(c.req.url).searchParams,
    headers: c.req.raw.headers,
    payload: await bodyBytes(c),
  });
  // The one publish authorization every entry point uses (HTTP, MQTT PUBLISH, wills).
  if (!mayPublish(c.get("principal"), { region: c.env.REGION, account: c.env.ACCOUNT_ID }, message)) throw new ServiceError("Forbidden", "Forbidden");
  await routePublish(c.env, message);
  return c.json({ message: "OK", traceId: crypto.randomUUID() });
});

// Registered before `/retainedMessage/*`, which also matches the bare path.
topicRoutes.get("/retainedMessage", async (c) => {
  requirePermission(c, "iot:ListRetainedMessages", ANY_RESOURCE);
  const maxResults = parseMaxResults(c.req.query("maxResults"));
  const nextToken = c.req.query("nextToken");
  let cursor: RetainedCursor = { shard: 0, after: "" };
  if (nextToken !== undefined) {
    const parsed = parseRetainedCursor(await openPageToken(c.env, nextToken));
    if (!parsed) throw new ServiceError("InvalidRequest", "Invalid nextToken");
    cursor = parsed;
  }
  // Walk the shards in order, each in topic order: every topic retained for the whole walk is listed exactly once.
  const retainedTopics: RetainedSummary[] = [];
  let next: RetainedCursor | undefined = cursor;
  while (next && retainedTopics.length < maxResults) {
    const wanted = maxResults - retainedTopics.length;
    const page = await c.env.RETAINED.getByName(`retained-${next.shard}`).list(next.after, wanted + 1);
    retainedTopics.push(...page.slice(0, wanted));
    if (page.length > wanted) next = { shard: next.shard, after: retainedTopics[retainedTopics.length - 1]!.topic };
    else next = next.shard + 1 < RETAINED_SHARD_COUNT ? { shard: next.shard + 1, after: "" } : undefined;
  }
  const body: Record<string, unknown> = { retainedTopics };
  if (next) body.nextToken = await sealPageToken(c.env, retainedCursorPayload(next));
  return c.json(body);
});

topicRoutes.get("/retainedMessage/*", async (c) => {
  const topic = decodeTopic(rawTopicAfter(c, "/retainedMessage/"));
  if (topic === "") throw new ServiceError("InvalidRequest", "The topic must not be empty");
  requirePermission(c, "iot:GetRetainedMessage", iotArn.topic(c.env.REGION, c.env.ACCOUNT_ID, topic));
  const record = await retainedMessage(c.env, topic);
  if (!record) throw new ServiceError("ResourceNotFound", `No retained message exists for topic: '${topic}'`);
  return c.json(retainedMessageDocument(record));
});

function parseMaxResults(raw: string | undefined): number {
  if (raw === undefined) return LIST_RETAINED_MAX_RESULTS;
  const value = /^\d{1,4}$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= 1 && value <= LIST_RETAINED_MAX_RESULTS)) {
    throw new ServiceError("InvalidRequest", `maxResults must be between 1 and ${LIST_RETAINED_MAX_RESULTS}`);
  }
  return value;
}
