import type { Principal } from "../../../../src/auth/credentials";
import type { Clock } from "../../../../src/broker/clock";
import { MqttHub } from "../../../../src/broker/hub/hub";
import type { Attachment, HubPeer, HubPorts, Socket } from "../../../../src/broker/hub/ports";
import { IndexLeases } from "../../../../src/broker/leases";
import { PublishPipeline } from "../../../../src/broker/pipeline";
import { IndexRouter } from "../../../../src/broker/router";
import type { Delivery, Routed } from "../../../../src/broker/types";
import type { Message } from "../../../../src/domain/message";
import type { RetainedRecord } from "../../../../src/domain/retained";
import { type IndexAddress, isFleetWideIndex } from "../../../../src/domain/subscriptionIndex";
import { encode, MqttParser, type Packet } from "../../../../src/protocol/mqtt/codec";
import type { SqlPort } from "../../../../src/storage/sql";
import { SqliteConnectionStore } from "../../../../src/storage/sqliteConnections";
import { SqliteClientRegistry } from "../../../../src/storage/sqliteRegistry";
import { SqliteRouteTable } from "../../../../src/storage/sqliteRoutes";
import { SqliteSessionStore } from "../../../../src/storage/sqliteSessions";
import { NodeSqlStorage } from "../../../helpers/sqlite";
import type { Scheduler } from "./scheduler";

/** The life of one object instance: once it crashed, everything it still tries (storage, calls) fails. */
interface Epoch {
  dead: boolean;
  /** Calls and timers of this instance still under way: it is idle (and may hibernate) at 0. */
  pending: number;
}

const newEpoch = (): Epoch => ({ dead: false, pending: 0 });

/** The payloads of routed items, for traces. */
const describe = (items: Routed[]) => items.map((i) => new TextDecoder().decode(i.message.payload)).join(",");

const retryable = (message: string) => Object.assign(new Error(message), { retryable: true });

/** An instance's view of its database: the database outlives instances, a dead instance cannot touch it. */
function guardedSql(sql: SqlPort, epoch: Epoch): SqlPort {
  return {
    exec: (query: string, ...bindings: unknown[]) => {
      if (epoch.dead) throw retryable("object was reset");
      return sql.exec(query, ...bindings);
    },
  } as SqlPort;
}

const ALLOW_ALL: Principal = {
  name: "device",
  accessKeyId: "AKDEVICE",
  policies: [{ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "iot:*", Resource: "*" }] }],
};

/** The server side of a simulated WebSocket. */
export class SimSocket implements Socket {
  open = true;
  private att: Attachment | null = null;

  constructor(
    readonly world: World,
    readonly hub: string,
    readonly client: SimClient,
  ) {}

  /** A WebSocket keeps order: frames each way arrive in the order they were sent. */
  private toClient: Promise<void> = Promise.resolve();
  toServer: Promise<void> = Promise.resolve();

  send(bytes: Uint8Array): void {
    if (!this.open) throw new Error("socket closed");
    const copy = bytes.slice();
    const hop = this.world.scheduler.hop();
    this.toClient = Promise.all([this.toClient, hop]).then(() => this.client.receive(this, copy));
  }

  close(): void {
    if (!this.open) return;
    this.open = false;
    const hop = this.world.scheduler.hop();
    this.toClient = Promise.all([this.toClient, hop]).then(() => this.client.closed(this));
  }

  attachment(): Attachment | null {
    return this.att === null ? null : structuredClone(this.att);
  }

  setAttachment(attachment: Attachment): void {
    this.att = structuredClone(attachment);
  }
}

export interface Received {
  payload: string;
  topic: string;
  packetId?: number;
  dup: boolean;
  at: number;
}

