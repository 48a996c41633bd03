import { describe, expect, it } from "vitest";
import type { JsonObject, StoredShadow } from "../../../../src/domain/shadow";
import { applyShadowUpdate, parseUpdateRequest, SHADOW_LIMITS } from "../../../../src/domain/shadow";
import { expectServiceError, payload, update, updates } from "./support";

const T = 1700000000;

/** Deep-freezes a value so that any mutation by the code under test throws. */
function frozen<V>(value: V): V {
  if (typeof value === "object" && value !== null) {
    Object.values(value).forEach(frozen);
    Object.freeze(value);
  }
  return value;
}

describe("versions [DG:device-shadow-data-flow]", () => {
  it("creates a new shadow at version 1", () => {
    expect(update(null, { state: { reported: { a: 1 } } }, T).shadow.version).toBe(1);
  });

  it.each([
    ["a change", { state: { reported: { a: 2 } } }],
    ["an update that changes nothing", { state: { reported: { a: 1 } } }],
    ["an empty state", { state: {} }],
    ['"state": null', { state: null }],
    ["a delete of an absent key", { state: { desired: { zz: null } } }],
  ])("adds one for %s", (_behaviour, body) => {
    const shadow = updates([{ state: { reported: { a: 1 } } }, { state: {} }]);
    expect(update(shadow, body, T).shadow.version).toBe(3);
  });

  it.each([
    ["an empty state", { state: {} }, { state: {}, metadata: {}, version: 1 }],
    ['"state": null', { state: null }, { state: {}, metadata: {}, version: 1 }],
  ])("creates an empty shadow from %s (moto aws_verified)", (_behaviour, body, shadow) => {
    expect(update(null, body, T).shadow).toEqual(shadow);
  });

  it("applies an update whose version equals the current one", () => {
    const shadow = updates([{ state: { desired: { a: 1 } } }, { state: { desired: { a: 2 } } }]);
    expect(update(shadow, { state: { desired: { a: 3 } }, version: 2 }, T).shadow).toMatchObject({
      state: { desired: { a: 3 } },
      version: 3,
    });
  });

  it.each([
    ["older", 1],
    ["newer", 3],
    ["zero", 0],
  ])("rejects an update naming an %s version with 409 Version conflict", (_behaviour, version) => {
    const shadow = updates([{ state: { desired: { a: 1 } } }, { state: { desired: { a: 2 } } }]);
    expectServiceError(() => update(shadow, { state: { desired: { a: 3 } }, version }, T), "Conflict", "Version conflict");
  });

  it("accepts version 1 on a shadow that does not exist yet", () => {
    expect(update(null, { state: { desired: { a: 1 } }, version: 1 }, T).shadow.version).toBe(1);
  });

  it.each([0, 2])("rejects version %i on a shadow that does not exist yet with 400 Invalid version", (version) => {
    expectServiceError(() => update(null, { state: { desired: { a: 1 } }, version }, T), "InvalidRequest", "Invalid version");
  });

  describe("re-creating a shadow deleted within 48 h continues its versions [DG:device-shadow-mqtt]", () => {
    it("gives the re-created shadow the deleted version + 1 and no previous document", () => {
      const result = update(null, { state: { desired: { a: 1 } } }, T, 4);
      expect(result.shadow.version).toBe(5);
      expect(result.accepted.version).toBe(5);
      expect(result.documents.previous).toBeNull();
    });

    it("accepts the version the re-created shadow will get, and refuses the deleted one", () => {
      expect(update(null, { state: {}, version: 5 }, T, 4).shadow.version).toBe(5);
      expectServiceError(() => update(null, { state: {}, version: 4 }, T, 4), "InvalidRequest", "Invalid version");
    });
  });

  it("neither mutates the stored shadow nor the request", () => {
    const current = frozen(updates([{ state: { desired: { a: { b: 1 }, l: [1] }, reported: { a: { b: 2 } } } }]));
    const request = frozen(parseUpdateRequest(payload({ state: { desired: { a: { b: null, c: 1 }, l: [2] }, reported: null } })));
    const before = JSON.stringify([current, request]);
    const result = applyShadowUpdate(current, request, T);
    expect(JSON.stringify([current, request])).toBe(before);
    expect(result.shadow.state).toEqual({ desired: { a: { c: 1 }, l: [2] } });
  });
});

