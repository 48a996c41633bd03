import { type ConnectionView, DISCONNECT_MEMORY_MS, type DirectOutcome, type SubscriptionSummary } from "../../domain/connections";
import type { Message } from "../../domain/message";
import { ReasonCode } from "../../protocol/mqtt/codec";
import { closeSocket, sendPacket } from "./connection";
import type { HubCore } from "./core";

/**
 * The data plane's connection operations, answered by the hub that holds the client's session (the edge finds it
 * through the client id registry): GetConnection, DeleteConnection, ListSubscriptions, SendDirectMessage.
 */
export class ConnectionApi {
  constructor(private readonly core: HubCore) {}

  /** What GetConnection reports; null when this hub knows nothing of the client (or only a forgotten disconnection). */
  view(clientId: string): ConnectionView | null {
    const { store, ports } = this.core;
    const session = store.session(clientId);
    const hasSession = session?.state === "active" || session?.state === "adopting";
    const record = ports.connectionStore.record(clientId);
    const conn = this.liveConnection(clientId);
    if (!record) {
      // A session copied here whose client has not connected here yet.
      if (!hasSession || !session) return null;
      return {
        clientId,
        connected: false,
        hasSession,
        sessionExpiry: session.expiry,
        ...(session.disconnectedAt !== null ? { disconnectedAt: session.disconnectedAt * 1000 } : {}),
      };
    }
    const connected = conn !== undefined && conn.att.connId === record.connId;
    if (!connected && !hasSession && (record.disconnectedAt === null || ports.clock.now() - record.disconnectedAt > DISCONNECT_MEMORY_MS)) {
      return null;
    }
    return {
      clientId,
      connected,
      hasSession,
      keepAlive: record.keepAlive,
      sessionExpiry: session?.expiry ?? record.sessionExpiry,
      connectedAt: record.connectedAt,
      ...(record.disconnectedAt !== null && !connected ? { disconnectedAt: record.disconnectedAt } : {}),
      ...(record.disconnectReason !== null && !connected ? { disconnectReason: record.disconnectReason } : {}),
      ...(record.sourceIp !== null ? { sourceIp: record.sourceIp } : {}),
      ...(record.sourcePort !== null ? { sourcePort: record.sourcePort } : {}),
      ...(record.targetIp !== null ? { targetIp: record.targetIp } : {}),
      ...(record.targetPort !== null ? { targetPort: record.targetPort } : {}),
    };
  }

  /**
   * DeleteConnection ([DG-MQTT] "Managing MQTT connections"): the client is closed (MQTT 5: DISCONNECT 0x98
   * Administrative action first), its will published unless `preventWillMessage`, its `disconnected` event says
   * API_INITIATED_DISCONNECT; `cleanSession` ends a persistent session (connected or not). False: nothing to delete.
   */
  delete(clientId: string, options: { cleanSession: boolean; preventWillMessage: boolean }): Promise<boolean> {
    const { locks, sessions, store } = this.core;
    // After a CONNECT of the same client id in progress here.
    return locks.run(clientId, async () => {
      const conn = this.liveConnection(clientId);
      if (conn) {
        if (conn.att.protocolVersion === 5) sendPacket(conn, { cmd: "disconnect", reasonCode: ReasonCode.AdministrativeAction });
        closeSocket(conn, 1000, "administrative action");
        sessions.endConnection(conn, { publishWill: !options.preventWillMessage, reason: "API_INITIATED_DISCONNECT" });
        if (options.cleanSession) sessions.drop(clientId, { release: true });
        return true;
      }
      const session = store.session(clientId);
      if (session?.state !== "active") return false;
      // Offline with a persistent session: kept, or ended with cleanSession (nothing to disconnect, no event).
      if (options.cleanSession) sessions.drop(clientId, { release: true });
      return true;
    });
  }

  /** The session's subscriptions (connected or offline persistent); null without a session here. */
  subscriptions(clientId: string): SubscriptionSummary[] | null {
    const { store } = this.core;
    const session = store.session(clientId);
    if (session?.state !== "active" && session?.state !== "adopting") return null;
    return store.subscriptionsOf(clientId).map((s) => ({ topicFilter: s.filter, qos: s.qos }));
  }

  /**
   * SendDirectMessage ([DG-DM]): to the connection holding the client id only, past any subscription, never queued
   * nor retained; `iot:Receive` of the receiver is checked. With confirmation (QoS 1), waits for the PUBACK.
   */
  async direct(clientId: string, message: Message, options: { timeoutMs: number }): Promise<DirectOutcome> {
    const { store, outbox, ports } = this.core;
    const conn = this.liveConnection(clientId);
    if (!conn) return store.session(clientId)?.state === "active" ? "offline-session" : "not-connected";
    if (!outbox.mayReceive(conn.principal, clientId, message.topic)) return "not-authorized";
    const sent = outbox.sendDirect(conn, message);
    if (sent === undefined) return "delivered";
    if (sent === "full") return "window-full";
    if (sent === "too-large") return "too-large";
    let timer: "timeout" | undefined;
    const timeout = ports.clock.sleep(options.timeoutMs).then(() => (timer = "timeout"));
    await Promise.race([sent, timeout]);
    return timer ?? "acknowledged";
  }

  private liveConnection(clientId: string) {
    const conn = this.core.connections.client(clientId);
    return conn && !conn.ended && conn.att.clientId === clientId ? conn : undefined;
  }
}
