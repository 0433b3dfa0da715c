// Remembers the SETs a receiver accepted, so the same SET presented again is refused (RFC 8417 §5:
// a SET's `jti` is unique per issuer; RFC 8935 §2.2 lets a transmitter retry, so a receiver sees
// repeats).
//
// Remembering is a reservation in two phases: `verifySet` reserves the jti, the receiver applies the
// event, and when applying fails it releases the jti again, so that the transmitter's retry is
// processed rather than answered "already received" and lost.

/**
 * Where a receiver records the SETs it accepted. `remember` must be atomic: of two calls with the
 * same key, only one may answer true, even across processes (a database unique key, Redis `SET NX`).
 * `release` forgets a key `remember` recorded, for a SET whose event could not be applied; a cache
 * without it cannot take a reservation back, so a retry of such a SET is answered as a replay.
 * @example
 * ```ts
 * const redisCache: ReplayCache = {
 *   remember: async (key, expiresAt) =>
 *     (await redis.set(key, '1', { NX: true, PXAT: expiresAt.getTime() })) === 'OK',
 *   release: async (key) => void (await redis.del(key)),
 * };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8417#section-2.2
 */
export interface ReplayCache {
  /**
   * Records `key` until `expiresAt`, when the SET would be refused as too old anyway. True when it
   * was new; false when it is already recorded (a replay).
   */
  remember(key: string, expiresAt: Date): boolean | Promise<boolean>;
  /** Forgets `key`, so the next `remember` of it answers true again. */
  release?(key: string): void | Promise<void>;
}

/**
 * A replay cache whose `release` is there and synchronous, as {@link createMemoryReplayCache} makes.
 * @example `const cache: MemoryReplayCache = createMemoryReplayCache(); cache.release(key);`
 * @see https://www.rfc-editor.org/rfc/rfc8417#section-2.2
 */
export interface MemoryReplayCache extends ReplayCache {
  release(key: string): void;
}

/**
 * The latest instant a `Date` can hold (ECMA-262 §21.4.1.1): expiries are capped here, so that no
 * option makes one an invalid Date, whose comparisons are all false.
 */
export const LATEST_DATE_MS = 8_640_000_000_000_000;

/**
 * Checks a number option where it is given, so that a NaN, an infinity or a negative number is a
 * TypeError or RangeError at once rather than a check that silently passes everything later.
 * @example `const maxAge = checkNumberOption('verifySet', 'maxAgeSeconds', options.maxAgeSeconds, 86_400);`
 * @see https://www.rfc-editor.org/rfc/rfc8417#section-2.2
 */
export function checkNumberOption(
  owner: string,
  name: string,
  value: unknown,
  fallback: number,
  limits: { readonly min?: number; readonly max?: number; readonly integer?: boolean } = {},
): number {
  if (value === undefined) return fallback;
  const { min = 0, max = Number.MAX_SAFE_INTEGER, integer = false } = limits;
  if (typeof value !== 'number')
    throw new TypeError(`${owner}: ${name} must be a number, not ${typeof value}`);
  if (
    !Number.isFinite(value) ||
    value < min ||
    value > max ||
    (integer && !Number.isInteger(value))
  )
    throw new RangeError(
      `${owner}: ${name} must be a finite${integer ? ' whole' : ''} number from ${min} to ${max}, not ${value}`,
    );
  return value;
}

/**
 * A replay cache in this process's memory: entries leave when they expire, and the oldest leave
 * first once `maxEntries` (a whole number, at least 1) is reached. Several receiver processes need a
 * shared one instead. It implements `release`.
 * @example `const replayCache = createMemoryReplayCache({ maxEntries: 100_000 });`
 * @see https://www.rfc-editor.org/rfc/rfc8417#section-2.2
 */
export function createMemoryReplayCache(
  options: { readonly maxEntries?: number; readonly now?: () => Date } = {},
): MemoryReplayCache {
  const maxEntries = checkNumberOption(
    'createMemoryReplayCache',
    'maxEntries',
    options.maxEntries,
    100_000,
    { min: 1, integer: true },
  );
  const now = options.now ?? (() => new Date());
  /** Key → expiry in ms, in insertion order (so oldest first). */
  const entries = new Map<string, number>();
  // Expiries grow with insertion order nearly always (each is an `iat` plus the same maximum age),
  // so expired entries are found at the front: the sweep stops at the first live one.
  const sweep = (time: number): void => {
    for (const [key, expiresAt] of entries) {
      if (expiresAt > time) return;
      entries.delete(key);
    }
  };
  return {
    remember(key, expiresAt) {
      // An invalid Date compares false with everything: its entry would never count as live.
      const until = expiresAt.getTime();
      if (Number.isNaN(until))
        throw new RangeError('createMemoryReplayCache: remember needs a valid expiry Date');
      const time = now().getTime();
      if (Number.isNaN(time))
        throw new RangeError('createMemoryReplayCache: the clock gave an invalid Date');
      const known = entries.get(key);
      if (known !== undefined && known > time) return false;
      sweep(time);
      // Still full: forgetting the oldest entry lets only the oldest SETs, closest to their maximum
      // age, be replayed; refusing new ones would refuse every SET.
      while (entries.size >= maxEntries) {
        const oldest = entries.keys().next();
        if (oldest.done === true) break;
        entries.delete(oldest.value);
      }
      entries.delete(key);
      entries.set(key, until);
      return true;
    },
    release(key) {
      entries.delete(key);
    },
  };
}