describe("stored size limit: desired + reported, compact JSON, 8192 bytes [DG:diagnosing-shadows]", () => {
  const TOO_LARGE = "The payload exceeds the maximum size allowed";
  /** `{"k":"xxx…"}` of exactly `bytes` bytes (8 bytes of syntax). */
  const sectionOf = (bytes: number, char = "x") => ({ k: char.repeat((bytes - 8) / new TextEncoder().encode(char).length) });

  it("accepts exactly 8192 bytes", () => {
    expect(update(null, { state: { desired: sectionOf(SHADOW_LIMITS.maxStateBytes) } }, T).shadow.version).toBe(1);
  });

  it("rejects 8193 bytes with 413", () => {
    expectServiceError(() => update(null, { state: { desired: sectionOf(SHADOW_LIMITS.maxStateBytes + 1) } }, T), "RequestEntityTooLarge", TOO_LARGE);
  });

  it("counts bytes, not characters", () => {
    expect(() => update(null, { state: { desired: sectionOf(8192, "é") } }, T)).not.toThrow();
    expectServiceError(() => update(null, { state: { desired: sectionOf(8194, "é") } }, T), "RequestEntityTooLarge", TOO_LARGE);
  });

  it("adds desired and reported together", () => {
    expect(() => update(null, { state: { desired: sectionOf(4096), reported: sectionOf(4096) } }, T)).not.toThrow();
    expectServiceError(() => update(null, { state: { desired: sectionOf(4096), reported: sectionOf(4097) } }, T), "RequestEntityTooLarge", TOO_LARGE);
  });

  it("measures the merged result, so a small update can overflow a full shadow", () => {
    const shadow = update(null, { state: { reported: sectionOf(8000) } }, T).shadow;
    expectServiceError(() => update(shadow, { state: { desired: sectionOf(200) } }, T), "RequestEntityTooLarge", TOO_LARGE);
  });

  it("does not count metadata, nor the request's own size", () => {
    // 400 short members: about 3.8 KB of state carrying about 12 KB of metadata.
    const many: JsonObject = {};
    for (let i = 0; i < 400; i++) many[String(i)] = i;
    const shadow = update(null, { state: { reported: many } }, T).shadow;
    expect(JSON.stringify(shadow.metadata).length).toBeGreaterThan(SHADOW_LIMITS.maxStateBytes);
    // A 9 KB request of deletions leaving a small shadow is fine.
    const deletions: JsonObject = {};
    for (let i = 0; i < 1000; i++) deletions[`deleted-key-${i}`] = null;
    expect(() => update(shadow, { state: { reported: deletions } }, T)).not.toThrow();
  });

  it("leaves the stored shadow as it was when rejecting", () => {
    const shadow = frozen(update(null, { state: { reported: sectionOf(8000) } }, T).shadow);
    expect(() => update(shadow, { state: { reported: { more: "x".repeat(300) } } }, T)).toThrow();
    expect(shadow.version).toBe(1);
  });
});

