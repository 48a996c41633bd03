/**
 * Where an MQTT connection is held: a region (a Durable Objects location hint) taken from where the request entered
 * Cloudflare, one of the region's hub pools, and in that pool a hub with room (docs/capacity.md). Pure: the edge
 * passes `request.cf`, the pool object keeps the book (PoolBook) in its storage.
 *
 * Names are the layout: a pool is `pool-{region}-{k}`, its hubs `hub-{region}-{k}-{n}`. A hub's location hint is
 * read back from its name, so every stub of it carries the same hint, and a hub created under one configuration
 * keeps its name, its place and its sessions under any later one: changing regions, pools or capacity only changes
 * where new connections go (persistent sessions are found through the client id registry wherever they are).
 */

/** Cloudflare's Durable Objects location hints. */
export const LOCATION_HINTS = ["wnam", "enam", "sam", "weur", "eeur", "apac", "oc", "afr", "me"] as const;
export type Region = (typeof LOCATION_HINTS)[number];

export interface PoolConfig {
  /** Regions with pools, in order of preference for requests that carry no location. */
  regions: Region[];
  /** Pools per region: each is one registry object and its hubs; connects of a region are spread over them. */
  poolsPerRegion: number;
  /** Connections a hub takes before its pool opens another hub. */
  hubCapacity: number;
}

export const DEFAULT_POOL_CONFIG: PoolConfig = { regions: ["enam"], poolsPerRegion: 1, hubCapacity: 2000 };

const isRegion = (value: string): value is Region => (LOCATION_HINTS as readonly string[]).includes(value);

function positiveInteger(value: string | undefined, fallback: number, max: number): number {
  const n = Number(value);
  return value !== undefined && value !== "" && Number.isInteger(n) && n >= 1 && n <= max ? n : fallback;
}

/** Reads MQTT_REGIONS (comma-separated location hints), MQTT_POOLS_PER_REGION and MQTT_HUB_CAPACITY; defaults when unset. */
export function poolConfigOf(env: { MQTT_REGIONS?: string; MQTT_POOLS_PER_REGION?: string; MQTT_HUB_CAPACITY?: string }): PoolConfig {
  const listed = (env.MQTT_REGIONS ?? "")
    .split(",")
    .map((r) => r.trim().toLowerCase())
    .filter(isRegion);
  return {
    regions: listed.length > 0 ? [...new Set(listed)] : DEFAULT_POOL_CONFIG.regions,
    poolsPerRegion: positiveInteger(env.MQTT_POOLS_PER_REGION, DEFAULT_POOL_CONFIG.poolsPerRegion, 1024),
    hubCapacity: positiveInteger(env.MQTT_HUB_CAPACITY, DEFAULT_POOL_CONFIG.hubCapacity, 1_000_000),
  };
}

/** The parts of `request.cf` placement reads (absent locally when Cloudflare's location data is not loaded). */
export interface RequestLocation {
  continent?: string | undefined;
  country?: string | undefined;
  longitude?: string | number | undefined;
}

// ISO 3166 codes of the countries Cloudflare's "me" (Middle East) hint serves, though `request.cf` says "AS" or "EU".
const MIDDLE_EAST = new Set(["AE", "BH", "IL", "IQ", "IR", "JO", "KW", "LB", "OM", "PS", "QA", "SA", "SY", "YE"]);

/** The location hint nearest to where the request entered, before the configured regions are considered. */
export function nearestHint(location: RequestLocation | undefined): Region | undefined {
  if (!location?.continent) return undefined;
  const longitude = Number(location.longitude);
  const known = Number.isFinite(longitude);
  if (location.country && MIDDLE_EAST.has(location.country.toUpperCase())) return "me";
  switch (location.continent.toUpperCase()) {
    case "NA":
      // The Rocky Mountains split western and eastern North America.
      return known && longitude < -105 ? "wnam" : "enam";
    case "SA":
      return "sam";
    case "EU":
      return known && longitude >= 20 ? "eeur" : "weur";
    case "AS":
      return "apac";
    case "OC":
      return "oc";
    case "AF":
      return "afr";
    default:
      return undefined;
  }
}

