import { FANOUT_DEGREE } from "../../src/broker/fanoutTree";
import { LOCATION_HINTS } from "../../src/domain/placement";
import { CLIENT_REGISTRY_SHARDS } from "../../src/domain/sharding";
import type { SimConfig } from "./fleet";

/** The configuration docs/capacity.md derives for 10 M devices, 1 M publishes/s and 100 k shadow updates/s. */
export const TARGET_CONFIG: SimConfig = {
  pools: { regions: [...LOCATION_HINTS], poolsPerRegion: 16, hubCapacity: 2000 },
  layout: { spread: 2048 },
  fanoutDegree: FANOUT_DEGREE,
  registryShards: CLIENT_REGISTRY_SHARDS,
};
