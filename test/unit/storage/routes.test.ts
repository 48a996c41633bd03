import { describe, expect, it } from "vitest";
import { SqliteRouteTable } from "../../../src/storage/sqliteRoutes";
import { NodeSqlStorage } from "../../helpers/sqlite";

/** A sequence of "random" numbers in [0, 1), repeated. */
function sequence(...values: number[]) {
  let i = 0;
  return () => values[i++ % values.length]!;
}

describe("SqliteRouteTable", () => {
  it("routes an ordinary filter to every hub and a shared group to one hub per message", () => {
    // Two groups ask for a number per message: the workers group gets 0, then 0.99 (the audit group has one hub).
    const table = new SqliteRouteTable(new NodeSqlStorage(), sequence(0, 0, 0.99, 0.99));
    table.set("jobs/+", "hub-a", true);
    table.set("jobs/+", "hub-b", true);
    table.set("$share/workers/jobs/+", "hub-a", true);
    table.set("$share/workers/jobs/+", "hub-b", true);
    table.set("$share/audit/jobs/#", "hub-c", true);
    const first = table.match("jobs/1");
    expect(Object.fromEntries(first)).toEqual({
      "hub-a": ["jobs/+", "$share/workers/jobs/+"],
      "hub-b": ["jobs/+"],
      "hub-c": ["$share/audit/jobs/#"],
    });
    // The next message goes to the group's other hub: spread, not always the first.
    expect(table.match("jobs/2").get("hub-b")).toEqual(["jobs/+", "$share/workers/jobs/+"]);
    expect(table.match("other").size).toBe(0);
  });

  it("prefers hubs where a member of the group is connected", () => {
    const table = new SqliteRouteTable(new NodeSqlStorage(), Math.random);
    table.set("$share/g/t", "offline-hub", true);
    table.set("$share/g/t", "online-hub", "online");
    for (let i = 0; i < 50; i++) expect([...table.match("t").keys()]).toEqual(["online-hub"]);
    table.set("$share/g/t", "online-hub", true);
    const seen = new Set<string>();
    for (let i = 0; i < 200; i++) for (const hub of table.match("t").keys()) seen.add(hub);
    expect(seen).toEqual(new Set(["offline-hub", "online-hub"]));
  });

  it("keeps routes and their online flag in SQLite, and adds the flag to a table made before it", () => {
    const sql = new NodeSqlStorage();
    // The layout of the previous release: no online column.
    sql.exec("CREATE TABLE schema_versions (component TEXT PRIMARY KEY, version INTEGER NOT NULL) WITHOUT ROWID");
    sql.exec("INSERT INTO schema_versions VALUES ('routes', 2)");
    sql.exec("CREATE TABLE routes (filter TEXT NOT NULL, hub TEXT NOT NULL, PRIMARY KEY (filter, hub)) WITHOUT ROWID");
    sql.exec("INSERT INTO routes VALUES ('a/b', 'hub-old')");
    const table = new SqliteRouteTable(sql, () => 0);
    expect([...table.match("a/b").keys()]).toEqual(["hub-old"]);
    table.set("$share/g/a/b", "hub-1", true);
    table.set("$share/g/a/b", "hub-2", "online");
    const reloaded = new SqliteRouteTable(sql, () => 0);
    expect(Object.fromEntries(reloaded.match("a/b"))).toEqual({ "hub-old": ["a/b"], "hub-2": ["$share/g/a/b"] });
    reloaded.set("$share/g/a/b", "hub-2", false);
    expect(Object.fromEntries(new SqliteRouteTable(sql, () => 0).match("a/b"))).toEqual({ "hub-old": ["a/b"], "hub-1": ["$share/g/a/b"] });
  });
});
