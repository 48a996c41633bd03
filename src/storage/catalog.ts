import type { PackageVersionStatus } from "../domain/controlplane/packageInput";
import type { PackageConfiguration, PackageRecord, PackageVersionRecord } from "../domain/controlplane/packages";
import type { StreamRecord } from "../domain/controlplane/streams";

/**
 * One page of a listing. `next` is the position of the last item and is present only when more items follow;
 * the edge seals it into an opaque `nextToken`.
 */
export interface Page<T, P> {
  items: T[];
  next?: P;
}

/** Listing positions: keyset pagination, so a page never repeats or skips items when others are added or removed. */
export interface StreamPosition {
  /** Creation sequence number of the last stream returned. */
  after?: number;
  ascending: boolean;
}

const PACKAGE_CONFIGURATION = "packageConfiguration";

/**
 * The control-plane catalog (streams, packages, package versions, the package configuration) in the catalog
 * Durable Object's SQLite database. Records are stored as the domain's JSON; the columns beside them exist only
 * to look up, filter and order rows. Synchronous, so a caller can run read-decide-write inside one transaction.
 */
export class SqliteCatalogStore {
  constructor(private readonly sql: SqlStorage) {
    // `seq` is the creation order of streams (AUTOINCREMENT never reuses a number, even after deletes), which
    // ListStreams sorts by (control-plane.md §2: sort key unverified, creation time recommended).
    sql.exec(`CREATE TABLE IF NOT EXISTS streams (
      seq INTEGER PRIMARY KEY AUTOINCREMENT,
      stream_id TEXT NOT NULL UNIQUE,
      record TEXT NOT NULL
    )`);
    sql.exec(`CREATE TABLE IF NOT EXISTS packages (
      package_name TEXT PRIMARY KEY,
      record TEXT NOT NULL
    ) WITHOUT ROWID`);
    sql.exec(`CREATE TABLE IF NOT EXISTS package_versions (
      package_name TEXT NOT NULL,
      version_name TEXT NOT NULL,
      status TEXT NOT NULL,
      record TEXT NOT NULL,
      PRIMARY KEY (package_name, version_name)
    ) WITHOUT ROWID`);
    sql.exec(`CREATE TABLE IF NOT EXISTS settings (
      name TEXT PRIMARY KEY,
      value TEXT NOT NULL
    ) WITHOUT ROWID`);
  }

  // ---- streams ----

  readStream(streamId: string): StreamRecord | undefined {
    return this.one<StreamRecord>("SELECT record FROM streams WHERE stream_id = ?", streamId);
  }

  insertStream(record: StreamRecord): void {
    this.sql.exec("INSERT INTO streams (stream_id, record) VALUES (?, ?)", record.streamId, JSON.stringify(record));
  }

  /** Replaces the record of an existing stream, keeping its place in the creation order. */
  replaceStream(record: StreamRecord): void {
    this.sql.exec("UPDATE streams SET record = ? WHERE stream_id = ?", JSON.stringify(record), record.streamId);
  }

  deleteStream(streamId: string): void {
    this.sql.exec("DELETE FROM streams WHERE stream_id = ?", streamId);
  }

  listStreams(position: StreamPosition, limit: number): Page<StreamRecord, number> {
    const rows = position.ascending
      ? this.sql.exec<{ seq: number; record: string }>(
          "SELECT seq, record FROM streams WHERE seq > ? ORDER BY seq ASC LIMIT ?",
          position.after ?? 0,
          limit + 1,
        )
      : this.sql.exec<{ seq: number; record: string }>(
          "SELECT seq, record FROM streams WHERE seq < ? ORDER BY seq DESC LIMIT ?",
          position.after ?? Number.MAX_SAFE_INTEGER,
          limit + 1,
        );
    return pageOf(rows.toArray(), limit, (row) => row.seq);
  }

  // ---- packages ----

  readPackage(packageName: string): PackageRecord | undefined {
    return this.one<PackageRecord>("SELECT record FROM packages WHERE package_name = ?", packageName);
  }

