import { DurableObject } from "cloudflare:workers";
import type { describeStreamOutput } from "../domain/controlplane/streams";
import type { Outcome } from "../domain/outcome";
import { TtlCache } from "../domain/ttlCache";

export type StreamDescription = Outcome<ReturnType<typeof describeStreamOutput>>;

/** How long a replica serves a stream it read from the catalog (UpdateStream reaches devices within this, plus the hubs' own cache). */
export const REPLICA_TTL_MS = 10_000;

/**
 * A regional replica of stream metadata for MQTT file delivery (`streams-{region}`, placed in its region): during an
 * OTA campaign every device asks for the same few streams, and the one catalog object could not answer each request.
 * Hubs ask their region's replica (and cache its answers for a few seconds themselves); the replica asks the catalog
 * at most once per stream per REPLICA_TTL_MS. Only found streams are kept: a stream created a moment ago is found.
 */
export class StreamReplicaObject extends DurableObject<Env> {
  private readonly streams = new TtlCache<StreamDescription>(REPLICA_TTL_MS, 10_000, (outcome) => outcome.ok);

  async describeStream(streamId: string): Promise<StreamDescription> {
    return this.streams.get(streamId, async () => (await this.env.CATALOG.getByName("catalog").describeStream(streamId)) as StreamDescription);
  }
}
