import { describe, expect, it } from "vitest";
import type { JsonObject } from "../../../../src/domain/shadow";
import { computeDelta, shadowDocument } from "../../../../src/domain/shadow";
import { updates } from "./support";

describe("computeDelta [DG:device-shadow-document], [DG:device-shadow-mqtt]", () => {
  const parsed = (text: string) => JSON.parse(text) as JsonObject;
  const cases: Array<[behaviour: string, desired: JsonObject | undefined, reported: JsonObject | undefined, delta: JsonObject | null]> = [
    ["is empty without desired", undefined, { a: 1 }, null],
    ["is the whole desired without reported", { a: 1, b: { c: [1] } }, undefined, { a: 1, b: { c: [1] } }],
    ["is empty when reported matches", { a: 1, b: { c: "x" } }, { a: 1, b: { c: "x" } }, null],
    ["never shows keys found only in reported", { a: 1 }, { a: 1, extra: 2, more: { x: 1 } }, null],
    ["includes a desired key missing from reported", { a: 1, b: 2 }, { a: 1 }, { b: 2 }],
    ["includes a changed value", { a: 1 }, { a: 2 }, { a: 1 }],
    ["keeps the path from the root to a nested difference", { a: { b: 1, c: 2 } }, { a: { b: 1, c: 3 } }, { a: { c: 2 } }],
    ["omits nested objects without differences", { a: { b: 1 }, x: { y: 1 } }, { a: { b: 1 }, x: { y: 2 } }, { x: { y: 1 } }],
    ["compares arrays as whole values", { a: [1, 2] }, { a: [1, 3] }, { a: [1, 2] }],
    ["treats equal arrays as equal", { a: [1, { b: [2] }] }, { a: [1, { b: [2] }] }, null],
    ["ignores member order inside array objects", parsed('{"a":[{"x":1,"y":2}]}'), parsed('{"a":[{"y":2,"x":1}]}'), null],
    ["treats array order as significant", { a: [1, 2] }, { a: [2, 1] }, { a: [1, 2] }],
    ["compares numbers numerically (1 vs 1.0, 10 vs 1e1)", parsed('{"a":1,"b":10}'), parsed('{"a":1.0,"b":1e1}'), null],
    ["distinguishes a number from its string", { a: 1 }, { a: "1" }, { a: 1 }],
    ["includes a desired object whole where reported has a scalar", { a: { b: 1 } }, { a: 5 }, { a: { b: 1 } }],
    ["includes a desired scalar where reported has an object", { a: 5 }, { a: { b: 1 } }, { a: 5 }],
    ["includes false and 0 like any other value", { a: false, b: 0 }, {}, { a: false, b: 0 }],
    ["includes a desired {} missing from reported", { a: {} }, {}, { a: {} }],
    ["has nothing to say about a desired {} against a reported object", { a: {} }, { a: { x: 1 } }, null],
  ];
  it.each(cases)("%s", (_behaviour, desired, reported, delta) => {
    expect(computeDelta(desired, reported)).toEqual(delta);
  });
});

