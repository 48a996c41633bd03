import type { JsonObject } from "./json";
import { getMember, isJsonObject, setMember } from "./json";
import { metadataFor } from "./metadata";

/** One stored section (`desired` or `reported`) with its metadata tree. */
export interface SectionWithMetadata {
  state: JsonObject;
  metadata: JsonObject;
}

/**
 * Applies a request section onto a stored section (rules from [DG:device-shadow-document],
 * [DG:device-shadow-data-flow]; spec §4). Pure: touched levels are copied, untouched subtrees shared.
 * - `null` deletes the key and its metadata; deleting an absent key is a no-op.
 * - object onto object recurses, so keys absent from the patch keep their values and timestamps.
 * - anything else (scalar, array, type change) replaces the old value whole and restamps it.
 * - nulls inside a newly written object are stripped; an object made only of nulls writes nothing.
 * - `{}` is stored as an empty object (cloud behaviour recorded by moto's aws_verified
 *   `test_update_desired`; Greengrass differs and treats it like null).
 */
export function mergeSection(current: SectionWithMetadata, patch: JsonObject, timestamp: number): SectionWithMetadata {
  const state = { ...current.state };
  const metadata = { ...current.metadata };
  for (const [key, patchValue] of Object.entries(patch)) {
    if (patchValue === null) {
      delete state[key];
      delete metadata[key];
      continue;
    }
    const oldValue = getMember(current.state, key);
    if (isJsonObject(patchValue) && isJsonObject(oldValue)) {
      const oldMetadata = getMember(current.metadata, key);
      const merged = mergeSection({ state: oldValue, metadata: isJsonObject(oldMetadata) ? oldMetadata : {} }, patchValue, timestamp);
      setMember(state, key, merged.state);
      setMember(metadata, key, merged.metadata);
      continue;
    }
    const value = isJsonObject(patchValue) ? withoutNulls(patchValue) : patchValue;
    if (value === undefined) continue;
    setMember(state, key, value);
    setMember(metadata, key, metadataFor(value, timestamp));
  }
  return { state, metadata };
}

/**
 * A new object minus its null members (recursively); `undefined` when nulls were all it held, so that
 * such a key is not created (Greengrass `JsonMerger.createMergeTree`). An object that was empty to
 * begin with is kept.
 */
function withoutNulls(object: JsonObject): JsonObject | undefined {
  const result: JsonObject = {};
  let droppedNull = false;
  for (const [key, value] of Object.entries(object)) {
    const kept = value === null ? undefined : isJsonObject(value) ? withoutNulls(value) : value;
    if (kept === undefined) droppedNull = true;
    else setMember(result, key, kept);
  }
  return droppedNull && Object.keys(result).length === 0 ? undefined : result;
}
