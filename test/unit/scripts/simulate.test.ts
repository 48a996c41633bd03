import { describe, expect, it } from "vitest";
import { type FleetMix, type SimConfig, simulate, TARGET_MIX } from "../../../scripts/simulate/fleet";
import { LOCATION_HINTS } from "../../../src/domain/placement";

/** The target mix at `devices` devices: every rate per device as at ten million. */
function mixOf(devices: number): FleetMix {
  const scale = devices / TARGET_MIX.devices;
  return {
    ...TARGET_MIX,
    devices,
    telemetryPerSecond: TARGET_MIX.telemetryPerSecond * scale,
    commandsPerSecond: TARGET_MIX.commandsPerSecond * scale,
    shadowUpdatesPerSecond: TARGET_MIX.shadowUpdatesPerSecond * scale,
    reconnectStormPerSecond: TARGET_MIX.reconnectStormPerSecond * scale,
  };
}

// A small deployment's scale: hubs of 150, 64 shards per class, relays of 8 (so the broadcast takes several levels).
const config: SimConfig = {
  pools: { regions: [...LOCATION_HINTS], poolsPerRegion: 2, hubCapacity: 150 },
  layout: { spread: 64 },
  fanoutDegree: 8,
  registryShards: 64,
};

describe("fleet simulation (the bounds of docs/capacity.md, at a smaller scale)", () => {
  const small = simulate(mixOf(40_000), config);
  const large = simulate(mixOf(80_000), config);

  it("never puts more than a hub's capacity on a hub, and opens hubs as the fleet grows", () => {
    for (const result of [small, large]) {
      expect(result.maxConnectionsPerHub).toBeLessThanOrEqual(config.pools.hubCapacity);
      // Pools fill their hubs before opening more: at most one partly filled hub per pool.
      expect(result.hubs).toBeLessThanOrEqual(Math.ceil(result.devices / config.pools.hubCapacity) + 9 * config.pools.poolsPerRegion);
    }
    expect(large.hubs).toBeGreaterThan(1.8 * small.hubs);
  });

  it("keeps the calls one object makes per message within the fan-out degree, however many hubs a message reaches", () => {
    for (const result of [small, large]) {
      expect(result.maxCallsPerObjectPerMessage).toBeLessThanOrEqual(config.fanoutDegree);
      expect(result.broadcastDepth).toBeGreaterThanOrEqual(3);
      // A relay gets one call per broadcast message, whatever the fleet's size.
      expect(result.maxRate.relay).toBeLessThanOrEqual(TARGET_MIX.broadcastPerSecond);
    }
  });

  it("keeps a hub's calls within what its own connections do, and fleet-wide shards as small as the monitors' filters", () => {
    const perDevice =
      (TARGET_MIX.telemetryPerSecond + TARGET_MIX.commandsPerSecond + TARGET_MIX.shadowUpdatesPerSecond * (2 + TARGET_MIX.deltaShare)) /
        TARGET_MIX.devices +
      1 / TARGET_MIX.keepAliveSeconds;
    for (const result of [small, large]) {
      expect(result.maxRate.hub).toBeLessThanOrEqual(config.pools.hubCapacity * perDevice + TARGET_MIX.broadcastPerSecond + 0.01); // rates are rounded to 0.01
      expect(result.maxFiltersPerFleetWideShard).toBe(TARGET_MIX.monitors);
      expect(result.maxFiltersPerThing).toBe(2);
    }
    expect(Math.abs(large.maxRate.hub - small.maxRate.hub)).toBeLessThan(0.5);
  });

  it("spreads a fleet-wide prefix and the wildcard and $aws classes evenly over MQTT_INDEX_SPREAD shards", () => {
    for (const result of [small, large]) {
      const mix = mixOf(result.devices);
      // Within 1.6× of an even share (the hash of tens of thousands of names, over 64 shards).
      expect(result.maxRate.levelShard).toBeLessThan((1.6 * mix.telemetryPerSecond) / config.layout.spread);
      expect(result.maxRate.wildcardShard).toBeLessThan((1.6 * (mix.telemetryPerSecond + mix.commandsPerSecond)) / config.layout.spread);
      expect(result.maxRate.awsShard).toBeLessThan((1.6 * mix.shadowUpdatesPerSecond * (2 + mix.deltaShare)) / config.layout.spread);
      expect(result.maxFiltersPerLevelShard).toBeLessThan((1.6 * result.devices) / config.layout.spread);
      // Connects of a storm: an assignment and a report per connect, over a region's pools (apac, 24 %, the largest).
      expect(result.maxRate.pool).toBeLessThanOrEqual((2 * mix.reconnectStormPerSecond * 0.24) / config.pools.poolsPerRegion + 1e-6);
    }
  });
});
