import type { PipelinePorts } from "../broker/pipeline";
import { hintOfName, type Region } from "../domain/placement";
import { CLIENT_REGISTRY_SHARDS, shardOf } from "../domain/sharding";
import { type IndexAddress, type IndexLayout, indexLayoutOf } from "../domain/subscriptionIndex";
import { answerStreamRequest } from "./streamDelivery";

/**
 * Addresses of the objects the broker talks to, in one place. Every name here is fixed for a deployment: objects
 * are named by these, so changing one would strand their state.
 */
export const hubStub = (env: Env, hub: string) => env.MQTT_HUBS.getByName(hub, hinted(hub));

/** A hub pool's registry object (domain/placement.ts), created in its region. */
export const hubPoolStub = (env: Env, pool: string) => env.HUB_POOLS.getByName(pool, hinted(pool));

/** A relay of the fan-out tree (objects/relay.ts), created in the region of its hubs. */
export const relayStub = (env: Env, relay: string) => env.FANOUT_RELAYS.getByName(relay, hinted(relay));

/** Hubs, pools and relays are created in the region their name says: the hint only matters when an object is first made. */
function hinted(name: string): DurableObjectNamespaceGetDurableObjectOptions | undefined {
  const locationHint = hintOfName(name);
  return locationHint ? { locationHint } : undefined;
}

export { CLIENT_REGISTRY_SHARDS };

/** The registry shard of a client id. */
export const clientRegistry = (env: Env, clientId: string) => env.CLIENT_REGISTRY.getByName(`registry-${shardOf(clientId, CLIENT_REGISTRY_SHARDS)}`);

export const indexStub = (env: Env, address: IndexAddress) =>
  address.kind === "thing" ? env.THINGS.getByName(address.name) : env.TOPIC_INDEX.getByName(address.name);

export const retainedStub = (env: Env, shardName: string) => env.RETAINED.getByName(shardName);

/** How the subscription index is sharded in this deployment (MQTT_INDEX_SPREAD; docs/capacity.md). */
export const indexLayout = (env: Env): IndexLayout => indexLayoutOf(env.MQTT_INDEX_SPREAD);

/** The objects a publish reaches, as the pipeline sees them (from an object in `region`, when it has one). */
export function pipelinePorts(env: Env, region?: Region): PipelinePorts {
  return {
    index: (address) => indexStub(env, address),
    retain: (shard, messages) => retainedStub(env, shard).retain(messages),
    shadowRequests: (thing, publishes) => env.THINGS.getByName(thing).publishShadowRequests(publishes),
    // Stream metadata from the caller's region's replica (a hub's region; the first configured one otherwise).
    answerStream: (request, message, send) => answerStreamRequest(env, request, message, send, region),
    layout: indexLayout(env),
  };
}
