import { MQTT_LIMITS } from "../../protocol/mqtt/broker/limits";
import type { ClientLocation } from "../../storage/sqliteRegistry";
import type { Adoption, SqliteSessionStore } from "../../storage/sqliteSessions";
import { MAX_BATCH_BYTES } from "../batcher";
import { INTERACTIVE_RETRY, laterDelayMs, withRetries } from "../retry";
import type { FinishResult, HandoverPage, HandoverRequest, HandoverStart, HubPorts } from "./ports";
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

/** A newer claim of the client id won: this connection's claim on the session is void. */
export class HandoverSuperseded extends Error {}

/** A handover in progress here, taking side. */
interface Flow {
  adoption: Adoption;
  epoch: number;
  phase: "copying" | "finishing";
  superseded: boolean;
  /** While finishing: settles once the old hub's answer is known. */
  finishing?: Promise<unknown>;
}

const MAX_REDIRECTS = 4;

/**
 * Moving a persistent session between hubs without losing a message (docs/fanout-design.md, "Handover"): copy,
 * acknowledge, delete — and the new hub's index registrations before the old hub's removals.
 *
 * Taking side (the hub the client connected to), from a durable adoption record:
 * 1. `beginHandover` on the old hub: it closes the old connection (takeover), marks the session moving and returns
 *    its subscriptions (or redirects to a hub it was itself still copying the session from);
 * 2. the session is installed here, "adopting": deliveries for it are queued, staged;
 * 3. every filter is registered again at its indexes — each registration is a barrier, so whatever an index routed
 *    before it is already in the old hub's queue — and from then on the indexes route to both hubs;
 * 4. the old hub's queue is copied page by page (duplicates of staged messages are skipped by message id);
 * 5. `finishHandover`: the old hub deletes its copy (and unregisters where nobody is left); its answer decides;
 * 6. the staged messages move behind the copied ones; the session is ours.
 * Any failure leaves the adoption record; the alarm retries it. The old hub keeps the session, queueing, meanwhile.
 *
 * No hub ever waits for another hub's answer while the other waits for it: the giving side answers at once from what
 * it holds, and the client id registry's epochs decide which of two claims is newer. A newer claim supersedes a
 * handover still copying; one already finishing is waited for (it only waits on a delete, which waits on nothing).
 */
export class SessionHandover {
  private readonly flows = new Map<string, Flow>();

  constructor(private readonly host: HandoverHost) {}

  /** Whether a claim newer than `epoch` is taking the session here. */
  newerFlow(clientId: string, epoch: number): boolean {
    const flow = this.flows.get(clientId);
    return flow !== undefined && flow.epoch > epoch;
  }

  /**
   * Brings a client's session here for its claim `epoch` (connection `toConn`), from `from` when the registry named
   * another hub, or from wherever an unfinished adoption of an older claim here was copying it. True when a session
   * came over; false when there was none to take (or Clean Start discarded it).
   */
  async takeOver(args: { clientId: string; epoch: number; toConn: string; clean: boolean; from: ClientLocation | null }): Promise<boolean> {
    const { store, ports } = this.host;
    const me = ports.name()!;
    let source = args.from && args.from.hub !== me ? args.from : null;
    if (args.from?.hub === me && !store.session(args.clientId)) {
      // The registry still names this hub, which handed the session on before the new holder confirmed it.
      const went = store.handedOver(args.clientId);
      if (went && went.epoch < args.epoch && went.hub !== me) source = { hub: went.hub, connId: went.connId };
    }
    const older = store.adoption(args.clientId);
    if (older && older.epoch < args.epoch) {
      if (older.phase === "finishing") {
        // The older claim's copy may already be the only one: settle that first.
        if (await this.resolveFinishing(older)) source = null;
        else source ??= { hub: older.fromHub, connId: older.fromConn };
      } else {
        this.abandon(older);
        source ??= { hub: older.fromHub, connId: older.fromConn };
      }
    }
    if (!source) return false;
    const adoption: Adoption = {
      clientId: args.clientId,
      fromHub: source.hub,
      fromConn: source.connId,
      toConn: args.toConn,
      epoch: args.epoch,
      phase: "copying",
      clean: args.clean,
      copiedUntil: null,
      attempts: 0,
      nextAt: ports.clock.now() + laterDelayMs(0),
    };
    store.putAdoption(adoption);
    return this.adopt(adoption);
  }

  /** Runs (or resumes, from the alarm) an adoption. */
  async adopt(adoption: Adoption): Promise<boolean> {
    const flow: Flow = { adoption, epoch: adoption.epoch, phase: adoption.phase, superseded: false };
    this.flows.set(adoption.clientId, flow);
    try {
      if (adoption.phase === "finishing") return await this.finish(adoption, flow);
      return await this.copy(adoption, flow);
    } finally {
      if (this.flows.get(adoption.clientId) === flow) this.flows.delete(adoption.clientId);
    }
  }

