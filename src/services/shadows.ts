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
        const notifications = [jsonMessage(`${topic}/accepted`, result.accepted), jsonMessage(`${topic}/documents`, result.documents)];
        if (result.delta) notifications.push(jsonMessage(`${topic}/delta`, result.delta));
        // REST updates publish exactly what MQTT updates do (spec pitfall 14).
        return { outcome: success(JSON.stringify(result.accepted)), notifications };
      }
      case "delete": {
        const { clientToken } = request.origin === "mqtt" ? parseGetOrDeleteRequest(request.payload) : {};
        const { live } = store.read(key, now);
        if (!live) throw new ServiceError("ResourceNotFound", shadowNotFoundMessage(request.thingName, request.shadowName));
        store.markDeleted(key, live.version, now);
        const document = deleteDocument(live.version, now, clientToken);
        return { outcome: success(JSON.stringify(document)), notifications: [jsonMessage(`${topic}/accepted`, document)] };
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

/** AWS's 404 and 409 error documents carry no timestamp; the others do (shadow-semantics.md §7). */
function rejectionTimestamp(error: ServiceError, now: number): number | undefined {
  return error.kind === "ResourceNotFound" || error.kind === "Conflict" ? undefined : now;
}
