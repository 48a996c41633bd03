import type { Message } from "../../domain/message";
import { parseSharedFilter } from "../../domain/topics";
import type { SubscriptionRow } from "../../storage/sqliteSessions";
import type { Delivery } from "../types";
import type { HubCore } from "./core";
import type { PublishTemplates } from "./outbox";
import { pickMember } from "./shared";

/**
 * Message ids delivered to which clients (or shared groups) lately: a retried or overlapping delivery is not sent
 * twice.
 */
class RecentDeliveries {
  private readonly seen = new Map<string, Set<string>>();

  constructor(private readonly capacity = 4096) {}

  /** True the first time (message, client or group) is seen. */
  first(messageId: string | undefined, clientId: string): boolean {
    if (messageId === undefined) return true;
    let clients = this.seen.get(messageId);
    if (!clients) {
      if (this.seen.size >= this.capacity) this.seen.delete(this.seen.keys().next().value!);
      this.seen.set(messageId, (clients = new Set()));
    }
    if (clients.has(clientId)) return false;
    clients.add(clientId);
    return true;
  }
}

/**
 * Deliveries from the subscription index to the sessions of one hub: each message once per client (at the highest QoS
 * of its matching subscriptions), live to a connected client, queued for a persistent session whose client is away.
 */
export class Deliveries {
  private readonly recent = new RecentDeliveries();

  constructor(private readonly core: HubCore) {}

  /** Synchronous: what must be queued is in the store when this returns. */
  deliver(deliveries: Delivery[]): void {
    const subscribers = this.core.subscriptions.index();
    const decided = new Map<string, boolean>();
    for (const delivery of deliveries) {
      const chosen = new Map<string, SubscriptionRow>();
      const templates: PublishTemplates = new Map();
      for (const filter of delivery.filters) {
        const members = subscribers.get(filter);
        if (!members) continue;
        if (parseSharedFilter(filter) !== null) {
          // A shared group gets its own copy, to one member: once per group, however often the message arrives.
          if (!this.recent.first(delivery.message.id, filter)) continue;
          const member = pickMember(this.core, members);
          if (member) this.to(member.clientId, member, delivery.message, templates, decided);
          continue;
        }
        for (const [clientId, sub] of members) {
          const best = chosen.get(clientId);
          if (!best || sub.qos > best.qos) chosen.set(clientId, sub);
        }
      }
      for (const [clientId, sub] of chosen) {
        if (!this.recent.first(delivery.message.id, clientId)) continue;
        this.to(clientId, sub, delivery.message, templates, decided);
      }
    }
  }

  private to(clientId: string, sub: SubscriptionRow, message: Message, templates: PublishTemplates, decided: Map<string, boolean>): void {
    const { connections, outbox, store, ports } = this.core;
    const qos = Math.min(sub.qos, message.qos) as 0 | 1;
    const retain = sub.retainAsPublished ? message.retain : false;
    const conn = connections.client(clientId);
    if (conn && !conn.ended) {
      outbox.sendLive(conn, message, qos, retain, templates, decided);
      return;
    }
    // A session whose client is away keeps its QoS 1 messages until it comes back (QoS 0 ones are not kept).
    if (qos === 0) return;
    const session = store.session(clientId);
    if (!session) return;
    if (!outbox.mayReceive(ports.principal(session.accessKeyId), clientId, message.topic, decided)) return;
    outbox.queue(clientId, { ...message, qos, retain }, session.state === "adopting");
  }
}
