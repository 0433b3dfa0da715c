// The tenants a multi-tenant handler serves now: at most `maxEntries`, the one used longest ago
// evicted first (a Map's insertion order is its recency order: every hit re-inserts its key), each
// kept for `ttlMs` after it was loaded. Concurrent misses for one tenant share one load; a load that
// fails is not kept, so the next request tries again.
//
// Tenants that do not exist are remembered apart, for the shorter `unknownTtlMs`, so a client that
// keeps asking for one costs one load per period rather than one per request. They have their own
// bound, `maxUnknown`, the oldest forgotten first (with one TTL for all, the oldest is also the first
// to expire): names that do not exist, however many, never push a served tenant's engine out. A
// load that fails is never remembered as unknown.
//
// `forget(tenant)` and `clear()` reach a load in flight only for the tenants they name: each load
// holds a ticket for its tenant, which `forget` of that tenant (or `clear`) takes back; a load whose
// ticket was taken keeps its answer to itself. A ticket lives only while its load is in flight.

interface Entry<T> {
  readonly value: T;
  readonly expiresAt: number;
}

export interface TenantCacheOptions<T> {
  readonly maxEntries: number;
  /** Infinity keeps an entry until it is evicted or forgotten. */
  readonly ttlMs: number;
  /** How long a tenant the load found not to exist is answered as such without a load; 0: never. */
  readonly unknownTtlMs: number;
  /** How many unknown tenants are remembered at once, apart from `maxEntries`. */
  readonly maxUnknown: number;
  /** Epoch milliseconds; only read when a TTL is finite. */
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
  /** Tenants that do not exist, and until when (epoch ms) they are answered so; oldest first. */
  readonly #unknown = new Map<string, number>();
  readonly #loading = new Map<string, Promise<T | undefined>>();
  /**
   * The ticket of each tenant's load in flight; `forget(tenant)` and `clear()` take tickets back, so
   * a load begun before then keeps its answer to itself. Empty once no load is in flight.
   */
  readonly #tickets = new Map<string, object>();

  constructor(options: TenantCacheOptions<T>) {
    this.#options = options;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** How many loads are in flight and still answer to the cache (tests check it stays bounded). */
  get pending(): number {
    return this.#tickets.size;
  }

  /**
   * The tenant's value, loaded once however many requests ask at the same time; undefined, without
   * a load, for a tenant remembered as unknown.
   */
  get(tenant: string): T | undefined | Promise<T | undefined> {
    const entry = this.#entries.get(tenant);
    if (entry !== undefined && (entry.expiresAt === Infinity || entry.expiresAt > this.#now())) {
      this.#entries.delete(tenant);
      this.#entries.set(tenant, entry);
      return entry.value;
    }
    if (entry === undefined && this.#unknown.size > 0) {
      const until = this.#unknown.get(tenant);
      if (until !== undefined) {
        if (until > this.#now()) return undefined;
        this.#unknown.delete(tenant);
      }
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

  /** Drops a tenant, known or unknown: its next request loads it again. */
  forget(tenant: string): void {
    this.#tickets.delete(tenant);
    this.#loading.delete(tenant);
    this.#unknown.delete(tenant);
    const entry = this.#entries.get(tenant);
    if (entry === undefined) return;
    this.#entries.delete(tenant);
    this.#options.evicted(entry.value);
  }

  /** Drops every tenant. */
  clear(): void {
    this.#tickets.clear();
    this.#loading.clear();
    this.#unknown.clear();
    const values = [...this.#entries.values()];
    this.#entries.clear();
    for (const entry of values) this.#options.evicted(entry.value);
  }

  #now(): number {
    return this.#options.now();
  }

  async #load(tenant: string, previous: T | undefined): Promise<T | undefined> {
    const ticket = {};
    this.#tickets.set(tenant, ticket);
    let value: T | undefined;
    let kept: boolean;
    try {
      // A failure leaves the expired entry where it was: the next request tries again.
      value = await this.#options.load(tenant, previous);
    } finally {
      kept = this.#tickets.get(tenant) === ticket;
      if (kept) this.#tickets.delete(tenant);
    }
    const current = this.#entries.get(tenant);
    if (!kept) {
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
      this.#rememberUnknown(tenant);
      return undefined;
    }
    const { ttlMs } = this.#options;
    this.#unknown.delete(tenant);
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

  #rememberUnknown(tenant: string): void {
    const { unknownTtlMs, maxUnknown } = this.#options;
    if (unknownTtlMs <= 0) return;
    // Re-inserted, so the Map's order stays the order in which entries expire.
    this.#unknown.delete(tenant);
    this.#unknown.set(tenant, this.#now() + unknownTtlMs);
    if (this.#unknown.size > maxUnknown)
      this.#unknown.delete(this.#unknown.keys().next().value as string);
  }
}
