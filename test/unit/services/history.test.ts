import { describe, expect, it } from "vitest";
import { cursorBeforeVersion } from "../../../src/domain/shadow/history";
import { handleShadowRequest, readShadowChanges, readShadowHistory, type ShadowRequest } from "../../../src/services/shadows";
import { DELETED_VERSION_MEMORY_SECONDS, MemoryShadowStore } from "../../../src/storage/shadows";
import { errorOf } from "../../helpers/errors";
import { describeHistoryStore } from "../../helpers/historyStoreSuite";

describeHistoryStore("MemoryShadowStore", (versions, body) => body(new MemoryShadowStore(versions)));

const enc = (v: unknown) => new TextEncoder().encode(JSON.stringify(v));
const T = 1_700_000_000;
const FROM_START = cursorBeforeVersion(0);

function send(store: MemoryShadowStore, partial: Partial<ShadowRequest>, now = T) {
  return handleShadowRequest(store, { thingName: "lamp", operation: "update", payload: new Uint8Array(), origin: "http", ...partial }, now);
}
const history = (store: MemoryShadowStore, shadowName?: string, now = T) =>
  readShadowHistory(store, { thingName: "lamp", ...(shadowName ? { shadowName } : {}), after: FROM_START, limit: 100 }, now).entries;

describe("history of shadow requests", () => {
  it("records every accepted update and delete, from REST and MQTT alike, and no rejected or read request", () => {
    const store = new MemoryShadowStore();
    send(store, { payload: enc({ state: { desired: { on: true } }, clientToken: "a" }) });
    send(store, { payload: enc({ state: { reported: { on: true } } }), origin: "mqtt" });
    send(store, { payload: enc({ state: { reported: { on: false } }, version: 9 }) }); // 409
    send(store, { payload: enc({ state: "nope" }), origin: "mqtt" }); // 400
    send(store, { operation: "get" });
    send(store, { operation: "delete", origin: "mqtt", payload: enc({ clientToken: "d" }) });
    expect(history(store)).toEqual([
      {
        version: 1,
        timestamp: T,
        operation: "update",
        request: { desired: { on: true } },
        clientToken: "a",
        state: { desired: { on: true }, delta: { on: true } },
      },
      {
        version: 2,
        timestamp: T,
        operation: "update",
        request: { reported: { on: true } },
        state: { desired: { on: true }, reported: { on: true } },
      },
      { version: 2, timestamp: T, operation: "delete", clientToken: "d", state: {} },
    ]);
  });

  it("says which requests created or deleted a shadow (the fleet directory's cue), and no other", () => {
    const store = new MemoryShadowStore();
    const lifecycles = [
      send(store, { payload: enc({ state: { desired: { a: 1 } } }) }),
      send(store, { payload: enc({ state: { desired: { a: 2 } } }) }),
      send(store, { shadowName: "cfg", payload: enc({ state: { desired: { a: 1 } } }) }),
      send(store, { operation: "get" }),
      send(store, { operation: "delete" }),
      send(store, { operation: "delete" }), // 404
      send(store, { payload: enc({ state: { desired: { a: 3 } } }) }),
    ].map((result) => result.lifecycle);
    expect(lifecycles).toEqual(["created", undefined, "created", undefined, "deleted", undefined, "created"]);
    expect(store.countLive()).toBe(2);
  });

  it("keeps a deleted shadow's history readable while its version is remembered, then forgets it", () => {
    const store = new MemoryShadowStore();
    send(store, { payload: enc({ state: { desired: { a: 1 } } }) });
    send(store, { operation: "delete" });
    expect(history(store).map((e) => e.operation)).toEqual(["update", "delete"]);
    const later = T + DELETED_VERSION_MEMORY_SECONDS;
    expect(errorOf(() => history(store, undefined, later)).kind).toBe("ResourceNotFound");
    // Another shadow's creation purges it for good; the same name then starts a new history at version 1.
    send(store, { shadowName: "other", payload: enc({ state: { desired: { b: 1 } } }) }, later);
    send(store, { payload: enc({ state: { desired: { fresh: true } } }) }, later);
    expect(history(store, undefined, later).map((e) => [e.version, e.operation])).toEqual([[1, "update"]]);
  });

  it("answers ResourceNotFound for a shadow that never existed, with GetThingShadow's message", () => {
    const error = errorOf(() => history(new MemoryShadowStore(), "cfg"));
    expect(error.kind).toBe("ResourceNotFound");
    expect(error.message).toBe("No shadow exists with name: 'cfg'");
  });

  it("pages: a page of `limit` entries and where the next one starts, none after the last", () => {
    const store = new MemoryShadowStore();
    for (let i = 1; i <= 5; i++) send(store, { payload: enc({ state: { reported: { i } } }) });
    const page = (after = FROM_START) => readShadowHistory(store, { thingName: "lamp", after, limit: 2 }, T);
    const first = page();
    expect(first.entries.map((e) => e.version)).toEqual([1, 2]);
    const second = page(first.next);
    expect(second.entries.map((e) => e.version)).toEqual([3, 4]);
    const third = page(second.next);
    expect(third.entries.map((e) => e.version)).toEqual([5]);
    expect(third.next).toBeUndefined();
    expect(readShadowHistory(store, { thingName: "lamp", after: cursorBeforeVersion(4), limit: 2 }, T).entries.map((e) => e.version)).toEqual([4, 5]);
  });

  it("bounds the history per shadow and then answers changes from a pruned version with TrimmedData", () => {
    const store = new MemoryShadowStore(3);
    for (let i = 1; i <= 6; i++) send(store, { payload: enc({ state: { reported: { i } } }) });
    expect(history(store).map((e) => e.version)).toEqual([4, 5, 6]);
    expect(readShadowChanges(store, "lamp", undefined, 4, T).state).toEqual({ reported: { i: 6 } });
    expect(errorOf(() => readShadowChanges(store, "lamp", undefined, 3, T)).kind).toBe("TrimmedData");
  });

  it("gives the net change across a delete and re-creation, and ResourceNotFound while the shadow is deleted", () => {
    const store = new MemoryShadowStore();
    send(store, { payload: enc({ state: { desired: { color: "red", mode: "eco" } } }) });
    send(store, { payload: enc({ state: { reported: { color: "red" } } }) });
    send(store, { operation: "delete" });
    expect(errorOf(() => readShadowChanges(store, "lamp", undefined, 1, T)).kind).toBe("ResourceNotFound");
    send(store, { payload: enc({ state: { desired: { color: "blue" } } }) });
    expect(readShadowChanges(store, "lamp", undefined, 1, T)).toEqual({
      fromVersion: 1,
      version: 3,
      state: { desired: { color: "blue", mode: null } },
    });
  });

  it("validates names before anything else", () => {
    expect(errorOf(() => readShadowChanges(new MemoryShadowStore(), "bad name", undefined, 1, T)).kind).toBe("InvalidRequest");
    expect(errorOf(() => history(new MemoryShadowStore(), "$bad")).kind).toBe("InvalidRequest");
  });
});
