// The reference token store: three maps, so a request's lookup by digest is one Map.get whatever the
// number of tokens, and no answer shares a mutable object with the store (a frozen scopes array,
// which nobody can change, is shared). A row is the record's fields, flat, its Dates as epoch
// milliseconds: a request's lookup then reads one object, and makes the answer's Dates from numbers.
import type { TokenRecord, TokenStore } from './store.js';
import { DIGEST_PATTERN } from './bearer-header.js';

interface Row {
  readonly id: string;
  readonly tenant: string;
  readonly label: string;
  readonly sha256: string;
  readonly scopes: readonly string[] | undefined;
  readonly rotatedFrom: string | undefined;
  readonly createdAt: number;
  expiresAt: number | undefined;
  lastUsedAt: number | undefined;
  revokedAt: number | undefined;
}

/**
 * A token store in memory, for tests, single-process servers and as the reference for other stores.
 * Tokens issued into it last as long as the process; a server that restarts needs a database store.
 * @example
 * ```ts
 * const tokens = createTokenManager({ store: createMemoryTokenStore() });
 * const { token } = await tokens.issue({ tenant: 'acme', label: 'entra' });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
export function createMemoryTokenStore(): TokenStore {
  const byId = new Map<string, Row>();
  const byDigest = new Map<string, Row>();
  // Insertion-ordered, so `list` answers oldest first without sorting.
  const byTenant = new Map<string, Set<Row>>();

  return {
    insert(record) {
      if (!DIGEST_PATTERN.test(record.sha256))
        return Promise.reject(new TypeError('insert: sha256 must be sha256: and 64 hex digits'));
      const invalid = invalidDate(record);
      if (invalid !== undefined)
        return Promise.reject(new TypeError(`insert: ${invalid} must be a valid Date`));
      const digest = record.sha256.toLowerCase();
      if (byId.has(record.id))
        return Promise.reject(new Error(`insert: a token with id ${record.id} exists`));
      // The message leaves the digest out: which token collided is nobody's business but the store's.
      if (byDigest.has(digest))
        return Promise.reject(new Error('insert: a token with the same digest exists'));
      const row: Row = {
        id: record.id,
        tenant: record.tenant,
        label: record.label,
        sha256: digest,
        scopes: record.scopes === undefined ? undefined : Object.freeze([...record.scopes]),
        rotatedFrom: record.rotatedFrom,
        createdAt: record.createdAt.getTime(),
        expiresAt: record.expiresAt?.getTime(),
        lastUsedAt: record.lastUsedAt?.getTime(),
        revokedAt: record.revokedAt?.getTime(),
      };
      byId.set(record.id, row);
      byDigest.set(digest, row);
      let tenant = byTenant.get(row.tenant);
      if (tenant === undefined) byTenant.set(row.tenant, (tenant = new Set()));
      tenant.add(row);
      return Promise.resolve();
    },
    findByHash(sha256) {
      return Promise.resolve(read(byDigest.get(sha256.toLowerCase())));
    },
    get(id) {
      return Promise.resolve(read(byId.get(id)));
    },
    list(tenant) {
      return Promise.resolve([...(byTenant.get(tenant) ?? [])].map((row) => read(row)!));
    },
    revoke(id, at) {
      const row = byId.get(id);
      if (row !== undefined) row.revokedAt ??= new Date(at).getTime();
      return Promise.resolve(read(row));
    },
    expire(id, at) {
      const row = byId.get(id);
      const time = new Date(at).getTime();
      if (row !== undefined && (row.expiresAt === undefined || time < row.expiresAt))
        row.expiresAt = time;
      return Promise.resolve(read(row));
    },
    touch(id, at) {
      const row = byId.get(id);
      const time = new Date(at).getTime();
      if (row !== undefined && (row.lastUsedAt === undefined || time > row.lastUsedAt))
        row.lastUsedAt = time;
      return Promise.resolve();
    },
  };
}

/**
 * The row as a record: its own Dates, frozen, optional fields absent rather than undefined. Built
 * field by field (every answer then has one of a few shapes, and a spread of a stored object
 * proved ten times slower), since every request that presents a token reads one.
 */
function read(row: Row | undefined): TokenRecord | undefined {
  if (row === undefined) return undefined;
  const record: { -readonly [K in keyof TokenRecord]: TokenRecord[K] } = {
    id: row.id,
    tenant: row.tenant,
    label: row.label,
    sha256: row.sha256,
    createdAt: new Date(row.createdAt),
  };
  if (row.scopes !== undefined) record.scopes = row.scopes;
  if (row.expiresAt !== undefined) record.expiresAt = new Date(row.expiresAt);
  if (row.lastUsedAt !== undefined) record.lastUsedAt = new Date(row.lastUsedAt);
  if (row.revokedAt !== undefined) record.revokedAt = new Date(row.revokedAt);
  if (row.rotatedFrom !== undefined) record.rotatedFrom = row.rotatedFrom;
  return Object.freeze(record);
}

/**
 * The first date field that is not a valid Date. A token whose expiry cannot be compared must never
 * be stored: kept, it would be at the mercy of how each reader compares NaN.
 */
function invalidDate(record: TokenRecord): string | undefined {
  const fields = ['createdAt', 'expiresAt', 'lastUsedAt', 'revokedAt'] as const;
  return fields.find((field) => {
    const value: unknown = record[field];
    if (value === undefined) return field === 'createdAt';
    return !(value instanceof Date) || Number.isNaN(value.getTime());
  });
}
