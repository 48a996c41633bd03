import { ServiceError } from "../errors";
import { acceptedDocument, deltaDocument, documentsDocument } from "./documents";
import type { JsonObject } from "./json";
import { compactJsonByteLength, isEmptyObject } from "./json";
import { SHADOW_LIMITS } from "./limits";
import { mergeSection } from "./merge";
import { SHADOW_ERROR_MESSAGES as MSG } from "./messages";
import type { UpdateRequest } from "./request";
import type { ShadowSections, StoredShadow } from "./types";

export interface UpdateResult {
  /** The new stored shadow (persist this). */
  shadow: StoredShadow;
  /** `/update/accepted`, identical to the UpdateThingShadow HTTP body. */
  accepted: JsonObject;
  /** `/update/delta`, `null` when the delta is empty (nothing to publish). */
  delta: JsonObject | null;
  /** `/update/documents`. */
  documents: JsonObject;
}

const SECTIONS = ["desired", "reported"] as const;

/**
 * Applies a validated update. `current` is `null` when the shadow does not exist; `deletedVersion` is
 * the version of a shadow deleted within the last 48 h, which the re-creating update continues from
 * [DG:device-shadow-data-flow]. `now` is integer epoch seconds, used for every stamp of this update.
 * Throws without side effects: Conflict (409), InvalidRequest (version on a missing shadow) or
 * RequestEntityTooLarge (413).
 */
export function applyShadowUpdate(current: StoredShadow | null, request: UpdateRequest, now: number, deletedVersion?: number): UpdateResult {
  const version = nextVersion(current, request.version, deletedVersion);
  const merged = mergeState(current, request.state, now);
  assertWithinSizeLimit(merged.state);
  const shadow: StoredShadow = { ...merged, version };
  return {
    shadow,
    accepted: acceptedDocument(request, version, now),
    delta: deltaDocument(shadow, now, request.clientToken),
    documents: documentsDocument(current, shadow, now, request.clientToken),
  };
}

/**
 * Every accepted update adds one, even one that changes nothing. With `version` in the request the
 * update applies only if it equals the current version, else 409 [DG:device-shadow-data-flow]. A
 * missing shadow has no current version: the request may only name the version the update will create
 * — 1 for a new shadow, as Greengrass accepts (else 400 `Invalid version`; cloud unverified), and by
 * the same rule deleted version + 1 for a re-created one.
 */
function nextVersion(current: StoredShadow | null, requested: number | undefined, deletedVersion?: number): number {
  if (current) {
    if (requested !== undefined && requested !== current.version) {
      throw new ServiceError("Conflict", MSG.versionConflict);
    }
    return current.version + 1;
  }
  const created = (deletedVersion ?? 0) + 1;
  if (requested !== undefined && requested !== created) throw new ServiceError("InvalidRequest", MSG.invalidVersion);
  return created;
}

/**
 * `"state": null` clears both sections; a `null` section removes it; an absent section is untouched;
 * a section left empty is dropped (spec §4 rules 1, 2, 7).
 */
function mergeState(current: StoredShadow | null, patch: UpdateRequest["state"], now: number): { state: ShadowSections; metadata: ShadowSections } {
  const result: { state: ShadowSections; metadata: ShadowSections } = { state: {}, metadata: {} };
  if (patch === null) return result;
  for (const section of SECTIONS) {
    const stored = current?.state[section];
    const storedMetadata = current?.metadata[section] ?? {};
    const sectionPatch = patch[section];
    if (sectionPatch === null) continue;
    const merged =
      sectionPatch === undefined
        ? stored && { state: stored, metadata: storedMetadata }
        : mergeSection({ state: stored ?? {}, metadata: storedMetadata }, sectionPatch, now);
    if (!merged || isEmptyObject(merged.state)) continue;
    result.state[section] = merged.state;
    result.metadata[section] = merged.metadata;
  }
  return result;
}

/** Only the stored desired + reported count, as compact JSON, metadata excluded [DG:diagnosing-shadows]. */
function assertWithinSizeLimit(state: ShadowSections): void {
  const bytes = SECTIONS.reduce((sum, section) => {
    const value = state[section];
    return value ? sum + compactJsonByteLength(value) : sum;
  }, 0);
  if (bytes > SHADOW_LIMITS.maxStateBytes) throw new ServiceError("RequestEntityTooLarge", MSG.payloadTooLarge);
}
