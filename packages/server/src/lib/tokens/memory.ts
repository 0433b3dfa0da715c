// The reference token store: three maps, so a request's lookup by digest is one Map.get whatever the
// number of tokens, and no answer shares an object with the store.
import type { TokenRecord, TokenStore } from './store.js';
import { DIGEST_PATTERN } from './bearer-header.js';

interface Row {
  readonly record: TokenRecord;
  expiresAt: Date | undefined;
  lastUsedAt: Date | undefined;
  revokedAt: Date | undefined;
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
        record: freeze({ ...record, sha256: digest }),
        expiresAt: copy(record.expiresAt),
        lastUsedAt: copy(record.lastUsedAt),
        revokedAt: copy(record.revokedAt),
      };
      byId.set(record.id, row);
      byDigest.set(digest, row);
      let tenant = byTenant.get(record.tenant);
      if (tenant === undefined) byTenant.set(record.tenant, (tenant = new Set()));
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
      if (row !== undefined) row.revokedAt ??= new Date(at);
      return Promise.resolve(read(row));
    },
    expire(id, at) {
      const row = byId.get(id);
      if (row !== undefined && (row.expiresAt === undefined || at < row.expiresAt))
        row.expiresAt = new Date(at);
      return Promise.resolve(read(row));
    },
    touch(id, at) {
      const row = byId.get(id);
      if (row !== undefined && (row.lastUsedAt === undefined || at > row.lastUsedAt))
        row.lastUsedAt = new Date(at);
      return Promise.resolve();
    },
  };
}

/**
 * A copy of the row's record: its own Dates, frozen, optional fields absent rather than undefined.
 * Made in one pass over one fresh object (the rest of the destructuring), since every request that
 * presents a token reads one.
 */
function read(row: Row | undefined): TokenRecord | undefined {
  if (row === undefined) return undefined;
  const { expiresAt: _expires, lastUsedAt: _used, revokedAt: _revoked, ...copy } = row.record;
  const fields = copy as { -readonly [K in keyof TokenRecord]: TokenRecord[K] };
  fields.createdAt = new Date(copy.createdAt);
  if (copy.scopes !== undefined) fields.scopes = Object.freeze([...copy.scopes]);
  if (row.expiresAt !== undefined) fields.expiresAt = new Date(row.expiresAt);
  if (row.lastUsedAt !== undefined) fields.lastUsedAt = new Date(row.lastUsedAt);
  if (row.revokedAt !== undefined) fields.revokedAt = new Date(row.revokedAt);
  return Object.freeze(fields);
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

function copy(date: Date | undefined): Date | undefined {
  return date === undefined ? undefined : new Date(date);
}

function freeze(record: TokenRecord): TokenRecord {
  return Object.freeze({
    ...record,
    ...(record.scopes === undefined ? {} : { scopes: Object.freeze([...record.scopes]) }),
    createdAt: new Date(record.createdAt),
    ...(record.expiresAt === undefined ? {} : { expiresAt: new Date(record.expiresAt) }),
    ...(record.lastUsedAt === undefined ? {} : { lastUsedAt: new Date(record.lastUsedAt) }),
    ...(record.revokedAt === undefined ? {} : { revokedAt: new Date(record.revokedAt) }),
  });
}
