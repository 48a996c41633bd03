import { fleetShardName } from "../domain/fleet";

/** The first retry waits this long; each failure doubles it, up to RETRY_MAX_MS. */
const RETRY_FIRST_MS = 30_000;
const RETRY_MAX_MS = 10 * 60_000;

type Outbox = { thing: string; shadows: number; sequence: number; attempts: number };

/**
 * A thing object's side of the fleet directory (domain/fleet.ts). When a shadow is created or deleted, the thing's
 * live shadow count is written to a one-row outbox in the change's own transaction (only the latest count matters)
 * and sent to the thing's directory shard after the commit, never awaited by the request: an update of an existing
 * shadow touches nothing here. A report that could not be sent stays in the outbox and is sent again by the
 * object's alarm (armed with the commit, re-armed with back-off on each failure) or on the object's next start.
 */
export class FleetReporter {
  private sending: Promise<boolean> = Promise.resolve(true);

  constructor(
    private readonly ctx: DurableObjectState,
    private readonly env: Env,
  ) {
    ctx.storage.sql.exec(`CREATE TABLE IF NOT EXISTS fleet_outbox (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      thing TEXT NOT NULL,
      shadows INTEGER NOT NULL,
      sequence INTEGER NOT NULL,
      sent INTEGER NOT NULL,
      attempts INTEGER NOT NULL
    )`);
    // A report committed just before the object stopped, with its alarm possibly not yet armed.
    if (this.unsent()) void this.send();
  }

  /** Inside the transaction of the change: the thing's new shadow count, with the next sequence number. */
  stage(thingName: string, shadowCount: number): void {
    this.ctx.storage.sql.exec(
      `INSERT INTO fleet_outbox (id, thing, shadows, sequence, sent, attempts) VALUES (1, ?, ?, 1, 0, 0)
       ON CONFLICT (id) DO UPDATE SET thing = excluded.thing, shadows = excluded.shadows,
         sequence = fleet_outbox.sequence + 1, sent = 0, attempts = 0`,
      thingName,
      shadowCount,
    );
  }

  /**
   * Right after the commit, in the same turn (so the alarm is written with it): arms the retry, then sends. The
   * alarm fires once in any case; finding nothing to send, it does nothing.
   */
  committed(): void {
    void this.ctx.storage.setAlarm(Date.now() + RETRY_FIRST_MS);
    void this.send();
  }

  /** The object's alarm: sends what is left, and re-arms with back-off while the shard cannot be reached. */
  async alarm(): Promise<void> {
    if (await this.send()) return;
    const attempts = this.unsent()?.attempts ?? 1;
    await this.ctx.storage.setAlarm(Date.now() + Math.min(RETRY_FIRST_MS * 2 ** (attempts - 1), RETRY_MAX_MS));
  }

  /** Sends the outbox, one send at a time so reports leave in sequence order; true when nothing is left unsent. */
  send(): Promise<boolean> {
    this.sending = this.sending
      .then(() => this.drain())
      .catch((error) => {
        console.error("fleet directory outbox failed", error);
        return false;
      });
    return this.sending;
  }

  private async drain(): Promise<boolean> {
    for (;;) {
      const report = this.unsent();
      if (!report) return true;
      try {
        await this.env.FLEET.getByName(fleetShardName(report.thing)).record({
          thingName: report.thing,
          shadowCount: report.shadows,
          sequence: report.sequence,
        });
        // A change staged while this was on its way has a higher sequence and stays unsent.
        this.ctx.storage.sql.exec("UPDATE fleet_outbox SET sent = 1 WHERE sequence = ?", report.sequence);
      } catch (error) {
        console.error("fleet directory report failed; will retry", error);
        this.ctx.storage.sql.exec("UPDATE fleet_outbox SET attempts = attempts + 1");
        return false;
      }
    }
  }

  private unsent(): Outbox | undefined {
    return this.ctx.storage.sql.exec<Outbox>("SELECT thing, shadows, sequence, attempts FROM fleet_outbox WHERE sent = 0").toArray()[0];
  }
}
