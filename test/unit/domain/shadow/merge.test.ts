import { describe, expect, it } from "vitest";
import type { JsonObject } from "../../../../src/domain/shadow";
import { update, updates } from "./support";

/** Stores `initial` as desired, then applies `patch` to desired; returns what is stored afterwards. */
function desiredAfter(initial: JsonObject | undefined, patch: JsonObject): JsonObject | undefined {
  const shadow = updates(initial ? [{ state: { desired: initial } }] : [{ state: {} }]);
  return update(shadow, { state: { desired: patch } }, 2000).shadow.state.desired;
}

describe("merge of a section [DG:device-shadow-document], [DG:device-shadow-data-flow]", () => {
  const cases: Array<[behaviour: string, initial: JsonObject | undefined, patch: JsonObject, expected: JsonObject | undefined]> = [
    ["adds new keys and keeps keys absent from the patch", { a: 1 }, { b: 2 }, { a: 1, b: 2 }],
    ["replaces a scalar", { a: 1 }, { a: 2 }, { a: 2 }],
    ["deletes a key set to null", { a: 1, b: 2 }, { a: null }, { b: 2 }],
    ["deletes a nested key set to null", { a: { x: 1, y: 2 } }, { a: { x: null } }, { a: { y: 2 } }],
    ["treats deleting an absent key as a no-op", { a: 1 }, { zz: null }, { a: 1 }],
    ["recurses into objects, keeping siblings", { a: { x: 1, z: { p: 1 } } }, { a: { y: 2, z: { q: 2 } } }, { a: { x: 1, z: { p: 1, q: 2 }, y: 2 } }],
    ["replaces arrays whole", { a: [1, 2, 3] }, { a: [4] }, { a: [4] }],
    ["replaces arrays of objects whole instead of merging elements", { a: [{ x: 1, y: 2 }] }, { a: [{ x: 3 }] }, { a: [{ x: 3 }] }],
    ["lets an object replace a scalar", { a: 1 }, { a: { x: 1 } }, { a: { x: 1 } }],
    ["lets a scalar replace an object", { a: { x: 1 } }, { a: 1 }, { a: 1 }],
    ["lets an array replace an object", { a: { x: 1 } }, { a: [1] }, { a: [1] }],
    ["lets an object replace an array", { a: [1] }, { a: { x: 1 } }, { a: { x: 1 } }],
    ["does not create a new key whose object holds only nulls", { a: 1 }, { b: { x: null } }, { a: 1 }],
    ["does not create nested objects that hold only nulls", { a: 1 }, { b: { c: { d: null } } }, { a: 1 }],
    ["strips nulls inside a newly added object", { a: 1 }, { b: { x: null, y: 2 } }, { a: 1, b: { y: 2 } }],
    ["strips nested null-only objects inside a new object", { a: 1 }, { b: { c: { d: null }, e: 1 } }, { a: 1, b: { e: 1 } }],
    ["leaves a scalar alone when the patch object holds only nulls (nothing to write)", { a: 1 }, { a: { x: null } }, { a: 1 }],
    // moto aws_verified test_update_desired (recorded against AWS): {} is stored, not treated as null.
    ["stores a new {} as an empty object", { a: 1, b: { c: 3 } }, { a: 1, b: { c: 3 }, d: {} }, { a: 1, b: { c: 3 }, d: {} }],
    ["lets {} replace a scalar", { a: 1, b: { c: 3 }, d: {} }, { a: 1, b: { c: {} }, d: {} }, { a: 1, b: { c: {} }, d: {} }],
    ["lets a full object replace a scalar", { a: 1, b: { c: 3 } }, { a: 1, b: { c: { d: 3 } } }, { a: 1, b: { c: { d: 3 } } }],
    ["leaves an existing object untouched when patched with {}", { a: { x: 1 } }, { a: {} }, { a: { x: 1 } }],
    ["keeps an inner object emptied by nulls as {}", { a: { x: 1 }, b: 1 }, { a: { x: null } }, { a: {}, b: 1 }],
    ["drops the section once nulls empty it", { a: 1 }, { a: null }, undefined],
    ["stores false, 0 and empty strings as values", { a: 1 }, { a: false, b: 0, c: "" }, { a: false, b: 0, c: "" }],
    ["creates a section from a patch on a shadow without it", undefined, { a: 1 }, { a: 1 }],
    ["does not create a section from a patch of nulls only", undefined, { a: null, b: { c: null } }, undefined],
  ];
  it.each(cases)("%s", (_behaviour, initial, patch, expected) => {
    expect(desiredAfter(initial, patch)).toEqual(expected);
  });

  it("treats keys such as __proto__ and constructor as ordinary data", () => {
    const initial = JSON.parse('{"constructor":{"a":1},"toString":1}') as JsonObject;
    const patch = JSON.parse('{"__proto__":{"x":1},"constructor":{"b":2},"hasOwnProperty":null}') as JsonObject;
    const desired = desiredAfter(initial, patch);
    expect(JSON.stringify(desired)).toBe('{"constructor":{"a":1,"b":2},"toString":1,"__proto__":{"x":1}}');
    expect(Object.getPrototypeOf(desired)).toBe(Object.prototype);
  });
});