  private async copy(initial: Adoption, flow: Flow): Promise<boolean> {
    const { store, ports, routes, subscriptions } = this.host;
    const me = ports.name()!;
    let adoption = initial;
    const { clientId, epoch } = adoption;
    const check = () => {
      if (flow.superseded) throw new HandoverSuperseded(`a newer connection of ${clientId} took over`);
    };
    let start: HandoverStart;
    for (let hop = 0; ; hop++) {
      const request: HandoverRequest = { clientId, fromConn: adoption.fromConn, toHub: me, toConn: adoption.toConn, epoch, clean: adoption.clean };
      start = await this.call(() => ports.peer(adoption.fromHub).beginHandover(request));
      check();
      if (start.kind !== "redirect") break;
      if (start.to.hub === me) {
        // The session is here already (handed to an older claim of this hub): it is resumed, not copied.
        store.deleteAdoption(clientId, epoch);
        return false;
      }
      if (hop >= MAX_REDIRECTS) throw new Error(`handover of ${clientId}: too many redirects`);
      adoption = { ...adoption, fromHub: start.to.hub, fromConn: start.to.connId, copiedUntil: null };
      store.putAdoption(adoption);
      flow.adoption = adoption;
    }
    if (start.kind === "unavailable") throw new Error(`the session of ${clientId} is not available yet`);
    if (start.kind === "stale") {
      this.abandon(adoption);
      throw new HandoverSuperseded(`a newer connection of ${clientId} holds the session`);
    }
    if (start.kind === "none") {
      store.deleteAdoption(clientId, epoch);
      return false;
    }
    const existing = store.session(clientId);
    // A stale copy of our own (an older session this hub held) gives way to the one handed over.
    if (existing && existing.state !== "adopting") this.host.dropSession(clientId, { release: false });
    store.putSession({
      clientId,
      connId: adoption.toConn,
      protocolVersion: start.protocolVersion,
      expiry: start.expiry,
      disconnectedAt: Math.floor(ports.clock.now() / 1000),
      accessKeyId: start.accessKeyId,
      state: "adopting",
      epoch,
      movingTo: null,
    });
    for (const row of start.subscriptions) {
      if (subscriptions.add(row)) routes.desire(row.filter, true);
    }
    await routes.ensure(start.subscriptions.map((s) => s.filter));
    check();
    let after = adoption.copiedUntil;
    for (;;) {
      const page: HandoverPage = await this.call(() => ports.peer(adoption.fromHub).fetchHandover(clientId, epoch, after, MAX_BATCH_BYTES));
      check();
      if (!page.valid) {
        this.abandon(adoption);
        throw new HandoverSuperseded(`the session of ${clientId} moved on`);
      }
      if (page.messages.length === 0) break;
      for (const queued of page.messages) {
        // The copy keeps packet ids: unacknowledged messages are sent again with them [MQTT-4.4.0-1]. A message that
        // also arrived here live (staged) takes its copy's place: the old hub's order is the publishers' order.
        store.enqueueCopy(clientId, queued.message, {
          packetId: queued.packetId,
          queuedAt: queued.queuedAt,
          limit: MQTT_LIMITS.queuedMessagesPerSession,
        });
        after = queued.ord;
      }
      adoption = { ...adoption, copiedUntil: after };
      store.putAdoption(adoption);
    }
    adoption = { ...adoption, phase: "finishing" };
    store.putAdoption(adoption);
    flow.phase = "finishing";
    return this.finish(adoption, flow);
  }

  /** Asks the old hub to delete its copy; its answer decides whether the session is ours. */
  private finish(adoption: Adoption, flow: Flow): Promise<boolean> {
    const finishing = (async () => {
      const result: FinishResult = await this.call(() => this.host.ports.peer(adoption.fromHub).finishHandover(adoption.clientId, adoption.epoch));
      if (result === "invalid") {
        this.abandon(adoption);
        throw new HandoverSuperseded(`the session of ${adoption.clientId} moved on`);
      }
      this.complete(adoption);
      return true;
    })();
    flow.finishing = finishing.catch(() => undefined);
    return finishing;
  }

  /** A finishing adoption of an older claim, settled now: true when the session came here. */
  private async resolveFinishing(adoption: Adoption): Promise<boolean> {
    try {
      return await this.adopt(adoption);
    } catch (error) {
      if (error instanceof HandoverSuperseded) return false;
      throw error;
    }
  }

  private complete(adoption: Adoption): void {
    const { store, ports } = this.host;
    store.unstage(adoption.clientId);
    const session = store.session(adoption.clientId);
    if (session)
      store.putSession({
        ...session,
        state: "active",
        epoch: adoption.epoch,
        disconnectedAt: session.disconnectedAt ?? Math.floor(ports.clock.now() / 1000),
      });
    store.deleteAdoption(adoption.clientId, adoption.epoch);
    // The registry sends later claims here from now on.
    store.addRegistryIntent({
      kind: "confirm",
      clientId: adoption.clientId,
      connId: adoption.toConn,
      epoch: adoption.epoch,
      nextAt: ports.clock.now(),
    });
    if (session) ports.wakeAt(((session.disconnectedAt ?? 0) + session.expiry) * 1000);
  }

