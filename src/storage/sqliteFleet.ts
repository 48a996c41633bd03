import type { FleetQuery, FleetReport, FleetThing } from "../domain/fleet";

/** Sorts after every character a thing name may contain ([a-zA-Z0-9:_-]): the end of a prefix range. */
const AFTER_NAME_CHARACTERS = "\u007f";

/** One shard of the fleet directory in its Durable Object's SQLite database. */
export class SqliteFleetStore {
  constructor(private readonly sql: SqlStorage) {
    // A thing whose last shadow was deleted stays with 0 shadows: its sequence must outlive it (FleetReport).
    sql.exec(`CREATE TABLE IF NOT EXISTS fleet_things (
      name TEXT PRIMARY KEY,
      shadows INTEGER NOT NULL,
      sequence INTEGER NOT NULL
    ) WITHOUT ROWID`);
    sql.exec("CREATE INDEX IF NOT EXISTS fleet_listed ON fleet_things (name) WHERE shadows > 0");
  }

  /** Takes the report only if it is newer than the last one from that thing. */
  record(report: FleetReport): void {
    this.sql.exec(
      `INSERT INTO fleet_things (name, shadows, sequence) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET shadows = excluded.shadows, sequence = excluded.sequence
       WHERE excluded.sequence > fleet_things.sequence`,
      report.thingName,
      report.shadowCount,
      report.sequence,
    );
  }

  /** Things with at least one shadow, in name order, after `query.after` and within the prefix. */
  list(query: FleetQuery): FleetThing[] {
    const upper = `${query.prefix}${AFTER_NAME_CHARACTERS}`;
    return this.sql
      .exec<{ name: string; shadows: number }>(
        "SELECT name, shadows FROM fleet_things WHERE shadows > 0 AND name > ? AND name >= ? AND name < ? ORDER BY name LIMIT ?",
        query.after,
        query.prefix,
        upper,
        query.limit,
      )
      .toArray()
      .map((row) => ({ thingName: row.name, shadowCount: row.shadows }));
  }
}
