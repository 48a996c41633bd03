/**
 * Shadow history, this project's extension (no AWS IoT API answers "what changed while I was away"): every
 * accepted change of a shadow (update or delete, REST or MQTT) is recorded with the change itself, in the same
 * transaction, and a bounded number of versions is kept per shadow. Pure: the thing's object stores the entries.
 */
import { ServiceError } from "../errors";
import { computeDelta } from "./delta";
import type { Json, JsonObject } from "./json";
import { getMember, isEmptyObject, isJsonObject, jsonEquals, setMember } from "./json";
import type { UpdateRequest } from "./request";
import type { ShadowSections, StoredShadow } from "./types";

export type HistoryOperation = "update" | "delete";

/** The shadow's state after a change: what GetThingShadow would have answered then (metadata left out). */
export interface HistoryState {
  desired?: JsonObject;
  reported?: JsonObject;
  delta?: JsonObject;
}

export interface HistoryEntry {
  /** The shadow's version after the change; a delete keeps the version the shadow had (DeleteThingShadow's body). */
  version: number;
  /** Epoch seconds, the change's own stamp. */
  timestamp: number;
  operation: HistoryOperation;
  /** An update's `state` exactly as the request sent it, nulls included (`null` for `"state": null`); absent for a delete. */
  request?: Json;
  clientToken?: string;
  /** desired / reported / delta after the change; `{}` after a delete. */
  state: HistoryState;
}

/**
 * Versions kept per shadow, and the page sizes of the history API. The default bound is the (100); a
 * deployment changes it with the `SHADOW_HISTORY_VERSIONS` variable (0 records nothing).
 */
export const HISTORY_LIMITS = {
  defaultVersions: 100,
  maxVersions: 1000,
  pageSizeMax: 100,
  pageSizeDefault: 50,
} as const;

/** `SHADOW_HISTORY_VERSIONS`: an integer from 0 to 1000; anything else falls back to the default, as the other knobs do. */
export function parseHistoryVersions(raw: string | undefined): number {
  if (raw === undefined || !/^\d{1,4}$/.test(raw.trim())) return HISTORY_LIMITS.defaultVersions;
  const value = Number(raw.trim());
  return value <= HISTORY_LIMITS.maxVersions ? value : HISTORY_LIMITS.defaultVersions;
}

export function updateHistoryEntry(request: UpdateRequest, shadow: StoredShadow, now: number): HistoryEntry {
  return {
    version: shadow.version,
    timestamp: now,
    operation: "update",
    // The parsed request state is JSON by construction (objects and nulls).
    request: request.state as Json,
    ...(request.clientToken !== undefined ? { clientToken: request.clientToken } : {}),
    state: historyState(shadow.state),
  };
}

export function deleteHistoryEntry(version: number, now: number, clientToken?: string): HistoryEntry {
  return { version, timestamp: now, operation: "delete", ...(clientToken !== undefined ? { clientToken } : {}), state: {} };
}

function historyState(sections: ShadowSections): HistoryState {
  const delta = computeDelta(sections.desired, sections.reported);
  return {
    ...(sections.desired ? { desired: sections.desired } : {}),
    ...(sections.reported ? { reported: sections.reported } : {}),
    ...(delta ? { delta } : {}),
  };
}

/**
 * Where a history page starts or continues: entries strictly after (version, operation), updates before the
 * delete of the same version (a delete keeps the version of the update before it).
 */
export interface HistoryCursor {
  version: number;
  operation: HistoryOperation;
}

/** The cursor for `fromVersion`: everything from that version on. */
export const cursorBeforeVersion = (fromVersion: number): HistoryCursor => ({ version: fromVersion - 1, operation: "delete" });

/** A version number from a query parameter: a non-negative safe integer written in decimal. */
export function parseVersionParameter(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const value = /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(value)) throw new ServiceError("InvalidRequest", `${name} must be a non-negative integer`);
  return value;
}

export function parseHistoryPageSize(raw: string | undefined): number {
  if (raw === undefined) return HISTORY_LIMITS.pageSizeDefault;
  const size = /^\d{1,4}$/.test(raw) ? Number(raw) : NaN;
  if (!(size >= 1 && size <= HISTORY_LIMITS.pageSizeMax)) {
    throw new ServiceError("InvalidRequest", `maxResults must be between 1 and ${HISTORY_LIMITS.pageSizeMax}`);
  }
  return size;
}

/** What a changes request answers: the net change of desired and reported from `fromVersion` to `version`. */
export interface ShadowChanges {
  fromVersion: number;
  version: number;
  /** An update document: applied to the state at `fromVersion` (as UpdateThingShadow merges), it gives the current state. */
  state: { desired?: JsonObject | null; reported?: JsonObject | null };
}

/**
 * The net change between the state a device saw at `sinceVersion` and the current shadow. `recorded` is the
 * entry of that version's update, or undefined when no such entry is kept (pruned, or older than the history).
 */
export function shadowChanges(
  sinceVersion: number,
  recorded: HistoryEntry | undefined,
  current: StoredShadow,
  oldestKept: number | undefined,
): ShadowChanges {
  if (sinceVersion > current.version) {
    throw new ServiceError("InvalidRequest", `sinceVersion ${sinceVersion} is newer than the shadow's version ${current.version}`);
  }
  if (sinceVersion === current.version) return { fromVersion: sinceVersion, version: current.version, state: {} };
  if (!recorded) {
    const kept = oldestKept === undefined ? "no earlier version is kept" : `the oldest version kept is ${oldestKept}`;
    throw new ServiceError(
      "TrimmedData",
      `Version ${sinceVersion} is no longer in this shadow's history (${kept}); read the whole shadow with GetThingShadow instead`,
    );
  }
  return { fromVersion: sinceVersion, version: current.version, state: sectionsPatch(recorded.state, current.state) };
}

/**
 * The update document that turns `from` into `to` (desired and reported): a section that disappeared is `null`,
 * a new one is given whole, a changed one as an object patch; unchanged sections are left out.
 */
export function sectionsPatch(from: ShadowSections, to: ShadowSections): ShadowChanges["state"] {
  const patch: ShadowChanges["state"] = {};
  for (const section of ["desired", "reported"] as const) {
    const before = from[section];
    const after = to[section];
    if (!after) {
      if (before) patch[section] = null;
      continue;
    }
    if (!before) {
      patch[section] = after;
      continue;
    }
    const changed = objectPatch(before, after);
    if (!isEmptyObject(changed)) patch[section] = changed;
  }
  return patch;
}

/**
 * A merge patch from `before` to `after` with the shadow's merge rules (domain/shadow/merge.ts): a removed key is
 * `null`, an object on both sides recurses, anything else that differs is given whole (arrays are whole values).
 */
export function objectPatch(before: JsonObject, after: JsonObject): JsonObject {
  const patch: JsonObject = {};
  for (const [key, value] of Object.entries(after)) {
    const old = getMember(before, key);
    if (old === undefined) {
      setMember(patch, key, value);
    } else if (isJsonObject(old) && isJsonObject(value)) {
      const inner = objectPatch(old, value);
      // `{}` stays `{}` when merged onto a scalar or array, but merging `{}` onto an object changes nothing:
      // an object emptied by the change is a patch of nulls, which the recursion gives.
      if (!isEmptyObject(inner)) setMember(patch, key, inner);
    } else if (!jsonEquals(old, value)) {
      setMember(patch, key, value);
    }
  }
  for (const key of Object.keys(before)) {
    if (!Object.hasOwn(after, key)) setMember(patch, key, null);
  }
  return patch;
}
