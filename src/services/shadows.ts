import { ServiceError } from "../domain/errors";
import { jsonMessage, type Message } from "../domain/message";
import { failure, type Outcome, success } from "../domain/outcome";
import {
  applyShadowUpdate,
  deleteDocument,
  errorDocument,
  extractClientToken,
  parseGetOrDeleteRequest,
  parseUpdateRequest,
  shadowDocument,
  shadowNotFoundMessage,
  validateShadowName,
  validateThingName,
} from "../domain/shadow";
import {
  deleteHistoryEntry,
  type HistoryCursor,
  type HistoryEntry,
  type ShadowChanges,
  shadowChanges,
  updateHistoryEntry,
} from "../domain/shadow/history";
import { shadowTopicPrefix } from "../domain/topics";
import { CLASSIC, type ShadowStore } from "../storage/shadows";

export type ShadowOperation = "get" | "update" | "delete";

export interface ShadowRequest {
  thingName: string;
  shadowName?: string;
  operation: ShadowOperation;
  payload: Uint8Array;
  /** REST callers get the document in the response; MQTT callers get it on `/accepted` or `/rejected`. */
  origin: "http" | "mqtt";
}

export interface ShadowResult {
  /** The response document (JSON text) or the error. */
  outcome: Outcome<string>;
  /** Messages to publish, in order: accepted, documents, delta; or the /rejected document of an MQTT request. */
  notifications: Message[];
  /** Set when the request created or deleted a shadow: the thing's entry in the fleet directory may change. */
  lifecycle?: "created" | "deleted";
}

/**
 * One shadow request against one thing's store: the whole read-modify-write happens here, synchronously,
 * so the Durable Object that calls it serializes it and commits it in one transaction.
 */
export function handleShadowRequest(store: ShadowStore, request: ShadowRequest, now: number): ShadowResult {
  const prefix = shadowTopicPrefix(request.thingName, request.shadowName);
  const topic = `${prefix}/${request.operation}`;
  try {
    validateThingName(request.thingName);
    if (request.shadowName !== undefined) validateShadowName(request.shadowName);
    const key = request.shadowName ?? CLASSIC;
    switch (request.operation) {
      case "get": {
        const { clientToken } = request.origin === "mqtt" ? parseGetOrDeleteRequest(request.payload) : {};
        const { live } = store.read(key, now);
        if (!live) throw new ServiceError("ResourceNotFound", shadowNotFoundMessage(request.thingName, request.shadowName));
        const document = shadowDocument(live, now, clientToken);
        // A REST GET publishes nothing (shadow-semantics.md §2).
        const notifications = request.origin === "mqtt" ? [jsonMessage(`${topic}/accepted`, document)] : [];
        return { outcome: success(JSON.stringify(document)), notifications };
      }
      case "update": {
        const update = parseUpdateRequest(request.payload);
        const { live, deletedVersion } = store.read(key, now);
        const result = applyShadowUpdate(live, update, now, deletedVersion);
        store.write(key, result.shadow);
        store.appendHistory(key, updateHistoryEntry(update, result.shadow, now));
        if (!live) store.purgeExpiredHistory(now);
        const notifications = [jsonMessage(`${topic}/accepted`, result.accepted), jsonMessage(`${topic}/documents`, result.documents)];
        if (result.delta) notifications.push(jsonMessage(`${topic}/delta`, result.delta));
        // REST updates publish exactly what MQTT updates do (spec pitfall 14).
        return { outcome: success(JSON.stringify(result.accepted)), notifications, ...(live ? {} : { lifecycle: "created" as const }) };
      }
      case "delete": {
        const { clientToken } = request.origin === "mqtt" ? parseGetOrDeleteRequest(request.payload) : {};
        const { live } = store.read(key, now);
        if (!live) throw new ServiceError("ResourceNotFound", shadowNotFoundMessage(request.thingName, request.shadowName));
        store.markDeleted(key, live.version, now);
        // A delete is a change like any other: its entry keeps the history readable while the version is remembered.
        store.appendHistory(key, deleteHistoryEntry(live.version, now, clientToken));
        store.purgeExpiredHistory(now);
        const document = deleteDocument(live.version, now, clientToken);
        return { outcome: success(JSON.stringify(document)), notifications: [jsonMessage(`${topic}/accepted`, document)], lifecycle: "deleted" };
      }
    }
  } catch (error) {
    if (!(error instanceof ServiceError)) throw error;
    // REST errors never produce MQTT /rejected messages (shadow-semantics.md §2).
    const notifications =
      request.origin === "mqtt"
        ? [jsonMessage(`${topic}/rejected`, errorDocument(error, rejectionTimestamp(error, now), extractClientToken(request.payload)))]
        : [];
    return { outcome: failure(error), notifications };
  }
}

export interface HistoryRequest {
  thingName: string;
  shadowName?: string;
  after: HistoryCursor;
  limit: number;
}

export interface HistoryPage {
  entries: HistoryEntry[];
  /** Where the next page starts, when more entries may follow. */
  next?: HistoryCursor;
}

/**
 * A page of a shadow's history. The history of a live shadow, or of one deleted within the deleted-version window
 * (its last entry is the delete); any other shadow does not exist (ResourceNotFound, as GetThingShadow).
 */
export function readShadowHistory(store: ShadowStore, request: HistoryRequest, now: number): HistoryPage {
  const key = existingShadowKey(store, request.thingName, request.shadowName, now, { includeDeleted: true });
  const entries = store.history(key, request.after, request.limit + 1);
  const page = entries.slice(0, request.limit);
  const last = page[page.length - 1];
  return entries.length > request.limit && last ? { entries: page, next: { version: last.version, operation: last.operation } } : { entries: page };
}

/** The net change of a live shadow since `sinceVersion` (domain/shadow/history.ts `shadowChanges`). */
export function readShadowChanges(
  store: ShadowStore,
  thingName: string,
  shadowName: string | undefined,
  sinceVersion: number,
  now: number,
): ShadowChanges {
  const key = existingShadowKey(store, thingName, shadowName, now, { includeDeleted: false });
  const { live } = store.read(key, now);
  // existingShadowKey checked it exists.
  const current = live!;
  const recorded = sinceVersion < current.version ? store.historyAt(key, sinceVersion) : undefined;
  return shadowChanges(sinceVersion, recorded, current, recorded ? undefined : store.oldestHistoryVersion(key));
}

function existingShadowKey(
  store: ShadowStore,
  thingName: string,
  shadowName: string | undefined,
  now: number,
  options: { includeDeleted: boolean },
): string {
  validateThingName(thingName);
  if (shadowName !== undefined) validateShadowName(shadowName);
  const key = shadowName ?? CLASSIC;
  const row = store.read(key, now);
  if (!row.live && !(options.includeDeleted && row.deletedVersion !== undefined)) {
    throw new ServiceError("ResourceNotFound", shadowNotFoundMessage(thingName, shadowName));
  }
  return key;
}

/** AWS's 404 and 409 error documents carry no timestamp; the others do (shadow-semantics.md §7). */
function rejectionTimestamp(error: ServiceError, now: number): number | undefined {
  return error.kind === "ResourceNotFound" || error.kind === "Conflict" ? undefined : now;
}
