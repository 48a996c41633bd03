import { DurableObject } from "cloudflare:workers";

export interface SessionLocation {
  hub: string;
  connId: string;
}

/**
 * Registry entry of one MQTT client id (addressed by client id): which hub holds its connection or its persistent
 * session. It serializes CONNECTs with the same client id, so a takeover always finds the previous holder.
 */
export class SessionObject extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.storage.sql.exec("CREATE TABLE IF NOT EXISTS location (id INTEGER PRIMARY KEY CHECK (id = 1), hub TEXT NOT NULL, conn_id TEXT NOT NULL)");
  }

  /** Records the new holder and returns the previous one, if any. */
  async claim(location: SessionLocation): Promise<SessionLocation | null> {
    const previous = this.current();
    this.ctx.storage.sql.exec(
      "INSERT INTO location (id, hub, conn_id) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET hub = excluded.hub, conn_id = excluded.conn_id",
      location.hub,
      location.connId,
    );
    return previous;
  }

  /** Forgets the holder when its session ends, unless another connection has claimed the client id since. */
  async release(location: SessionLocation): Promise<void> {
    this.ctx.storage.sql.exec("DELETE FROM location WHERE hub = ? AND conn_id = ?", location.hub, location.connId);
  }

  private current(): SessionLocation | null {
    const row = this.ctx.storage.sql.exec<{ hub: string; conn_id: string }>("SELECT hub, conn_id FROM location").toArray()[0];
    return row ? { hub: row.hub, connId: row.conn_id } : null;
  }
}
