// The picture of a run (bench/results/latest.svg, shown in README's Performance section): for each target of the
// issue, ours as a fraction of the runtime's ceiling measured in the same run (1 = as fast as the ceiling, the
// figures of workerd alone), with the target marked. Pure: chartData picks the figures, chartSvg draws them.

const rate = (value) => (value === null || value === undefined ? "–" : `${Math.round(value).toLocaleString("en-US")}`);

/**
 * The rows of the chart from a results object (bench/results/latest.json): `ours` and `ceiling` are the measured
 * figures, `fraction` is ours as a fraction of the ceiling with "higher is better" (ours ÷ ceiling for rates,
 * ceiling ÷ ours for latencies and bytes), `target` the same fraction the target asks for. A row whose figures are
 * missing has `fraction` null.
 */
export function chartData(results) {
  const d = results.direct ?? { http: {}, fanout: {}, pubsub: {}, memory: {} };
  const h = d.http;
  const rps = (key) => h[key]?.requestsPerSecond?.median ?? null;
  const fan = d.fanout?.[1000];
  const pub = d.pubsub ?? {};
  const mem = d.memory ?? {};
  const spread = results.settings?.http?.spreadObjects ?? 1000;
  const row = (label, ours, ceiling, ceilingLabel, target, unit, lowerIsBetter = false) => {
    const fraction = ours && ceiling ? (lowerIsBetter ? ceiling / ours : ours / ceiling) : null;
    return {
      label,
      ceilingLabel,
      ours,
      ceiling,
      unit,
      lowerIsBetter,
      fraction: fraction === null ? null : Math.round(fraction * 1000) / 1000,
      target,
      met: fraction === null ? null : fraction >= target - 1e-9,
    };
  };
  return [
    row("UpdateThingShadow, one thing", rps("updateHot"), rps("writeDoHot"), "one-row-write DO call", 0.7, "req/s"),
    row(`UpdateThingShadow, ${spread} things`, rps("updateSpread"), rps("writeDoSpread"), `one-row-write DO calls, ${spread} objects`, 0.7, "req/s"),
    row("Publish retain QoS 1, one topic", rps("publishRetainHot"), rps("writeDoHot"), "one-row-write DO call", 0.7, "req/s"),
    row(
      `Publish retain QoS 1, ${spread} topics`,
      rps("publishRetainSpread"),
      rps("writeDoSpread"),
      `one-row-write DO calls, ${spread} objects`,
      0.7,
      "req/s",
    ),
    row("GetThingShadow, one thing", rps("getHot"), rps("noopDoHot"), "no-op DO call", 0.8, "req/s"),
    row(`GetThingShadow, ${spread} things`, rps("getSpread"), rps("noopDoSpread"), `no-op DO calls, ${spread} objects`, 0.95, "req/s"),
    row(
      "Fan-out to 1,000 subscribers, p99",
      fan?.mqtt?.latency?.p99Ms?.median ?? null,
      fan?.raw?.latency?.p99Ms?.median ?? null,
      "raw one-object fan-out",
      1 / 1.3,
      "ms",
      true,
    ),
    row(
      "MQTT pub/sub 1 → N, QoS 0",
      pub.ours?.throughput?.messagesPerSecond?.median ?? null,
      pub.rawRelay?.throughput?.messagesPerSecond?.median ?? null,
      "raw relay",
      0.6,
      "msg/s",
    ),
    row(
      "Idle MQTT connection, memory",
      mem.project?.perConnectionBytes ? mem.project.perConnectionBytes / 1024 : null,
      mem.ceiling?.perConnectionBytes ? mem.ceiling.perConnectionBytes / 1024 : null,
      "idle plain WebSocket",
      1 / 1.1,
      "KiB",
      true,
    ),
  ];
}

const escapeXml = (text) => String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The chart as an SVG document (self-contained, no script, no external font). */
export function chartSvg(rows, { title, subtitle }) {
  const left = 300;
  const barWidth = 420;
  const rowHeight = 46;
  const top = 64;
  const width = left + barWidth + 40;
  const height = top + rows.length * rowHeight + 40;
  const x = (fraction) => left + Math.min(fraction, 1.25) * (barWidth / 1.25);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="12" y="22" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    `<text x="12" y="42" fill="#555">${escapeXml(subtitle)}</text>`,
  ];
  for (const at of [0, 0.25, 0.5, 0.75, 1]) {
    parts.push(`<line x1="${x(at)}" y1="${top - 6}" x2="${x(at)}" y2="${top + rows.length * rowHeight}" stroke="${at === 1 ? "#333" : "#ddd"}"/>`);
    parts.push(`<text x="${x(at)}" y="${top - 10}" text-anchor="middle" fill="#555">${at === 1 ? "ceiling" : `${at}×`}</text>`);
  }
  rows.forEach((r, i) => {
    const y = top + i * rowHeight;
    parts.push(`<text x="12" y="${y + 18}">${escapeXml(r.label)}</text>`);
    const figures =
      r.fraction === null
        ? "not measured"
        : `${rate(r.ours)} ${r.unit} vs ${rate(r.ceiling)} ${r.unit} (${r.ceilingLabel})${r.lowerIsBetter ? ", lower is better" : ""}`;
    parts.push(`<text x="12" y="${y + 34}" fill="#666" font-size="10">${escapeXml(figures)}</text>`);
    if (r.fraction !== null) {
      const colour = r.met ? "#2e7d32" : "#c62828";
      parts.push(`<rect x="${left}" y="${y + 8}" width="${x(r.fraction) - left}" height="18" fill="${colour}" opacity="0.85"/>`);
      parts.push(`<text x="${x(r.fraction) + 4}" y="${y + 22}" fill="${colour}">${r.fraction.toFixed(2)}×</text>`);
    }
    parts.push(`<line x1="${x(r.target)}" y1="${y + 4}" x2="${x(r.target)}" y2="${y + 30}" stroke="#000" stroke-width="2" stroke-dasharray="3,2"/>`);
  });
  parts.push(
    `<text x="12" y="${height - 12}" fill="#555">Bar: ours as a fraction of the ceiling measured in the same run (green: target met). Dashed line: the target.</text>`,
  );
  parts.push("</svg>");
  return `${parts.join("\n")}\n`;
}
