/**
 * Tells a hub's pool how many connections the hub holds (domain/placement.ts): one report in flight at a time, the
 * changes made meanwhile carried by the next one, so a burst of connects costs the pool a few calls, not one each.
 * A failed report is not retried on its own: the next change, or the hub's next alarm, reports again (the numbers are
 * absolute, so a late or repeated report is harmless).
 */
export class LoadReporter {
  private highestTicket = 0;
  private running = false;
  private pending = false;

  /** `send` reports the hub's current open connections with the highest ticket it has seen. */
  constructor(private readonly send: (ticket: number) => Promise<void>) {}

  /** A connection arrived with this pool ticket. */
  ticketSeen(ticket: number): void {
    if (Number.isSafeInteger(ticket) && ticket > this.highestTicket) this.highestTicket = ticket;
  }

  /** The number of connections changed (or may have): report it. Resolves when a report has carried the change. */
  changed(): Promise<void> {
    this.pending = true;
    return this.running ? Promise.resolve() : this.loop();
  }

  private async loop(): Promise<void> {
    this.running = true;
    try {
      while (this.pending) {
        this.pending = false;
        await this.send(this.highestTicket);
      }
    } finally {
      this.running = false;
    }
  }
}
