import { MQTT_LIMITS } from "../../protocol/mqtt/broker/limits";
import type { Adoption, SqliteSessionStore } from "../../storage/sqliteSessions";
import { MAX_BATCH_BYTES } from "../batcher";
import { INTERACTIVE_RETRY, laterDelayMs, withRetries } from "../retry";
import type { HandoverPage, HandoverRequest, HandoverStart, HubPorts } from "./ports";
import type { HubRoutes } from "./routes";
import type { LocalSubscriptions } from "./subscriptions";

/** What the handover needs of the hub it runs in. */
export interface HandoverHost {
  store: SqliteSessionStore;
  ports: HubPorts;
  routes: HubRoutes;
  subscriptions: LocalSubscriptions;
  /** Removes a session held here with its subscriptions (the index forgets this hub where nobody is left). */
  dropSession(clientId: string, options: { release: boolean }): void;
  /** Closes the client's connection held here, if any (session taken over): its will is published. */
  closeTakenOver(clientId: string): void;
}

/** The session moved elsewhere while we were copying it (a newer connection of the client asked for it). */
export class HandoverSuperseded extends Error {}

const MAX_REDIRECTS = 4;
const movingTo = (request: { toHub: string; toConn: string }) => `${request.toHub} ${request.toConn}`;

/**
 * Moving a persistent session between hubs without losing a message (docs/fanout-design.md, "Handover"): copy,
 * acknowledge, delete — and the new hub's index registrations before the old hub's removals.
 *
 * Taking side (the hub the client connected to), from a durable adoption record:
 * 1. `beginHandover` on the old hub: it closes the old connection (takeover), marks the session moving and returns
 *    its subscriptions (or redirects to a hub it was itself still adopting the session from);
 * 2. the session is installed here, "adopting": deliveries for it are queued, staged;
 * 3. every filter is registered again at its indexes — each registration is a barrier, so whatever an index routed
 *    before it is already in the old hub's queue — and from then on the indexes route to both hubs;
 * 4. the old hub's queue is copied page by page (duplicates of staged messages are skipped by message id);
 * 5. `finishHandover`: the old hub deletes its copy and unregisters where nobody is left;
 * 6. the staged messages move behind the copied ones; the session is ours.
 * Any failure leaves the adoption record; the alarm retries it. The old hub keeps the session, queueing, meanwhile.
 */
export class SessionHandover {
  constructor(private readonly host: HandoverHost) {}

  /** Runs (or resumes) an adoption. True when a session came over; false when there was none (or Clean Start). */
  async adopt(adoption: Adoption): Promise<boolean> {
    const { store, ports } = this.host;
    const me = ports.name();
    if (me === undefined) throw new Error("hub name unknown");
    let current = adoption;
    for (let hop = 0; ; hop++) {
      const request: HandoverRequest = {
        clientId: current.clientId,
        fromConn: current.fromConn,
        toHub: me,
        toConn: current.toConn,
        clean: current.clean,
      };
      const start = await this.call(() => ports.peer(current.fromHub).beginHandover(request));
      if (start.kind === "redirect") {
        if (hop >= MAX_REDIRECTS) throw new Error(`handover of ${current.clientId}: too many redirects`);
        current = { ...current, fromHub: start.to.hub, fromConn: start.to.connId, copiedUntil: null };
        store.putAdoption(current);
        continue;
      }
      if (start.kind === "none") {
        store.deleteAdoption(current.clientId, current.toConn);
        return false;
      }
      await this.copy(current, start);
      return true;
    }
  }

