import { type Assignment, PoolBook, type PoolHub } from "../domain/placement";
import { ensureSchema } from "./schema";
import type { SqlPort } from "./sql";

/** A hub pool's book (domain/placement.ts) kept in the pool object's SQLite storage, one row per hub. */
export class SqlitePoolBook {
  private readonly book: PoolBook;

  constructor(private readonly sql: SqlPort) {
    ensureSchema(
      sql,
      "pool",
      1,
      ["pool_hubs"],
      ["CREATE TABLE IF NOT EXISTS pool_hubs (idx INTEGER PRIMARY KEY, assigned INTEGER NOT NULL, ticket INTEGER NOT NULL, live INTEGER NOT NULL)"],
    );
    const rows = sql.exec<{ idx: number; assigned: number; ticket: number; live: number }>(
      "SELECT idx, assigned, ticket, live FROM pool_hubs ORDER BY idx",
    );
    this.book = new PoolBook([...rows].map((r) => ({ index: r.idx, assigned: r.assigned, ticket: r.ticket, live: r.live })));
  }

  hubs(): readonly PoolHub[] {
    return this.book.list();
  }

  assign(capacity: number): Assignment {
    const assignment = this.book.assign(capacity);
    this.save(this.book.list()[assignment.hub]!);
    return assignment;
  }

  report(index: number, live: number, ticket: number): void {
    const hub = this.book.report(index, live, ticket);
    if (hub) this.save(hub);
  }

  private save(hub: PoolHub): void {
    this.sql.exec(
      "INSERT INTO pool_hubs (idx, assigned, ticket, live) VALUES (?, ?, ?, ?) ON CONFLICT (idx) DO UPDATE SET assigned = excluded.assigned, ticket = excluded.ticket, live = excluded.live",
      hub.index,
      hub.assigned,
      hub.ticket,
      hub.live,
    );
  }
}
