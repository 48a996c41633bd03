import { describe, expect, it } from "vitest";
import type { StoredShadow } from "../../../src/domain/shadow";
import { handleShadowRequest, type ShadowRequest } from "../../../src/services/shadows";
import { DELETED_VERSION_MEMORY_SECONDS, MemoryShadowStore } from "../../../src/storage/shadows";

const enc = (v: unknown) => new TextEncoder().encode(typeof v === "string" ? v : JSON.stringify(v));
const dec = (b: Uint8Array) => JSON.parse(new TextDecoder().decode(b));
const T = 1_700_000_000;

function request(partial: Partial<ShadowRequest>): ShadowRequest {
  return { thingName: "lamp", operation: "update", payload: new Uint8Array(), origin: "http", ...partial };
}

describe("handleShadowRequest notifications", () => {
  it("publishes accepted, documents and delta for a REST update, in that order", () => {
    const store = new MemoryShadowStore();
    const result = handleShadowRequest(store, request({ payload: enc({ state: { desired: { on: true } }, clientToken: "c1" }) }), T);
    expect(result.outcome.ok).toBe(true);
    expect(result.notifications.map((m) => m.topic)).toEqual([
      "$aws/things/lamp/shadow/update/accepted",
      "$aws/things/lamp/shadow/update/documents",
      "$aws/things/lamp/shadow/update/delta",
    ]);
    expect(dec(result.notifications[0]!.payload).clientToken).toBe("c1");
    expect(dec(result.notifications[2]!.payload).state).toEqual({ on: true });
  });

  it("publishes no delta when desired equals reported", () => {
    const store = new MemoryShadowStore();
    const result = handleShadowRequest(store, request({ payload: enc({ state: { desired: { on: true }, reported: { on: true } } }) }), T);
    expect(result.notifications.map((m) => m.topic)).not.toContain("$aws/things/lamp/shadow/update/delta");
  });

  it("uses the named-shadow topics for a named shadow", () => {
    const result = handleShadowRequest(new MemoryShadowStore(), request({ shadowName: "cfg", payload: enc({ state: { reported: { a: 1 } } }) }), T);
    expect(result.notifications[0]!.topic).toBe("$aws/things/lamp/shadow/name/cfg/update/accepted");
  });

  it("keeps REST errors off MQTT but publishes MQTT errors on /rejected with the clientToken", () => {
    const store = new MemoryShadowStore();
    handleShadowRequest(store, request({ payload: enc({ state: { reported: { a: 1 } } }) }), T);
    const stale = enc({ state: { reported: { a: 2 } }, version: 7, clientToken: "tok" });
    const rest = handleShadowRequest(store, request({ payload: stale }), T);
    expect(rest.outcome).toMatchObject({ ok: false, kind: "Conflict", message: "Version conflict" });
    expect(rest.notifications).toEqual([]);
    const mqtt = handleShadowRequest(store, request({ payload: stale, origin: "mqtt" }), T);
    expect(mqtt.notifications.map((m) => m.topic)).toEqual(["$aws/things/lamp/shadow/update/rejected"]);
    expect(dec(mqtt.notifications[0]!.payload)).toEqual({ code: 409, message: "Version conflict", clientToken: "tok" });
  });

  it("answers an MQTT get on /get/accepted with the token and a REST get with nothing published", () => {
    const store = new MemoryShadowStore();
    handleShadowRequest(store, request({ payload: enc({ state: { desired: { x: 1 } } }) }), T);
    const mqtt = handleShadowRequest(store, request({ operation: "get", origin: "mqtt", payload: enc({ clientToken: "g" }) }), T);
    expect(mqtt.notifications[0]!.topic).toBe("$aws/things/lamp/shadow/get/accepted");
    expect(dec(mqtt.notifications[0]!.payload)).toMatchObject({ clientToken: "g", version: 1, state: { delta: { x: 1 } } });
    expect(handleShadowRequest(store, request({ operation: "get" }), T).notifications).toEqual([]);
  });

  it("rejects an MQTT get of a missing shadow with AWS's 404 document", () => {
    const result = handleShadowRequest(new MemoryShadowStore(), request({ operation: "get", origin: "mqtt" }), T);
    expect(result.notifications[0]!.topic).toBe("$aws/things/lamp/shadow/get/rejected");
    expect(dec(result.notifications[0]!.payload)).toEqual({ code: 404, message: "No shadow exists with name: 'lamp'" });
  });

  it("publishes /delete/accepted on delete and forgets the deleted version after 48 hours", () => {
    const store = new MemoryShadowStore();
    handleShadowRequest(store, request({ payload: enc({ state: { reported: { a: 1 } } }) }), T);
    handleShadowRequest(store, request({ payload: enc({ state: { reported: { a: 2 } } }) }), T);
    const deleted = handleShadowRequest(store, request({ operation: "delete" }), T);
    expect(deleted.notifications[0]!.topic).toBe("$aws/things/lamp/shadow/delete/accepted");
    expect(dec(deleted.notifications[0]!.payload)).toEqual({ version: 2, timestamp: T });
    const soon = handleShadowRequest(store, request({ payload: enc({ state: { reported: { a: 3 } } }) }), T + 60);
    expect(soon.outcome.ok && JSON.parse(soon.outcome.value).version).toBe(3);
    handleShadowRequest(store, request({ operation: "delete" }), T + 60);
    const later = handleShadowRequest(store, request({ payload: enc({ state: { reported: { a: 4 } } }) }), T + 60 + DELETED_VERSION_MEMORY_SECONDS);
    expect(later.outcome.ok && JSON.parse(later.outcome.value).version).toBe(1);
  });
});

/** A store that hands out (and keeps) deep-frozen documents, as SqliteShadowStore shares its cached ones. */
class FrozenShadowStore extends MemoryShadowStore {
  private readonly frozen = new Map<string, StoredShadow>();
  override read(name: string, now: number) {
    const row = super.read(name, now);
    if (!row.live) return row;
    const kept = this.frozen.get(name);
    return { ...row, live: kept && kept.version === row.live.version ? kept : row.live };
  }
  override write(name: string, shadow: StoredShadow): void {
    super.write(name, shadow);
    this.frozen.set(name, deepFreeze(shadow));
  }
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object") {
    for (const member of Object.values(value)) deepFreeze(member);
    Object.freeze(value);
  }
  return value;
}

describe("handleShadowRequest and shared documents", () => {
  it("never changes a document the store hands out (the store may keep and share it)", () => {
    const store = new FrozenShadowStore();
    const steps: Partial<ShadowRequest>[] = [
      { payload: enc({ state: { desired: { on: true, color: { r: 1, g: 2 } }, reported: { on: false } } }) },
      { payload: enc({ state: { desired: { color: { r: 9, b: null }, level: [1, 2] }, reported: { color: { g: 2 } } } }) },
      { payload: enc({ state: { desired: { on: null }, reported: { on: true, color: null } }, version: 2 }) },
      { operation: "get", origin: "mqtt", payload: enc({ clientToken: "g" }) },
      { operation: "get" },
      { payload: enc({ state: { desired: null } }) },
      { operation: "delete" },
      { payload: enc({ state: { reported: { back: 1 } } }) },
    ];
    const versions = steps.map((step) => {
      const result = handleShadowRequest(store, request(step), T);
      expect(result.outcome.ok, JSON.stringify(step)).toBe(true);
      return result.outcome.ok ? (JSON.parse(result.outcome.value) as { version?: number }).version : undefined;
    });
    expect(versions).toEqual([1, 2, 3, 3, 3, 4, 4, 5]);
  });
});