describe("merge of the state document (spec §4 rules 1, 2, 7)", () => {
  const both = { state: { desired: { a: 1 }, reported: { b: 2 } } };
  const cases: Array<[behaviour: string, setup: unknown[], patch: unknown, expected: JsonObject]> = [
    ['"state": null clears both sections', [both], { state: null }, {}],
    ['"desired": null removes only desired', [both], { state: { desired: null } }, { reported: { b: 2 } }],
    ['"reported": null removes only reported', [both], { state: { reported: null } }, { desired: { a: 1 } }],
    ["an absent section stays untouched", [both], { state: { reported: { c: 3 } } }, { desired: { a: 1 }, reported: { b: 2, c: 3 } }],
    ["an empty state changes nothing", [both], { state: {} }, { desired: { a: 1 }, reported: { b: 2 } }],
    // moto aws_verified test_delta_calculation: {"desired": {}} leaves the shadow without desired.
    ['"desired": {} on a shadow without desired creates no section', [{ state: {} }], { state: { desired: {} } }, {}],
    ["reported nulls on an empty shadow leave it empty", [{ state: {} }], { state: { reported: { online: null } } }, {}],
    ["a null section on a shadow without it is a no-op", [{ state: { reported: { b: 2 } } }], { state: { desired: null } }, { reported: { b: 2 } }],
  ];
  it.each(cases)("%s", (_behaviour, setup, patch, expected) => {
    expect(update(updates(setup), patch, 2000).shadow.state).toEqual(expected);
  });
});

describe("metadata [DG:using-device-shadows]", () => {
  const T1 = 1000;
  const T2 = 2000;
  const at = (timestamp: number) => ({ timestamp });

  /** Writes `first` at T1 then `second` at T2 into desired; returns the stored desired metadata. */
  function metadataAfter(first: JsonObject, second?: JsonObject): JsonObject | undefined {
    const shadow = update(null, { state: { desired: first } }, T1).shadow;
    return second ? update(shadow, { state: { desired: second } }, T2).shadow.metadata.desired : shadow.metadata.desired;
  }

  const cases: Array<[behaviour: string, first: JsonObject, second: JsonObject | undefined, expected: JsonObject]> = [
    ["stamps every scalar leaf", { a: 1, b: "x", c: true }, undefined, { a: at(T1), b: at(T1), c: at(T1) }],
    ["mirrors nested objects", { a: { b: { c: 1 } } }, undefined, { a: { b: { c: at(T1) } } }],
    ["turns arrays into arrays of per-element stamps", { a: [1, 2] }, undefined, { a: [at(T1), at(T1)] }],
    ["turns arrays of objects into arrays of metadata objects", { a: [{ x: 1 }, 2] }, undefined, { a: [{ x: at(T1) }, at(T1)] }],
    ["mirrors nested arrays", { a: [[1], []] }, undefined, { a: [[at(T1)], []] }],
    ["mirrors an empty object as an empty object", { a: {} }, undefined, { a: {} }],
    ["restamps only the leaves an update wrote", { a: 1, b: { c: 1, d: 2 } }, { b: { c: 5 } }, { a: at(T1), b: { c: at(T2), d: at(T1) } }],
    ["restamps a leaf rewritten with the same value", { a: 1, b: 1 }, { a: 1 }, { a: at(T2), b: at(T1) }],
    ["gives a replaced array fresh per-element stamps", { a: [1, 2, 3] }, { a: [4] }, { a: [at(T2)] }],
    ["drops the metadata of deleted keys", { a: 1, b: { c: 1, d: 2 } }, { a: null, b: { c: null } }, { b: { d: at(T1) } }],
    ["replaces object metadata when an object becomes a scalar", { a: { x: 1 } }, { a: 2 }, { a: at(T2) }],
    ["replaces a leaf stamp when a scalar becomes an object", { a: 1 }, { a: { x: 1 } }, { a: { x: at(T2) } }],
    ["stores no metadata for nulls stripped from a new object", { a: 1 }, { b: { x: null, y: 2 } }, { a: at(T1), b: { y: at(T2) } }],
  ];
  it.each(cases)("%s", (_behaviour, first, second, expected) => {
    expect(metadataAfter(first, second)).toEqual(expected);
  });

  it("removes a section's metadata with the section, and all of it on state null", () => {
    const shadow = update(null, { state: { desired: { a: 1 }, reported: { b: 1 } } }, T1).shadow;
    expect(update(shadow, { state: { desired: null } }, T2).shadow.metadata).toEqual({ reported: { b: at(T1) } });
    expect(update(shadow, { state: { desired: { a: null } } }, T2).shadow.metadata).toEqual({ reported: { b: at(T1) } });
    expect(update(shadow, { state: null }, T2).shadow.metadata).toEqual({});
  });

  it("keeps reported metadata untouched by a desired-only update", () => {
    const shadow = update(null, { state: { desired: { a: 1 }, reported: { a: 1 } } }, T1).shadow;
    expect(update(shadow, { state: { desired: { a: 2 } } }, T2).shadow.metadata).toEqual({
      desired: { a: at(T2) },
      reported: { a: at(T1) },
    });
  });
});
