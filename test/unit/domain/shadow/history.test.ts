import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Json, JsonObject } from "../../../../src/domain/shadow";
import {
  cursorBeforeVersion,
  deleteHistoryEntry,
  HISTORY_LIMITS,
  type HistoryEntry,
  objectPatch,
  parseHistoryPageSize,
  parseHistoryVersions,
  parseVersionParameter,
  sectionsPatch,
  shadowChanges,
  updateHistoryEntry,
} from "../../../../src/domain/shadow/history";
import { mergeSection } from "../../../../src/domain/shadow/merge";
import type { ShadowSections, StoredShadow } from "../../../../src/domain/shadow/types";
import { errorOf } from "../../../helpers/errors";

const T = 1_700_000_000;
const shadow = (state: ShadowSections, version: number): StoredShadow => ({ state, metadata: {}, version });

describe("history entries", () => {
  it("records an update's request state verbatim (nulls included), its client token, and the resulting desired, reported and delta", () => {
    const entry = updateHistoryEntry(
      { state: { desired: { on: true, old: null }, reported: null }, clientToken: "c-1" },
      shadow({ desired: { on: true }, reported: { on: false, rssi: -40 } }, 7),
      T,
    );
    expect(entry).toEqual({
      version: 7,
      timestamp: T,
      operation: "update",
      request: { desired: { on: true, old: null }, reported: null },
      clientToken: "c-1",
      state: { desired: { on: true }, reported: { on: false, rssi: -40 }, delta: { on: true } },
    });
  });

  it('records `"state": null` as a null request and an emptied shadow', () => {
    expect(updateHistoryEntry({ state: null }, shadow({}, 3), T)).toEqual({
      version: 3,
      timestamp: T,
      operation: "update",
      request: null,
      state: {},
    });
  });

  it("records a delete with the version the shadow had and nothing left", () => {
    expect(deleteHistoryEntry(4, T, "tok")).toEqual({ version: 4, timestamp: T, operation: "delete", clientToken: "tok", state: {} });
  });
});

describe("configuration and parameters", () => {
  it.each([
    [undefined, 100],
    ["100", 100],
    ["0", 0],
    ["5", 5],
    [" 20 ", 20],
    ["1000", 1000],
    ["1001", 100],
    ["-1", 100],
    ["ten", 100],
    ["2.5", 100],
  ])("SHADOW_HISTORY_VERSIONS %j keeps %d versions", (raw, versions) => {
    expect(parseHistoryVersions(raw)).toBe(versions);
  });

  it("reads maxResults from 1 to 100 (default 50) and refuses anything else with InvalidRequest", () => {
    expect(parseHistoryPageSize(undefined)).toBe(HISTORY_LIMITS.pageSizeDefault);
    expect(parseHistoryPageSize("1")).toBe(1);
    expect(parseHistoryPageSize("100")).toBe(100);
    for (const bad of ["0", "101", "", "1e2", "-5", "abc"]) {
      expect(errorOf(() => parseHistoryPageSize(bad)).kind).toBe("InvalidRequest");
    }
  });

  it("reads versions as non-negative decimal integers", () => {
    expect(parseVersionParameter("fromVersion", undefined)).toBeUndefined();
    expect(parseVersionParameter("fromVersion", "0")).toBe(0);
    expect(parseVersionParameter("fromVersion", "42")).toBe(42);
    for (const bad of ["-1", "1.5", "0x10", "", "9999999999999999"]) {
      const error = errorOf(() => parseVersionParameter("sinceVersion", bad));
      expect(error.kind).toBe("InvalidRequest");
      expect(error.message).toContain("sinceVersion");
    }
  });

  it("starts a fromVersion walk just before the version's update", () => {
    expect(cursorBeforeVersion(5)).toEqual({ version: 4, operation: "delete" });
  });
});

