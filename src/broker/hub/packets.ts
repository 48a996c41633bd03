import { mayConnect, mayPublish, maySubscribe } from "../../auth/mqtt";
import { connectFailedEvent, emitsLifecycleEvents, subscriptionEvent } from "../../domain/lifecycle";
import type { Message } from "../../domain/message";
import { decideConnect } from "../../protocol/mqtt/broker/connect";
import { decideDisconnect } from "../../protocol/mqtt/broker/disconnect";
import { MQTT_LIMITS } from "../../protocol/mqtt/broker/limits";
import { decidePublish } from "../../protocol/mqtt/broker/publish";
import { decideSubscribe } from "../../protocol/mqtt/broker/subscribe";
import { decideUnsubscribe } from "../../protocol/mqtt/broker/unsubscribe";
import {
  type ConnectPacket,
  MqttProtocolError,
  type Packet,
  type PublishPacket,
  ReasonCode,
  type SubscribePacket,
  type UnsubscribePacket,
} from "../../protocol/mqtt/codec";
import type { SubscriptionRow } from "../../storage/sqliteSessions";
import { INTERACTIVE_RETRY, withRetries } from "../retry";
import { type Connection, closeSocket, sendPacket } from "./connection";
import type { HubCore } from "./core";
import { routeAfterChange } from "./shared";

/**
 * One handler per packet a client sends. Each asks the pure decision of its packet type
 * (protocol/mqtt/broker: decideConnect, decidePublish, decideSubscribe, decideUnsubscribe, decideDisconnect) and
 * carries it out with the hub's parts.
 */
export class PacketHandlers {
  constructor(private readonly core: HubCore) {}

  handle(conn: Connection, packet: Packet): Promise<void> | void {
    if (packet.cmd === "connect") {
      // [MQTT-3.1.0-2] (the attachment keeps this true after hibernation).
      if (conn.att.clientId !== undefined) throw new MqttProtocolError(ReasonCode.ProtocolError, "second CONNECT [MQTT-3.1.0-2]");
      return this.connect(conn, packet);
    }
    if (conn.att.clientId === undefined) throw new MqttProtocolError(ReasonCode.ProtocolError, "CONNECT was refused or not answered yet");
    switch (packet.cmd) {
      case "publish":
        return this.publish(conn, packet);
      case "puback":
        return this.core.outbox.acknowledge(conn, packet.messageId);
      case "subscribe":
        return this.subscribe(conn, packet);
      case "unsubscribe":
        return this.unsubscribe(conn, packet);
      case "pingreq":
        return sendPacket(conn, { cmd: "pingresp" });
      case "disconnect": {
        const decision = decideDisconnect(packet, conn.att.sessionExpiry ?? 0, this.core.ports.sessionExpiryMax);
        if (decision.sessionExpiry !== undefined) this.core.sessions.setExpiry(conn, decision.sessionExpiry);
        closeSocket(conn, 1000, "disconnect");
        return this.core.sessions.endConnection(conn, { publishWill: decision.publishWill, reason: "CLIENT_INITIATED_DISCONNECT" });
      }
      default:
        // QoS 2 flows, AUTH and server-to-client packets are not for a client to send here.
        throw new MqttProtocolError(ReasonCode.ProtocolError, `Unexpected ${packet.cmd} packet`);
    }
  }

  private async connect(conn: Connection, packet: ConnectPacket): Promise<void> {
    const { ports } = this.core;
    conn.att.protocolVersion = packet.protocolVersion;
    const principal = ports.principal(conn.att.accessKeyId);
    // An authorization refusal (iot:Connect, or the will's iot:Publish) is a lifecycle `connect_failed` event.
    let unauthorized: string | undefined;
    const authorized = (clientId: string, allowed: boolean) => {
      if (!allowed) unauthorized = clientId;
      return allowed;
    };
    const decision = decideConnect(packet, {
      connectionId: conn.att.connId,
      keepAliveFloor: ports.keepAliveFloor,
      sessionExpiryMax: ports.sessionExpiryMax,
      mayConnect: (clientId) => authorized(clientId, principal !== undefined && mayConnect(principal, ports.scope, clientId)),
      mayPublishWill: (will, clientId) => authorized(clientId, principal !== undefined && mayPublish(principal, ports.scope, will, clientId)),
    });
    if (!decision.accepted) {
      if (unauthorized !== undefined && emitsLifecycleEvents(unauthorized)) {
        const subject = {
          clientId: unauthorized,
          timestamp: ports.clock.now(),
          // No session was made: the attempt's own identifier.
          sessionIdentifier: crypto.randomUUID(),
          principalIdentifier: this.core.sessions.principalIdOf(conn.att.accessKeyId),
        };
        this.core.sessions.emit(connectFailedEvent(subject, conn.att.sourceIp ? { ipAddress: conn.att.sourceIp } : {}));
      }
      sendPacket(conn, decision.connack);
      closeSocket(conn, 1000, "connection refused");
      conn.ended = true;
      this.core.connections.forget(conn);
      return;
    }
    conn.principal = principal;
    await this.core.locks.run(decision.clientId, () => this.core.sessions.connect(conn, packet, decision));
  }