/** An MQTT client speaking packets over a simulated socket to one hub at a time. */
export class SimClient {
  socket: SimSocket | undefined;
  private parser: MqttParser | undefined;
  readonly received: Received[] = [];
  /** QoS 1 packet ids received and not yet acknowledged. */
  readonly unacked = new Set<number>();
  /** The most unacknowledged at once: must stay within the window. */
  maxUnacked = 0;
  connected = false;
  connacks: Extract<Packet, { cmd: "connack" }>[] = [];
  subacks = new Map<number, number[]>();
  pubacks = new Map<number, number>();
  autoAck = true;
  private nextId = 1;

  constructor(
    readonly world: World,
    readonly id: string,
    readonly version: 4 | 5,
    readonly receiveMaximum: number,
  ) {}

  /** Opens a WebSocket to `hub` and sends CONNECT (persistent session). */
  connect(hub: string, clean = false): void {
    this.drop();
    const socket = new SimSocket(this.world, hub, this);
    this.world.sockets.add(socket);
    this.socket = socket;
    this.parser = new MqttParser({ protocolVersion: this.version, maxPacketSize: 1 << 20 });
    this.connected = false;
    const now = this.world.scheduler.now();
    this.world.hubInstance(hub).open(socket, {
      v: 2,
      connId: `${this.id}-${now}-${Math.floor(this.world.scheduler.rng() * 1e9)}`,
      accessKeyId: "AKDEVICE",
      openedAt: now,
      lastSeen: now,
    });
    this.send({
      cmd: "connect",
      protocolVersion: this.version,
      clientId: this.id,
      clean,
      keepalive: 1200,
      ...(this.version === 5 ? { properties: { sessionExpiryInterval: 3600, receiveMaximum: this.receiveMaximum } } : {}),
    });
  }

  send(packet: Packet): void {
    const socket = this.socket;
    if (!socket?.open) return;
    const bytes = encode(packet, this.version);
    const hop = this.world.scheduler.hop();
    socket.toServer = Promise.all([socket.toServer, hop]).then(() => {
      if (!socket.open) return;
      const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
      this.world
        .hubInstance(socket.hub)
        .message(socket, buffer)
        .catch(() => undefined);
    });
  }

  subscribe(filter: string): number {
    const messageId = this.nextId++;
    this.send({ cmd: "subscribe", messageId, subscriptions: [{ topic: filter, qos: 1 }] });
    return messageId;
  }

  publish(topic: string, payload: string): number {
    const messageId = this.nextId++;
    this.send({ cmd: "publish", topic, payload: new TextEncoder().encode(payload), qos: 1, retain: false, dup: false, messageId });
    return messageId;
  }

  ackAll(): void {
    for (const id of [...this.unacked]) {
      this.unacked.delete(id);
      this.send({ cmd: "puback", messageId: id });
    }
  }

  /** Goes away without DISCONNECT: the server sees the socket close. */
  drop(): void {
    const socket = this.socket;
    this.socket = undefined;
    this.connected = false;
    this.unacked.clear();
    if (!socket?.open) return;
    socket.open = false;
    const hop = this.world.scheduler.hop();
    socket.toServer = Promise.all([socket.toServer, hop]).then(() =>
      this.world
        .hubInstance(socket.hub)
        .closed(socket, 1006)
        .catch(() => undefined),
    );
  }

  disconnect(): void {
    this.send({ cmd: "disconnect" });
    const socket = this.socket;
    void this.world.scheduler.hop().then(() => {
      if (this.socket === socket) this.drop();
    });
  }

  receive(socket: SimSocket, bytes: Uint8Array): void {
    if (socket !== this.socket || !this.parser) return;
    for (const packet of this.parser.push(bytes)) {
      switch (packet.cmd) {
        case "connack":
          this.connacks.push(packet);
          this.connected = (packet.returnCode ?? packet.reasonCode ?? 0) === 0;
          break;
        case "suback":
          this.subacks.set(packet.messageId, packet.granted);
          break;
        case "puback":
          this.pubacks.set(packet.messageId, packet.reasonCode ?? 0);
          break;
        case "publish": {
          this.received.push({
            payload: new TextDecoder().decode(packet.payload),
            topic: packet.topic,
            dup: packet.dup,
            at: this.world.scheduler.now(),
            ...(packet.messageId !== undefined ? { packetId: packet.messageId } : {}),
          });
          if (packet.qos === 1) {
            this.unacked.add(packet.messageId!);
            this.maxUnacked = Math.max(this.maxUnacked, this.unacked.size);
            if (this.autoAck) this.ackAll();
          }
          break;
        }
        default:
          break;
      }
    }
  }

