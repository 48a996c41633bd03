import { ensureSchema } from "./schema";
import type { SqlPort } from "./sql";

/** Where a client id's connection or persistent session is held. */
export interface ClientLocation {
  hub: string;
  connId: string;
}

/** A claim's answer: where the session is now, and the claim's epoch (higher is newer, for one client id). */
export interface Claim {
  /** The last holder that confirmed it had the session (or null: there is none). */
  previous: ClientLocation | null;
  epoch: number;
}

type Row = {
  hub: string;
  conn_id: string;
  epoch: number;
  confirmed: number;
  source_hub: string | null;
  source_conn: string | null;
  source_epoch: number | null;
};

/**
 * One shard of the client id registry: which hub holds each client id's connection or persistent session. Each
 * method reads and writes without yielding, so claims of one client id are serialized by the shard: a takeover
 * always finds the holder, and each claim gets an epoch from the shard's counter, so two hubs that both want a
 * client's session can tell whose claim is newer without asking anyone.
 *
 * A claim becomes the holder at once, but the session stays where it was until the claimant confirms it has taken it
 * over: until then the entry keeps that place as the source, and a newer claim is sent there. So a hub that dies
 * between its claim and its takeover strands nothing.
 */
export class SqliteClientRegistry {
  constructor(private readonly sql: SqlPort) {
    ensureSchema(
      sql,
      "registry",
      4,
      ["client_locations", "registry_counter"],
      [
        `CREATE TABLE IF NOT EXISTS client_locations (
          client_id TEXT PRIMARY KEY, hub TEXT NOT NULL, conn_id TEXT NOT NULL, epoch INTEGER NOT NULL, confirmed INTEGER NOT NULL,
          source_hub TEXT, source_conn TEXT, source_epoch INTEGER
        ) WITHOUT ROWID`,
        "CREATE TABLE IF NOT EXISTS registry_counter (id INTEGER PRIMARY KEY CHECK (id = 0), epoch INTEGER NOT NULL)",
        "INSERT OR IGNORE INTO registry_counter (id, epoch) VALUES (0, 0)",
      ],
    );
    // A component of its own: adding it dropped nothing of the locations above.
    ensureSchema(
      sql,
      "registry-released",
      1,
      ["released_clients"],
      [
        "CREATE TABLE IF NOT EXISTS released_clients (client_id TEXT PRIMARY KEY, hub TEXT NOT NULL, conn_id TEXT NOT NULL, at INTEGER NOT NULL) WITHOUT ROWID",
        "CREATE INDEX IF NOT EXISTS released_clients_by_time ON released_clients (at)",
      ],
    );
  }

  /** Records the new holder of `clientId`; returns where the session is (to take it from) and the claim's epoch. */
  claim(clientId: string, location: ClientLocation): Claim {
    const row = this.row(clientId);
    const source = row ? (row.confirmed ? { hub: row.hub, connId: row.conn_id } : sourceOf(row)) : null;
    const sourceEpoch = row ? (row.confirmed ? row.epoch : row.source_epoch) : null;
    const { epoch } = this.sql.exec<{ epoch: number }>("UPDATE registry_counter SET epoch = epoch + 1 WHERE id = 0 RETURNING epoch").one();
    this.sql.exec(
      `INSERT INTO client_locations (client_id, hub, conn_id, epoch, confirmed, source_hub, source_conn, source_epoch) VALUES (?, ?, ?, ?, 0, ?, ?, ?)
       ON CONFLICT (client_id) DO UPDATE SET hub = excluded.hub, conn_id = excluded.conn_id, epoch = excluded.epoch, confirmed = 0,
         source_hub = excluded.source_hub, source_conn = excluded.source_conn, source_epoch = excluded.source_epoch`,
      clientId,
      location.hub,
      location.connId,
      epoch,
      source?.hub ?? null,
      source?.connId ?? null,
      sourceEpoch,
    );
    return { previous: source, epoch };
  }

