import type { ServiceError } from "../errors";
import { DATA_PLANE_STATUS } from "../errors";
import { computeDelta, computeDeltaWithMetadata } from "./delta";
import type { Json, JsonObject } from "./json";
import { metadataFor } from "./metadata";
import type { UpdateRequest } from "./request";
import type { ShadowSections, StoredShadow } from "./types";

// Member order follows the AWS examples (state, metadata, version, timestamp, clientToken); JSON
// consumers must not depend on it, but byte-comparing tests and humans reading logs do.

const withClientToken = (document: JsonObject, clientToken: string | undefined): JsonObject =>
  clientToken === undefined ? document : { ...document, clientToken };

/** `{desired?, reported?}` in that order; absent sections are omitted, never `null`. */
function sectionsDocument(sections: ShadowSections): JsonObject {
  return {
    ...(sections.desired ? { desired: sections.desired } : {}),
    ...(sections.reported ? { reported: sections.reported } : {}),
  };
}

/**
 * GetThingShadow body and `/get/accepted` [DG:device-shadow-data-flow]. The metadata has no `delta`
 * member (SDK v2 `ShadowMetadata`); a shadow emptied by `"state": null` reads `{"state":{},"metadata":{}}`.
 */
export function shadowDocument(shadow: StoredShadow, now: number, clientToken?: string): JsonObject {
  const delta = computeDelta(shadow.state.desired, shadow.state.reported);
  const state = { ...sectionsDocument(shadow.state), ...(delta ? { delta } : {}) };
  return withClientToken({ state, metadata: sectionsDocument(shadow.metadata), version: shadow.version, timestamp: now }, clientToken);
}

/** DeleteThingShadow body and `/delete/accepted`: the version the shadow had when deleted. */
export function deleteDocument(version: number, now: number, clientToken?: string): JsonObject {
  return withClientToken({ version, timestamp: now }, clientToken);
}

/**
 * MQTT `/rejected` document [seed4 "Error response documents"]. `timestamp` is "not present in all
 * error documents" (the AWS 404 and 409 samples omit it), so it is written only when given.
 */
export function errorDocument(error: ServiceError, now?: number, clientToken?: string): JsonObject {
  return withClientToken(
    {
      code: DATA_PLANE_STATUS[error.kind],
      message: error.message,
      ...(now !== undefined ? { timestamp: now } : {}),
    },
    clientToken,
  );
}

/**
 * `/update/accepted` and the UpdateThingShadow body: the request state echoed verbatim, nulls included,
 * with a stamp for every leaf of it; `"state": null` gets `"metadata":{"timestamp":T}` (moto aws_verified
 * `test_update_empty_state`; Greengrass `UpdateThingShadowRequestHandler`).
 */
export function acceptedDocument(request: UpdateRequest, version: number, now: number): JsonObject {
  // The request state is parsed JSON whose members are JsonObject | null: a Json value by construction.
  const state = request.state as Json;
  return withClientToken({ state, metadata: metadataFor(state, now), version, timestamp: now }, request.clientToken);
}

/**
 * `/update/delta`: the whole remaining difference (not only this update's part) after any accepted
 * update, with the desired metadata of those paths; `null` when there is nothing to publish
 * ([DG:device-shadow-mqtt]; aws-iot-device-sdk-embedded-C issue #15).
 */
export function deltaDocument(shadow: StoredShadow, now: number, clientToken?: string): JsonObject | null {
  const delta = computeDeltaWithMetadata(shadow.state.desired, shadow.state.reported, shadow.metadata.desired);
  if (!delta) return null;
  return withClientToken({ version: shadow.version, timestamp: now, state: delta.state, metadata: delta.metadata }, clientToken);
}

/**
 * `/update/documents` [seed4]: full desired/reported (no delta) before and after. `previous` is `null`
 * on a shadow's first version, new or re-created after a delete (Greengrass; cloud unverified, SDK v2
 * treats `previous` as optional).
 */
export function documentsDocument(previous: StoredShadow | null, current: StoredShadow, now: number, clientToken?: string): JsonObject {
  return withClientToken({ previous: previous ? snapshot(previous) : null, current: snapshot(current), timestamp: now }, clientToken);
}

const snapshot = (shadow: StoredShadow): JsonObject => ({
  state: sectionsDocument(shadow.state),
  metadata: sectionsDocument(shadow.metadata),
  version: shadow.version,
});
