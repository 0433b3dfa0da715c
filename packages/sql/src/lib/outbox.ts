// The lifecycle outbox as a table, written in the same transaction as each change. Claiming takes
// only the oldest pending event of each resource, under row locks that concurrent deliverers skip.
import type {
  LifecycleEvent,
  OutboxEntry,
  OutboxListFilter,
  OutboxState,
  ScimOutbox,
} from '@scim/server';
import { sql, type RawBuilder } from 'kysely';
import { isStorable } from './columns.js';
import { inTransaction, toNumber, type Executor, type Shared } from './shared.js';

interface OutboxRow {
  seq: unknown;
  id: string;
  state: OutboxState;
  attempts: unknown;
  next_attempt_ms: unknown;
  last_error: string | null;
  event: string;
}

const toEntry = (row: OutboxRow, nextAttemptMs = toNumber(row.next_attempt_ms)): OutboxEntry =>
  Object.freeze({
    event: JSON.parse(row.event) as LifecycleEvent,
    state: row.state,
    attempts: toNumber(row.attempts),
    nextAttemptAt: new Date(nextAttemptMs).toISOString(),
    ...(row.last_error === null ? {} : { lastError: row.last_error }),
  });

/**
 * The SQL outbox: {@link ScimOutbox} over the storage's outbox table.
 * @example `await storage.outbox.list({ state: 'dead' })`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface SqlOutbox extends ScimOutbox {
  readonly joinsTransactions: true;
  /** Deletes delivered events older than `before` (by their occurrence); returns how many. */
  prune(before: Date): Promise<number>;
}

/** The event's `requestId`, read from its JSON document (the table has no column of its own). */
function requestIdOf(dialect: Shared['dialect']): RawBuilder<unknown> {
  if (dialect === 'sqlite') return sql`json_extract(o.event, '$.requestId')`;
  if (dialect === 'postgres') return sql`(CAST(o.event AS json) ->> 'requestId') COLLATE "C"`;
  return sql`JSON_UNQUOTE(JSON_EXTRACT(o.event, '$.requestId'))`;
}

/**
 * The condition that the claim which handed out `lease` (an entry's `nextAttemptAt`) still holds the
 * event: each later claim, and a failure's retry time, moves `next_attempt_ms` past it. An unreadable
 * lease matches nothing, as a lease no claim handed out.
 */
function heldUnder(lease: string | undefined): RawBuilder<unknown> {
  if (lease === undefined) return sql``;
  const ms = Date.parse(lease);
  return Number.isFinite(ms) ? sql` AND next_attempt_ms = ${ms}` : sql` AND 1 = 0`;
}

const OUTBOX_COLUMNS = sql`o.seq, o.id, o.state, o.attempts, o.next_attempt_ms, o.last_error, o.event`;

/** The statement of {@link ScimOutbox.list}: exported for the tests that read its plan. */
export function outboxListQuery(
  shared: Pick<Shared, 'dialect' | 'tables'>,
  filter: OutboxListFilter,
): RawBuilder<OutboxRow> {
  const conditions: RawBuilder<unknown>[] = [sql`1=1`];
  if (filter.id !== undefined) conditions.push(sql`o.id = ${filter.id}`);
  if (filter.state !== undefined) conditions.push(sql`o.state = ${filter.state}`);
  if (filter.tenant !== undefined) conditions.push(sql`o.tenant = ${filter.tenant}`);
  if (filter.requestId !== undefined)
    conditions.push(sql`${requestIdOf(shared.dialect)} = ${filter.requestId}`);
  const limit =
    filter.limit === undefined ? sql`` : sql` LIMIT ${Math.max(0, Math.floor(filter.limit))}`;
  const order = filter.order === 'newest' ? sql` DESC` : sql``;
  return sql<OutboxRow>`SELECT ${OUTBOX_COLUMNS} FROM ${sql.table(shared.tables.outbox)} o WHERE ${sql.join(conditions, sql` AND `)} ORDER BY o.seq${order}${limit}`;
}

