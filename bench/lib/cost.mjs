// The cost of each operation (bench/load/cost.mjs readings of GET /_bench/cost, src/metering) summarized: per
// operation, the median over its runs of every total, the split by object class of a run that counted them, and whether the
// runs agreed (the counts of one operation should not vary; when they do, a figure is an average of different paths).
import { median } from "./stats.mjs";

const FIELDS = ["requests", "webSocketMessages", "billedRequests", "rowsRead", "rowsWritten"];

/** `operations`: { key: { label, runs: [snapshot], error? } } as the load process returns it. */
export function costSummary(operations) {
  /** @type {Record<string, any>} */
  const out = {};
  for (const [key, op] of Object.entries(operations)) {
    if (op.error || !op.runs?.length) {
      out[key] = { label: op.label, error: op.error ?? "no runs" };
      continue;
    }
    const totals = op.runs.map((run) => run.total);
    /** @type {Record<string, any>} */
    const entry = { label: op.label, runs: op.runs.length };
    for (const field of FIELDS) entry[field] = median(totals.map((t) => t[field]));
    entry.workerRequests = median(op.runs.map((run) => run.workerRequests));
    entry.consistent = totals.every((t) => FIELDS.every((f) => t[f] === totals[0][f]));
    // The split of a run that counted the medians (a run that disagrees caught background work, e.g. an alarm).
    const typical = op.runs.find((run) => FIELDS.every((f) => run.total[f] === entry[f])) ?? op.runs[op.runs.length - 1];
    entry.byObject = typical.objects;
    out[key] = entry;
  }
  return out;
}

/** The cost targets: an update nobody watches is one billed request; a publish nobody watches at most two. */
export const COST_TARGETS = { updateNoSubscribers: 1, publishNoSubscribers: 2 };
