import { IndexLeases } from "../broker/leases";
import { PublishPipeline, retainedShardName } from "../broker/pipeline";
import type { Message } from "../domain/message";
import type { RetainedRecord } from "../domain/retained";
import { pipelinePorts, retainedStub } from "./stubs";

/** What the edge's isolate learnt about empty indexes (plain data: safe to share between requests). */
const edgeLeases = new IndexLeases();

/**
 * A publish from the HTTP edge. A pipeline per request: a stateless Worker must not wait on calls another request
 * started (the runtime ties I/O to the request that made it), so only the leases of empty indexes are shared.
 */
export function routePublish(env: Env, message: Message): Promise<void> {
  return new PublishPipeline(pipelinePorts(env), edgeLeases).publish(message);
}

/** The retained message of a topic, if any. */
export async function retainedMessage(env: Env, topic: string): Promise<RetainedRecord | undefined> {
  return (await retainedStub(env, retainedShardName(topic)).get(topic)) as RetainedRecord | undefined;
}
