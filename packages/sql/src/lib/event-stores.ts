// The durable stores of @scim/events over the storage's database: its streams and the queue of
// their SETs, in tables migrate() creates beside the storage's own.
import type { StreamStore } from '@scim/events';
import type { Kysely } from 'kysely';
import { dialectOf, tableNames, type SqlDialectName } from './dialect.js';
import { createSqlSetQueue, type SqlSetQueue } from './event-queue.js';
import { createSqlStreamStore } from './event-streams.js';
import type { Db, TransactionScope } from './shared.js';

/**
 * Options of {@link createSqlEventStores}.
 * @example `{ db, tablePrefix: 'scim_', removedStreamQuietMs: 60_000 }`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2
 */
export interface SqlEventStoresOptions<DB> {
  /** The Kysely instance whose database {@link migrate} has prepared (the storage's own will do). */
  readonly db: Kysely<DB>;
  /** The dialect, when it cannot be read from the Kysely instance's adapter. */
  readonly dialect?: SqlDialectName;
  /** Prefix of the tables (default `scim_`), as given to {@link migrate}. */
  readonly tablePrefix?: string;
  /** How many times a transaction the database aborted (deadlock, serialization, busy) is run (default 5). */
  readonly transactionAttempts?: number;
  /** The clock of `retry` (a replay is due now), of dead SETs' time, and of the quiet time below. */
  readonly now?: () => Date;
  /**
   * For how long after `removeStream` enqueues for the stream's id are ignored, in milliseconds:
   * a fan-out that read the stream just before it was deleted then adds nothing, rather than
   * leaving SETs no deliverer will claim. 60,000 by default; 0 keeps such SETs.
   */
  readonly removedStreamQuietMs?: number;
}

/**
 * The stores {@link createSqlEventStores} makes: give both to `createEventPublisher`,
 * `createStreamDeliverer`, `createPollEndpoint` and `createSsfEndpoints`.
 * @example `const { streams, queue } = createSqlEventStores({ db })`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2
 */
export interface SqlEventStores {
  readonly streams: StreamStore;
  readonly queue: SqlSetQueue;
}

/**
 * Durable stores for `@scim/events` in a SQL database: the streams (`event_streams`) and the queue
 * of their Security Event Tokens (`event_sets`), so SETs queued and not yet delivered survive a
 * restart, and several processes share one queue. A claim leases only the oldest pending SET of
 * each subject, with `FOR UPDATE SKIP LOCKED` on PostgreSQL and MySQL (SQLite's write lock
 * serialises claims), so two deliverers never hold the same SET. Stream ids are unique across
 * tenants, and each call sees only its tenant's streams.
 * @example
 * ```ts
 * import { createEventPublisher, createStreamDeliverer } from '@scim/events';
 * import { createSqlEventStores, migrate, openDatabase } from '@scim/sql';
 *
 * const { db } = await openDatabase('sqlite:./data/scim.db');
 * await migrate(db);
 * const { streams, queue } = createSqlEventStores({ db });
 * const publisher = createEventPublisher({ streams, queue, issuer, resourceTypes });
 * createStreamDeliverer({ streams, queue, keys }).start(); // signs each SET as it pushes it
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2
 */
export function createSqlEventStores<DB>(options: SqlEventStoresOptions<DB>): SqlEventStores {
  const tables = tableNames(options.tablePrefix);
  const scope: TransactionScope = {
    db: options.db as unknown as Db,
    dialect: options.dialect ?? dialectOf(options.db),
    attempts: Math.max(1, options.transactionAttempts ?? 5),
    handles: new WeakSet(),
    seen: new WeakMap(),
    listed: new WeakMap(),
  };
  return {
    streams: createSqlStreamStore({ ...scope, table: tables.eventStreams }),
    queue: createSqlSetQueue({
      ...scope,
      sets: tables.eventSets,
      queues: tables.eventQueues,
      now: options.now ?? (() => new Date()),
      removedStreamQuietMs: Math.max(0, options.removedStreamQuietMs ?? 60_000),
    }),
  };
}
