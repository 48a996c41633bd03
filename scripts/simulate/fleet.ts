/**
 * The fleet simulation behind docs/capacity.md (`npm run simulate`): a fleet of simulated devices placed, subscribed
 * and publishing through the project's own pure modules — placement and pools (domain/placement), the subscription
 * index layout (domain/subscriptionIndex), the topic trie (domain/topicTrie), the fan-out tree (broker/fanoutTree),
 * the client registry shards (objects/stubs) — with no runtime. It counts, per object, the calls it receives per
 * second and the filters it holds, and per message the calls one object makes. Rates are computed from each device's
 * own rates (expected values per second), not sampled, so the figures are exact for the mix and upper bounds for the
 * runtime (batching only lowers the number of calls).
 */
import { FANOUT_DEGREE, fanoutDepth, planFanout } from "../../src/broker/fanoutTree";
import { PoolBook, type PoolConfig, pooledHubName, poolName, type Region, type RequestLocation, regionOf } from "../../src/domain/placement";
import { shardOf } from "../../src/domain/sharding";
import { type IndexAddress, type IndexLayout, indexesOfFilter, indexesOfTopic } from "../../src/domain/subscriptionIndex";
import { TopicTrie } from "../../src/domain/topicTrie";

export interface FleetMix {
  devices: number;
  /** Share of the devices entering Cloudflare in each region. */
  regions: Partial<Record<Region, number>>;
  /** Fleet-wide publishes per second, by kind (device publishes spread evenly over the devices). */
  telemetryPerSecond: number;
  commandsPerSecond: number;
  shadowUpdatesPerSecond: number;
  /** Share of shadow updates that produce a delta. */
  deltaShare: number;
  /** Clients subscribed to `#` and to `$aws/things/+/shadow/update/documents`. */
  monitors: number;
  /** Messages per second on one topic every device subscribes to (`fleet/broadcast`). */
  broadcastPerSecond: number;
  /** MQTT keep-alive of the devices, seconds (a PINGREQ per interval wakes the hub). */
  keepAliveSeconds: number;
  /** Connects per second fleet-wide while everyone reconnects after a deploy. */
  reconnectStormPerSecond: number;
}

export const TARGET_MIX: FleetMix = {
  devices: 10_000_000,
  regions: { enam: 0.22, wnam: 0.1, sam: 0.06, weur: 0.2, eeur: 0.07, apac: 0.24, oc: 0.03, afr: 0.03, me: 0.05 },
  telemetryPerSecond: 800_000,
  commandsPerSecond: 100_000,
  shadowUpdatesPerSecond: 100_000,
  deltaShare: 0.5,
  monitors: 3,
  broadcastPerSecond: 1,
  keepAliveSeconds: 300,
  // Everyone back within ten minutes (device SDKs back off with jitter).
  reconnectStormPerSecond: 10_000_000 / 600,
};

export interface SimConfig {
  pools: PoolConfig;
  layout: IndexLayout;
  fanoutDegree: number;
  /** Client id registry shards (objects/stubs.ts CLIENT_REGISTRY_SHARDS). */
  registryShards: number;
}

/** Where devices of each region enter Cloudflare (what `request.cf` says there). */
const ENTRY: Record<Region, RequestLocation> = {
  wnam: { continent: "NA", country: "US", longitude: "-122.4" },
  enam: { continent: "NA", country: "US", longitude: "-77.0" },
  sam: { continent: "SA", country: "BR", longitude: "-46.6" },
  weur: { continent: "EU", country: "DE", longitude: "8.7" },
  eeur: { continent: "EU", country: "PL", longitude: "21.0" },
  apac: { continent: "AS", country: "JP", longitude: "139.7" },
  oc: { continent: "OC", country: "AU", longitude: "151.2" },
  afr: { continent: "AF", country: "ZA", longitude: "28.0" },
  me: { continent: "AS", country: "AE", longitude: "55.3" },
};

