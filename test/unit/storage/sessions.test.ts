import { describe, expect, it } from "vitest";
import type { Message } from "../../../src/domain/message";
import { SqliteSessionStore } from "../../../src/storage/sqliteSessions";
import { NodeSqlStorage } from "../../helpers/sqlite";

const m = (id: string): Message => ({ id, topic: "t", payload: new TextEncoder().encode(id), qos: 1, retain: false });
const ids = (rows: { message: Message }[]) => rows.map((r) => r.message.id);

describe("hub session store: the outbox", () => {
  it("queues a message once per session however often it arrives (by message id)", () => {
    const store = new SqliteSessionStore(new NodeSqlStorage());
    expect(store.enqueue("c", m("a"), { packetId: null, queuedAt: 0, limit: 10 })).not.toBeNull();
    expect(store.enqueue("c", m("a"), { packetId: null, queuedAt: 0, limit: 10 })).toBeNull();
    expect(store.enqueue("d", m("a"), { packetId: null, queuedAt: 0, limit: 10 })).not.toBeNull();
    expect(ids(store.nextUnsent("c", 10))).toEqual(["a"]);
  });

  it("reads only as many waiting messages as may go, in order, and keeps in-flight ones apart", () => {
    const store = new SqliteSessionStore(new NodeSqlStorage());
    for (const id of ["a", "b", "c", "d"]) store.enqueue("c", m(id), { packetId: null, queuedAt: 0, limit: 10 });
    const [a] = store.nextUnsent("c", 1);
    store.markSent(a!.seq, 7);
    expect(ids(store.nextUnsent("c", 2))).toEqual(["b", "c"]);
    expect(ids(store.inflight("c"))).toEqual(["a"]);
    expect(store.acknowledge("c", 7)).toBe(true);
    expect(store.acknowledge("c", 7)).toBe(false);
  });

  it("drops the oldest waiting message, never an in-flight one, past the session's limit", () => {
    const store = new SqliteSessionStore(new NodeSqlStorage());
    store.enqueue("c", m("sent"), { packetId: 1, queuedAt: 0, limit: 3 });
    for (const id of ["w1", "w2", "w3"]) store.enqueue("c", m(id), { packetId: null, queuedAt: 0, limit: 3 });
    expect(ids(store.inflight("c"))).toEqual(["sent"]);
    expect(ids(store.nextUnsent("c", 10))).toEqual(["w2", "w3"]);
  });

  it("moves staged messages behind the ones queued after them (retained first, or a handover's copy first)", () => {
    const store = new SqliteSessionStore(new NodeSqlStorage());
    store.enqueue("c", m("old"), { packetId: null, queuedAt: 0, limit: 10 });
    store.enqueue("c", m("live1"), { packetId: null, queuedAt: 0, limit: 10, staged: true });
    store.enqueue("c", m("live2"), { packetId: null, queuedAt: 0, limit: 10, staged: true });
    store.enqueue("c", m("copied"), { packetId: null, queuedAt: 0, limit: 10 });
    store.unstage("c");
    expect(ids(store.nextUnsent("c", 10))).toEqual(["old", "copied", "live1", "live2"]);
    store.enqueue("c", m("later"), { packetId: null, queuedAt: 0, limit: 10 });
    expect(ids(store.nextUnsent("c", 10))).toEqual(["old", "copied", "live1", "live2", "later"]);
  });

  it("pages a session's outbox by position and size (a handover copies it in pieces)", () => {
    const store = new SqliteSessionStore(new NodeSqlStorage());
    for (const id of ["a", "b", "c"]) store.enqueue("c", { ...m(id), payload: new Uint8Array(1000) }, { packetId: null, queuedAt: 0, limit: 10 });
    const first = store.outboxPage("c", null, 1600);
    expect(ids(first)).toEqual(["a"]);
    const rest = store.outboxPage("c", first[0]!.ord, 10_000);
    expect(ids(rest)).toEqual(["b", "c"]);
    expect(store.outboxPage("c", rest[1]!.ord, 10_000)).toEqual([]);
  });

  it("gives a staged message the place of its copy from the old hub, so the old hub's order stands", () => {
    const store = new SqliteSessionStore(new NodeSqlStorage());
    // m6 arrived here live while the session was being copied; the old hub has m6 before m7.
    store.enqueue("c", m("m6"), { packetId: null, queuedAt: 0, limit: 10, staged: true });
    for (const id of ["m6", "m7"]) store.enqueueCopy("c", m(id), { packetId: null, queuedAt: 0, limit: 10 });
    store.enqueue("c", m("m8"), { packetId: null, queuedAt: 0, limit: 10, staged: true }); // only here
    store.unstage("c");
    expect(ids(store.nextUnsent("c", 10))).toEqual(["m6", "m7", "m8"]);
  });
});
