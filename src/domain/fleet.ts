/**
 * The fleet directory, this project's extension: the things that have at least one shadow, for the console
 * (AWS answers this with the registry's ListThings; this data plane has no registry). A thing's object reports
 * its live shadow count when a shadow is created or deleted, never on an ordinary update; the directory is spread
 * over FLEET_SHARD_COUNT objects by a hash of the thing name, so a burst of new things is no hot spot, and a page
 * asks every shard for its next names and merges them, so the list reads in thing-name order.
 */
import { ServiceError } from "./errors";
import { validateThingName } from "./shadow";
import { shardOf } from "./sharding";

/** Fixed for the life of a deployment: a different count would re-home every thing (as RETAINED_SHARD_COUNT). */
export const FLEET_SHARD_COUNT = 16;

export const FLEET_LIMITS = { pageSizeMax: 100, pageSizeDefault: 50 } as const;

export const fleetShardName = (thingName: string): string => `fleet-${shardOf(thingName, FLEET_SHARD_COUNT)}`;
export const fleetShardNames = (): string[] => Array.from({ length: FLEET_SHARD_COUNT }, (_, i) => `fleet-${i}`);

/** One thing as the directory lists it. */
export interface FleetThing {
  thingName: string;
  shadowCount: number;
}

/**
 * What a thing reports: its live shadow count after a change, and a sequence number that orders its reports. A
 * shard takes a report only if it is newer than the last it took from that thing, so a retried or delayed report
 * never undoes a later one (it keeps a thing that left with count 0, to remember the sequence).
 */
export interface FleetReport {
  thingName: string;
  shadowCount: number;
  sequence: number;
}

export interface FleetQuery {
  /** Only names starting with this (may be empty). */
  prefix: string;
  /** Names strictly after this one. */
  after: string;
  limit: number;
}

/**
 * Merges the shards' answers (each sorted, each at most `limit + 1` names after the cursor) into one page: the
 * first `limit` names overall, and whether more follow. Every name a shard holds past the cursor sorts after the
 * ones it returned, so the page is exact.
 */
export function mergeFleetPages(pages: FleetThing[][], limit: number): { things: FleetThing[]; more: boolean } {
  const all = pages.flat().sort((a, b) => (a.thingName < b.thingName ? -1 : a.thingName > b.thingName ? 1 : 0));
  return { things: all.slice(0, limit), more: all.length > limit };
}

export function parseFleetPageSize(raw: string | undefined): number {
  if (raw === undefined) return FLEET_LIMITS.pageSizeDefault;
  const size = /^\d{1,4}$/.test(raw) ? Number(raw) : NaN;
  if (!(size >= 1 && size <= FLEET_LIMITS.pageSizeMax)) {
    throw new ServiceError("InvalidRequest", `maxResults must be between 1 and ${FLEET_LIMITS.pageSizeMax}`);
  }
  return size;
}

/** A thing name prefix: the characters of a thing name, at most as long as one; empty lists the whole fleet. */
export function parseThingNamePrefix(raw: string | undefined): string {
  if (raw === undefined || raw === "") return "";
  try {
    validateThingName(raw);
  } catch {
    throw new ServiceError("InvalidRequest", "thingNamePrefix must match pattern [a-zA-Z0-9:_-]+ with a maximum length of 128");
  }
  return raw;
}

/** The nextToken payload: where the walk stopped, bound to the prefix it was made for. */
export const fleetCursorPayload = (prefix: string, after: string): Record<string, unknown> => ({ fleet: 1, p: prefix, a: after });

export function parseFleetCursor(payload: Record<string, unknown>, prefix: string): string {
  const { fleet, p, a } = payload;
  if (fleet !== 1 || p !== prefix || typeof a !== "string") throw new ServiceError("InvalidRequest", "Invalid nextToken");
  return a;
}