/** Calls per second an object receives, by object name. */
class Rates {
  readonly byObject = new Map<string, number>();
  add(object: string, perSecond: number): void {
    if (perSecond > 0) this.byObject.set(object, (this.byObject.get(object) ?? 0) + perSecond);
  }
  max(prefix: string): { object: string; perSecond: number } {
    let best = { object: "", perSecond: 0 };
    for (const [object, perSecond] of this.byObject) if (object.startsWith(prefix) && perSecond > best.perSecond) best = { object, perSecond };
    return best;
  }
}

export interface SimResult {
  devices: number;
  hubs: number;
  maxConnectionsPerHub: number;
  hubsPerRegion: Partial<Record<Region, number>>;
  /** Most calls one object makes for one message, and the levels of the broadcast's fan-out. */
  maxCallsPerObjectPerMessage: number;
  broadcastDepth: number;
  /** Filters held by the fullest shard of each class, and by any thing's object. */
  maxFiltersPerLevelShard: number;
  maxFiltersPerFleetWideShard: number;
  maxFiltersPerThing: number;
  /** Calls per second received, the busiest object of each kind. */
  maxRate: Record<"hub" | "monitorHub" | "levelShard" | "wildcardShard" | "awsShard" | "thing" | "pool" | "registry" | "relay", number>;
  busiest: Record<string, string>;
}

const fleetWide = (address: IndexAddress) =>
  address.kind === "topic" && (address.name.startsWith("wildcard#") || address.name.startsWith("level:$aws#"));