  /** Gives up an adoption: what was copied here goes (the old hub still has it all). */
  abandon(adoption: Adoption): void {
    const session = this.host.store.session(adoption.clientId);
    if (session?.state === "adopting" && session.epoch === adoption.epoch) this.host.dropSession(adoption.clientId, { release: false });
    this.host.store.deleteAdoption(adoption.clientId, adoption.epoch);
  }

  /** Retries an adoption later (alarm). */
  postpone(adoption: Adoption): void {
    const current = this.host.store.adoption(adoption.clientId);
    if (current?.epoch !== adoption.epoch) return;
    const attempts = current.attempts + 1;
    const nextAt = this.host.ports.clock.now() + laterDelayMs(attempts);
    this.host.store.putAdoption({ ...current, attempts, nextAt });
    this.host.ports.wakeAt(nextAt);
  }

  // ---- giving side ---------------------------------------------------------------------------------------------

  /**
   * Another hub asks for a client's session (the client connected there, with claim `request.epoch`). Answered from
   * what this hub holds, never waiting on a lock: the connection held here is closed; the session is marked moving
   * (deliveries keep queueing here until `finishHandover`) and its subscriptions returned.
   */
  async begin(request: HandoverRequest): Promise<HandoverStart> {
    const { store, ports } = this.host;
    const { clientId } = request;
    const flow = this.flows.get(clientId);
    if (flow && flow.epoch > request.epoch) return { kind: "stale" };
    // Where an older claim here was taking the session from, should it turn out not to be ours.
    let source: ClientLocation | undefined;
    if (flow?.phase === "finishing") {
      source = { hub: flow.adoption.fromHub, connId: flow.adoption.fromConn };
      await flow.finishing;
    } else if (flow) {
      flow.superseded = true;
    }
    const pending = store.adoption(clientId);
    if (pending && pending.epoch > request.epoch) return { kind: "stale" };
    if (pending) {
      source = { hub: pending.fromHub, connId: pending.fromConn };
      if (pending.phase === "copying") {
        // We never got the session ourselves: the asker gets it from where it still is.
        this.abandon(pending);
        return { kind: "redirect", to: source };
      }
      let ours: boolean;
      try {
        ours = await this.resolveFinishing(pending);
      } catch {
        return { kind: "unavailable" };
      }
      if (!ours) return { kind: "redirect", to: source };
    }
    if (source && !store.session(clientId)) return { kind: "redirect", to: source };
    const session = store.session(clientId);
    if (session && (session.epoch > request.epoch || (session.movingTo && session.movingTo.epoch > request.epoch))) return { kind: "stale" };
    this.host.closeTakenOver(clientId);
    if (!session) {
      // Handed over already: the registry did not hear it yet (the new holder had not confirmed its claim).
      const went = store.handedOver(clientId);
      if (went && went.epoch > request.epoch) return { kind: "stale" };
      if (went && went.epoch < request.epoch) return { kind: "redirect", to: { hub: went.hub, connId: went.connId } };
      return { kind: "none" };
    }
    if (request.clean) {
      // Clean Start discards the old session; the registry already names the new holder.
      this.host.dropSession(clientId, { release: false });
      return { kind: "none" };
    }
    const now = Math.floor(ports.clock.now() / 1000);
    store.putSession({
      ...session,
      state: "moving",
      movingTo: { hub: request.toHub, connId: request.toConn, epoch: request.epoch },
      disconnectedAt: session.disconnectedAt ?? now,
    });
    return {
      kind: "session",
      protocolVersion: session.protocolVersion,
      expiry: session.expiry,
      accessKeyId: session.accessKeyId,
      subscriptions: store.subscriptionsOf(clientId),
    };
  }

  /** A page of the moving session's queue, for the claim it moves to only. */
  fetch(clientId: string, epoch: number, afterOrd: number | null, maxBytes: number): HandoverPage {
    const session = this.host.store.session(clientId);
    if (session?.state !== "moving" || session.movingTo?.epoch !== epoch) return { messages: [], valid: false };
    const rows = this.host.store.outboxPage(clientId, afterOrd, Math.min(maxBytes, MAX_BATCH_BYTES));
    return { valid: true, messages: rows.map((row) => ({ ord: row.ord, message: row.message, packetId: row.packetId, queuedAt: row.queuedAt })) };
  }

  /** The new hub has the session (and its index registrations): the copy here goes. Asked again, the same answer. */
  finishGiving(clientId: string, epoch: number): FinishResult {
    const { store, ports } = this.host;
    const session = store.session(clientId);
    if (session?.state === "moving" && session.movingTo?.epoch === epoch) {
      store.recordHandedOver(clientId, session.movingTo, ports.clock.now());
      this.host.dropSession(clientId, { release: false });
      return "done";
    }
    return store.handedOver(clientId)?.epoch === epoch ? "done" : "invalid";
  }

  private call<T>(call: () => Promise<T>): Promise<T> {
    return withRetries(call, INTERACTIVE_RETRY, this.host.ports.clock.sleep);
  }
}
