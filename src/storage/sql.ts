/**
 * The part of a Durable Object's SQL API (`ctx.storage.sql`) the storage adapters use. Adapters take this port, not
 * the object, so the same adapter runs on workerd and, in unit tests, on Node's own SQLite (test/helpers/sqlite.ts).
 */
export type SqlValue = ArrayBuffer | string | number | null;

export interface SqlCursor<T> extends Iterable<T> {
  toArray(): T[];
  one(): T;
  readonly rowsRead: number;
  readonly rowsWritten: number;
}

export interface SqlPort {
  // biome-ignore lint/suspicious/noExplicitAny: bindings are any SQLite value, as in the runtime's own signature
  exec<T extends Record<string, SqlValue>>(query: string, ...bindings: any[]): SqlCursor<T>;
}
