import type { ConnectionView, DirectOutcome, SubscriptionSummary } from "../../domain/connections";
import type { Message } from "../../domain/message";
import { DEFAULT_INDEX_LAYOUT, layoutKey } from "../../domain/subscriptionIndex";
import { parseSharedFilter } from "../../domain/topics";
import { MQTT_LIMITS } from "../../protocol/mqtt/broker/limits";
import { MqttProtocolError, type Packet, ReasonCode } from "../../protocol/mqtt/codec";
import type { Delivery } from "../types";
import { ClientLocks, type Connection, ConnectionTable, closeSocket, deadlineOf, newConnection, sendPacket } from "./connection";
import { ConnectionApi } from "./connectionApi";
import type { HubCore } from "./core";
import { Deliveries } from "./delivery";
import { SessionHandover } from "./handover";
import { Outbox } from "./outbox";
import { PacketHandlers } from "./packets";
import type { Attachment, FinishResult, HandoverPage, HandoverRequest, HandoverStart, HubPorts, Socket } from "./ports";
import { HubRoutes } from "./routes";
import { Sessions } from "./sessions";
import { syncSharedGroups } from "./shared";
import { LocalSubscriptions } from "./subscriptions";
import { DurableWork } from "./work";

const INDEX_LAYOUT_SETTING = "indexLayout";

/**
 * The MQTT sessions of one hub object (docs/fanout-design.md): the runtime's entry points and the RPC surface, over
 * the hub's parts — connections (connection.ts), packet handlers (packets.ts), session lifecycle (sessions.ts),
 * delivery with its in-flight window (delivery.ts, outbox.ts), the handover protocol (handover.ts), index
 * registrations (routes.ts) and durable work (work.ts). No Workers imports: the Durable Object (objects/hub.ts)
 * passes the runtime in as ports, and the model-based tests pass a simulated one.
 */
export class MqttHub {
  private readonly core: HubCore;
  private readonly packets: PacketHandlers;
  private readonly deliveries: Deliveries;
  private readonly api: ConnectionApi;

  constructor(readonly ports: HubPorts) {
    const core = { ports, store: ports.store, connections: new ConnectionTable(), locks: new ClientLocks() } as HubCore;
    core.subscriptions = new LocalSubscriptions(core.store);
    core.routes = new HubRoutes(core.store, ports);
    core.outbox = new Outbox(core.store, ports.clock, ports.scope);
    core.sessions = new Sessions(core);
    core.work = new DurableWork(core);
    core.handover = new SessionHandover({
      store: core.store,
      ports,
      routes: core.routes,
      subscriptions: core.subscriptions,
      dropSession: (clientId, options) => core.sessions.drop(clientId, options),
      closeTakenOver: (clientId) => core.sessions.closeTakenOver(clientId),
    });
    this.core = core;
    this.packets = new PacketHandlers(core);
    this.deliveries = new Deliveries(core);
    this.api = new ConnectionApi(core);
  }

  // ---- runtime entry points ------------------------------------------------------------------------------------

  /**
   * The object started (first use, after hibernation, or after a restart): connections come back from the live
   * sockets; sessions whose socket vanished end (Sessions.reconcile); the durable work resumes.
   */
  wake(): void {
    const now = this.ports.clock.now();
    for (const socket of this.ports.sockets()) {
      const att = socket.attachment();
      if (att?.v !== 2) {
        // A connection from before an incompatible upgrade: its session state is gone; the client reconnects.
        try {
          socket.close(1012, "service restart");
        } catch {
          // already closed
        }
        continue;
      }
      this.core.connections.add(
        newConnection(
          socket,
          att,
          att.clientId !== undefined ? this.ports.principal(att.accessKeyId) : undefined,
          now,
          this.ports.publishesPerSecond,
        ),
      );
    }
    this.core.sessions.reconcile();
    this.registerForLayout();
    this.scheduleWake();
    this.core.work.kick();
  }

  /** A WebSocket opened (the edge verified its pre-signed URL). */
  open(socket: Socket, att: Attachment): void {
    socket.setAttachment(att);
    this.core.connections.add(newConnection(socket, att, undefined, this.ports.clock.now(), this.ports.publishesPerSecond));
    this.ports.wakeAt(att.openedAt + MQTT_LIMITS.connectTimeoutSeconds * 1000);
  }

  /** A frame: its packets are handled one after another, at most AWS's bytes per second, within a memory bound. */
  async message(socket: Socket, data: ArrayBuffer | string): Promise<void> {
    const { connections, sessions } = this.core;
    const conn = connections.of(socket);
    if (!conn || conn.ended) return;
    if (typeof data === "string") {
      // MQTT travels in binary frames only.
      return sessions.protocolError(conn, new MqttProtocolError(ReasonCode.MalformedPacket, "MQTT packets must be sent in binary frames"));
    }
    this.touch(conn);
    const size = data.byteLength;
    conn.pendingInput += size;
    if (conn.pendingInput > MQTT_LIMITS.maxPendingInputBytes) {
      // One client cannot grow the hub's memory: past the bound it is disconnected (AWS: THROTTLED).
      return sessions.protocolError(conn, new MqttProtocolError(ReasonCode.QuotaExceeded, "Too much data waiting to be handled"));
    }
    let packets: Packet[];
    try {
      packets = conn.parser.push(new Uint8Array(data));
    } catch (error) {
      return sessions.protocolError(conn, error);
    }
    const wait = conn.byteRate.reserve(size, this.ports.clock.now());
    if (wait > 0) conn.chain = conn.chain.then(() => this.ports.clock.sleep(wait));
    for (const packet of packets) {
      conn.chain = conn.chain
        .then(() => (conn.ended ? undefined : this.packets.handle(conn, packet)))
        .catch((error) => sessions.protocolError(conn, error));
    }
    conn.chain = conn.chain.then(() => {
      conn.pendingInput -= size;
    });
    // Handling a PUBLISH only starts its routing: the next frames are read while it runs.
    await conn.chain;
  }