describe("/update/accepted and the UpdateThingShadow body [seed4], [DG:device-shadow-data-flow]", () => {
  it("echoes the request state verbatim with a stamp for every leaf, deleted keys included", () => {
    const shadow = updates([{ state: { desired: { a: 1, b: { c: 1 } } } }]);
    const { accepted } = update(shadow, { state: { desired: { a: null, b: { c: null, d: [1, { e: 2 }] } } }, clientToken: "tok" }, T);
    expect(JSON.stringify(accepted)).toBe(
      JSON.stringify({
        state: { desired: { a: null, b: { c: null, d: [1, { e: 2 }] } } },
        metadata: { desired: { a: { timestamp: T }, b: { c: { timestamp: T }, d: [{ timestamp: T }, { e: { timestamp: T } }] } } },
        version: 2,
        timestamp: T,
        clientToken: "tok",
      }),
    );
  });

  it.each([
    ['"state": null', { state: null }, { state: null, metadata: { timestamp: T }, version: 1, timestamp: T }],
    ["an empty state", { state: {} }, { state: {}, metadata: {}, version: 1, timestamp: T }],
    [
      "a null section",
      { state: { reported: null } },
      { state: { reported: null }, metadata: { reported: { timestamp: T } }, version: 1, timestamp: T },
    ],
    [
      "a patch holding only nulls",
      { state: { desired: { x: { y: null } } } },
      { state: { desired: { x: { y: null } } }, metadata: { desired: { x: { y: { timestamp: T } } } }, version: 1, timestamp: T },
    ],
  ])("renders %s, without clientToken when none was sent", (_behaviour, body, accepted) => {
    expect(JSON.stringify(update(null, body, T).accepted)).toBe(JSON.stringify(accepted));
  });
});

describe("/update/delta [DG:device-shadow-mqtt]", () => {
  it("is null when desired and reported agree", () => {
    const shadow = updates([{ state: { desired: { a: 1 } } }]);
    expect(update(shadow, { state: { reported: { a: 1 } } }, T).delta).toBeNull();
  });

  it("is null on a shadow without desired", () => {
    expect(update(null, { state: { reported: { a: 1 } } }, T).delta).toBeNull();
  });

  it("is sent after a reported-only update and carries the whole difference with desired metadata", () => {
    const shadow = update(null, { state: { desired: { a: 1, b: { c: 2, d: 3 }, e: [1] } } }, 100).shadow;
    const { delta } = update(shadow, { state: { reported: { a: 1, b: { c: 0, d: 3 } } }, clientToken: "r" }, T);
    expect(JSON.stringify(delta)).toBe(
      JSON.stringify({
        version: 2,
        timestamp: T,
        state: { b: { c: 2 }, e: [1] },
        metadata: { b: { c: { timestamp: 100 } }, e: [{ timestamp: 100 }] },
        clientToken: "r",
      }),
    );
  });
});

describe("/update/documents [seed4]", () => {
  it("has previous null on the first version of a shadow", () => {
    expect(JSON.stringify(update(null, { state: { reported: { a: 1 } } }, T).documents)).toBe(
      JSON.stringify({
        previous: null,
        current: { state: { reported: { a: 1 } }, metadata: { reported: { a: { timestamp: T } } }, version: 1 },
        timestamp: T,
      }),
    );
  });

  it("holds the full documents before and after, without delta, and the request token", () => {
    const first: StoredShadow | null = updates([{ state: { desired: { a: 1 } } }], 100);
    const { documents } = update(first, { state: { reported: { b: 2 } }, clientToken: "c" }, T);
    expect(JSON.stringify(documents)).toBe(
      JSON.stringify({
        previous: { state: { desired: { a: 1 } }, metadata: { desired: { a: { timestamp: 100 } } }, version: 1 },
        current: {
          state: { desired: { a: 1 }, reported: { b: 2 } },
          metadata: { desired: { a: { timestamp: 100 } }, reported: { b: { timestamp: T } } },
          version: 2,
        },
        timestamp: T,
        clientToken: "c",
      }),
    );
  });

  it("shows a cleared shadow as empty state and metadata", () => {
    const shadow = updates([{ state: { desired: { a: 1 } } }]);
    expect(update(shadow, { state: null }, T).documents.current).toEqual({ state: {}, metadata: {}, version: 2 });
  });
});
