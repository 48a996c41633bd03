import { describe, expect, it } from "vitest";
import { SqliteClientRegistry } from "../../../src/storage/sqliteRegistry";
import { NodeSqlStorage } from "../../helpers/sqlite";

const at = (hub: string, connId: string) => ({ hub, connId });

describe("client id registry shard", () => {
  it("answers each claim with where the session is and a newer epoch than any claim before", () => {
    const registry = new SqliteClientRegistry(new NodeSqlStorage());
    const a = registry.claim("c", at("hub-1", "c1"));
    expect(a.previous).toBeNull();
    registry.confirm("c", a.epoch, at("hub-1", "c1"));
    const b = registry.claim("c", at("hub-2", "c2"));
    expect(b.previous).toEqual(at("hub-1", "c1"));
    expect(b.epoch).toBeGreaterThan(a.epoch);
  });

  it("keeps sending claims to where the session is until the new holder confirms it took it over", () => {
    const registry = new SqliteClientRegistry(new NodeSqlStorage());
    registry.confirm("c", registry.claim("c", at("hub-1", "c1")).epoch, at("hub-1", "c1"));
    registry.claim("c", at("hub-2", "c2")); // hub-2 dies before taking the session over
    expect(registry.claim("c", at("hub-3", "c3")).previous).toEqual(at("hub-1", "c1"));
    expect(registry.locate("c")).toEqual(at("hub-1", "c1"));
  });

  it("learns from an older claim's late confirmation where a newer unconfirmed claim must look", () => {
    const registry = new SqliteClientRegistry(new NodeSqlStorage());
    registry.confirm("c", registry.claim("c", at("hub-1", "c1")).epoch, at("hub-1", "c1"));
    const older = registry.claim("c", at("hub-2", "c2"));
    const newer = registry.claim("c", at("hub-3", "c3"));
    expect(newer.previous).toEqual(at("hub-1", "c1"));
    registry.confirm("c", older.epoch, at("hub-2", "c2")); // hub-2 did take the session after all
    expect(registry.claim("c", at("hub-4", "c4")).previous).toEqual(at("hub-2", "c2"));
  });

  it("releases only the current holder; an unconfirmed claim released gives the entry back to its source", () => {
    const registry = new SqliteClientRegistry(new NodeSqlStorage());
    const first = registry.claim("c", at("hub-1", "c1"));
    registry.confirm("c", first.epoch, at("hub-1", "c1"));
    registry.claim("c", at("hub-2", "c2"));
    registry.release("c", at("hub-1", "c1")); // late release of the old holder: no effect
    expect(registry.locate("c")).toEqual(at("hub-1", "c1"));
    registry.release("c", at("hub-2", "c2")); // the claim came to nothing
    expect(registry.claim("c", at("hub-3", "c3")).previous).toEqual(at("hub-1", "c1"));
    registry.release("c", at("hub-3", "c3"));
    registry.release("c", at("hub-1", "c1"));
    expect(registry.locate("c")).toBeNull();
  });
});