  closed(socket: SimSocket): void {
    if (socket !== this.socket) return;
    this.socket = undefined;
    this.connected = false;
    this.unacked.clear();
  }
}

interface HubSlot {
  db: NodeSqlStorage;
  epoch: Epoch;
  hub: MqttHub;
  alarmAt: number | undefined;
}

interface IndexSlot {
  db: NodeSqlStorage;
  epoch: Epoch;
  router: IndexRouter;
}

/**
 * Hubs, subscription indexes, the client id registry and the retained store as in production (the real classes over
 * Node's SQLite), connected by simulated calls that take time, interleave by seed, and fail when asked to: a call may
 * be lost before it runs or after (its answer lost), as Durable Object calls can be.
 */
export class World {
  readonly hubs = new Map<string, HubSlot>();
  private readonly indexes = new Map<string, IndexSlot>();
  private readonly registry = new SqliteClientRegistry(new NodeSqlStorage());
  private readonly retainedStore = new Map<string, RetainedRecord>();
  private readonly edgeLeases: IndexLeases;
  faultRate = 0;
  readonly errors: unknown[] = [];
  /** Set to collect a trace of every call (debugging a counterexample). */
  trace: string[] | undefined;

  log(line: string): void {
    this.trace?.push(`${this.scheduler.now() - 1_700_000_000_000} ${line}`);
  }

  constructor(
    readonly scheduler: Scheduler,
    hubNames: readonly string[],
  ) {
    this.edgeLeases = new IndexLeases(() => scheduler.now());
    for (const name of hubNames) {
      const db = new NodeSqlStorage();
      const slot: HubSlot = { db, epoch: newEpoch(), hub: undefined as unknown as MqttHub, alarmAt: undefined };
      this.hubs.set(name, slot);
      this.startHub(name, slot);
    }
  }

  hubInstance(name: string): MqttHub {
    return this.hubs.get(name)!.hub;
  }

  /** Nothing under way in the hub's instance: the runtime may evict it for hibernation. */
  idle(name: string): boolean {
    return this.hubs.get(name)!.epoch.pending === 0;
  }

  /** The instance's clock: its timers count as work under way. */
  private clockFor(epoch: Epoch): Clock {
    return {
      now: () => this.scheduler.now(),
      sleep: (ms) => {
        epoch.pending += 1;
        return this.scheduler.sleep(ms).finally(() => {
          epoch.pending -= 1;
        });
      },
    };
  }

  /** The hub is evicted while idle (hibernation): memory goes, sockets and storage stay. */
  hibernate(name: string): void {
    const slot = this.hubs.get(name)!;
    slot.epoch.dead = true;
    slot.epoch = newEpoch();
    slot.alarmAt = undefined;
    this.startHub(name, slot, { keepAlarm: true });
  }

  /** The hub restarts (a deploy, a crash): memory and sockets go at once, without close events; storage stays. */
  crash(name: string, clients: readonly SimClient[]): void {
    const slot = this.hubs.get(name)!;
    slot.epoch.dead = true;
    slot.epoch = newEpoch();
    for (const client of clients) {
      if (client.socket?.hub === name) {
        const socket = client.socket;
        socket.open = false;
        client.closed(socket);
      }
    }
    this.startHub(name, slot, { keepAlarm: true });
  }

  /** An index object restarts: in-flight work is lost (its callers see errors), its table stays. */
  crashIndex(lane: string): void {
    const slot = this.indexes.get(lane);
    if (!slot) return;
    slot.epoch.dead = true;
    slot.epoch = newEpoch();
    slot.router = this.newRouter(lane, slot.db, slot.epoch);
  }

