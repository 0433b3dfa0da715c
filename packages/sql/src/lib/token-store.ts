// @scim/server's TokenStore as a table. A request's token is found by its digest through a unique
// index. `revoke`, `expire` and `touch` are each one conditional UPDATE of their own column, so calls
// that race all land, and none lengthens a token's life or moves its last use back. Dates are kept
// as milliseconds in BIGINT columns, as the storage's other dates are: exact on every engine, where
// DATETIME and TIMESTAMP differ in precision and time zone handling from one engine to the next.
import type { TokenRecord, TokenStore } from '@scim/server';
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { dialectOf, isUniqueViolation, tableNames, type SqlDialectName } from './dialect.js';
import { toNumber, type Db } from './shared.js';

/**
 * Options of {@link createSqlTokenStore}.
 * @example `{ db, tablePrefix: 'scim_' }`
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
export interface SqlTokenStoreOptions<DB> {
  /** The Kysely instance whose database {@link migrate} has prepared (the storage's own will do). */
  readonly db: Kysely<DB>;
  /** The dialect, when it cannot be read from the Kysely instance's adapter. */
  readonly dialect?: SqlDialectName;
  /** Prefix of the tables (default `scim_`), as given to {@link migrate}. */
  readonly tablePrefix?: string;
}

/** `sha256:` and 64 hex digits, as `hashBearerToken` gives; stored in lower case. */
const DIGEST = /^sha256:[0-9a-f]{64}$/i;

const COLUMNS = sql.raw(
  'id, tenant, label, sha256, scopes, created_ms, expires_ms, last_used_ms, revoked_ms, rotated_from',
);

type Milliseconds = number | string | bigint;

interface TokenRow {
  readonly id: string;
  readonly tenant: string;
  readonly label: string;
  readonly sha256: string;
  readonly scopes: string | null;
  readonly created_ms: Milliseconds;
  readonly expires_ms: Milliseconds | null;
  readonly last_used_ms: Milliseconds | null;
  readonly revoked_ms: Milliseconds | null;
  readonly rotated_from: string | null;
}

/**
 * The statement `findByHash` runs on every request, shared with the test that asks each engine's
 * planner whether it reads the digest's unique index.
 */
export function findByHashQuery(table: string, digest: string): RawBuilder<TokenRow> {
  return sql<TokenRow>`SELECT ${COLUMNS} FROM ${sql.table(table)} WHERE sha256 = ${digest}`;
}

/**
 * A `TokenStore` in a SQL database, for tokens that outlive the process and are shared by every
 * server on the database: give it to `createTokenManager` and `tokenAuthenticator`. The table
 * (`tokens`) holds each token's SHA-256 digest, never the token. A request's lookup is one read of a
 * unique index on the digest, and `revoke`, `expire` and `touch` each change their own column in one
 * conditional `UPDATE`, so a `touch` racing a `revoke` can never bring the token back. Records come
 * back frozen, with dates exact to the millisecond on every engine.
 * @example
 * ```ts
 * import { createScimHandler, createTokenManager, tokenAuthenticator } from '@scim/server';
 * import { createSqlStorage, createSqlTokenStore, migrate, openDatabase } from '@scim/sql';
 *
 * const { db } = await openDatabase(process.env.SCIM_DATABASE_URL ?? 'sqlite:./data/scim.db');
 * await migrate(db);
 * const tokenStore = createSqlTokenStore({ db });
 * const tokens = createTokenManager({ store: tokenStore });
 * const handler = createScimHandler({
 *   ...createSqlStorage({ db }),
 *   authenticate: tokenAuthenticator({ store: tokenStore }),
 * });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
export function createSqlTokenStore<DB>(options: SqlTokenStoreOptions<DB>): TokenStore {
  const db = options.db as unknown as Db;
  const tableName = tableNames(options.tablePrefix).tokens;
  const table = sql.table(tableName);
  // MySQL and MariaDB have no UPDATE … RETURNING: there the record is read after the change.
  const returning = (options.dialect ?? dialectOf(options.db)) !== 'mysql';

  const one = async (query: RawBuilder<TokenRow>): Promise<TokenRecord | undefined> => {
    const row = (await query.execute(db)).rows[0];
    return row === undefined ? undefined : toRecord(row);
  };
  const byId = (id: string) => one(sql<TokenRow>`SELECT ${COLUMNS} FROM ${table} WHERE id = ${id}`);

  /**
   * Sets one column where `unless` does not hold, and answers the record as it stands: the one the
   * UPDATE returned, or, when it changed nothing (or cannot return), the one read after it.
   */
  const change = async (
    id: string,
    set: RawBuilder<unknown>,
    applies: RawBuilder<unknown>,
  ): Promise<TokenRecord | undefined> => {
    const update = sql<TokenRow>`UPDATE ${table} SET ${set} WHERE id = ${id} AND ${applies}`;
    if (returning) {
      const changed = await one(sql<TokenRow>`${update} RETURNING ${COLUMNS}`);
      if (changed !== undefined) return changed;
    } else await update.execute(db);
    return byId(id);
  };

  return {
    async insert(record) {
      const digest = checkedDigest(record);
      const scopes = record.scopes === undefined ? null : JSON.stringify(checkedScopes(record));
      try {
        await sql`INSERT INTO ${table} (${COLUMNS}) VALUES (${record.id}, ${record.tenant}, ${record.label}, ${digest}, ${scopes}, ${record.createdAt.getTime()}, ${msOf(record.expiresAt)}, ${msOf(record.lastUsedAt)}, ${msOf(record.revokedAt)}, ${record.rotatedFrom ?? null})`.execute(
          db,
        );
      } catch (error) {
        if (!isUniqueViolation(error)) throw error;
        const taken = await byId(record.id);
        // Without the driver's error as cause: PostgreSQL's detail and MySQL's message name the
        // digest that collided, and which token that is is nobody's business but the store's.
        // eslint-disable-next-line preserve-caught-error -- see above
        throw new Error(
          taken === undefined
            ? 'insert: a token with the same digest exists'
            : `insert: a token with id ${record.id} exists`,
        );
      }
    },

    async findByHash(sha256) {
      // Nothing else can be stored, so a malformed digest needs no query.
      if (!DIGEST.test(sha256)) return undefined;
      return one(findByHashQuery(tableName, sha256.toLowerCase()));
    },

    get: byId,

    async list(tenant) {
      const rows =
        await sql<TokenRow>`SELECT ${COLUMNS} FROM ${table} WHERE tenant = ${tenant} ORDER BY created_ms, seq`.execute(
          db,
        );
      return Object.freeze(rows.rows.map(toRecord));
    },

    async revoke(id, at) {
      const ms = checkedMs(at, 'revoke');
      return change(id, sql`revoked_ms = ${ms}`, sql`revoked_ms IS NULL`);
    },

    async expire(id, at) {
      const ms = checkedMs(at, 'expire');
      return change(id, sql`expires_ms = ${ms}`, sql`(expires_ms IS NULL OR expires_ms > ${ms})`);
    },

    async touch(id, at) {
      const ms = checkedMs(at, 'touch');
      await sql`UPDATE ${table} SET last_used_ms = ${ms} WHERE id = ${id} AND (last_used_ms IS NULL OR last_used_ms < ${ms})`.execute(
        db,
      );
    },
  };
}

