import type { JsonObject } from "./json";
import { getMember, isEmptyObject, isJsonObject, jsonEquals, setMember } from "./json";

export interface DeltaWithMetadata {
  state: JsonObject;
  /** The desired metadata at the delta's paths, as the `/update/delta` message carries it. */
  metadata: JsonObject;
}

/**
 * The virtual `delta` section: what `desired` asks for that `reported` does not show
 * ([DG:device-shadow-document], [DG:device-shadow-mqtt]). `null` when empty, so callers omit
 * `state.delta` and publish no `/update/delta`.
 */
export function computeDelta(desired: JsonObject | undefined, reported: JsonObject | undefined): JsonObject | null {
  return computeDeltaWithMetadata(desired, reported, undefined)?.state ?? null;
}

export function computeDeltaWithMetadata(
  desired: JsonObject | undefined,
  reported: JsonObject | undefined,
  desiredMetadata: JsonObject | undefined,
): DeltaWithMetadata | null {
  if (!desired) return null;
  const delta = diff(desired, reported ?? {}, desiredMetadata ?? {});
  return isEmptyObject(delta.state) ? null : delta;
}

/**
 * Walks `desired` only, so keys found only in `reported` never appear. Objects on both sides recurse
 * and keep the path only when something below differs; any other pair is included whole when unequal
 * (arrays compared as whole values, numbers numerically).
 */
function diff(desired: JsonObject, reported: JsonObject, metadata: JsonObject): DeltaWithMetadata {
  const result: DeltaWithMetadata = { state: {}, metadata: {} };
  for (const [key, desiredValue] of Object.entries(desired)) {
    const reportedValue = getMember(reported, key);
    const valueMetadata = getMember(metadata, key);
    if (isJsonObject(desiredValue) && isJsonObject(reportedValue)) {
      const inner = diff(desiredValue, reportedValue, isJsonObject(valueMetadata) ? valueMetadata : {});
      if (isEmptyObject(inner.state)) continue;
      setMember(result.state, key, inner.state);
      setMember(result.metadata, key, inner.metadata);
      continue;
    }
    if (reportedValue !== undefined && jsonEquals(desiredValue, reportedValue)) continue;
    setMember(result.state, key, desiredValue);
    if (valueMetadata !== undefined) setMember(result.metadata, key, valueMetadata);
  }
  return result;
}