  indexLanes(): string[] {
    return [...this.indexes.keys()];
  }

  /** A publish from the HTTP edge (a pipeline per request, leases shared, as routePublish does). */
  httpPublish(message: Message): Promise<void> {
    const edge: Epoch = newEpoch();
    return new PublishPipeline(this.pipelinePorts(edge), this.edgeLeases).publish(message);
  }

  private startHub(name: string, slot: HubSlot, options: { keepAlarm?: boolean } = {}): void {
    const epoch = slot.epoch;
    const pipeline = new PublishPipeline({ ...this.pipelinePorts(epoch), clock: this.clockFor(epoch) });
    const ports: HubPorts = {
      store: new SqliteSessionStore(guardedSql(slot.db, epoch)),
      connectionStore: new SqliteConnectionStore(guardedSql(slot.db, epoch)),
      clock: this.clockFor(epoch),
      name: () => name,
      sockets: () => this.liveSockets(name),
      registry: () => ({
        claim: (clientId, location) => this.call(epoch, `claim ${clientId}`, (c, l) => this.registry.claim(c, l), clientId, location),
        release: (clientId, location) => this.call(epoch, `release ${clientId}`, (c, l) => this.registry.release(c, l), clientId, location),
        confirm: (clientId, e, location) =>
          this.call(epoch, `confirm ${clientId} ${e}`, (c, n, l) => this.registry.confirm(c, n, l), clientId, e, location),
      }),
      peer: (hub) => this.peer(epoch, hub),
      index: (address) => ({
        setRoute: (filter, hub, present) =>
          this.call(
            epoch,
            `setRoute ${address.name} ${filter} ${hub} ${present}`,
            (f, h, p) => this.index(address).router.setRoute(f, h, p),
            filter,
            hub,
            present,
          ),
      }),
      publish: (message, options) => pipeline.publish(message, options),
      retained: (topic) => this.call(epoch, `retained ${topic}`, (t) => this.retainedStore.get(t), topic),
      principal: () => ALLOW_ALL,
      scope: { region: "us-east-1", account: "123456789012" },
      wakeAt: (at) => this.wakeAt(name, epoch, at),
      keepAliveFloor: 30,
      sessionExpiryMax: 3600,
    };
    slot.hub = new MqttHub(ports);
    if (!options.keepAlarm) slot.alarmAt = undefined;
    slot.hub.wake();
  }

  /** Sockets of a hub still open (they survive hibernation, not a crash). */
  private liveSockets(hub: string): Socket[] {
    return [...this.sockets].filter((s) => s.open && s.hub === hub);
  }

  readonly sockets = new Set<SimSocket>();

  private peer(epoch: Epoch, hub: string): HubPeer {
    return {
      deliver: (deliveries) => this.call(epoch, `deliver ${hub} ${describe(deliveries)}`, (d) => this.hubInstance(hub).deliver(d), deliveries),
      beginHandover: (request) =>
        this.call(epoch, `beginHandover ${hub} ${JSON.stringify(request)}`, (r) => this.hubInstance(hub).beginHandover(r), request),
      fetchHandover: (clientId, e, afterOrd, maxBytes) =>
        this.call(
          epoch,
          `fetchHandover ${hub} ${clientId} ${e} ${afterOrd}`,
          (c, t, a, m) => this.hubInstance(hub).fetchHandover(c, t, a, m),
          clientId,
          e,
          afterOrd,
          maxBytes,
        ),
      finishHandover: (clientId, e) =>
        this.call(epoch, `finishHandover ${hub} ${clientId} ${e}`, (c, t) => this.hubInstance(hub).finishHandover(c, t), clientId, e),
    };
  }

