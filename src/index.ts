import { app } from "./app/app";

export { CatalogObject } from "./objects/catalog";
export { ClientRegistryObject } from "./objects/clientRegistry";
export { FleetDirectoryObject } from "./objects/fleetDirectory";
export { MqttHubObject } from "./objects/hub";
export { HubPoolObject } from "./objects/hubPool";
export { RetainedShardObject } from "./objects/retained";
export { ThingObject } from "./objects/thing";
export { TopicIndexObject } from "./objects/topicIndex";

export default app;
