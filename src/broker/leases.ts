/**
 * What a publisher learnt about empty subscription indexes (docs/fanout-design.md, "Empty indexes"). Some indexes are
 * asked by whole classes of messages although they are usually empty: the wildcard shard (`#`, `+/…`: every publish
 * to a topic not starting with `$`) and the `$aws` shards (`$aws/things/+/…`: every shadow notification). Such an
 * index answers "empty" with a lease: the caller may skip it until the lease ends, measured from when the caller sent
 * its request. The index in turn holds back the first registration that makes it non-empty until every lease it
 * granted has ended, so a subscription is never acknowledged while a publisher may still skip it
 * (`IndexRouter.setRoute`). Durations are measured on each side's own clock, so clock offsets between machines do not
 * matter, only their rates.
 */
export class IndexLeases {
  private readonly skipUntil = new Map<string, number>();

  constructor(private readonly now: () => number = Date.now) {}

  /** True while a lease from `lane` says it is empty. */
  isEmpty(lane: string): boolean {
    const until = this.skipUntil.get(lane);
    if (until === undefined) return false;
    if (until > this.now()) return true;
    this.skipUntil.delete(lane);
    return false;
  }

  /** Records an index's answer to a request sent at `sentAt` (this side's clock). */
  record(lane: string, sentAt: number, emptyForMs: number | undefined): void {
    if (emptyForMs !== undefined && emptyForMs > 0) this.skipUntil.set(lane, sentAt + emptyForMs);
    else this.skipUntil.delete(lane);
  }
}

/** How long an empty index's lease lasts, and the margin the index adds before acknowledging a registration. */
export const EMPTY_LEASE_MS = 2000;
export const LEASE_MARGIN_MS = 50;
