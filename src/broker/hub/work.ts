import { DISCONNECT_MEMORY_MS } from "../../domain/connections";
import { laterDelayMs } from "../retry";
import type { HubCore } from "./core";
import { HandoverSuperseded } from "./handover";

/**
 * A hub's durable work, kept in its store until done and retried from the alarm: wills and lifecycle events to
 * publish, what the client
 * id registry must hear (claims confirmed, holders released), adoptions of sessions from other hubs, and index
 * registrations. One drain at a time; work added while it runs is picked up by another pass.
 */
export class DurableWork {
  private draining: Promise<void> | undefined;
  private again = false;

  constructor(private readonly core: HubCore) {}

  /** Starts the work now (it is also retried from the alarm). */
  kick(): void {
    this.drain().catch((error) => console.error("hub work failed", error));
  }

  drain(): Promise<void> {
    if (this.draining) {
      this.again = true;
      return this.draining;
    }
    this.draining = (async () => {
      do {
        this.again = false;
        await this.once();
      } while (this.again);
    })().finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  private async once(): Promise<void> {
    const { store, ports, handover, locks, routes } = this.core;
    const now = ports.clock.now();
    const later = (attempts: number) => {
      const at = ports.clock.now() + laterDelayMs(attempts);
      ports.wakeAt(at);
      return at;
    };
    const wills = store.dueWills(now).map(async (pending) => {
      try {
        await ports.publish(pending.message, { publisher: pending.clientId, fromWill: true });
        store.deletePendingWill(pending.id);
      } catch (error) {
        console.error(`publishing the will of ${pending.clientId} failed`, error);
        store.retryPendingWill(pending.id, pending.attempts + 1, later(pending.attempts + 1));
      }
    });
    const { connectionStore } = ports;
    const events = connectionStore.dueEvents(now).map(async (pending) => {
      try {
        await ports.publish(pending.message, {});
        connectionStore.deleteEvent(pending.id);
      } catch (error) {
        console.error(`publishing the lifecycle event on ${pending.message.topic} failed`, error);
        connectionStore.retryEvent(pending.id, pending.attempts + 1, later(pending.attempts + 1));
      }
    });
    connectionStore.forgetDisconnected(now - DISCONNECT_MEMORY_MS, (clientId) => store.session(clientId) !== undefined);
    const registry = store.dueRegistryIntents(now).map(async (intent) => {
      try {
        const hub = ports.name();
        if (hub === undefined) throw new Error("hub name unknown");
        const port = ports.registry(intent.clientId);
        if (intent.kind === "confirm") await port.confirm(intent.clientId, intent.epoch, { hub, connId: intent.connId });
        else await port.release(intent.clientId, { hub, connId: intent.connId });
        store.deleteRegistryIntent(intent);
      } catch (error) {
        console.error(`telling the registry about ${intent.clientId} failed`, error);
        store.retryRegistryIntent(intent, intent.attempts + 1, later(intent.attempts + 1));
      }
    });
    const adoptions = store.dueAdoptions(now).map((adoption) =>
      locks.run(adoption.clientId, async () => {
        const current = store.adoption(adoption.clientId);
        if (current?.epoch !== adoption.epoch) return;
        try {
          await handover.adopt(current);
        } catch (error) {
          if (!(error instanceof HandoverSuperseded)) handover.postpone(current);
        }
      }),
    );
    // A finish is repeated within seconds, not hours.
    store.forgetHandedOver(now - 3_600_000);
    await Promise.allSettled([...wills, ...events, ...registry, ...adoptions, routes.drainDue()]);
  }
}