  private async copy(adoption: Adoption, start: Extract<HandoverStart, { kind: "session" }>): Promise<void> {
    const { store, ports, routes, subscriptions } = this.host;
    const { clientId, toConn } = adoption;
    const existing = store.session(clientId);
    // A stale copy of our own (an older session this hub held) gives way to the one handed over.
    if (existing && existing.state !== "adopting") this.host.dropSession(clientId, { release: false });
    store.putSession({
      clientId,
      connId: toConn,
      protocolVersion: start.protocolVersion,
      expiry: start.expiry,
      disconnectedAt: Math.floor(ports.clock.now() / 1000),
      accessKeyId: start.accessKeyId,
      state: "adopting",
      movingTo: null,
    });
    for (const row of start.subscriptions) {
      if (subscriptions.add(row)) routes.desire(row.filter, true);
    }
    await routes.ensure(start.subscriptions.map((s) => s.filter));
    let after = adoption.copiedUntil;
    for (;;) {
      const page: HandoverPage = await this.call(() => ports.peer(adoption.fromHub).fetchHandover(clientId, toConn, after, MAX_BATCH_BYTES));
      if (!page.valid) {
        this.abandon(adoption);
        throw new HandoverSuperseded(`the session of ${clientId} moved on`);
      }
      if (page.messages.length === 0) break;
      for (const queued of page.messages) {
        // The copy keeps packet ids: unacknowledged messages are sent again with them [MQTT-4.4.0-1].
        store.enqueue(clientId, queued.message, {
          packetId: queued.packetId,
          queuedAt: queued.queuedAt,
          limit: MQTT_LIMITS.queuedMessagesPerSession,
        });
        after = queued.ord;
      }
      store.putAdoption({ ...adoption, copiedUntil: after });
    }
    await this.call(() => ports.peer(adoption.fromHub).finishHandover(clientId, toConn));
    store.unstage(clientId);
    const session = store.session(clientId);
    if (session) store.putSession({ ...session, state: "active" });
    store.deleteAdoption(clientId, toConn);
  }

  /** Gives up an adoption another connection superseded: what was copied here goes (the old hub still has it all). */
  abandon(adoption: Adoption): void {
    const session = this.host.store.session(adoption.clientId);
    if (session?.state === "adopting") this.host.dropSession(adoption.clientId, { release: false });
    this.host.store.deleteAdoption(adoption.clientId, adoption.toConn);
  }

  /** Retries an adoption later (alarm). */
  postpone(adoption: Adoption): void {
    const current = this.host.store.adoption(adoption.clientId) ?? adoption;
    const attempts = current.attempts + 1;
    const nextAt = this.host.ports.clock.now() + laterDelayMs(attempts);
    this.host.store.putAdoption({ ...current, attempts, nextAt });
    this.host.ports.wakeAt(nextAt);
  }

  // ---- giving side ---------------------------------------------------------------------------------------------

  /**
   * Another hub asks for a client's session (the client connected there). The connection held here is closed; the
   * session is marked moving (deliveries keep queueing here until `finishHandover`) and its subscriptions returned.
   * Runs under the client's lock, after any unfinished adoption of the session here.
   */
  async begin(request: HandoverRequest): Promise<HandoverStart> {
    const { store, ports } = this.host;
    const pending = store.adoption(request.clientId);
    if (pending) {
      try {
        await this.adopt(pending);
      } catch {
        // We never got the session ourselves: the asker gets it from where it still is.
        this.abandon(pending);
        return { kind: "redirect", to: { hub: pending.fromHub, connId: pending.fromConn } };
      }
    }
    this.host.closeTakenOver(request.clientId);
    const session = store.session(request.clientId);
    if (!session) return { kind: "none" };
    if (request.clean) {
      // Clean Start discards the old session; the registry already names the new holder.
      this.host.dropSession(request.clientId, { release: false });
      return { kind: "none" };
    }
    const now = Math.floor(ports.clock.now() / 1000);
    store.putSession({ ...session, state: "moving", movingTo: movingTo(request), disconnectedAt: session.disconnectedAt ?? now });
    return {
      kind: "session",
      protocolVersion: session.protocolVersion,
      expiry: session.expiry,
      accessKeyId: session.accessKeyId,
      subscriptions: store.subscriptionsOf(request.clientId),
    };
  }

  /** A page of the moving session's queue, for the hub it moves to only. */
  fetch(clientId: string, toConn: string, afterOrd: number | null, maxBytes: number): HandoverPage {
    const session = this.host.store.session(clientId);
    if (session?.state !== "moving" || !session.movingTo?.endsWith(` ${toConn}`)) return { messages: [], valid: false };
    const rows = this.host.store.outboxPage(clientId, afterOrd, Math.min(maxBytes, MAX_BATCH_BYTES));
    return { valid: true, messages: rows.map((row) => ({ ord: row.ord, message: row.message, packetId: row.packetId, queuedAt: row.queuedAt })) };
  }

  /** The new hub has the session (and its index registrations): the copy here goes. Idempotent. */
  finish(clientId: string, toConn: string): void {
    const session = this.host.store.session(clientId);
    if (session?.state === "moving" && session.movingTo?.endsWith(` ${toConn}`)) this.host.dropSession(clientId, { release: false });
  }

  private call<T>(call: () => Promise<T>): Promise<T> {
    return withRetries(call, INTERACTIVE_RETRY, this.host.ports.clock.sleep);
  }
}
