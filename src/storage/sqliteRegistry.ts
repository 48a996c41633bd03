import { ensureSchema } from "./schema";
import type { SqlPort } from "./sql";

/** Where a client id's connection or persistent session is held. */
export interface ClientLocation {
  hub: string;
  connId: string;
}

/**
 * One shard of the client id registry: which hub holds each client id's connection or persistent session. Each
 * method reads and writes without yielding, so claims of one client id are serialized by the shard and a takeover
 * always finds the previous holder.
 */
export class SqliteClientRegistry {
  constructor(private readonly sql: SqlPort) {
    ensureSchema(
      sql,
      "registry",
      1,
      [],
      ["CREATE TABLE IF NOT EXISTS client_locations (client_id TEXT PRIMARY KEY, hub TEXT NOT NULL, conn_id TEXT NOT NULL) WITHOUT ROWID"],
    );
  }

  /** Records the new holder of `clientId` and returns the previous one, if any. */
  claim(clientId: string, location: ClientLocation): ClientLocation | null {
    const previous = this.locate(clientId);
    this.sql.exec(
      `INSERT INTO client_locations (client_id, hub, conn_id) VALUES (?, ?, ?)
       ON CONFLICT (client_id) DO UPDATE SET hub = excluded.hub, conn_id = excluded.conn_id`,
      clientId,
      location.hub,
      location.connId,
    );
    return previous;
  }

  /** Forgets the holder when its session ends, unless another connection has claimed the client id since. */
  release(clientId: string, location: ClientLocation): void {
    this.sql.exec("DELETE FROM client_locations WHERE client_id = ? AND hub = ? AND conn_id = ?", clientId, location.hub, location.connId);
  }

  locate(clientId: string): ClientLocation | null {
    const row = this.sql
      .exec<{ hub: string; conn_id: string }>("SELECT hub, conn_id FROM client_locations WHERE client_id = ?", clientId)
      .toArray()[0];
    return row ? { hub: row.hub, connId: row.conn_id } : null;
  }
}
