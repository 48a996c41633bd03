import { describe, expect, it } from "vitest";
import type { StoredShadow } from "../../src/domain/shadow";
import { cursorBeforeVersion, deleteHistoryEntry, type HistoryEntry, updateHistoryEntry } from "../../src/domain/shadow/history";
import { DELETED_VERSION_MEMORY_SECONDS, type ShadowStore } from "../../src/storage/shadows";

const T = 1_700_000_000;

const update = (version: number, desired: Record<string, number> = { v: version }, now = T): HistoryEntry =>
  updateHistoryEntry({ state: { desired } }, { state: { desired }, metadata: {}, version } satisfies StoredShadow, now);

const versions = (entries: HistoryEntry[]) => entries.map((e) => `${e.version}${e.operation === "delete" ? "d" : ""}`);
const FROM_START = cursorBeforeVersion(0);

/** Runs `body` with an empty store keeping `historyVersions` versions (inside a Durable Object for SQLite). */
export type WithStore = (historyVersions: number, body: (store: ShadowStore) => void) => Promise<void> | void;

/**
 * The history behaviour every ShadowStore must have: the in-memory store (unit tests, Node) and the SQLite store
 * (workers tests, inside a thing's object) both run it.
 */
export function describeHistoryStore(name: string, withStore: WithStore): void {
  describe(`${name}: shadow history`, () => {
    it("lists entries in version order, an update before the delete that kept its version, after a cursor", () =>
      withStore(100, (store) => {
        for (const v of [1, 2, 3]) store.appendHistory("", update(v));
        store.appendHistory("", deleteHistoryEntry(3, T));
        store.appendHistory("", update(4));
        expect(versions(store.history("", FROM_START, 10))).toEqual(["1", "2", "3", "3d", "4"]);
        expect(versions(store.history("", { version: 3, operation: "update" }, 10))).toEqual(["3d", "4"]);
        expect(versions(store.history("", cursorBeforeVersion(3), 2))).toEqual(["3", "3d"]);
        expect(store.history("", FROM_START, 10)[1]).toEqual(update(2));
      }));

    it("keeps each shadow's history apart", () =>
      withStore(100, (store) => {
        store.appendHistory("", update(1));
        store.appendHistory("cfg", update(1, { other: 1 }));
        expect(store.history("cfg", FROM_START, 10)).toEqual([update(1, { other: 1 })]);
        expect(store.historyAt("", 1)).toEqual(update(1));
      }));

    it("keeps only the last N versions, pruned as it goes", () =>
      withStore(3, (store) => {
        for (let v = 1; v <= 6; v++) store.appendHistory("", update(v));
        expect(versions(store.history("", FROM_START, 10))).toEqual(["4", "5", "6"]);
        expect(store.oldestHistoryVersion("")).toBe(4);
        expect(store.historyAt("", 3)).toBeUndefined();
        expect(store.historyAt("", 4)).toEqual(update(4));
      }));

    it("finds only the update of a version, not the delete that kept it", () =>
      withStore(100, (store) => {
        store.appendHistory("", deleteHistoryEntry(5, T));
        expect(store.historyAt("", 5)).toBeUndefined();
        expect(store.oldestHistoryVersion("")).toBe(5);
        expect(store.oldestHistoryVersion("never")).toBeUndefined();
      }));

    it("drops the old history when a shadow starts again at version 1 (forgotten after the deleted-version window)", () =>
      withStore(100, (store) => {
        for (const v of [1, 2]) store.appendHistory("", update(v));
        store.appendHistory("", deleteHistoryEntry(2, T));
        store.appendHistory("", update(1, { fresh: 1 }));
        expect(store.history("", FROM_START, 10)).toEqual([update(1, { fresh: 1 })]);
      }));

    it("records nothing when configured with 0 versions", () =>
      withStore(0, (store) => {
        store.appendHistory("", update(1));
        expect(store.history("", FROM_START, 10)).toEqual([]);
      }));

    it("purges the history of shadows deleted longer ago than the deleted-version window, and only theirs", () =>
      withStore(100, (store) => {
        const doc = (version: number): StoredShadow => ({ state: { desired: { v: 1 } }, metadata: {}, version });
        for (const name of ["old", "recent", "live"]) {
          store.write(name, doc(1));
          store.appendHistory(name, update(1));
        }
        store.markDeleted("old", 1, T);
        store.markDeleted("recent", 1, T + 10);
        store.purgeExpiredHistory(T + DELETED_VERSION_MEMORY_SECONDS + 5);
        expect(store.history("old", FROM_START, 10)).toEqual([]);
        expect(store.history("recent", FROM_START, 10)).toHaveLength(1);
        expect(store.history("live", FROM_START, 10)).toHaveLength(1);
        expect(store.countLive()).toBe(1);
      }));
  });
}
