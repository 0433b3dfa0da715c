// The tenants a multi-tenant handler serves now: at most `maxEntries`, the one used longest ago
// evicted first (a Map's insertion order is its recency order: every hit re-inserts its key), each
// kept for `ttlMs` after it was loaded. Concurrent misses for one tenant share one load; a load that
// fails is not kept, so the next request tries again.

interface Entry<T> {
  readonly value: T;
  readonly expiresAt: number;
}

export interface TenantCacheOptions<T> {
  readonly maxEntries: number;
  /** Infinity keeps an entry until it is evicted or forgotten. */
  readonly ttlMs: number;
  /** Epoch milliseconds; only read when `ttlMs` is finite. */
  readonly now: () => number;
  /**
   * Loads a tenant: undefined for a tenant that does not exist. `previous` is the tenant's expired
   * value, which the load may return again when nothing changed.
   */
  readonly load: (tenant: string, previous: T | undefined) => Promise<T | undefined>;
  /** Told of every value that leaves the cache (evicted, replaced, forgotten or cleared). */
  readonly evicted: (value: T) => void;
}

export class TenantCache<T> {
  readonly #options: TenantCacheOptions<T>;
  readonly #entries = new Map<string, Entry<T>>();
  readonly #loading = new Map<string, Promise<T | undefined>>();
  /** Moves on with every `forget` and `clear`: a load begun before then keeps its answer to itself. */
  #epoch = 0;

  constructor(options: TenantCacheOptions<T>) {
    this.#options = options;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** The tenant's value, loaded once however many requests ask at the same time. */
  get(tenant: string): T | Promise<T | undefined> {
    const entry = this.#entries.get(tenant);
    if (entry !== undefined && (entry.expiresAt === Infinity || entry.expiresAt > this.#now())) {
      this.#entries.delete(tenant);
      this.#entries.set(tenant, entry);
      return entry.value;
    }
    let loading = this.#loading.get(tenant);
    if (loading === undefined) {
      loading = this.#load(tenant, entry?.value);
      this.#loading.set(tenant, loading);
      const settled = (): void => {
        if (this.#loading.get(tenant) === loading) this.#loading.delete(tenant);
      };
      loading.then(settled, settled);
    }
    return loading;
  }

  /** The tenant's value if it is held now, without loading it or counting a use. */
  peek(tenant: string): T | undefined {
    return this.#entries.get(tenant)?.value;
  }

  /** Drops a tenant: its next request loads it again. */
  forget(tenant: string): void {
    this.#epoch += 1;
    this.#loading.delete(tenant);
    const entry = this.#entries.get(tenant);
    if (entry === undefined) return;
    this.#entries.delete(tenant);
    this.#options.evicted(entry.value);
  }

  /** Drops every tenant. */
  clear(): void {
    this.#epoch += 1;
    this.#loading.clear();
    const values = [...this.#entries.values()];
    this.#entries.clear();
    for (const entry of values) this.#options.evicted(entry.value);
  }

  #now(): number {
    return this.#options.now();
  }

  async #load(tenant: string, previous: T | undefined): Promise<T | undefined> {
    const epoch = this.#epoch;
    // A failure leaves the expired entry where it was: the next request tries again.
    const value = await this.#options.load(tenant, previous);
    const current = this.#entries.get(tenant);
    if (epoch !== this.#epoch) {
      // Forgotten while it loaded: the requests that waited use it, and nothing keeps it.
      if (value !== undefined && value !== current?.value) this.#options.evicted(value);
      return value;
    }
    if (value === undefined) {
      // The tenant is gone: its handler goes too.
      if (current !== undefined) {
        this.#entries.delete(tenant);
        this.#options.evicted(current.value);
      }
      return undefined;
    }
    const { ttlMs } = this.#options;
    this.#entries.delete(tenant);
    this.#entries.set(tenant, {
      value,
      expiresAt: ttlMs === Infinity ? Infinity : this.#now() + ttlMs,
    });
    if (current !== undefined && current.value !== value) this.#options.evicted(current.value);
    while (this.#entries.size > this.#options.maxEntries) {
      const [oldest, entry] = this.#entries.entries().next().value as [string, Entry<T>];
      this.#entries.delete(oldest);
      this.#options.evicted(entry.value);
    }
    return value;
  }
}
