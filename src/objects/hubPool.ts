import { DurableObject } from "cloudflare:workers";
import { type PoolHub, pooledHubName, poolOfHub } from "../domain/placement";
import { SqlitePoolBook } from "../storage/sqlitePool";

/**
 * One pool of MQTT hubs (domain/placement.ts): knows how many connections each of its hubs holds and sends each new
 * connection to one with room, opening another hub when all are full. Touched once per WebSocket upgrade and once
 * per change of a hub's connection count (reports are coalesced by the hub), never per message.
 */
export class HubPoolObject extends DurableObject<Env> {
  private readonly book: SqlitePoolBook;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.book = new SqlitePoolBook(ctx.storage.sql);
  }

  /** The hub (by name) a new connection goes to, and its ticket for that hub. */
  async assign(capacity: number): Promise<{ hub: string; ticket: number }> {
    const name = this.ctx.id.name;
    if (name === undefined) throw new Error("a hub pool is addressed by name");
    const { hub, ticket } = this.book.assign(capacity);
    return { hub: pooledHubName(name, hub), ticket };
  }

  /** A hub's open connections, and the highest ticket it has seen since it last started. */
  async report(hub: string, live: number, ticket: number): Promise<void> {
    const place = poolOfHub(hub);
    if (place && place.pool === this.ctx.id.name) this.book.report(place.index, live, ticket);
  }

  async hubs(): Promise<PoolHub[]> {
    return this.book.hubs().map((hub) => ({ ...hub }));
  }
}
