// The token store contract. A record holds the token's SHA-256 digest, never the token: a copy of the
// table (a backup, a log line, a read replica) then hands out no working credential. The store only
// ever shortens a token's life (expire, revoke) or moves its last use forward (touch), each call
// changing its own field only, so no call made in a race, or twice, can bring a revoked token back.

/**
 * One issued token as a store keeps it: its digest, who it stands for and its life.
 * @example
 * ```ts
 * const record: TokenRecord = {
 *   id: '9b1d…', tenant: 'acme', label: 'entra', sha256: 'sha256:5a1f…',
 *   scopes: ['scim:read'], createdAt: new Date(),
 * };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
export interface TokenRecord {
  /** Names the token in `list`, `rotate` and `revoke`, and in the request's principal; not secret. */
  readonly id: string;
  readonly tenant: string;
  /** A name for people: which client or integration holds the token (`entra`, `audit-tool`). */
  readonly label: string;
  /** `sha256:` and 64 lowercase hex digits of the token, as `hashBearerToken` gives. */
  readonly sha256: string;
  /**
   * What the token may do (see {@link SCIM_SCOPES}); absent for a token that may do everything a
   * caller of this tenant may.
   */
  readonly scopes?: readonly string[];
  readonly createdAt: Date;
  /** When the token stops working; absent for a token that works until revoked. */
  readonly expiresAt?: Date;
  /** The last request that presented it, to a precision of `touchIntervalMs`. */
  readonly lastUsedAt?: Date;
  readonly revokedAt?: Date;
  /** The id of the token this one replaced through `rotate`. */
  readonly rotatedFrom?: string;
}

/**
 * Where issued tokens live. `findByHash` runs on every request: it must be one lookup by the digest
 * (a `Map`, a primary key or a unique index), never a scan. Records are returned as copies; a
 * change goes through `expire`, `revoke` or `touch`, and each of them changes its own field only,
 * atomically (one `UPDATE … SET that_column`, never read the record, change it, write it back):
 * `touch` runs unawaited on every request, and a stale copy it wrote back after a `revoke` would
 * bring the revoked token back. `createMemoryTokenStore()` is the reference, and
 * `test/fixtures/token-store-contract.ts` holds every store to the same rules.
 * @example
 * ```ts
 * const store: TokenStore = createMemoryTokenStore();
 * const record = await store.findByHash(await hashBearerToken(token));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
export interface TokenStore {
  /** Adds a new record; rejects one whose `id` or `sha256` is already stored, or an Invalid Date. */
  insert(record: TokenRecord): Promise<void>;
  /** The record with this digest (`sha256:` and lowercase hex), revoked and expired ones included. */
  findByHash(sha256: string): Promise<TokenRecord | undefined>;
  get(id: string): Promise<TokenRecord | undefined>;
  /** Every record of a tenant, revoked and expired ones included, oldest first. */
  list(tenant: string): Promise<readonly TokenRecord[]>;
  /**
   * Sets `revokedAt` unless it is already set (the first revocation is the one recorded), and
   * nothing else; the record after the change, or undefined when there is none with this id.
   */
  revoke(id: string, at: Date): Promise<TokenRecord | undefined>;
  /**
   * Brings `expiresAt` forward to `at`, and changes nothing else; a later `at` than the current
   * expiry changes nothing.
   */
  expire(id: string, at: Date): Promise<TokenRecord | undefined>;
  /**
   * Records a use: `lastUsedAt` moves forward to `at`, never back, and nothing else changes, even
   * when a `revoke` or `expire` lands while it runs. An unknown id is ignored.
   */
  touch(id: string, at: Date): Promise<void>;
}
