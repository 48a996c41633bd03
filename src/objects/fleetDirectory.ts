import { DurableObject } from "cloudflare:workers";
import type { FleetQuery, FleetReport, FleetThing } from "../domain/fleet";
import { SqliteFleetStore } from "../storage/sqliteFleet";

/** One of FLEET_SHARD_COUNT shards of the fleet directory (addressed by name `fleet-{n}`, see domain/fleet.ts). */
export class FleetDirectoryObject extends DurableObject<Env> {
  private readonly store: SqliteFleetStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new SqliteFleetStore(ctx.storage.sql);
  }

  async record(report: FleetReport): Promise<void> {
    this.store.record(report);
  }

  async list(query: FleetQuery): Promise<FleetThing[]> {
    return this.store.list(query);
  }
}
