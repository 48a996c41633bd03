import { simulate, TARGET_MIX } from "./fleet";
import { TARGET_CONFIG } from "./targets";

const devices = Number(process.env.SIM_DEVICES ?? TARGET_MIX.devices);
const scale = devices / TARGET_MIX.devices;
const mix = {
  ...TARGET_MIX,
  devices,
  telemetryPerSecond: TARGET_MIX.telemetryPerSecond * scale,
  commandsPerSecond: TARGET_MIX.commandsPerSecond * scale,
  shadowUpdatesPerSecond: TARGET_MIX.shadowUpdatesPerSecond * scale,
  reconnectStormPerSecond: TARGET_MIX.reconnectStormPerSecond * scale,
};
const started = Date.now();
const result = simulate(mix, TARGET_CONFIG);
const seconds = ((Date.now() - started) / 1000).toFixed(1);
const total = mix.telemetryPerSecond + mix.commandsPerSecond + mix.shadowUpdatesPerSecond + mix.broadcastPerSecond;
console.log(`# Fleet simulation (${seconds} s)\n`);
console.log(
  `devices ${result.devices.toLocaleString("en")}, ${Math.round(total).toLocaleString("en")} publishes/s, ${Math.round(mix.shadowUpdatesPerSecond).toLocaleString("en")} shadow updates/s`,
);
console.log(
  `config: regions ${TARGET_CONFIG.pools.regions.join(",")}, ${TARGET_CONFIG.pools.poolsPerRegion} pools/region, ${TARGET_CONFIG.pools.hubCapacity} connections/hub, MQTT_INDEX_SPREAD ${TARGET_CONFIG.layout.spread}, fan-out degree ${TARGET_CONFIG.fanoutDegree}\n`,
);
console.log(
  `hubs ${result.hubs.toLocaleString("en")} (${Object.entries(result.hubsPerRegion)
    .map(([r, n]) => `${r} ${n}`)
    .join(", ")})`,
);
console.log(`max connections per hub ${result.maxConnectionsPerHub}`);
console.log(`max calls one object makes per message ${result.maxCallsPerObjectPerMessage} (broadcast to every hub: ${result.broadcastDepth} levels)`);
console.log(
  `filters: fullest first-level shard ${result.maxFiltersPerLevelShard.toLocaleString("en")}, fullest fleet-wide shard ${result.maxFiltersPerFleetWideShard}, a thing's object ${result.maxFiltersPerThing}\n`,
);
console.log("| object (busiest of its kind) | calls/s | share of 1,000/s | name |");
console.log("| --- | ---: | ---: | --- |");
for (const [kind, rate] of Object.entries(result.maxRate)) {
  const shown = rate < 10 ? rate.toFixed(2) : Math.round(rate).toLocaleString("en");
  console.log(`| ${kind} | ${shown} | ${((rate / 1000) * 100).toFixed(0)} % | ${result.busiest[kind] || "–"} |`);
}