/** Runs the mix over the configuration; `random` makes runs repeatable. */
export function simulate(mix: FleetMix, config: SimConfig, random: () => number = mulberry32(1)): SimResult {
  const rates = new Rates();
  const degree = config.fanoutDegree;

  // ---- Placement: every device through the real region choice and pool book -----------------------------------
  const books = new Map<string, PoolBook>();
  const hubOf = new Array<string>(mix.devices);
  const regionShares = Object.entries(mix.regions) as [Region, number][];
  let assigned = 0;
  for (const [entry, share] of regionShares) {
    const count = entry === regionShares[regionShares.length - 1]![0] ? mix.devices - assigned : Math.round(mix.devices * share);
    const region = regionOf(ENTRY[entry], config.pools);
    for (let i = 0; i < count; i++) {
      const pool = poolName(region, Math.floor(random() * config.pools.poolsPerRegion));
      let book = books.get(pool);
      if (!book) books.set(pool, (book = new PoolBook()));
      // Every hub reports promptly in the simulation: live = assigned.
      const { hub, ticket } = book.assign(config.pools.hubCapacity);
      book.report(hub, ticket, ticket);
      hubOf[assigned + i] = pooledHubName(pool, hub);
    }
    // During a reconnect storm, per connect: the assignment, and at worst one report of the hub's count (coalesced).
    for (let k = 0; k < config.pools.poolsPerRegion; k++) {
      rates.add(poolName(region, k), (2 * mix.reconnectStormPerSecond * share) / config.pools.poolsPerRegion);
    }
    assigned += count;
  }
  const hubLoad = new Map<string, number>();
  const hubsPerRegion: Partial<Record<Region, number>> = {};
  for (const [pool, book] of books) {
    const region = pool.split("-")[1] as Region;
    for (const hub of book.list()) {
      hubLoad.set(pooledHubName(pool, hub.index), hub.live);
      hubsPerRegion[region] = (hubsPerRegion[region] ?? 0) + 1;
    }
  }
  // A reconnect storm: a claim and a confirmation per connect in the client id registry shard of the client id.
  for (let d = 0; d < mix.devices; d += 100) {
    rates.add(`registry-${shardOf(deviceName(d), config.registryShards)}`, (200 * mix.reconnectStormPerSecond) / mix.devices);
  }

  // ---- Subscriptions: each device its commands and its shadow; monitors `#` and every shadow's documents --------
  const filterCount = new Map<string, number>();
  const countFilter = (filter: string) => {
    for (const address of indexesOfFilter(filter, config.layout)) {
      const key = `${address.kind}:${address.name}`;
      filterCount.set(key, (filterCount.get(key) ?? 0) + 1);
    }
  };
  // Fleet-wide shards hold few filters: real tries, to match with. Per-device filters are counted (10 M tries would
  // not fit in this process); each thing's object holds its own device's shadow filters only.
  const fleetTries = new Map<string, TopicTrie>();
  const monitorHubs: string[] = [];
  for (let m = 0; m < mix.monitors; m++) {
    const hub = hubOf[Math.floor(random() * mix.devices)]!;
    monitorHubs.push(hub);
    for (const filter of ["#", "$aws/things/+/shadow/update/documents"]) {
      countFilter(filter);
      for (const address of indexesOfFilter(filter, config.layout)) {
        let trie = fleetTries.get(address.name);
        if (!trie) fleetTries.set(address.name, (trie = new TopicTrie()));
        trie.add(filter, hub);
      }
    }
  }
  const broadcastHubs = new Set<string>();
  for (let d = 0; d < mix.devices; d++) {
    countFilter(`cmd/${deviceName(d)}/#`);
    broadcastHubs.add(hubOf[d]!);
  }
  countFilter("fleet/broadcast");
  const maxFiltersPerThing = 2; // `$aws/things/{me}/shadow/update/delta` and `…/update/accepted`, in the thing's object

  // ---- Messages: the calls each object receives per second, and the calls one object makes per message ------------
  const perDevice = (total: number) => total / mix.devices;
  const telemetry = perDevice(mix.telemetryPerSecond);
  const commands = perDevice(mix.commandsPerSecond);
  const shadow = perDevice(mix.shadowUpdatesPerSecond);
  const pings = 1 / mix.keepAliveSeconds;
  // A publisher's pipeline asks at most one index of each class (the thing's object, a topic shard, a wildcard shard).
  let maxCalls = Math.max(...["dt/dev-0/telemetry", "$aws/things/dev-0/shadow/update/documents"].map((t) => indexesOfTopic(t, config.layout).length));
  const deliverToMonitors = (topic: string, perSecond: number) => {
    for (const address of indexesOfTopic(topic, config.layout)) {
      if (!fleetWide(address)) continue;
      const matched = fleetTries.get(address.name)?.match(topic);
      for (const hub of matched?.keys() ?? []) rates.add(`monitor:${hub}`, perSecond);
    }
  };
  for (let d = 0; d < mix.devices; d++) {
    const name = deviceName(d);
    const hub = hubOf[d]!;
    // The device's own socket: telemetry and shadow publishes, keep-alive pings.
    rates.add(`hub:${hub}`, telemetry + shadow + pings);
    // Telemetry `dt/{device}/telemetry`: its first-level shard (no subscriber there), the wildcard shard (monitors).
    for (const address of indexesOfTopic(`dt/${name}/telemetry`, config.layout)) rates.add(indexKey(address), telemetry);
    // Commands from the backend `cmd/{device}/set`: its shard, then the device's hub.
    for (const address of indexesOfTopic(`cmd/${name}/set`, config.layout)) rates.add(indexKey(address), commands);
    rates.add(`hub:${hub}`, commands);
    // A shadow update: the thing's object; its notifications (accepted, documents, half the time delta) are matched
    // there (the device's own filters: back to its hub) and in the thing's `$aws` shard (the monitors).
    const notifications = shadow * (2 + mix.deltaShare);
    // (Every thing's object receives the same: its device's shadow updates; counted once below, not per thing.)
    for (const address of indexesOfTopic(`$aws/things/${name}/shadow/update/documents`, config.layout)) {
      if (address.kind === "topic") rates.add(indexKey(address), notifications);
    }
    rates.add(`hub:${hub}`, shadow * (1 + mix.deltaShare));
  }
  // What the monitors' filters match (real tries of the fleet-wide shards), at each kind's fleet-wide rate.
  rates.add("thing:dev-0", shadow);
  deliverToMonitors("dt/dev-0/telemetry", mix.telemetryPerSecond);
  deliverToMonitors("cmd/dev-0/set", mix.commandsPerSecond);
  deliverToMonitors("fleet/broadcast", mix.broadcastPerSecond);
  deliverToMonitors("$aws/things/dev-0/shadow/update/documents", mix.shadowUpdatesPerSecond);
  // The broadcast: one shard, every hub, through the fan-out tree.
  const broadcastShard = indexKey(indexesOfTopic("fleet/broadcast", config.layout)[0]!);
  rates.add(broadcastShard, mix.broadcastPerSecond);
  const tree = walkFanout([...broadcastHubs], degree, mix.broadcastPerSecond, rates);
  maxCalls = Math.max(maxCalls, tree.maxCalls);
  for (const hub of broadcastHubs) rates.add(`hub:${hub}`, mix.broadcastPerSecond);

  let maxLevel = 0;
  let maxFleetWide = 0;
  for (const [key, count] of filterCount) {
    if (key.startsWith("thing:")) continue;
    if (key.includes("wildcard#") || key.includes("level:$aws#")) maxFleetWide = Math.max(maxFleetWide, count);
    else maxLevel = Math.max(maxLevel, count);
  }

  const pick = {
    hub: rates.max("hub:"),
    monitorHub: rates.max("monitor:"),
    levelShard: maxOf(rates, (o) => o.startsWith("topic:level:") && !o.startsWith("topic:level:$aws#")),
    wildcardShard: rates.max("topic:wildcard#"),
    awsShard: rates.max("topic:level:$aws#"),
    thing: rates.max("thing:"),
    pool: rates.max("pool-"),
    registry: rates.max("registry-"),
    relay: rates.max("relay:"),
  };
  return {
    devices: mix.devices,
    hubs: hubLoad.size,
    maxConnectionsPerHub: Math.max(...hubLoad.values()),
    hubsPerRegion,
    maxCallsPerObjectPerMessage: maxCalls,
    broadcastDepth: fanoutDepth(broadcastHubs.size, degree),
    maxFiltersPerLevelShard: maxLevel,
    maxFiltersPerFleetWideShard: maxFleetWide,
    maxFiltersPerThing,
    maxRate: Object.fromEntries(Object.entries(pick).map(([k, v]) => [k, Math.round(v.perSecond * 100) / 100])) as SimResult["maxRate"],
    busiest: Object.fromEntries(Object.entries(pick).map(([k, v]) => [k, v.object])),
  };
}

/** Follows the fan-out tree of one message to `hubs`: the calls each relay receives, and the most one object makes. */
function walkFanout(hubs: string[], degree: number, perSecond: number, rates: Rates): { maxCalls: number } {
  const plan = planFanout(hubs, degree);
  let maxCalls = plan.direct.length + plan.relays.length;
  for (const relay of plan.relays) {
    rates.add(relay.name, perSecond);
    maxCalls = Math.max(maxCalls, walkFanout(relay.hubs, degree, perSecond, rates).maxCalls);
  }
  return { maxCalls };
}

function maxOf(rates: Rates, accept: (object: string) => boolean): { object: string; perSecond: number } {
  let best = { object: "", perSecond: 0 };
  for (const [object, perSecond] of rates.byObject) if (accept(object) && perSecond > best.perSecond) best = { object, perSecond };
  return best;
}

const indexKey = (address: IndexAddress) => `${address.kind}:${address.name}`;
const deviceName = (d: number) => `dev-${d.toString(36)}`;

/** A small deterministic PRNG (mulberry32), so a run is repeatable. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export { FANOUT_DEGREE, shardOf };
