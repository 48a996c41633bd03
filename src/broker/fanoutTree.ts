/**
 * How one object hands a message to many hubs without making a number of calls that grows with the fleet: at most
 * `degree` calls per object per message. Up to `degree` hubs are called directly; beyond, the hubs (in name order,
 * so a relay's hubs share a region and a pool) are cut into `degree` contiguous groups, a group of one hub called
 * directly and each larger group handed to a relay, which applies the same rule to its group. A message to H hubs
 * so takes ⌈log_degree H⌉ levels of calls, and no object makes more than `degree` of them (docs/capacity.md).
 */
export const FANOUT_DEGREE = 32;

export interface FanoutPlan {
  /** Hubs called directly. */
  direct: string[];
  /** Groups handed to a relay each (named by their first and last hub: `relay:{first}..{last}`). */
  relays: { name: string; hubs: string[] }[];
}

export function planFanout(hubs: Iterable<string>, degree: number = FANOUT_DEGREE): FanoutPlan {
  const sorted = [...hubs].sort();
  if (sorted.length <= degree) return { direct: sorted, relays: [] };
  const plan: FanoutPlan = { direct: [], relays: [] };
  const size = Math.ceil(sorted.length / degree);
  for (let start = 0; start < sorted.length; start += size) {
    const group = sorted.slice(start, start + size);
    if (group.length === 1) plan.direct.push(group[0]!);
    else plan.relays.push({ name: `relay:${group[0]}..${group[group.length - 1]}`, hubs: group });
  }
  return plan;
}

/** Levels of calls a message to `hubs` hubs takes (1: the index calls them itself). */
export function fanoutDepth(hubs: number, degree: number = FANOUT_DEGREE): number {
  let depth = 1;
  for (let reach = degree; reach < hubs; reach *= degree) depth += 1;
  return depth;
}