  private async publish(conn: Connection, packet: PublishPacket): Promise<void> {
    const { ports } = this.core;
    const clientId = conn.att.clientId!;
    const v = conn.att.protocolVersion!;
    const decision = decidePublish(packet, {
      protocolVersion: v,
      mayPublish: (message) => conn.principal !== undefined && mayPublish(conn.principal, ports.scope, message, clientId),
      takePublish: () => conn.publishRate.take(ports.clock.now()),
      aliases: {
        get: (alias) => this.aliasesOf(conn).get(alias),
        set: (alias, topic) => {
          const aliases = this.aliasesOf(conn);
          if (aliases.get(alias) === topic) return;
          aliases.set(alias, topic);
          this.core.store.putTopicAlias(conn.att.connId, alias, topic);
        },
      },
    });
    switch (decision.action) {
      case "ignore":
        return;
      case "close":
        throw new MqttProtocolError(decision.reasonCode, decision.why);
      case "refuse":
        this.acknowledgeInOrder(conn, packet.messageId!, Promise.resolve(), decision.reasonCode);
        return;
      case "route": {
        if (decision.acknowledge && conn.pendingInbound >= MQTT_LIMITS.inflightPerConnection) {
          // MQTT 5: more unacknowledged QoS 1 publishes than the Receive Maximum announced in CONNACK [MQTT-3.3.4-9].
          if (v === 5) throw new MqttProtocolError(ReasonCode.ReceiveMaximumExceeded, "More than 100 unacknowledged QoS 1 publishes");
          // MQTT 3.1.1 (AWS IoT: no new publishes accepted until PUBACKs): the connection waits.
          await conn.acks;
        }
        // Routing runs while the next packets are read: the pipeline keeps the order per destination.
        const routed = ports.publish({ ...decision.message, id: crypto.randomUUID() }, { publisher: clientId });
        if (decision.acknowledge) this.acknowledgeInOrder(conn, packet.messageId!, routed, ReasonCode.Success);
        else routed.catch((error) => console.error(`routing a QoS 0 publish from ${clientId} failed`, error));
        return;
      }
    }
  }

  private aliasesOf(conn: Connection): Map<number, string> {
    conn.aliases ??= this.core.store.topicAliases(conn.att.connId);
    return conn.aliases;
  }

  /** PUBACKs leave in the order of the PUBLISHes [MQTT-4.6.0-2], each once its message has been routed. */
  private acknowledgeInOrder(conn: Connection, messageId: number, routed: Promise<void>, reasonCode: number): void {
    conn.pendingInbound += 1;
    // Observed at once: a failure is handled here, whatever happened to the PUBACKs before it.
    const outcome = routed.then(
      () => true,
      (error) => {
        console.error(`routing a publish from ${conn.att.clientId} failed`, error);
        return false;
      },
    );
    conn.acks = conn.acks
      .then(async () => {
        const ok = await outcome;
        conn.pendingInbound -= 1;
        if (conn.ended) return;
        if (!ok) {
          // Not acknowledged: the client must send it again, which it does after reconnecting; so it is disconnected.
          if (conn.att.protocolVersion === 5) sendPacket(conn, { cmd: "disconnect", reasonCode: ReasonCode.UnspecifiedError });
          closeSocket(conn, 1011, "routing failed");
          this.core.sessions.endConnection(conn, { publishWill: true, reason: "SERVER_ERROR" });
          return;
        }
        sendPacket(
          conn,
          conn.att.protocolVersion === 5 && reasonCode !== 0 ? { cmd: "puback", messageId, reasonCode } : { cmd: "puback", messageId },
        );
      })
      .catch((error) => console.error("acknowledging a publish failed", error));
  }