  async closed(socket: Socket, code: number): Promise<void> {
    const conn = this.core.connections.of(socket);
    try {
      socket.close(code === 1005 || code === 1006 ? 1000 : code, "closed"); // reciprocate the close frame
    } catch {
      // already closed
    }
    if (!conn) return;
    // After the packets already received (a DISCONNECT just before the close must count).
    // Without a DISCONNECT first: the connection was lost (the will is published).
    conn.chain = conn.chain.then(() => this.core.sessions.endConnection(conn, { publishWill: true, reason: "CONNECTION_LOST" }));
    await conn.chain;
  }

  async errored(socket: Socket): Promise<void> {
    const conn = this.core.connections.of(socket);
    if (conn) this.core.sessions.endConnection(conn, { publishWill: true, reason: "CONNECTION_LOST" });
  }

  /** Keep-alive and CONNECT deadlines, expiry of disconnected sessions, and durable work due for a retry. */
  async alarm(): Promise<void> {
    const now = this.ports.clock.now();
    for (const conn of this.core.connections.all()) {
      if (deadlineOf(conn) > now) continue;
      if (conn.att.protocolVersion === 5 && conn.att.clientId !== undefined)
        sendPacket(conn, { cmd: "disconnect", reasonCode: ReasonCode.KeepAliveTimeout });
      closeSocket(conn, 1000, "keep-alive timeout");
      this.core.sessions.endConnection(conn, { publishWill: true, reason: "MQTT_KEEP_ALIVE_TIMEOUT" });
    }
    this.core.sessions.expire(now);
    await this.core.work.drain();
    this.scheduleWake();
  }

  // ---- RPC from other objects ----------------------------------------------------------------------------------

  /** Deliveries from the subscription index, in order; queued ones are durable when this returns. */
  deliver(deliveries: Delivery[]): void {
    this.deliveries.deliver(deliveries);
  }

  /** Another hub takes a client's session over (handover.ts). Never waits on this hub's client locks. */
  async beginHandover(request: HandoverRequest): Promise<HandoverStart> {
    const start = await this.core.handover.begin(request);
    this.core.work.kick();
    return start;
  }

  fetchHandover(clientId: string, epoch: number, afterOrd: number | null, maxBytes: number): HandoverPage {
    return this.core.handover.fetch(clientId, epoch, afterOrd, maxBytes);
  }

  finishHandover(clientId: string, epoch: number): FinishResult {
    const result = this.core.handover.finishGiving(clientId, epoch);
    this.core.work.kick();
    return result;
  }

  /** Connected clients (for tests). */
  connectedClients(): string[] {
    return this.core.connections.clientIds();
  }

  // ---- the data plane's connection operations (connectionApi.ts) -----------------------------------------------

  connectionView(clientId: string): ConnectionView | null {
    return this.api.view(clientId);
  }

  deleteConnection(clientId: string, options: { cleanSession: boolean; preventWillMessage: boolean }): Promise<boolean> {
    return this.api.delete(clientId, options);
  }

  subscriptionsOf(clientId: string): SubscriptionSummary[] | null {
    return this.api.subscriptions(clientId);
  }

  directMessage(clientId: string, message: Message, options: { timeoutMs: number }): Promise<DirectOutcome> {
    return this.api.direct(clientId, message, options);
  }

  // ---- plumbing ------------------------------------------------------------------------------------------------

  /** A packet arrived: keep-alive restarts (the attachment's copy is written at most every quarter keep-alive). */
  private touch(conn: Connection): void {
    const t = this.ports.clock.now();
    conn.lastSeen = t;
    const quarter = ((conn.att.keepAlive ?? MQTT_LIMITS.connectTimeoutSeconds) * 1000) / 4;
    if (t - conn.att.lastSeen > quarter) {
      conn.att = { ...conn.att, lastSeen: t };
      conn.socket.setAttachment(conn.att);
    }
  }

  /**
   * After a deploy that changed how the index is sharded (its naming or MQTT_INDEX_SPREAD), this hub's filters are
   * registered again under the new layout: the shards they were in are no longer asked, and a session that resumes
   * here, or waits here for its client, would otherwise miss every message (durable intents, retried until done).
   */
  private registerForLayout(): void {
    const { store, subscriptions, routes } = this.core;
    const key = layoutKey(this.ports.indexLayout ?? DEFAULT_INDEX_LAYOUT);
    if (store.setting(INDEX_LAYOUT_SETTING) === key) return;
    const filters = [...subscriptions.index().keys()];
    for (const filter of filters) if (parseSharedFilter(filter) === null) routes.desire(filter, true);
    syncSharedGroups(this.core, filters);
    store.putSetting(INDEX_LAYOUT_SETTING, key);
  }

  /** Asks to be woken at the earliest deadline: CONNECT or keep-alive timeouts, session expiry, work to retry. */
  private scheduleWake(): void {
    let next = this.core.connections.nextDeadline();
    const expiry = this.core.store.nextSessionExpiry();
    if (expiry !== undefined) next = Math.min(next, expiry * 1000);
    const retry = this.core.store.nextRetry();
    if (retry !== undefined) next = Math.min(next, retry);
    const event = this.ports.connectionStore.nextEventAt();
    if (event !== undefined) next = Math.min(next, event);
    if (Number.isFinite(next)) this.ports.wakeAt(next);
  }
}