  writePackage(record: PackageRecord): void {
    this.sql.exec(
      `INSERT INTO packages (package_name, record) VALUES (?, ?)
       ON CONFLICT (package_name) DO UPDATE SET record = excluded.record`,
      record.packageName,
      JSON.stringify(record),
    );
  }

  deletePackage(packageName: string): void {
    this.sql.exec("DELETE FROM packages WHERE package_name = ?", packageName);
  }

  /** Packages in ascending name order, strictly after `after` (ListPackages order is unverified). */
  listPackages(after: string | undefined, limit: number): Page<PackageRecord, string> {
    const rows = this.sql.exec<{ package_name: string; record: string }>(
      "SELECT package_name, record FROM packages WHERE package_name > ? ORDER BY package_name LIMIT ?",
      after ?? "",
      limit + 1,
    );
    return pageOf(rows.toArray(), limit, (row) => row.package_name);
  }

  // ---- package versions ----

  readPackageVersion(packageName: string, versionName: string): PackageVersionRecord | undefined {
    return this.one<PackageVersionRecord>(
      "SELECT record FROM package_versions WHERE package_name = ? AND version_name = ?",
      packageName,
      versionName,
    );
  }

  writePackageVersion(record: PackageVersionRecord): void {
    this.sql.exec(
      `INSERT INTO package_versions (package_name, version_name, status, record) VALUES (?, ?, ?, ?)
       ON CONFLICT (package_name, version_name) DO UPDATE SET status = excluded.status, record = excluded.record`,
      record.packageName,
      record.versionName,
      record.status,
      JSON.stringify(record),
    );
  }

  deletePackageVersion(packageName: string, versionName: string): void {
    this.sql.exec("DELETE FROM package_versions WHERE package_name = ? AND version_name = ?", packageName, versionName);
  }

  countPackageVersions(packageName: string): number {
    const row = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM package_versions WHERE package_name = ?", packageName).one();
    return row.n;
  }

  /** Versions of one package in ascending name order, strictly after `after`, optionally of one status. */
  listPackageVersions(
    packageName: string,
    status: PackageVersionStatus | undefined,
    after: string | undefined,
    limit: number,
  ): Page<PackageVersionRecord, string> {
    const rows = this.sql.exec<{ version_name: string; record: string }>(
      `SELECT version_name, record FROM package_versions
       WHERE package_name = ? AND version_name > ? AND (? IS NULL OR status = ?)
       ORDER BY version_name LIMIT ?`,
      packageName,
      after ?? "",
      status ?? null,
      status ?? null,
      limit + 1,
    );
    return pageOf(rows.toArray(), limit, (row) => row.version_name);
  }

  // ---- account-wide package configuration ----

  readPackageConfiguration(): PackageConfiguration | undefined {
    const row = this.sql.exec<{ value: string }>("SELECT value FROM settings WHERE name = ?", PACKAGE_CONFIGURATION).toArray()[0];
    return row === undefined ? undefined : (JSON.parse(row.value) as PackageConfiguration);
  }

  writePackageConfiguration(config: PackageConfiguration): void {
    this.sql.exec(
      "INSERT INTO settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
      PACKAGE_CONFIGURATION,
      JSON.stringify(config),
    );
  }

  private one<R>(query: string, ...bindings: string[]): R | undefined {
    const row = this.sql.exec<{ record: string }>(query, ...bindings).toArray()[0];
    // The record column only ever holds what this class wrote from an R.
    return row === undefined ? undefined : (JSON.parse(row.record) as R);
  }
}

/** Rows were fetched with `limit + 1`: the extra row only tells that another page follows. */
function pageOf<Row extends { record: string }, T, P>(rows: Row[], limit: number, positionOf: (row: Row) => P): Page<T, P> {
  const pageRows = rows.slice(0, limit);
  const items = pageRows.map((row) => JSON.parse(row.record) as T);
  const last = pageRows[pageRows.length - 1];
  return rows.length > limit && last !== undefined ? { items, next: positionOf(last) } : { items };
}
