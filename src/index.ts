import { env } from "cloudflare:workers";
import { app } from "./app/app";
import { meteredObject, meteredWorker } from "./metering/metered";
import { CatalogObject as Catalog } from "./objects/catalog";
import { ClientRegistryObject as ClientRegistry } from "./objects/clientRegistry";
import { FleetDirectoryObject as FleetDirectory } from "./objects/fleetDirectory";
import { MqttHubObject as MqttHub } from "./objects/hub";
import { HubPoolObject as HubPool } from "./objects/hubPool";
import { FanoutRelayObject as FanoutRelay } from "./objects/relay";
import { RetainedShardObject as RetainedShard } from "./objects/retained";
import { StreamReplicaObject as StreamReplica } from "./objects/streamReplica";
import { ThingObject as Thing } from "./objects/thing";
import { TopicIndexObject as TopicIndex } from "./objects/topicIndex";

/** `npm run bench` counts what each operation costs (src/metering); off unless the COST_METER var is "on". */
const metering = env.COST_METER === "on";
const metered = <T extends new (ctx: DurableObjectState, env: Env) => unknown>(objectClass: T, binding: string): T =>
  metering ? meteredObject(objectClass, binding) : objectClass;

export const CatalogObject = metered(Catalog, "CATALOG");
export type CatalogObject = Catalog;
export const ClientRegistryObject = metered(ClientRegistry, "CLIENT_REGISTRY");
export type ClientRegistryObject = ClientRegistry;
export const FleetDirectoryObject = metered(FleetDirectory, "FLEET");
export type FleetDirectoryObject = FleetDirectory;
export const MqttHubObject = metered(MqttHub, "MQTT_HUBS");
export type MqttHubObject = MqttHub;
export const HubPoolObject = metered(HubPool, "HUB_POOLS");
export type HubPoolObject = HubPool;
export const FanoutRelayObject = metered(FanoutRelay, "FANOUT_RELAYS");
export type FanoutRelayObject = FanoutRelay;
export const StreamReplicaObject = metered(StreamReplica, "STREAM_REPLICAS");
export type StreamReplicaObject = StreamReplica;
export const RetainedShardObject = metered(RetainedShard, "RETAINED");
export type RetainedShardObject = RetainedShard;
export const ThingObject = metered(Thing, "THINGS");
export type ThingObject = Thing;
export const TopicIndexObject = metered(TopicIndex, "TOPIC_INDEX");
export type TopicIndexObject = TopicIndex;

export default metering ? meteredWorker(app) : app;