// moto tests/test_iotdata/test_iotdata.py test_delta_calculation, marked aws_verified (recorded against AWS):
// one update, a GET, a second update, a GET; both GET states are compared whole.
describe("GET state after two updates, as recorded against AWS", () => {
  const cases: Array<[behaviour: string, first: JsonObject, initial: JsonObject, second: JsonObject, after: JsonObject]> = [
    [
      "boolean flip",
      { desired: { online: true } },
      { desired: { online: true }, delta: { online: true } },
      { reported: { online: false } },
      { desired: { online: true }, reported: { online: false }, delta: { online: true } },
    ],
    [
      "matching report",
      { desired: { enabled: true } },
      { desired: { enabled: true }, delta: { enabled: true } },
      { reported: { online: false, enabled: true } },
      { desired: { enabled: true }, reported: { online: false, enabled: true } },
    ],
    ["no data", {}, {}, { reported: { online: false } }, { reported: { online: false } }],
    ["missing data", {}, {}, { reported: { online: null } }, {}],
    ["empty desired", { desired: {} }, {}, { reported: { online: false } }, { reported: { online: false } }],
    [
      "missing key",
      { desired: { enabled: true } },
      { desired: { enabled: true }, delta: { enabled: true } },
      { reported: {} },
      { desired: { enabled: true }, delta: { enabled: true } },
    ],
    [
      "changed key",
      { desired: { enabled: true } },
      { desired: { enabled: true }, delta: { enabled: true } },
      { reported: { online: true } },
      { desired: { enabled: true }, reported: { online: true }, delta: { enabled: true } },
    ],
    [
      "remove from list",
      { reported: { list: ["value_1", "value_2"] } },
      { reported: { list: ["value_1", "value_2"] } },
      { desired: { list: ["value_1"] } },
      { desired: { list: ["value_1"] }, reported: { list: ["value_1", "value_2"] }, delta: { list: ["value_1"] } },
    ],
    [
      "remove from nested lists",
      { reported: { list: [["value_1"], ["value_2"]] } },
      { reported: { list: [["value_1"], ["value_2"]] } },
      { desired: { list: [["value_1"]] } },
      { desired: { list: [["value_1"]] }, reported: { list: [["value_1"], ["value_2"]] }, delta: { list: [["value_1"]] } },
    ],
    [
      "append to nested list",
      { reported: { a: { b: ["d"] } } },
      { reported: { a: { b: ["d"] } } },
      { desired: { a: { b: ["c", "d"] } } },
      { desired: { a: { b: ["c", "d"] } }, reported: { a: { b: ["d"] } }, delta: { a: { b: ["c", "d"] } } },
    ],
    [
      "update nested dict",
      { reported: { a: { b: { c: "d", e: "f" } } } },
      { reported: { a: { b: { c: "d", e: "f" } } } },
      { desired: { a: { b: { c: "d2" } } } },
      { desired: { a: { b: { c: "d2" } } }, reported: { a: { b: { c: "d", e: "f" } } }, delta: { a: { b: { c: "d2" } } } },
    ],
    [
      "new sibling object",
      { reported: { a1: { b1: { c: "d" } } } },
      { reported: { a1: { b1: { c: "d" } } } },
      { desired: { a1: { b1: { c: "d" } }, a2: { b2: "sth" } } },
      { desired: { a1: { b1: { c: "d" } }, a2: { b2: "sth" } }, reported: { a1: { b1: { c: "d" } } }, delta: { a2: { b2: "sth" } } },
    ],
    [
      "new nested sibling",
      { reported: { a: { b1: { c: "d" } } } },
      { reported: { a: { b1: { c: "d" } } } },
      { desired: { a: { b1: { c: "d" }, b2: "sth" } } },
      { desired: { a: { b1: { c: "d" }, b2: "sth" } }, reported: { a: { b1: { c: "d" } } }, delta: { a: { b2: "sth" } } },
    ],
  ];
  it.each(cases)("%s", (_behaviour, first, initial, second, after) => {
    const once = updates([{ state: first }]);
    const twice = updates([{ state: first }, { state: second }]);
    if (!once || !twice) throw new Error("the updates must create the shadow");
    expect(shadowDocument(once, 1).state).toEqual(initial);
    expect(shadowDocument(twice, 1).state).toEqual(after);
  });

  // moto aws_verified test_update_desired: after the second update, GET shows the new desired as delta.
  it.each([
    [
      { a: 1, b: { c: 3 } },
      { a: 1, b: { c: 3 }, d: {} },
    ],
    [
      { a: 1, b: { c: 3 }, d: {} },
      { a: 1, b: { c: {} }, d: {} },
    ],
    [
      { a: 1, b: { c: 3 } },
      { a: 1, b: { c: { d: 3 } } },
    ],
  ])("returns desired %j updated with %j as-is in desired and delta", (initial, updated) => {
    const shadow = updates([{ state: { desired: initial } }, { state: { desired: updated } }]);
    if (!shadow) throw new Error("the updates must create the shadow");
    const { state } = shadowDocument(shadow, 1) as { state: JsonObject };
    expect(state.desired).toEqual(updated);
    expect(state.delta).toEqual(updated);
  });
});
