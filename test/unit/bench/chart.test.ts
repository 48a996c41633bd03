import { describe, expect, it } from "vitest";
import { chartData, chartSvg } from "../../../bench/lib/chart.mjs";

const agg = (median: number) => ({ median, min: median, max: median, spread: 0 });

const results = {
  settings: { http: { spreadObjects: 1000 } },
  direct: {
    http: {
      noopDoHot: { requestsPerSecond: agg(8000) },
      noopDoSpread: { requestsPerSecond: agg(2000) },
      writeDoHot: { requestsPerSecond: agg(2000) },
      writeDoSpread: { requestsPerSecond: agg(1000) },
      updateHot: { requestsPerSecond: agg(1500) },
      updateSpread: { requestsPerSecond: agg(500) },
      getHot: { requestsPerSecond: agg(6000) },
      getSpread: { requestsPerSecond: agg(1950) },
      publishRetainHot: { requestsPerSecond: agg(1400) },
    },
    fanout: { 1000: { mqtt: { latency: { p99Ms: agg(130) } }, raw: { latency: { p99Ms: agg(100) } } } },
    pubsub: { ours: { throughput: { messagesPerSecond: agg(3000) } }, rawRelay: { throughput: { messagesPerSecond: agg(6000) } } },
    memory: { project: { perConnectionBytes: 330 * 1024 }, ceiling: { perConnectionBytes: 300 * 1024 } },
  },
};

describe("bench: the chart of ours against the ceilings", () => {
  const rows = chartData(results);
  const byLabel = (prefix: string) => rows.find((r: { label: string }) => r.label.startsWith(prefix))!;

  it("divides each figure by the ceiling of the same kind: one-row write for updates, no-op call for gets", () => {
    expect(byLabel("UpdateThingShadow, one")).toMatchObject({ ours: 1500, ceiling: 2000, fraction: 0.75, target: 0.7, met: true });
    expect(byLabel("UpdateThingShadow, 1000")).toMatchObject({ ceiling: 1000, fraction: 0.5, met: false });
    expect(byLabel("GetThingShadow, one")).toMatchObject({ ceiling: 8000, fraction: 0.75, target: 0.8, met: false });
    expect(byLabel("GetThingShadow, 1000")).toMatchObject({ fraction: 0.975, target: 0.95, met: true });
    expect(byLabel("Publish retain QoS 1, one")).toMatchObject({ fraction: 0.7, met: true });
  });

  it("turns lower-is-better figures around (latency, memory), so a bar is always ours as a fraction of the ceiling", () => {
    // 130 ms against 100 ms is exactly the 1.3× the target allows.
    expect(byLabel("Fan-out")).toMatchObject({ ours: 130, ceiling: 100, fraction: 0.769, met: true });
    expect(byLabel("Idle MQTT")).toMatchObject({ ours: 330, ceiling: 300, fraction: 0.909, met: true });
    expect(byLabel("MQTT pub/sub")).toMatchObject({ fraction: 0.5, target: 0.6, met: false });
  });

  it("leaves a figure that was not measured empty rather than zero", () => {
    expect(byLabel("Publish retain QoS 1, 1000")).toMatchObject({ ours: null, fraction: null, met: null });
    expect(chartData({}).every((r: { fraction: number | null }) => r.fraction === null)).toBe(true);
  });

  it("draws one bar per measured row, one target line per row, and escapes text", () => {
    const svg = chartSvg(rows, { title: "ours <vs> ceiling", subtitle: "run & machine" });
    expect(svg.startsWith("<svg")).toBe(true);
    expect(svg).toContain("ours &lt;vs&gt; ceiling");
    expect(svg).toContain("run &amp; machine");
    const measured = rows.filter((r: { fraction: number | null }) => r.fraction !== null).length;
    expect(svg.match(/<rect x="300"/g)?.length).toBe(measured);
    expect(svg.match(/stroke-dasharray/g)?.length).toBe(rows.length);
    expect(svg).toContain("not measured");
  });
});