  private async subscribe(conn: Connection, packet: SubscribePacket): Promise<void> {
    const { ports, store, subscriptions, routes, outbox } = this.core;
    const clientId = conn.att.clientId!;
    const decision = decideSubscribe(packet, {
      protocolVersion: conn.att.protocolVersion!,
      existing: new Set(store.subscriptionsOf(clientId).map((s) => s.filter)),
      maySubscribe: (filter) => conn.principal !== undefined && maySubscribe(conn.principal, ports.scope, filter, clientId),
    });
    if (decision.action === "ignore") return;
    if (decision.action === "close") throw new MqttProtocolError(decision.reasonCode, decision.why);
    for (const accepted of decision.accepted) {
      const row: SubscriptionRow = {
        clientId,
        filter: accepted.filter,
        qos: accepted.qos,
        retainAsPublished: accepted.retainAsPublished,
      };
      routeAfterChange(this.core, accepted.filter, subscriptions.add(row), true);
    }
    // The index routes every accepted filter here before the SUBACK: a publish after it must find this hub.
    const registered = await Promise.allSettled(decision.accepted.map((a) => routes.whenRegistered(a.filter)));
    const granted = [...decision.granted];
    const retained: { filter: string; qos: 0 | 1 }[] = [];
    registered.forEach((result, i) => {
      const accepted = decision.accepted[i]!;
      if (result.status === "rejected") {
        console.error(`registering ${accepted.filter} failed`, result.reason);
        routeAfterChange(this.core, accepted.filter, subscriptions.remove(clientId, accepted.filter), false);
        granted[packet.subscriptions.findIndex((s) => s.topic === accepted.filter)] =
          conn.att.protocolVersion === 5 ? ReasonCode.UnspecifiedError : 0x80;
      } else if (accepted.sendRetained) {
        retained.push({ filter: accepted.filter, qos: accepted.qos });
      }
    });
    if (conn.ended) return;
    const subscribed = decision.accepted.filter((_, i) => registered[i]!.status === "fulfilled").map((a) => a.filter);
    const subject = subscribed.length > 0 ? this.core.sessions.eventSubject(conn) : undefined;
    if (subject) this.core.sessions.emit(subscriptionEvent("subscribed", subject, subscribed));
    // Retained messages go before the live messages that follow the SUBACK.
    if (retained.length > 0) outbox.hold(conn);
    sendPacket(conn, { cmd: "suback", messageId: packet.messageId, granted });
    if (retained.length === 0) return;
    try {
      for (const { filter, qos } of retained) {
        const record = await withRetries(() => ports.retained(filter), INTERACTIVE_RETRY, ports.clock.sleep).catch((error) => {
          console.error(`reading the retained message of ${filter} failed`, error);
          return undefined;
        });
        if (!record || conn.ended) continue;
        const message: Message = {
          id: crypto.randomUUID(),
          topic: record.topic,
          payload: record.payload,
          qos: record.qos,
          retain: true,
          ...(record.properties ? { properties: record.properties } : {}),
        };
        outbox.sendRetained(conn, message, Math.min(qos, record.qos) as 0 | 1);
      }
    } finally {
      if (!conn.ended) outbox.release(conn);
    }
  }

  private unsubscribe(conn: Connection, packet: UnsubscribePacket): void {
    const { store, subscriptions } = this.core;
    const clientId = conn.att.clientId!;
    const decision = decideUnsubscribe(packet, conn.att.protocolVersion!, new Set(store.subscriptionsOf(clientId).map((s) => s.filter)));
    for (const filter of decision.removed) routeAfterChange(this.core, filter, subscriptions.remove(clientId, filter), false);
    sendPacket(conn, decision.unsuback);
    const subject = decision.removed.length > 0 ? this.core.sessions.eventSubject(conn) : undefined;
    if (subject) this.core.sessions.emit(subscriptionEvent("unsubscribed", subject, decision.removed));
  }
}
