import fc from "fast-check";
import { expect } from "vitest";
import { matchesTopicFilter } from "../../../../src/domain/topics";
import { random, Scheduler } from "./scheduler";
import { SimClient as Client, type SimClient, World } from "./world";

const HUBS = ["hub-0", "hub-1", "hub-2"];
const TOPIC = "t/a";
const FILTERS = ["t/a", "+/a", "t/#"];

export type Command =
  | { kind: "connect"; client: number; hub: number }
  | { kind: "subscribe"; client: number; filter: number }
  | { kind: "publish"; count: number }
  | { kind: "httpPublish"; count: number }
  | { kind: "ack"; client: number }
  | { kind: "hold"; client: number }
  | { kind: "drop"; client: number }
  | { kind: "disconnect"; client: number }
  | { kind: "hibernate"; hub: number }
  | { kind: "crash"; hub: number }
  | { kind: "crashIndex"; which: number }
  | { kind: "faults"; rate: number }
  | { kind: "wait"; ms: number };

export const command: fc.Arbitrary<Command> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("connect" as const), client: fc.nat(2), hub: fc.nat(2) }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("subscribe" as const), client: fc.nat(2), filter: fc.nat(2) }) },
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("publish" as const), count: fc.integer({ min: 1, max: 6 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("httpPublish" as const), count: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("ack" as const), client: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("hold" as const), client: fc.nat(2) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("drop" as const), client: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("disconnect" as const), client: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("hibernate" as const), hub: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("crash" as const), hub: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("crashIndex" as const), which: fc.nat(10) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("faults" as const), rate: fc.constantFrom(0, 0.05, 0.2) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("wait" as const), ms: fc.integer({ min: 0, max: 3000 }) }) },
);

interface Sent {
  seq: number;
  sentAt: number;
  ackedAt?: number;
  via: "mqtt" | "http";
}

/** What the runs exercised, so a run that checks nothing cannot pass unnoticed. */
export const exercised = { checked: 0, handovers: 0, redeliveries: 0, runs: 0 };

export async function simulate(seed: number, commands: Command[], options: { trace?: (lines: string[]) => void } = {}): Promise<void> {
  exercised.runs += 1;
  const scheduler = new Scheduler(random(seed));
  const world = new World(scheduler, HUBS);
  if (options.trace) world.trace = [];
  try {
    await run(scheduler, world, commands);
  } catch (error) {
    options.trace?.(world.trace ?? []);
    throw error;
  }
}

