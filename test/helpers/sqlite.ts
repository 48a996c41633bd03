import { DatabaseSync, type SQLInputValue } from "node:sqlite";
import type { SqlCursor, SqlPort, SqlValue } from "../../src/storage/sql";

/**
 * The Durable Object SQL API (`ctx.storage.sql.exec`) over Node's own SQLite, so the storage adapters run unchanged
 * in unit and model-based tests. Like the runtime: BLOBs come back as ArrayBuffer, a cursor counts rows written.
 */
export class NodeSqlStorage implements SqlPort {
  readonly db = new DatabaseSync(":memory:");

  // biome-ignore lint/suspicious/noExplicitAny: bindings are any SQLite value, as in the runtime's own signature
  exec<T extends Record<string, SqlValue>>(query: string, ...bindings: any[]): SqlCursor<T> {
    const statement = this.db.prepare(query);
    const values = bindings.map(toInput);
    let rows: T[];
    let written = 0;
    if (statement.columns().length > 0) {
      const before = this.changes();
      rows = (statement.all(...values) as Record<string, unknown>[]).map((row) => fromRow(row) as T);
      written = /^\s*(insert|update|delete)/i.test(query) ? this.changes() - before : 0;
    } else {
      written = Number(statement.run(...values).changes);
      rows = [];
    }
    return cursor(rows, written);
  }

  /** What `ctx.storage.transactionSync` does: all or nothing. */
  transactionSync<T>(work: () => T): T {
    this.db.exec("BEGIN");
    try {
      const result = work();
      this.db.exec("COMMIT");
      return result;
    } catch (error) {
      this.db.exec("ROLLBACK");
      throw error;
    }
  }

  private changes(): number {
    return Number((this.db.prepare("SELECT total_changes() AS n").get() as { n: number }).n);
  }
}

function toInput(value: unknown): SQLInputValue {
  if (value instanceof ArrayBuffer) return new Uint8Array(value);
  if (value === undefined) return null;
  return value as SQLInputValue;
}

function fromRow(row: Record<string, unknown>): Record<string, SqlValue> {
  const out: Record<string, SqlValue> = {};
  for (const [key, value] of Object.entries(row)) {
    if (value instanceof Uint8Array) out[key] = value.buffer.slice(value.byteOffset, value.byteOffset + value.byteLength) as ArrayBuffer;
    else if (typeof value === "bigint") out[key] = Number(value);
    else out[key] = value as SqlValue;
  }
  return out;
}

function cursor<T>(rows: T[], written: number): SqlCursor<T> {
  return {
    toArray: () => rows,
    one: () => {
      if (rows.length !== 1) throw new Error(`Expected exactly one result from SQL query, but got ${rows.length}.`);
      return rows[0]!;
    },
    rowsRead: rows.length,
    rowsWritten: written,
    [Symbol.iterator]: () => rows[Symbol.iterator](),
  };
}
