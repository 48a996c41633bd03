// Small statistics helpers shared by the load processes and the orchestrator.

/** The value below which a fraction `p` of the sorted samples lie (nearest rank). */
function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.ceil(p * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

/** p50 / p99 / max of latency samples in ms, rounded to 0.01 ms. */
export function latencySummary(samples) {
  const sorted = Float64Array.from(samples).sort();
  const round = (v) => (v === null ? null : Math.round(v * 100) / 100);
  return {
    count: sorted.length,
    p50Ms: round(percentile(sorted, 0.5)),
    p99Ms: round(percentile(sorted, 0.99)),
    maxMs: round(sorted.length ? sorted[sorted.length - 1] : null),
  };
}

export function median(values) {
  const sorted = values.filter((v) => typeof v === "number" && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Median of several runs with their spread: min, max, and the relative spread (max − min) ÷ median,
 * so a reader can tell a 5 % difference from run-to-run noise.
 */
export function aggregate(values) {
  const finite = values.filter((v) => typeof v === "number" && Number.isFinite(v));
  const med = median(finite);
  if (med === null) return { median: null, min: null, max: null, spread: null, runs: values };
  const min = Math.min(...finite);
  const max = Math.max(...finite);
  return { median: med, min, max, spread: med === 0 ? null : round3((max - min) / med), runs: values };
}

/** a ÷ b to 3 significant digits, or null when either is missing or b is 0. */
export function ratio(a, b) {
  if (typeof a !== "number" || typeof b !== "number" || !Number.isFinite(a) || !Number.isFinite(b) || b === 0) return null;
  return Number((a / b).toPrecision(3));
}

function round3(v) {
  return Math.round(v * 1000) / 1000;
}
