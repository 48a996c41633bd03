import type { Json, JsonObject } from "../../src/domain/shadow";
import { isEmptyObject, isJsonObject, jsonEquals } from "../../src/domain/shadow/json";

/** One changed leaf between two versions: its path (`desired.light.color`), and the value before and after. */
export interface DiffRow {
  path: string;
  before?: Json;
  after?: Json;
}

/**
 * The differences between two shadow states, leaf by leaf, in path order: what the history view shows between
 * two versions. Objects recurse; anything else (arrays included) compares as a whole value.
 */
export function diffStates(before: JsonObject, after: JsonObject): DiffRow[] {
  const rows: DiffRow[] = [];
  walk(before, after, "", rows);
  return rows.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function walk(before: JsonObject | undefined, after: JsonObject | undefined, prefix: string, rows: DiffRow[]): void {
  const keys = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  for (const key of keys) {
    const path = prefix === "" ? key : `${prefix}.${key}`;
    const a = before && Object.hasOwn(before, key) ? before[key] : undefined;
    const b = after && Object.hasOwn(after, key) ? after[key] : undefined;
    // An object on both sides, or a non-empty one on one side only, is walked leaf by leaf.
    const walkable = (v: Json | undefined, other: Json | undefined) =>
      v !== undefined && isJsonObject(v) && (isJsonObject(other) || (other === undefined && !isEmptyObject(v)));
    if (walkable(a, b) || walkable(b, a)) {
      walk(a !== undefined && isJsonObject(a) ? a : undefined, b !== undefined && isJsonObject(b) ? b : undefined, path, rows);
    } else if (a === undefined || b === undefined || !jsonEquals(a, b)) {
      rows.push({ path, ...(a !== undefined ? { before: a } : {}), ...(b !== undefined ? { after: b } : {}) });
    }
  }
}
