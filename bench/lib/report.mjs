// The Markdown report printed at the end of `npm run bench` (the same figures as bench/results/latest.json).

const MIB = 1024 * 1024;

/** "1234 (1200–1300)": the median of the runs and their range. */
function figure(agg, digits = 1) {
  if (!agg || agg.median === null) return "–";
  const f = (v) => Number(v).toFixed(digits);
  return agg.min === agg.max ? f(agg.median) : `${f(agg.median)} (${f(agg.min)}–${f(agg.max)})`;
}

/** A ratio: two decimals, or two significant digits below 0.1 (so 0.0075 does not print as 0.01). */
const x = (value) => (value === null || value === undefined ? "–" : `${value >= 0.1 ? value.toFixed(2) : value.toPrecision(2)}×`);
const bytes = (value) => (value === null || value === undefined ? "–" : `${Math.round(value / 1024)} KiB`);

function table(header, rows) {
  return [`| ${header.join(" | ")} |`, `|${header.map(() => "---").join("|")}|`, ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n");
}

function machineLine(m) {
  return (
    `${m.cpuModel}, ${m.cores} cores, ${(m.memoryBytes / 1024 ** 3).toFixed(0)} GiB, ${m.os} (Linux ${m.kernel}); ` +
    `Node ${m.node}, wrangler ${m.wrangler}, workerd ${m.workerd}, mqtt.js ${m.mqttJs}, autocannon ${m.autocannon}; ` +
    `load average ${m.loadAverageAtStart} at start, ${m.loadAverageAtEnd ?? "?"} at end`
  );
}

function httpSection(r, part) {
  const rows = Object.values(part.http).map((h) => [
    h.target === "ceiling" ? `*ceiling:* ${h.label}` : h.label,
    figure(h.requestsPerSecond),
    figure(h.p50Ms, 0),
    figure(h.p99Ms, 0),
    h.vsNoopDo ? x(h.vsNoopDo.requestsPerSecond) : "",
    h.vsNoopDo ? x(h.vsNoopDo.p99Ms) : "",
    h.vsWriteDo ? x(h.vsWriteDo.requestsPerSecond) : "",
    h.vsNoopWorker ? x(h.vsNoopWorker.requestsPerSecond) : "",
  ]);
  return [
    `### HTTP (autocannon, ${r.settings.http.connections} connections, ${r.settings.http.durationS} s per run)`,
    "",
    table(["Scenario", "req/s", "p50 ms", "p99 ms", "req/s ÷ no-op DO", "p99 ÷ no-op DO", "req/s ÷ one-row-write DO", "req/s ÷ no-op Worker"], rows),
  ].join("\n");
}

function fanoutSection(part) {
  const rows = [];
  for (const entry of Object.values(part.fanout)) {
    for (const [mode, label] of [
      ["raw", "*ceiling:* raw, one object → plain WebSockets"],
      ["mqtt", "shadow update → delta, MQTT over WebSocket"],
      ["mosquitto", "*reference:* Mosquitto over WebSocket, same mqtt.js subscribers"],
    ]) {
      const f = entry[mode];
      if (!f) continue;
      rows.push([
        String(entry.subscribers),
        label,
        figure(f.latency.p50Ms),
        figure(f.latency.p99Ms),
        figure(f.burst.messagesPerSecond, 0),
        mode === "mqtt" && entry.mqttVsRaw ? x(entry.mqttVsRaw.latencyP99) : "",
        mode === "mqtt" && entry.mqttVsRaw ? x(entry.mqttVsRaw.messagesPerSecond) : "",
        mode === "mqtt" && entry.mqttVsMosquitto ? x(entry.mqttVsMosquitto.latencyP99) : "",
        String(f.payloadBytes),
      ]);
    }
  }
  return [
    "### Fan-out (one trigger → N subscribers; latency from the trigger's send to each receipt)",
    "",
    table(["N", "Path", "p50 ms", "p99 ms", "delivered msg/s (burst)", "p99 ÷ raw", "msg/s ÷ raw", "p99 ÷ Mosquitto", "payload bytes"], rows),
  ].join("\n");
}

function pubsubSection(r, part) {
  const p = r.settings.pubsub;
  const ours = part.pubsub.ours;
  const rows = Object.entries(part.pubsub).map(([key, b]) => [
    key === "rawRelay" ? `*ceiling:* ${b.label}` : b.label,
    figure(b.throughput.messagesPerSecond, 0),
    figure(b.latency.p50Ms, 2),
    figure(b.latency.p99Ms, 2),
    key === "ours" ? "1.00×" : x(ours?.[`vs_${key}`]?.messagesPerSecond),
    figure(b.throughput.loadProcessCpuShare, 2),
  ]);
  return [
    `### MQTT pub/sub (1 publisher → ${p.subscribers} subscribers, ${p.messageBytes}-byte payload, QoS 0, mqtt.js)`,
    "",
    table(
      [
        "Broker",
        `delivered msg/s (window ${p.window})`,
        "p50 ms (one at a time)",
        "p99 ms (one at a time)",
        "ours ÷ this (msg/s)",
        "load process CPU (cores)",
      ],
      rows,
    ),
    ...(r.mosquitto && !r.mosquitto.available ? ["", `Mosquitto: not measured — ${r.mosquitto.reason}`] : []),
  ].join("\n");
}

function memorySection(part) {
  const rows = [];
  for (const [key, label] of [
    ["ceiling", "*ceiling:* plain hibernated WebSockets (one frame each way, then idle)"],
    ["project", "MQTT clients (CONNECT, then idle)"],
  ]) {
    const m = part.memory[key];
    if (!m) continue;
    rows.push([
      label,
      String(m.connections),
      `${(m.baselineBytes / MIB).toFixed(1)} MiB`,
      `${(m.withConnectionsBytes / MIB).toFixed(1)} MiB`,
      bytes(m.perConnectionBytes),
      bytes(m.perConnectionBytesByProcess.worker),
      bytes(m.perConnectionBytesByProcess.proxy),
    ]);
  }
  return [
    "### Memory of the runtime (RSS of its workerd processes, after the connections sat idle)",
    "",
    table(
      ["Connections", "N", "RSS without", "RSS with", "per connection", "… in the Worker's process", "… in another process (wrangler dev's proxy)"],
      rows,
    ),
  ].join("\n");
}

function costSection(cost) {
  const rows = Object.values(cost).map((c) =>
    c.error
      ? [c.label, "–", "–", "–", "–", "–", `failed: ${c.error}`]
      : [
          c.label,
          String(c.requests),
          String(c.webSocketMessages),
          String(c.billedRequests),
          String(c.rowsRead),
          String(c.rowsWritten),
          Object.entries(c.byObject)
            .map(([owner, o]) => `${owner} ${o.requests}+${o.webSocketMessages} ws, ${o.rowsRead}r/${o.rowsWritten}w`)
            .join("; "),
        ],
  );
  return [
    "### Cost of one operation as billed (workerd alone, COST_METER; medians of the runs)",
    "",
    table(["Operation", "DO requests", "WebSocket messages in", "billed requests", "rows read", "rows written", "by object"], rows),
  ].join("\n");
}

function summarySection(s, title = "Summary") {
  const lines = Object.entries(s)
    .filter(([key]) => key !== "nullReasons" && key !== "direct" && key !== "cost")
    .map(([key, value]) => `- \`${key}\`: ${value === null ? `null${s.nullReasons?.[key] ? ` — ${s.nullReasons[key]}` : ""}` : value}`);
  return [`### ${title}`, "", ...lines].join("\n");
}

export function markdownReport(r) {
  return [
    `## npm run bench — ${r.startedAt}${r.settings.quick ? " (BENCH_QUICK)" : ""}${r.complete ? "" : " — INCOMPLETE"}`,
    "",
    machineLine(r.machine),
    `Medians of ${r.settings.runs} runs, (min–max) beside; ratios are of medians. Ceiling = bench/ceiling on the same runtime.`,
    "",
    "## On `npm start` (Miniflare: its entry worker in front of the Worker, one workerd process)",
    "",
    httpSection(r, r),
    "",
    fanoutSection(r),
    "",
    pubsubSection(r, r),
    "",
    memorySection(r),
    "",
    summarySection(r.summary),
    ...(r.direct
      ? [
          "",
          "## On workerd alone (the same Workers bundled by `wrangler deploy --dry-run`, served by `workerd serve`)",
          "",
          httpSection(r, r.direct),
          "",
          fanoutSection(r.direct),
          "",
          pubsubSection(r, r.direct),
          "",
          memorySection(r.direct),
          "",
          summarySection(r.summary.direct ?? {}, "Summary (workerd alone)"),
        ]
      : []),
    ...(r.cost ? ["", costSection(r.cost)] : []),
    ...(r.warnings.length ? ["", "### Warnings", "", ...r.warnings.map((w) => `- ${w}`)] : []),
  ].join("\n");
}
