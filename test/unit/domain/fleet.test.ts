import { describe, expect, it } from "vitest";
import {
  FLEET_SHARD_COUNT,
  fleetCursorPayload,
  fleetShardName,
  fleetShardNames,
  mergeFleetPages,
  parseFleetCursor,
  parseFleetPageSize,
  parseThingNamePrefix,
} from "../../../src/domain/fleet";
import { errorOf } from "../../helpers/errors";

const things = (...names: string[]) => names.map((thingName) => ({ thingName, shadowCount: 1 }));

describe("fleet directory", () => {
  it("places a thing in one of 16 shards by a stable hash of its name", () => {
    expect(fleetShardNames()).toHaveLength(FLEET_SHARD_COUNT);
    // FNV-1a: the placement must never change once deployed (a different one would strand entries).
    expect(fleetShardName("lamp")).toBe(fleetShardName("lamp"));
    const used = new Set(Array.from({ length: 200 }, (_, i) => fleetShardName(`thing-${i}`)));
    expect(used.size).toBe(FLEET_SHARD_COUNT);
    for (const name of used) expect(fleetShardNames()).toContain(name);
  });

  it("merges the shards' sorted answers into one page in name order, and says whether more follow", () => {
    const pages = [things("a", "d", "g"), things("b", "c"), things(), things("e", "f", "h")];
    expect(mergeFleetPages(pages, 4)).toEqual({ things: things("a", "b", "c", "d"), more: true });
    expect(mergeFleetPages(pages, 8)).toEqual({ things: things("a", "b", "c", "d", "e", "f", "g", "h"), more: false });
  });

  it("reads maxResults from 1 to 100 (default 50) and a thing-name prefix", () => {
    expect(parseFleetPageSize(undefined)).toBe(50);
    expect(parseFleetPageSize("100")).toBe(100);
    for (const bad of ["0", "101", "x", ""]) expect(errorOf(() => parseFleetPageSize(bad)).kind).toBe("InvalidRequest");
    expect(parseThingNamePrefix(undefined)).toBe("");
    expect(parseThingNamePrefix("lamp-")).toBe("lamp-");
    for (const bad of ["a b", "x".repeat(129), "lamp/"]) expect(errorOf(() => parseThingNamePrefix(bad)).kind).toBe("InvalidRequest");
  });

  it("binds a nextToken to the prefix it was made for", () => {
    expect(parseFleetCursor(fleetCursorPayload("lamp-", "lamp-7"), "lamp-")).toBe("lamp-7");
    expect(errorOf(() => parseFleetCursor(fleetCursorPayload("lamp-", "lamp-7"), "")).kind).toBe("InvalidRequest");
    expect(errorOf(() => parseFleetCursor({ p: "", a: "x" }, "")).kind).toBe("InvalidRequest");
    expect(errorOf(() => parseFleetCursor({ fleet: 1, p: "", a: 5 }, "")).kind).toBe("InvalidRequest");
  });
});