/** The record's digest in lower case, once every field a reader compares is known to be valid. */
function checkedDigest(record: TokenRecord): string {
  if (typeof record.sha256 !== 'string' || !DIGEST.test(record.sha256))
    throw new TypeError('insert: sha256 must be sha256: and 64 hex digits');
  checkedMs(record.createdAt, 'insert: createdAt');
  for (const field of ['expiresAt', 'lastUsedAt', 'revokedAt'] as const)
    if (record[field] !== undefined) checkedMs(record[field], `insert: ${field}`);
  return record.sha256.toLowerCase();
}

function checkedScopes(record: TokenRecord): readonly string[] {
  const { scopes } = record;
  if (!Array.isArray(scopes) || !scopes.every((scope) => typeof scope === 'string'))
    throw new TypeError('insert: scopes must be an array of strings');
  return scopes;
}

/**
 * A date as milliseconds. An Invalid Date is refused rather than stored: NaN would reach the
 * database as NULL (no expiry, never revoked) on one engine and as an error on another.
 */
function checkedMs(date: unknown, what: string): number {
  if (!(date instanceof Date) || Number.isNaN(date.getTime()))
    throw new TypeError(`${what} must be a valid Date`);
  return date.getTime();
}

const msOf = (date: Date | undefined): number | null =>
  date === undefined ? null : date.getTime();

/** A row as a new, frozen record: its own Dates, absent optional fields left out rather than null. */
function toRecord(row: TokenRow): TokenRecord {
  const date = (ms: Milliseconds) => new Date(toNumber(ms));
  const record: { -readonly [K in keyof TokenRecord]: TokenRecord[K] } = {
    id: row.id,
    tenant: row.tenant,
    label: row.label,
    sha256: row.sha256,
    createdAt: date(row.created_ms),
  };
  if (row.scopes !== null) record.scopes = Object.freeze(parseScopes(row.scopes));
  if (row.expires_ms !== null) record.expiresAt = date(row.expires_ms);
  if (row.last_used_ms !== null) record.lastUsedAt = date(row.last_used_ms);
  if (row.revoked_ms !== null) record.revokedAt = date(row.revoked_ms);
  if (row.rotated_from !== null) record.rotatedFrom = row.rotated_from;
  return Object.freeze(record);
}

function parseScopes(text: string): string[] {
  const scopes: unknown = JSON.parse(text);
  if (!Array.isArray(scopes) || !scopes.every((scope) => typeof scope === 'string'))
    throw new TypeError('A stored token has scopes that are not a JSON array of strings');
  return scopes;
}
