import { DurableObject } from "cloudflare:workers";
import type { Message } from "../domain/message";
import { type RetainedRecord, type RetainedSummary, retainedRecordOf } from "../domain/retained";
import { SqliteRetainedStore } from "../storage/sqliteRetained";

/** One of RETAINED_SHARD_COUNT shards of the retained messages (addressed by name `retained-{n}`). */
export class RetainedShardObject extends DurableObject<Env> {
  private readonly store: SqliteRetainedStore;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = new SqliteRetainedStore(ctx.storage.sql);
  }

  /** Retained publishes, in order: each replaces its topic's message; an empty payload deletes it [MQTT-3.3.1-10]. */
  async retain(messages: Message[]): Promise<void> {
    this.ctx.storage.transactionSync(() => {
      this.store.purgeExpired(Date.now());
      for (const message of messages) {
        if (message.payload.byteLength === 0) this.store.delete(message.topic);
        else this.store.put(retainedRecordOf(message, Date.now()));
      }
    });
  }

  async get(topic: string): Promise<RetainedRecord | undefined> {
    return this.store.get(topic, Date.now());
  }

  async list(after: string, limit: number): Promise<RetainedSummary[]> {
    return this.store.list(after, limit, Date.now());
  }
}
