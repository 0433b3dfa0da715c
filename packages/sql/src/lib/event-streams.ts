// @scim/events' StreamStore as a table: the stream is a JSON document beside its id and tenant.
// The id alone is unique, since the SET queue keys SETs by stream id with no tenant: a put of an
// id another tenant holds is refused, by the unique index when two puts race.
import type { EventStream, StreamStore } from '@scim/events';
import { sql, type RawBuilder } from 'kysely';
import { isUniqueViolation } from './dialect.js';
import { forUpdate, inTransaction, type Executor, type TransactionScope } from './shared.js';

/** What the stream store needs: a transaction scope and its table. */
export interface StreamTables extends TransactionScope {
  readonly table: string;
}

/** Matches the tenant: NULL is the absence of one, so a tenant named '' stays apart from it. */
const tenantIs = (tenant: string | undefined): RawBuilder<unknown> =>
  tenant === undefined ? sql`tenant IS NULL` : sql`tenant = ${tenant}`;

/** Creates the SQL {@link StreamStore} over the `event_streams` table. */
export function createSqlStreamStore(scope: StreamTables): StreamStore {
  const table = sql.table(scope.table);

  const putOnce = (stream: EventStream, document: string): Promise<void> =>
    inTransaction(scope, async (executor: Executor) => {
      const held = await sql<{
        tenant: string | null;
      }>`SELECT tenant FROM ${table} WHERE id = ${stream.id}${forUpdate(scope)}`.execute(executor);
      const holder = held.rows[0];
      if (holder === undefined) {
        await sql`INSERT INTO ${table} (id, tenant, stream) VALUES (${stream.id}, ${stream.tenant ?? null}, ${document})`.execute(
          executor,
        );
        return;
      }
      if ((holder.tenant ?? undefined) !== stream.tenant) throw takenError(stream.id);
      await sql`UPDATE ${table} SET stream = ${document} WHERE id = ${stream.id}`.execute(executor);
    });

  return {
    async list(tenant) {
      const rows =
        await sql<StreamRow>`SELECT tenant, stream FROM ${table} WHERE ${tenantIs(tenant)} ORDER BY seq`.execute(
          scope.db,
        );
      return rows.rows.map(toStream);
    },

    async get(id, tenant) {
      const rows =
        await sql<StreamRow>`SELECT tenant, stream FROM ${table} WHERE id = ${id} AND ${tenantIs(tenant)}`.execute(
          scope.db,
        );
      const row = rows.rows[0];
      return row === undefined ? undefined : toStream(row);
    },

    async put(stream) {
      const document = JSON.stringify(stream);
      try {
        await putOnce(stream, document);
      } catch (error) {
        // Two puts of a new id raced and the other inserted first: the row is there now, so once
        // more either replaces it (same tenant) or is refused (another tenant).
        if (!isUniqueViolation(error)) throw error;
        await putOnce(stream, document);
      }
    },

    async delete(id, tenant) {
      const result =
        await sql`DELETE FROM ${table} WHERE id = ${id} AND ${tenantIs(tenant)}`.execute(scope.db);
      return Number(result.numAffectedRows ?? 0n) > 0;
    },
  };
}

/** The refusal names neither tenant: the caller may be a receiver of the other one. */
function takenError(id: string): Error {
  return new Error(
    `Stream id "${id}" is taken by another tenant: stream ids must be unique across tenants`,
  );
}

interface StreamRow {
  readonly tenant: string | null;
  readonly stream: string;
}

/**
 * A stream read back, its tenant from the column the queries scope by; frozen all the way down, so
 * no caller can change what another reads.
 */
function toStream(row: StreamRow): EventStream {
  const stream = JSON.parse(row.stream) as EventStream;
  return deepFreeze({ ...stream, tenant: row.tenant ?? undefined });
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}
