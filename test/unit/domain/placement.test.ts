import { describe, expect, it } from "vitest";
import { LoadReporter } from "../../../src/broker/loadReporter";
import {
  DEFAULT_POOL_CONFIG,
  hintOfName,
  loadOf,
  PoolBook,
  poolConfigOf,
  pooledHubName,
  poolName,
  poolOfHub,
  regionOf,
} from "../../../src/domain/placement";

describe("region of a connection", () => {
  const all = poolConfigOf({ MQTT_REGIONS: "wnam,enam,sam,weur,eeur,apac,oc,afr,me" });
  it.each([
    [{ continent: "NA", country: "US", longitude: "-122.4" }, "wnam"],
    [{ continent: "NA", country: "US", longitude: "-77.0" }, "enam"],
    [{ continent: "SA", country: "BR", longitude: "-46.6" }, "sam"],
    [{ continent: "EU", country: "FR", longitude: "2.35" }, "weur"],
    [{ continent: "EU", country: "PL", longitude: "21.0" }, "eeur"],
    [{ continent: "AS", country: "JP", longitude: "139.7" }, "apac"],
    [{ continent: "AS", country: "AE", longitude: "55.3" }, "me"],
    [{ continent: "OC", country: "AU", longitude: "151.2" }, "oc"],
    [{ continent: "AF", country: "ZA", longitude: "28.0" }, "afr"],
  ] as const)("maps %o to %s", (location, region) => {
    expect(regionOf(location, all)).toBe(region);
  });

  it("falls back to the nearest configured region, and to the first one when the location is unknown", () => {
    const config = poolConfigOf({ MQTT_REGIONS: "weur, APAC" });
    expect(config.regions).toEqual(["weur", "apac"]);
    expect(regionOf({ continent: "OC", country: "NZ" }, config)).toBe("apac");
    expect(regionOf({ continent: "AF", country: "NG" }, config)).toBe("weur");
    expect(regionOf({ continent: "NA", country: "US", longitude: -90 }, config)).toBe("weur");
    expect(regionOf(undefined, config)).toBe("weur");
    expect(regionOf({ continent: "AN" }, config)).toBe("weur");
  });

  it("reads the configuration, with defaults for what is missing or invalid", () => {
    expect(poolConfigOf({})).toEqual(DEFAULT_POOL_CONFIG);
    expect(poolConfigOf({ MQTT_REGIONS: "mars", MQTT_POOLS_PER_REGION: "0", MQTT_HUB_CAPACITY: "1.5" })).toEqual(DEFAULT_POOL_CONFIG);
    expect(poolConfigOf({ MQTT_REGIONS: "oc,oc", MQTT_POOLS_PER_REGION: "32", MQTT_HUB_CAPACITY: "3000" })).toEqual({
      regions: ["oc"],
      poolsPerRegion: 32,
      hubCapacity: 3000,
    });
  });

  it("names pools and hubs so that a hub's pool and region are read back from its name", () => {
    const pool = poolName("apac", 7);
    const hub = pooledHubName(pool, 12);
    expect(hub).toBe("hub-apac-7-12");
    expect(poolOfHub(hub)).toEqual({ pool: "pool-apac-7", region: "apac", index: 12 });
    expect(hintOfName(hub)).toBe("apac");
    expect(hintOfName(pool)).toBe("apac");
    // Hubs of the layout before pools keep working, outside any pool and without a hint.
    expect(poolOfHub("hub-3")).toBeUndefined();
    expect(hintOfName("hub-3")).toBeUndefined();
    expect(poolOfHub("hub-mars-0-1")).toBeUndefined();
  });
});

describe("PoolBook", () => {
  it("fills the least loaded hub with room, opens a hub only when all are full, and never exceeds the capacity", () => {
    const book = new PoolBook();
    const hubs = Array.from({ length: 7 }, () => book.assign(3).hub);
    expect(hubs).toEqual([0, 0, 0, 1, 1, 1, 2]);
    expect(book.list().map(loadOf)).toEqual([3, 3, 1]);
    expect(book.list().every((h) => loadOf(h) <= 3)).toBe(true);
  });

  it("counts connections sent since a hub's last report, and frees room when connections end", () => {
    const book = new PoolBook();
    const a = book.assign(2);
    const b = book.assign(2);
    expect([a, b]).toEqual([
      { hub: 0, ticket: 1 },
      { hub: 0, ticket: 2 },
    ]);
    // The hub saw the first connection only: the second is still on its way and counts.
    book.report(0, 1, 1);
    expect(loadOf(book.list()[0]!)).toBe(2);
    expect(book.assign(2).hub).toBe(1);
    // Both arrived, then both ended: hub 0 has room again and is the least loaded.
    book.report(0, 0, 2);
    expect(book.assign(2)).toEqual({ hub: 0, ticket: 3 });
    // A hub that restarted reports ticket 0 (it does not know): the highest ticket seen stands.
    book.report(0, 1, 0);
    expect(book.list()[0]!.ticket).toBe(2);
    expect(book.report(9, 1, 1)).toBeUndefined();
  });
});

describe("LoadReporter", () => {
  it("keeps one report in flight and carries the changes made meanwhile in one more", async () => {
    const sent: number[] = [];
    let release: () => void = () => undefined;
    const reporter = new LoadReporter(async (ticket) => {
      sent.push(ticket);
      await new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    reporter.ticketSeen(4);
    const first = reporter.changed();
    reporter.ticketSeen(7);
    reporter.ticketSeen(5);
    void reporter.changed();
    void reporter.changed();
    expect(sent).toEqual([4]);
    release();
    await new Promise((r) => setTimeout(r, 0));
    expect(sent).toEqual([4, 7]);
    release();
    await first;
    expect(sent).toEqual([4, 7]);
  });
});