async function run(scheduler: Scheduler, world: World, commands: Command[]): Promise<void> {
  // Subscribers: MQTT 3.1.1 (window 100) and MQTT 5 with small Receive Maximums, so the window bites.
  const subscribers: SimClient[] = [new Client(world, "sub-0", 4, 100), new Client(world, "sub-1", 5, 3), new Client(world, "sub-2", 5, 1)];
  const publisher = new Client(world, "pub", 5, 100);
  const all = [...subscribers, publisher];
  /** Per subscriber and filter: when its SUBACK (granting QoS 1) arrived. */
  const subscribedAt = subscribers.map(() => new Map<string, number>());
  const pendingSubacks = subscribers.map(() => new Map<number, string>());
  const sent: Sent[] = [];
  const publishIds = new Map<number, Sent>();
  let seq = 0;

  const settle = (ms: number) => scheduler.run(scheduler.now() + ms);
  const observe = () => {
    subscribers.forEach((client, i) => {
      for (const [messageId, filter] of pendingSubacks[i]!) {
        const granted = client.subacks.get(messageId);
        if (granted === undefined) continue;
        pendingSubacks[i]!.delete(messageId);
        if (granted[0] === 1 && !subscribedAt[i]!.has(filter)) subscribedAt[i]!.set(filter, scheduler.now());
      }
      expect(client.maxUnacked, `${client.id} holds more than its window`).toBeLessThanOrEqual(client.receiveMaximum);
    });
    for (const [messageId, reason] of publisher.pubacks) {
      const s = publishIds.get(messageId);
      if (s && s.ackedAt === undefined && reason === 0) s.ackedAt = scheduler.now();
      publishIds.delete(messageId);
    }
  };

  // Every subscriber starts connected and subscribed (one filter kind each: first-level, wildcard-first, `#`).
  for (const [i, client] of subscribers.entries()) {
    client.connect(HUBS[i]!);
    await scheduler.runUntil(() => client.connected, 30_000);
    pendingSubacks[i]!.set(client.subscribe(FILTERS[i]!), FILTERS[i]!);
  }
  await settle(5000);
  observe();

  for (const c of commands) {
    switch (c.kind) {
      case "connect":
        subscribers[c.client]!.connect(HUBS[c.hub]!);
        break;
      case "subscribe": {
        const client = subscribers[c.client]!;
        if (!client.connected) break;
        const filter = FILTERS[c.filter]!;
        pendingSubacks[c.client]!.set(client.subscribe(filter), filter);
        break;
      }
      case "publish":
        if (!publisher.connected) {
          publisher.connect(HUBS[seq % HUBS.length]!);
          await scheduler.runUntil(() => publisher.connected, 30_000);
          observe();
        }
        for (let i = 0; i < c.count && publisher.connected; i++) {
          const s: Sent = { seq: ++seq, sentAt: scheduler.now(), via: "mqtt" };
          sent.push(s);
          publishIds.set(publisher.publish(TOPIC, `mqtt:${s.seq}`), s);
        }
        break;
      case "httpPublish":
        for (let i = 0; i < c.count; i++) {
          const s: Sent = { seq: ++seq, sentAt: scheduler.now(), via: "http" };
          sent.push(s);
          world.httpPublish({ topic: TOPIC, payload: new TextEncoder().encode(`http:${s.seq}`), qos: 1, retain: false }).then(
            () => {
              s.ackedAt = scheduler.now();
            },
            () => undefined,
          );
        }
        break;
      case "ack":
        subscribers[c.client]!.autoAck = true;
        subscribers[c.client]!.ackAll();
        break;
      case "hold":
        subscribers[c.client]!.autoAck = false;
        break;
      case "drop":
        subscribers[c.client]!.drop();
        break;
      case "disconnect":
        subscribers[c.client]!.disconnect();
        break;
      case "hibernate":
        // Eviction for hibernation happens only to an idle object.
        if (await scheduler.runUntil(() => world.idle(HUBS[c.hub]!), 10_000)) world.hibernate(HUBS[c.hub]!);
        break;
      case "crash":
        world.crash(HUBS[c.hub]!, all);
        break;
      case "crashIndex": {
        const lanes = world.indexLanes();
        if (lanes.length > 0) world.crashIndex(lanes[c.which % lanes.length]!);
        break;
      }
      case "faults":
        world.faultRate = c.rate;
        break;
      case "wait":
        await settle(c.ms);
        break;
    }
    await settle(Math.floor(scheduler.rng() * 30));
    observe();
  }

  // Quiet down: no more faults; pending work (retries, alarms) completes.
  world.faultRate = 0;
  await settle(10 * 60_000);
  observe();
  // Every subscriber comes back (persistent session) and acknowledges whatever it gets until nothing more arrives.
  for (const [i, client] of subscribers.entries()) {
    client.autoAck = true;
    client.connect(HUBS[(i + seq) % HUBS.length]!);
    const ok = await scheduler.runUntil(() => client.connected, 120_000);
    expect(ok, `${client.id} could not reconnect`).toBe(true);
    await settle(60_000);
    client.ackAll();
    await settle(60_000);
    observe();
  }

  exercised.handovers += subscribers.reduce((n, c) => n + c.connacks.filter((a) => a.sessionPresent).length, 0);
  exercised.redeliveries += subscribers.reduce((n, c) => n + c.received.filter((r) => r.dup).length, 0);
  for (const [i, client] of subscribers.entries()) {
    const firstSeen = new Map<string, number>();
    client.received.forEach((r, n) => {
      if (!firstSeen.has(r.payload)) firstSeen.set(r.payload, n);
    });
    for (const s of sent) {
      if (s.ackedAt === undefined) continue;
      const due = [...subscribedAt[i]!].some(([filter, at]) => matchesTopicFilter(filter, TOPIC) && at < s.sentAt);
      if (!due) continue;
      expect(firstSeen.has(`${s.via}:${s.seq}`), `${client.id} never received acknowledged ${s.via} message ${s.seq}`).toBe(true);
      exercised.checked += 1;
    }
    // One MQTT publisher's messages arrive (first time each) in the order it published them.
    const order = [...firstSeen]
      .filter(([p]) => p.startsWith("mqtt:"))
      .sort((a, b) => a[1] - b[1])
      .map(([p]) => Number(p.slice(5)));
    const acknowledged = new Set(sent.filter((s) => s.via === "mqtt" && s.ackedAt !== undefined).map((s) => s.seq));
    const ackedOrder = order.filter((n) => acknowledged.has(n));
    expect(
      ackedOrder,
      `${client.id} got one publisher's messages out of order: ${JSON.stringify(client.received.map((r) => [r.payload, r.packetId, r.dup, r.at]))}`,
    ).toEqual([...ackedOrder].sort((a, b) => a - b));
  }
}
