// What every part of the SQL storage shares: the database, its dialect and tables, and the way a
// call finds its connection (the unit of work's transaction, or a transaction of its own).
import { isJsonObject, type AttributeDefinition, type ScimResourceType } from '@scim/core';
import type { StoreContext } from '@scim/server';
import { sql, type Kysely, type RawBuilder, type Transaction } from 'kysely';
import { isTransient, type SqlDialectName, type TableNames } from './dialect.js';

/** The storage's view of the database: only raw, parameterised SQL runs on it. */
export type Db = Kysely<Record<string, never>>;
export type Executor = Db | Transaction<Record<string, never>>;

export interface Shared {
  readonly db: Db;
  readonly dialect: SqlDialectName;
  readonly tables: TableNames;
  /** Attempts of a transaction the database aborted for a transient reason (deadlock, busy). */
  readonly attempts: number;
  /** Candidates an inexact filter may read before the query is refused as too broad. */
  readonly scanLimit: number;
  /** Transactions this storage opened and has not finished, to tell its handles from others. */
  readonly handles: WeakSet<object>;
  /** The resource types kept with member rows, and how each keys a member value. */
  readonly memberTypes: readonly { readonly name: string; readonly value: AttributeDefinition }[];
  /** The ids each open transaction has read and found (see lockNewMembers in members.ts). */
  readonly seen: WeakMap<object, Set<string>>;
  /**
   * The members whose groups each open transaction has listed, by `listingKey` (see `leaveGroups` in
   * store.ts): the server removes a deleted resource from the groups it lists first.
   */
  readonly listed: WeakMap<object, Set<string>>;
}

/** What a transaction needs of the storage: the event stores run transactions with no more. */
export type TransactionScope = Pick<
  Shared,
  'db' | 'dialect' | 'attempts' | 'handles' | 'seen' | 'listed'
>;

/** The tenant a call belongs to: '' for the default tenant. */
export const tenantOf = (context: { readonly tenant: string | undefined }): string =>
  context.tenant ?? '';

/**
 * The connection of a call: the unit of work's transaction, which must be one of this storage's.
 * Undefined outside any transaction.
 */
export function handleOf(shared: Shared, context: StoreContext): Executor | undefined {
  const handle = context.transaction;
  if (handle === undefined) return undefined;
  if (typeof handle !== 'object' || handle === null || !shared.handles.has(handle))
    throw new TypeError(
      'context.transaction is not a transaction of this SQL storage (or it has ended)',
    );
  return handle as Executor;
}

/** Runs `work` in the call's transaction, or in one of its own so that each write is atomic. */
export function writing<T>(
  shared: Shared,
  context: StoreContext,
  work: (executor: Executor) => Promise<T>,
): Promise<T> {
  const handle = handleOf(shared, context);
  if (handle !== undefined) return work(handle);
  return inTransaction(shared, work);
}

/**
 * A transaction, retried from the start when the database aborts it for a transient reason.
 * `work` must be safe to run again: the server's units of work are.
 */
export async function inTransaction<T>(
  shared: TransactionScope,
  work: (executor: Executor) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await (shared.dialect === 'sqlite'
        ? immediateTransaction(shared, work)
        : shared.db.transaction().execute((transaction) => registered(shared, transaction, work)));
    } catch (error) {
      if (attempt >= shared.attempts || !isTransient(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * attempt));
    }
  }
}

async function registered<T>(
  shared: TransactionScope,
  handle: Executor,
  work: (executor: Executor) => Promise<T>,
): Promise<T> {
  shared.handles.add(handle);
  shared.seen.set(handle, new Set());
  shared.listed.set(handle, new Set());
  try {
    return await work(handle);
  } finally {
    shared.handles.delete(handle);
    shared.seen.delete(handle);
    shared.listed.delete(handle);
  }
}

/**
 * SQLite: `BEGIN IMMEDIATE`, which takes the write lock at the start. A plain (deferred) BEGIN reads
 * first and upgrades later, and when another process wrote in between, SQLite refuses the upgrade at
 * once instead of waiting out the busy timeout: with two servers on one file, writes would fail.
 */
function immediateTransaction<T>(
  shared: TransactionScope,
  work: (executor: Executor) => Promise<T>,
): Promise<T> {
  return shared.db.connection().execute(async (connection) => {
    await sql`BEGIN IMMEDIATE`.execute(connection);
    try {
      const result = await registered(shared, connection, work);
      await sql`COMMIT`.execute(connection);
      return result;
    } catch (error) {
      await sql`ROLLBACK`.execute(connection).catch(() => undefined);
      throw error;
    }
  });
}

/** `FOR UPDATE` where the dialect has row locks; SQLite locks the whole database on write instead. */
export function forUpdate(shared: Pick<Shared, 'dialect'>): RawBuilder<unknown> {
  return shared.dialect === 'sqlite' ? sql`` : sql` FOR UPDATE`;
}

/** The member attribute of a resource type kept as rows: `members`, multi-valued and complex. */
export function membersAttributeOf(
  resourceType: ScimResourceType,
): { readonly attribute: AttributeDefinition; readonly value: AttributeDefinition } | undefined {
  const attribute = resourceType.schema.attributes.find(
    (candidate) =>
      candidate.name.toLowerCase() === 'members' &&
      candidate.multiValued &&
      candidate.type === 'complex',
  );
  const value = attribute?.subAttributes?.find((sub) => sub.name.toLowerCase() === 'value');
  return attribute === undefined || value === undefined ? undefined : { attribute, value };
}

/** Numbers come back as strings from some drivers (PostgreSQL's BIGINT), or as bigints. */
export const toNumber = (value: unknown): number =>
  typeof value === 'number' ? value : Number(value);

export function parseDocument(text: unknown): Record<string, unknown> {
  const value: unknown = typeof text === 'string' ? JSON.parse(text) : text;
  if (!isJsonObject(value)) throw new TypeError('A stored SCIM document is not a JSON object');
  return value;
}