export function createSqlOutbox(shared: Shared, now: () => Date = () => new Date()): SqlOutbox {
  const table = sql.table(shared.tables.outbox);
  const executorOf = (transaction: unknown): Executor => {
    if (transaction === undefined) return shared.db;
    if (typeof transaction !== 'object' || transaction === null || !shared.handles.has(transaction))
      throw new TypeError('context.transaction is not a transaction of this SQL storage');
    return transaction as Executor;
  };
  const lock: RawBuilder<unknown> =
    shared.dialect === 'sqlite' ? sql`` : sql` FOR UPDATE SKIP LOCKED`;

  return {
    joinsTransactions: true,

    async append(events, leaseUntil, context) {
      if (events.length === 0) return;
      const executor = executorOf(context.transaction);
      const lease = leaseUntil.getTime();
      await sql`INSERT INTO ${table} (id, tenant, resource_type, resource_id, state, attempts, next_attempt_ms, claimed, last_error, event) VALUES ${sql.join(
        events.map(
          (event: LifecycleEvent) =>
            sql`(${event.id}, ${event.tenant ?? ''}, ${event.resourceType}, ${event.resourceId}, 'pending', 0, ${lease}, 0, NULL, ${JSON.stringify(event)})`,
        ),
      )}`.execute(executor);
    },

    claim({ limit, now: at, leaseUntil, ids }) {
      if (limit <= 0 || ids?.length === 0) return Promise.resolve([]);
      const time = at.getTime();
      const due =
        ids === undefined
          ? sql`o.next_attempt_ms <= ${time}`
          : sql`o.id IN (${sql.join(ids)}) AND (o.next_attempt_ms <= ${time} OR o.claimed = 0)`;
      return inTransaction(shared, async (executor) => {
        const rows = (
          await sql<OutboxRow>`SELECT ${OUTBOX_COLUMNS} FROM ${table} o WHERE o.state = 'pending' AND ${due} AND NOT EXISTS (SELECT 1 FROM ${table} p WHERE p.state = 'pending' AND p.seq < o.seq AND p.tenant = o.tenant AND p.resource_type = o.resource_type AND p.resource_id = o.resource_id) ORDER BY o.seq LIMIT ${limit}${lock}`.execute(
            executor,
          )
        ).rows;
        if (rows.length === 0) return [];
        const lease = leaseUntil.getTime();
        await sql`UPDATE ${table} SET next_attempt_ms = ${lease}, claimed = 1 WHERE id IN (${sql.join(rows.map((row) => row.id))})`.execute(
          executor,
        );
        return rows.map((row) => toEntry(row, lease));
      });
    },

    async complete(id, lease) {
      await sql`UPDATE ${table} SET state = 'delivered' WHERE id = ${id} AND state = 'pending'${heldUnder(lease)}`.execute(
        shared.db,
      );
    },

    async fail(id, failure, retryAt, lease) {
      // PostgreSQL refuses U+0000 in text; a hook's message may hold anything.
      // eslint-disable-next-line no-control-regex -- U+0000 is the character replaced
      const error = failure.replace(/\u0000/g, '\uFFFD');
      await (
        retryAt === undefined
          ? sql`UPDATE ${table} SET attempts = attempts + 1, last_error = ${error}, state = 'dead' WHERE id = ${id} AND state = 'pending'${heldUnder(lease)}`
          : sql`UPDATE ${table} SET attempts = attempts + 1, last_error = ${error}, next_attempt_ms = ${retryAt.getTime()} WHERE id = ${id} AND state = 'pending'${heldUnder(lease)}`
      ).execute(shared.db);
    },

    async list(filter = {}) {
      // An id no column can hold (U+0000, an unpaired surrogate) names no event.
      if (filter.id !== undefined && !isStorable(filter.id)) return [];
      const rows = await outboxListQuery(shared, filter).execute(shared.db);
      return rows.rows.map((row) => toEntry(row));
    },

    retry(id) {
      if (!isStorable(id)) return Promise.resolve(false);
      return inTransaction(shared, async (executor) => {
        const row = (
          await sql<{
            seq: unknown;
            tenant: string;
            resource_type: string;
            resource_id: string;
          }>`SELECT seq, tenant, resource_type, resource_id FROM ${table} WHERE id = ${id} AND state = 'dead'${shared.dialect === 'sqlite' ? sql`` : sql` FOR UPDATE`}`.execute(
            executor,
          )
        ).rows[0];
        if (row === undefined) return false;
        // Not while a later event of its resource is being delivered: due when that lease ends.
        // An earlier event holds it back by order alone.
        const busy = await sql<{
          until: unknown;
        }>`SELECT MAX(next_attempt_ms) AS until FROM ${table} WHERE state = 'pending' AND claimed = 1 AND seq > ${toNumber(row.seq)} AND tenant = ${row.tenant} AND resource_type = ${row.resource_type} AND resource_id = ${row.resource_id}`.execute(
          executor,
        );
        const until = busy.rows[0]?.until;
        const due = Math.max(
          now().getTime(),
          until === null || until === undefined ? 0 : toNumber(until),
        );
        await sql`UPDATE ${table} SET state = 'pending', next_attempt_ms = ${due} WHERE id = ${id}`.execute(
          executor,
        );
        return true;
      });
    },

    async prune(before) {
      const result =
        await sql`DELETE FROM ${table} WHERE state = 'delivered' AND next_attempt_ms < ${before.getTime()}`.execute(
          shared.db,
        );
      return Number(result.numAffectedRows ?? 0n);
    },
  };
}
