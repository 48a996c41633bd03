import type { Json, JsonObject } from "./json";
import { isJsonObject, setMember } from "./json";

/**
 * Metadata mirrors the state shape: every leaf becomes `{"timestamp":T}`, objects stay objects and
 * arrays become arrays of per-element metadata ([DG:using-device-shadows] examples). A `null` leaf is
 * stamped too: the accepted document carries a timestamp for each deleted key.
 */
export function metadataFor(value: Json, timestamp: number): Json {
  if (Array.isArray(value)) return value.map((item) => metadataFor(item, timestamp));
  if (isJsonObject(value)) {
    const metadata: JsonObject = {};
    for (const [key, member] of Object.entries(value)) setMember(metadata, key, metadataFor(member, timestamp));
    return metadata;
  }
  return { timestamp };
}