  /**
   * The claim of `epoch` has the session now, at `location`. If a newer claim came meanwhile, that claim's source
   * becomes this location (the session is here now, not where the newer claim was told to look).
   */
  confirm(clientId: string, epoch: number, location: ClientLocation): void {
    const row = this.row(clientId);
    if (!row) return;
    if (row.epoch === epoch) {
      this.sql.exec(
        "UPDATE client_locations SET confirmed = 1, source_hub = NULL, source_conn = NULL, source_epoch = NULL WHERE client_id = ?",
        clientId,
      );
    } else if (row.epoch > epoch && !row.confirmed && (row.source_epoch ?? -1) < epoch) {
      this.sql.exec(
        "UPDATE client_locations SET source_hub = ?, source_conn = ?, source_epoch = ? WHERE client_id = ?",
        location.hub,
        location.connId,
        epoch,
        clientId,
      );
    }
  }

  /**
   * The holder's session ended (or its claim came to nothing): the entry goes, unless another connection has claimed
   * the client id since. An unconfirmed claim gives the entry back to its source, where the session still is.
   */
  release(clientId: string, location: ClientLocation, now?: number): void {
    const row = this.row(clientId);
    if (!row || row.hub !== location.hub || row.conn_id !== location.connId) return;
    if (now !== undefined) this.rememberReleased(clientId, location, now);
    const source = row.confirmed ? null : sourceOf(row);
    if (source) {
      this.sql.exec(
        "UPDATE client_locations SET hub = ?, conn_id = ?, epoch = ?, confirmed = 1, source_hub = NULL, source_conn = NULL, source_epoch = NULL WHERE client_id = ?",
        source.hub,
        source.connId,
        row.source_epoch ?? 0,
        clientId,
      );
    } else {
      this.sql.exec("DELETE FROM client_locations WHERE client_id = ?", clientId);
    }
  }

  /** Where the client's session is (its confirmed holder, or the source of an unconfirmed claim). */
  locate(clientId: string): ClientLocation | null {
    const row = this.row(clientId);
    if (!row) return null;
    return row.confirmed ? { hub: row.hub, connId: row.conn_id } : sourceOf(row);
  }

  /**
   * Where a client's connection or session is, or (`live: false`) where its session ended within the last
   * `memoryMs`: that hub still answers GetConnection with the disconnection for a while.
   */
  find(clientId: string, now: number, memoryMs: number): (ClientLocation & { live: boolean }) | null {
    const live = this.locate(clientId);
    if (live) return { ...live, live: true };
    const released = this.sql
      .exec<{ hub: string; conn_id: string }>("SELECT hub, conn_id FROM released_clients WHERE client_id = ? AND at >= ?", clientId, now - memoryMs)
      .toArray()[0];
    return released ? { hub: released.hub, connId: released.conn_id, live: false } : null;
  }

  /** Remembers the hub a session ended on; forgets, a bounded number at a time, what is older than an hour. */
  private rememberReleased(clientId: string, location: ClientLocation, now: number): void {
    this.sql.exec(
      "INSERT OR REPLACE INTO released_clients (client_id, hub, conn_id, at) VALUES (?, ?, ?, ?)",
      clientId,
      location.hub,
      location.connId,
      now,
    );
    this.sql.exec(
      "DELETE FROM released_clients WHERE client_id IN (SELECT client_id FROM released_clients WHERE at < ? ORDER BY at LIMIT 100)",
      now - 3600 * 1000,
    );
  }

  private row(clientId: string): Row | undefined {
    return this.sql.exec<Row>("SELECT * FROM client_locations WHERE client_id = ?", clientId).toArray()[0];
  }
}

const sourceOf = (row: Row): ClientLocation | null =>
  row.source_hub !== null && row.source_conn !== null ? { hub: row.source_hub, connId: row.source_conn } : null;
