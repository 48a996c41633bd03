import { DurableObject } from "cloudflare:workers";
import { shardOf } from "../domain/sharding";

export interface SessionLocation {
  hub: string;
  connId: string;
}

/**
 * Registry shards of MQTT client ids: fixed for a deployment (the hash names the shard that holds a client id's
 * entry). Every CONNECT and every session end touches one shard with one short synchronous SQLite statement.
 */
export const SESSION_REGISTRY_SHARDS = 64;

/** The registry shard of a client id. */
export function sessionRegistry(env: Env, clientId: string): DurableObjectStub<SessionObject> {
  return env.SESSIONS.getByName(`registry-${shardOf(clientId, SESSION_REGISTRY_SHARDS)}`);
}

/**
 * One shard of the client id registry: which hub holds each client id's connection or persistent session. Each call
 * reads and writes without yielding, so CONNECTs with the same client id are serialized and a takeover always finds
 * the previous holder. A shard rather than an object per client id: an idle connection then costs no object of its
 * own (docs/fanout-design.md, "Memory").
 */
export class SessionObject extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec(
      "CREATE TABLE IF NOT EXISTS client_locations (client_id TEXT PRIMARY KEY, hub TEXT NOT NULL, conn_id TEXT NOT NULL) WITHOUT ROWID",
    );
  }

  /** Records the new holder of `clientId` and returns the previous one, if any. */
  async claim(clientId: string, location: SessionLocation): Promise<SessionLocation | null> {
    const row = this.ctx.storage.sql
      .exec<{ hub: string; conn_id: string }>("SELECT hub, conn_id FROM client_locations WHERE client_id = ?", clientId)
      .toArray()[0];
    this.ctx.storage.sql.exec(
      `INSERT INTO client_locations (client_id, hub, conn_id) VALUES (?, ?, ?)
       ON CONFLICT (client_id) DO UPDATE SET hub = excluded.hub, conn_id = excluded.conn_id`,
      clientId,
      location.hub,
      location.connId,
    );
    return row ? { hub: row.hub, connId: row.conn_id } : null;
  }

  /** Forgets the holder when its session ends, unless another connection has claimed the client id since. */
  async release(clientId: string, location: SessionLocation): Promise<void> {
    this.ctx.storage.sql.exec(
      "DELETE FROM client_locations WHERE client_id = ? AND hub = ? AND conn_id = ?",
      clientId,
      location.hub,
      location.connId,
    );
  }
}
