/**
 * A small read-through cache of values that may be a little stale (stream metadata for file delivery): a value is
 * served for `ttlMs` after it was loaded, concurrent misses of one key share one load, and at most `maxEntries` keys
 * are kept (the oldest loaded goes first). Only values `keep` accepts are cached, so e.g. "not found" is asked again.
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; loadedAt: number }>();
  private readonly loading = new Map<string, Promise<V>>();

  constructor(
    private readonly ttlMs: number,
    private readonly maxEntries: number,
    private readonly keep: (value: V) => boolean = () => true,
    private readonly now: () => number = Date.now,
  ) {}

  get(key: string, load: () => Promise<V>): Promise<V> {
    const entry = this.entries.get(key);
    if (entry && this.now() - entry.loadedAt < this.ttlMs) return Promise.resolve(entry.value);
    let pending = this.loading.get(key);
    if (!pending) {
      const loadedAt = this.now();
      pending = load()
        .then((value) => {
          if (this.keep(value)) this.remember(key, value, loadedAt);
          else this.entries.delete(key);
          return value;
        })
        .finally(() => this.loading.delete(key));
      this.loading.set(key, pending);
    }
    return pending;
  }

  private remember(key: string, value: V, loadedAt: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, loadedAt });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value!);
  }
}
