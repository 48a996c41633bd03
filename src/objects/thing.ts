import { DurableObject } from "cloudflare:workers";
import { ServiceError } from "../domain/errors";
import { failure, type Outcome, success } from "../domain/outcome";
import { DEFAULT_THING_REQUESTS_PER_SECOND, parseRate, TokenBucket } from "../domain/rateLimit";
import { handleShadowRequest, type ShadowRequest } from "../services/shadows";
import { SqliteShadowStore } from "../storage/sqliteShadows";

export interface NamedShadowPage {
  names: string[];
  /** The last name returned when more may follow. */
  lastName?: string;
}

/**
 * One Durable Object per thing (addressed by thing name): it holds all of the thing's shadows, classic and
 * named, and serializes every read-modify-write on them.
 */
export class ThingObject extends DurableObject<Env> {
  private readonly shadows: SqliteShadowStore;
  private readonly rate: TokenBucket;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.shadows = new SqliteShadowStore(ctx.storage.sql);
    this.rate = new TokenBucket(parseRate(env.THING_REQUESTS_PER_SECOND, DEFAULT_THING_REQUESTS_PER_SECOND));
  }

  async shadowRequest(request: ShadowRequest): Promise<Outcome<string>> {
    if (!this.rate.take()) return failure(new ServiceError("Throttling", "Rate exceeded"));
    const now = Math.floor(Date.now() / 1000);
    // Synchronous from read to write: no other request can interleave, and the write commits atomically.
    const result = this.ctx.storage.transactionSync(() => handleShadowRequest(this.shadows, request, now));
    return result.outcome;
  }

  async listNamedShadows(after: string | undefined, pageSize: number): Promise<Outcome<NamedShadowPage>> {
    if (!this.rate.take()) return failure(new ServiceError("Throttling", "Rate exceeded"));
    const names = this.shadows.listNamed(after, pageSize + 1);
    const page = names.slice(0, pageSize);
    return success(names.length > pageSize ? { names: page, lastName: page[page.length - 1] } : { names: page });
  }
}
