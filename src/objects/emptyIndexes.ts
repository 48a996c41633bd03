/**
 * Which subscription index objects were empty a moment ago. Asking an index that holds no filter costs a call per
 * message (every shadow update would ask its `$aws` shard, every publish the wildcard shard, even with nobody
 * subscribed there); an index that answered "no filters" is not asked again for `ttlMs`. The price: a subscription
 * added to an index that was empty can miss messages from a given publisher for up to `ttlMs`
 * (docs/fanout-design.md, "Limits").
 */
export class EmptyIndexes {
  private readonly emptyUntil = new Map<string, number>();

  constructor(private readonly ttlMs = 2000) {}

  isEmpty(lane: string, now = Date.now()): boolean {
    const until = this.emptyUntil.get(lane);
    if (until === undefined) return false;
    if (until > now) return true;
    this.emptyUntil.delete(lane);
    return false;
  }

  /** Records what an index said it holds. */
  record(lane: string, filters: number, now = Date.now()): void {
    if (filters === 0) this.emptyUntil.set(lane, now + this.ttlMs);
    else this.emptyUntil.delete(lane);
  }
}
