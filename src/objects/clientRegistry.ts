import { DurableObject } from "cloudflare:workers";
import { DISCONNECT_MEMORY_MS } from "../domain/connections";
import { type Claim, type ClientLocation, SqliteClientRegistry } from "../storage/sqliteRegistry";

/**
 * One shard of the MQTT client id registry (objects/stubs.ts `clientRegistry`): which hub holds each client id's
 * connection or persistent session. A shard rather than an object per client id: an idle connection then costs no
 * object of its own (docs/fanout-design.md, "Memory").
 */
export class ClientRegistryObject extends DurableObject<Env> {
  private readonly registry: SqliteClientRegistry;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.registry = new SqliteClientRegistry(ctx.storage.sql);
  }

  async claim(clientId: string, location: ClientLocation): Promise<Claim> {
    return this.registry.claim(clientId, location);
  }

  async confirm(clientId: string, epoch: number, location: ClientLocation): Promise<void> {
    this.registry.confirm(clientId, epoch, location);
  }

  async release(clientId: string, location: ClientLocation): Promise<void> {
    this.registry.release(clientId, location, Date.now());
  }

  /** Where the connection APIs find a client: its holder, or for a while the hub where its session ended. */
  async find(clientId: string): Promise<(ClientLocation & { live: boolean }) | null> {
    return this.registry.find(clientId, Date.now(), DISCONNECT_MEMORY_MS);
  }

  async locate(clientId: string): Promise<ClientLocation | null> {
    return this.registry.locate(clientId);
  }
}