  private pipelinePorts(epoch: Epoch) {
    return {
      clock: this.scheduler,
      index: (address: IndexAddress) => ({
        route: (items: Routed[]) => this.call(epoch, `route ${address.name} ${describe(items)}`, (i) => this.index(address).router.route(i), items),
      }),
      retain: (_shard: string, messages: Message[]) =>
        this.call(
          epoch,
          "retain",
          (batch) => {
            for (const m of batch) {
              if (m.payload.byteLength === 0) this.retainedStore.delete(m.topic);
              else this.retainedStore.set(m.topic, { topic: m.topic, payload: m.payload, qos: m.qos, lastModifiedTime: this.scheduler.now() });
            }
          },
          messages,
        ),
      shadowRequests: async () => {
        throw new Error("no shadows in the simulation");
      },
      answerStream: async () => {
        throw new Error("no streams in the simulation");
      },
    };
  }

  private index(address: IndexAddress): IndexSlot {
    const lane = `${address.kind}:${address.name}`;
    let slot = this.indexes.get(lane);
    if (!slot) {
      const db = new NodeSqlStorage();
      const epoch = newEpoch();
      slot = { db, epoch, router: this.newRouter(lane, db, epoch) };
      this.indexes.set(lane, slot);
    }
    return slot;
  }

  private newRouter(lane: string, db: NodeSqlStorage, epoch: Epoch): IndexRouter {
    const colon = lane.indexOf(":");
    const address: IndexAddress = { kind: lane.slice(0, colon) === "thing" ? "thing" : "topic", name: lane.slice(colon + 1) };
    return new IndexRouter({
      table: new SqliteRouteTable(guardedSql(db, epoch)),
      hub: (hub) => ({
        deliver: (deliveries: Delivery[]) => this.call(epoch, `deliver ${hub}`, (d) => this.hubInstance(hub).deliver(d), deliveries),
      }),
      leased: isFleetWideIndex(address),
      clock: this.clockFor(epoch),
    });
  }

  private wakeAt(name: string, epoch: Epoch, at: number): void {
    const slot = this.hubs.get(name)!;
    if (epoch !== slot.epoch) return;
    if (slot.alarmAt !== undefined && slot.alarmAt <= at && slot.alarmAt >= this.scheduler.now()) return;
    const when = Math.max(at, this.scheduler.now() + 10);
    slot.alarmAt = when;
    this.scheduler.at(when, () => {
      if (slot.alarmAt !== when) return;
      slot.alarmAt = undefined;
      slot.hub.alarm().catch((error) => this.errors.push(error));
    });
  }

  /**
   * A call from one object to another: a hop there, the callee runs, a hop back. Arguments and results are copied
   * (as RPC serializes them). When faults are on, the request or the answer may be lost (a retryable error).
   */
  private async call<A extends unknown[], T>(caller: Epoch, label: string, run: (...args: A) => T | Promise<T>, ...args: A): Promise<Awaited<T>> {
    caller.pending += 1;
    try {
      return await this.callNow(caller, label, run, args);
    } finally {
      caller.pending -= 1;
    }
  }

  private async callNow<A extends unknown[], T>(caller: Epoch, label: string, run: (...args: A) => T | Promise<T>, args: A): Promise<Awaited<T>> {
    if (caller.dead) throw retryable("caller was reset");
    await this.scheduler.hop();
    if (caller.dead) throw retryable("caller was reset");
    if (this.scheduler.rng() < this.faultRate) throw retryable("request lost");
    let result: Awaited<T>;
    try {
      result = await run(...(structuredClone(args) as A));
    } catch (error) {
      this.log(`${label} threw ${(error as Error).message}`);
      throw error;
    }
    await this.scheduler.hop();
    if (this.scheduler.rng() < this.faultRate) {
      this.log(`${label} answer lost`);
      throw retryable("answer lost");
    }
    this.log(`${label} -> ${JSON.stringify(result)?.slice(0, 200)}`);
    return (result === undefined ? undefined : structuredClone(result)) as Awaited<T>;
  }
}