// For a region without pools: the configured region to use instead, nearest first.
const FALLBACK: Record<Region, Region[]> = {
  wnam: ["enam", "sam", "apac", "oc", "weur", "eeur", "me", "afr"],
  enam: ["wnam", "weur", "sam", "eeur", "afr", "me", "apac", "oc"],
  sam: ["enam", "wnam", "weur", "afr", "eeur", "me", "apac", "oc"],
  weur: ["eeur", "enam", "afr", "me", "wnam", "sam", "apac", "oc"],
  eeur: ["weur", "me", "apac", "afr", "enam", "wnam", "sam", "oc"],
  apac: ["oc", "me", "wnam", "eeur", "weur", "enam", "afr", "sam"],
  oc: ["apac", "wnam", "me", "enam", "eeur", "weur", "sam", "afr"],
  afr: ["weur", "me", "eeur", "enam", "sam", "apac", "wnam", "oc"],
  me: ["eeur", "weur", "apac", "afr", "enam", "oc", "wnam", "sam"],
};

/** The configured region a connection from `location` goes to: the nearest one, the first configured when unknown. */
export function regionOf(location: RequestLocation | undefined, config: PoolConfig): Region {
  const first = config.regions[0] ?? DEFAULT_POOL_CONFIG.regions[0]!;
  const hint = nearestHint(location);
  if (hint === undefined) return first;
  if (config.regions.includes(hint)) return hint;
  return FALLBACK[hint].find((r) => config.regions.includes(r)) ?? first;
}

export const poolName = (region: Region, pool: number) => `pool-${region}-${pool}`;
export const pooledHubName = (pool: string, hub: number) => `hub-${pool.slice("pool-".length)}-${hub}`;

const POOLED_HUB = /^hub-([a-z]+)-(\d+)-(\d+)$/;

/** The pool a hub belongs to and its number there; undefined for hubs outside pools (e.g. `hub-3` of older layouts). */
export function poolOfHub(hub: string): { pool: string; region: Region; index: number } | undefined {
  const match = POOLED_HUB.exec(hub);
  if (!match || !isRegion(match[1]!)) return undefined;
  return { pool: poolName(match[1], Number(match[2])), region: match[1], index: Number(match[3]) };
}

/** The location hint of a hub, pool or fan-out relay (`relay:{first hub}..{last hub}`) object, from its name. */
export function hintOfName(name: string): Region | undefined {
  const region = /^(?:relay:)?(?:hub|pool)-([a-z]+)-/.exec(name)?.[1];
  return region !== undefined && isRegion(region) ? region : undefined;
}

/** What a pool knows of one of its hubs. */
export interface PoolHub {
  index: number;
  /** Connections sent to it so far (the last ticket handed out for it). */
  assigned: number;
  /** The highest ticket the hub has reported seeing, and its open connections at that report. */
  ticket: number;
  live: number;
}

/** The connections a hub holds or is about to: its last report plus those sent after the ticket it had seen. */
export const loadOf = (hub: PoolHub) => hub.live + Math.max(0, hub.assigned - hub.ticket);

export interface Assignment {
  hub: number;
  /** Increasing per hub; the hub reports the highest it has seen, so the pool knows which assignments arrived. */
  ticket: number;
}

/**
 * A pool's book of its hubs. A new connection goes to the hub with the fewest connections among those with room; when
 * every hub is full the pool opens the next one, so a pool grows with its load and a hub never holds more than
 * `capacity` (up to the connections that arrive between two reports of one hub, which the tickets account for).
 */
export class PoolBook {
  constructor(private readonly hubs: PoolHub[] = []) {}

  list(): readonly PoolHub[] {
    return this.hubs;
  }

  assign(capacity: number): Assignment {
    let best: PoolHub | undefined;
    for (const hub of this.hubs) {
      if (loadOf(hub) >= capacity) continue;
      if (!best || loadOf(hub) < loadOf(best)) best = hub;
    }
    if (!best) {
      best = { index: this.hubs.length, assigned: 0, ticket: 0, live: 0 };
      this.hubs.push(best);
    }
    best.assigned += 1;
    return { hub: best.index, ticket: best.assigned };
  }

  /** A hub's report: its open connections, and the highest ticket it has seen (0 when it does not know). */
  report(index: number, live: number, ticket: number): PoolHub | undefined {
    const hub = this.hubs[index];
    if (!hub) return undefined;
    hub.live = live;
    hub.ticket = Math.min(hub.assigned, Math.max(hub.ticket, ticket));
    return hub;
  }
}