describe("shadowChanges", () => {
  const at = (version: number, state: ShadowSections): HistoryEntry => ({ version, timestamp: T, operation: "update", request: {}, state });

  it("gives the update document that turns the state at sinceVersion into the current state", () => {
    const then = at(2, { desired: { color: "red", mode: "eco" }, reported: { color: "red" } });
    const now = shadow({ desired: { color: "blue" }, reported: { color: "red", temp: 20 } }, 9);
    expect(shadowChanges(2, then, now, undefined)).toEqual({
      fromVersion: 2,
      version: 9,
      state: { desired: { color: "blue", mode: null }, reported: { temp: 20 } },
    });
  });

  it("is empty when nothing changed or sinceVersion is the current version", () => {
    expect(shadowChanges(3, undefined, shadow({ desired: { a: 1 } }, 3), undefined).state).toEqual({});
    expect(shadowChanges(2, at(2, { desired: { a: 1 } }), shadow({ desired: { a: 1 } }, 3), undefined).state).toEqual({});
  });

  it("refuses a version newer than the shadow's with InvalidRequest", () => {
    const error = errorOf(() => shadowChanges(10, undefined, shadow({}, 9), 1));
    expect(error.kind).toBe("InvalidRequest");
    expect(error.message).toBe("sinceVersion 10 is newer than the shadow's version 9");
  });

  it("refuses a version the history no longer keeps with TrimmedData, naming the oldest version kept", () => {
    const error = errorOf(() => shadowChanges(2, undefined, shadow({}, 150), 51));
    expect(error.kind).toBe("TrimmedData");
    expect(error.message).toBe(
      "Version 2 is no longer in this shadow's history (the oldest version kept is 51); read the whole shadow with GetThingShadow instead",
    );
    expect(errorOf(() => shadowChanges(2, undefined, shadow({}, 3), undefined)).message).toContain("no earlier version is kept");
  });
});

describe("sectionsPatch / objectPatch", () => {
  it.each<[string, ShadowSections, ShadowSections, ReturnType<typeof sectionsPatch>]>([
    ["a section that disappeared is null", { desired: { a: 1 }, reported: { b: 2 } }, { reported: { b: 2 } }, { desired: null }],
    ["a new section is given whole", {}, { reported: { b: { c: 2 } } }, { reported: { b: { c: 2 } } }],
    ["a removed key is null", { desired: { a: 1, b: 2 } }, { desired: { a: 1 } }, { desired: { b: null } }],
    [
      "nested changes recurse",
      { desired: { l: { on: true, lvl: 3 } } },
      { desired: { l: { on: false, lvl: 3 } } },
      { desired: { l: { on: false } } },
    ],
    ["arrays are whole values", { desired: { a: [1, 2] } }, { desired: { a: [1, 3] } }, { desired: { a: [1, 3] } }],
    ["an object replacing a scalar is given whole", { desired: { a: 1 } }, { desired: { a: { b: 1 } } }, { desired: { a: { b: 1 } } }],
    ["an emptied object is a patch of nulls", { desired: { a: { b: 1 } } }, { desired: { a: {} } }, { desired: { a: { b: null } } }],
    ["an empty object replacing a scalar stays {}", { desired: { a: 1 } }, { desired: { a: {} } }, { desired: { a: {} } }],
    ["numbers compare numerically", { reported: { t: 1 } }, { reported: { t: 1.0 } }, {}],
  ])("%s", (_name, from, to, patch) => {
    expect(sectionsPatch(from, to)).toEqual(patch);
  });

  it("never turns a `__proto__` key into a prototype change", () => {
    const to = JSON.parse('{"__proto__": {"x": 1}}') as JsonObject;
    const patch = objectPatch({}, to);
    expect(Object.keys(patch)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(patch)).toBe(Object.prototype);
  });

  // Stored sections hold no nulls; empty objects may appear at any level (merge.ts keeps `{}`).
  const leaf = fc.oneof(
    fc.integer({ min: -3, max: 3 }),
    fc.boolean(),
    fc.constantFrom("a", "b"),
    fc.array(fc.integer({ min: 0, max: 2 }), { maxLength: 2 }),
  );
  const key = fc.constantFrom("a", "b", "c", "d");
  const { tree } = fc.letrec<{ tree: JsonObject; value: Json }>((tie) => ({
    tree: fc.dictionary(key, tie("value"), { maxKeys: 4 }) as fc.Arbitrary<JsonObject>,
    value: fc.oneof({ depthSize: "small" }, leaf, tie("tree")) as fc.Arbitrary<Json>,
  }));

  it("gives a patch that the shadow's own merge applies to `before` to give exactly `after` (property)", () => {
    fc.assert(
      fc.property(tree, tree, (before, after) => {
        const patch = objectPatch(before, after);
        expect(mergeSection({ state: before, metadata: {} }, patch, T).state).toEqual(after);
      }),
      { numRuns: 500 },
    );
  });
});
