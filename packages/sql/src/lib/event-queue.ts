// @scim/events' SetQueue as a table, so queued Security Event Tokens survive a restart and several
// processes deliver from one queue. A claim takes only the oldest pending SET of each subject, under
// row locks that concurrent deliverers skip (as the lifecycle outbox's claim does). Enqueue and
// removeStream lock the stream's row in the queues table: enqueues to one stream then commit in the
// order their sequence numbers were drawn (a claim never sees a subject's newer SET before its older
// one), and an enqueue racing a removal either lands before it, and is deleted, or sees it.
import {
  createChangeWaiters,
  type NewQueuedSet,
  type QueuedSet,
  type QueuedSetState,
  type SetQueue,
} from '@scim/events';
import { sql, type RawBuilder } from 'kysely';
import {
  forUpdate,
  inTransaction,
  toNumber,
  type Executor,
  type TransactionScope,
} from './shared.js';

/**
 * The SQL SET queue: {@link SetQueue} over the `event_sets` table, plus `prune`. Delivered SETs stay,
 * for the delivery log and for skipping a repeated enqueue of their key, until pruned; so do dead
 * ones, for replay.
 * @example `await events.queue.prune(new Date(Date.now() - 7 * 86_400_000))`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2
 */
export interface SqlSetQueue extends SetQueue {
  /**
   * Deletes the SETs delivered before `before` (and, with `dead: true`, those that went dead before
   * it), of every stream; resolves how many. A key enqueued again after its SET was pruned is queued
   * again, so keep at least as long as a fan-out may be retried.
   */
  prune(before: Date, options?: { readonly dead?: boolean }): Promise<number>;
}

/** What the queue needs: a transaction scope, its two tables, a clock and the quiet time. */
export interface SetQueueTables extends TransactionScope {
  readonly sets: string;
  readonly queues: string;
  readonly now: () => Date;
  readonly removedStreamQuietMs: number;
}

interface SetRow {
  readonly seq: unknown;
  readonly stream_id: string;
  readonly set_key: string;
  readonly subject: string;
  readonly jti: string;
  readonly txn: string;
  readonly event_uris: string;
  readonly payload: string;
  readonly queued_at: string;
  readonly state: QueuedSetState;
  readonly attempts: unknown;
  readonly next_attempt_ms: unknown;
  readonly last_error: string | null;
  readonly settled_ms: unknown;
}

/** Rows per INSERT and values per IN list, well below every database's parameter limit. */
const CHUNK = 200;
/** Flags of `superseded`: a newer SET of the subject was delivered; the SET was replayed by force. */
const NEWER_DELIVERED = 1;
const FORCED = 2;
/** Why a replay went dead again when a newer SET of its subject was delivered (see `complete`). */
const SUPERSEDED = 'Not replayed: a newer SET of its subject was delivered first';

const COLUMNS = sql`s.seq, s.stream_id, s.set_key, s.subject, s.jti, s.txn, s.event_uris, s.payload, s.queued_at, s.state, s.attempts, s.next_attempt_ms, s.last_error, s.settled_ms`;

/** Creates the SQL {@link SetQueue} over the `event_sets` and `event_queues` tables. */
export function createSqlSetQueue(scope: SetQueueTables): SqlSetQueue {
  const sets = sql.table(scope.sets);
  const queues = sql.table(scope.queues);
  const lock = forUpdate(scope);
  const skipLocked: RawBuilder<unknown> =
    scope.dialect === 'sqlite' ? sql`` : sql` FOR UPDATE SKIP LOCKED`;
  const shareLock: RawBuilder<unknown> =
    scope.dialect === 'sqlite'
      ? sql``
      : scope.dialect === 'mysql'
        ? sql` LOCK IN SHARE MODE`
        : sql` FOR SHARE`;
  /** Long polls of this process by stream id: a hint, so only this process's changes wake them. */
  const { wait, wake } = createChangeWaiters();

  /** Locks the stream's queue row (making it first), and answers until when it is removed. */
  const lockStream = async (executor: Executor, streamId: string): Promise<number | undefined> => {
    await (
      scope.dialect === 'mysql'
        ? sql`INSERT INTO ${queues} (stream_id, removed_until_ms) VALUES (${streamId}, NULL) ON DUPLICATE KEY UPDATE stream_id = stream_id`
        : sql`INSERT INTO ${queues} (stream_id, removed_until_ms) VALUES (${streamId}, NULL) ON CONFLICT (stream_id) DO NOTHING`
    ).execute(executor);
    const row = await sql<{
      removed_until_ms: unknown;
    }>`SELECT removed_until_ms FROM ${queues} WHERE stream_id = ${streamId}${lock}`.execute(
      executor,
    );
    const until = row.rows[0]?.removed_until_ms;
    return until === null || until === undefined ? undefined : toNumber(until);
  };

  /** The SETs of one stream's batch whose key and jti the stream does not hold, each once. */
  const newOf = async (
    executor: Executor,
    streamId: string,
    batch: readonly NewQueuedSet[],
  ): Promise<NewQueuedSet[]> => {
    const keys = new Set<string>();
    const jtis = new Set<string>();
    for (const part of chunks(batch)) {
      const held = await sql<{
        set_key: string;
        jti: string;
      }>`SELECT set_key, jti FROM ${sets} WHERE stream_id = ${streamId} AND (set_key IN (${sql.join(part.map((set) => set.key))}) OR jti IN (${sql.join(part.map((set) => set.jti))}))`.execute(
        executor,
      );
      for (const row of held.rows) {
        keys.add(row.set_key);
        jtis.add(row.jti);
      }
    }
    const fresh: NewQueuedSet[] = [];
    for (const set of batch) {
      if (keys.has(set.key) || jtis.has(set.jti)) continue;
      keys.add(set.key);
      jtis.add(set.jti);
      fresh.push(set);
    }
    return fresh;
  };

  const insert = async (executor: Executor, fresh: readonly NewQueuedSet[]): Promise<void> => {
    for (const part of chunks(fresh)) {
      const rows = part.map((set) => {
        const due = Date.parse(set.queuedAt);
        return sql`(${set.streamId}, ${set.key}, ${set.subject}, ${set.jti}, ${set.txn}, ${JSON.stringify(set.eventUris)}, ${set.payload}, ${set.queuedAt}, 'pending', 0, ${Number.isNaN(due) ? 0 : due}, NULL, NULL, 0)`;
      });
      await sql`INSERT INTO ${sets} (stream_id, set_key, subject, jti, txn, event_uris, payload, queued_at, state, attempts, next_attempt_ms, last_error, settled_ms, superseded) VALUES ${sql.join(rows)}`.execute(
        executor,
      );
    }
  };

  const queue: SqlSetQueue = {
    async enqueue(input) {
      const byStream = new Map<string, NewQueuedSet[]>();
      for (const set of input) {
        const batch = byStream.get(set.streamId);
        if (batch === undefined) byStream.set(set.streamId, [set]);
        else batch.push(set);
      }
      // Streams locked in one order, so two fan-outs to the same streams never deadlock.
      const streamIds = [...byStream.keys()].sort();
      if (streamIds.length === 0) return 0;
      const { added, touched } = await inTransaction(scope, async (executor) => {
        const time = scope.now().getTime();
        let count = 0;
        const woken: string[] = [];
        for (const streamId of streamIds) {
          const removedUntil = await lockStream(executor, streamId);
          if (removedUntil !== undefined && removedUntil > time) continue;
          const fresh = await newOf(executor, streamId, byStream.get(streamId) ?? []);
          if (fresh.length === 0) continue;
          await insert(executor, fresh);
          count += fresh.length;
          woken.push(streamId);
        }
        return { added: count, touched: woken };
      });
      for (const streamId of touched) wake(streamId);
      return added;
    },

    claim(streamId, { limit, now, leaseUntil }) {
      const count = Math.floor(limit);
      if (!(count > 0)) return Promise.resolve([]);
      return inTransaction(scope, async (executor) => {
        // A shared lock on the stream's queue row, which `retry` locks for update: claims run side by
        // side, but not beside a replay. Without it, a claim whose statement began before a replay
        // committed reads the replayed SET as still dead (its snapshot is older) and hands out the
        // subject's newer SET, while the replay, having read no lease on that SET, is due at once:
        // two SETs of one subject out together. Taken first, the lock makes the claim's statement
        // start (and take its snapshot) after the replay committed, so it sees the replayed SET
        // pending and holds the newer one back. (Locking the newer SET in `retry` is not enough:
        // PostgreSQL re-checks a row changed under it, not the NOT EXISTS, which keeps its snapshot.)
        await sql`SELECT stream_id FROM ${queues} WHERE stream_id = ${streamId}${shareLock}`.execute(
          executor,
        );
        // Only each subject's oldest pending SET may go: while it is leased or waits for its retry,
        // a newer one would let an older change arrive after a newer one.
        const rows = (
          await sql<SetRow>`SELECT ${COLUMNS} FROM ${sets} s WHERE s.stream_id = ${streamId} AND s.state = 'pending' AND s.next_attempt_ms <= ${now.getTime()} AND NOT EXISTS (SELECT 1 FROM ${sets} p WHERE p.stream_id = s.stream_id AND p.subject = s.subject AND p.state = 'pending' AND p.seq < s.seq) ORDER BY s.seq LIMIT ${count}${skipLocked}`.execute(
            executor,
          )
        ).rows;
        if (rows.length === 0) return [];
        const lease = leaseUntil.getTime();
        await sql`UPDATE ${sets} SET next_attempt_ms = ${lease} WHERE stream_id = ${streamId} AND seq IN (${sql.join(rows.map((row) => row.seq))})`.execute(
          executor,
        );
        return rows.map((row) => toQueuedSet(row, lease));
      });
    },

    async complete(streamId, jti, at) {
      await inTransaction(scope, async (executor) => {
        const row = (
          await sql<{
            seq: unknown;
            subject: string;
            state: QueuedSetState;
          }>`SELECT seq, subject, state FROM ${sets} WHERE stream_id = ${streamId} AND jti = ${jti}${lock}`.execute(
            executor,
          )
        ).rows[0];
        if (row === undefined || row.state === 'delivered') return;
        await sql`UPDATE ${sets} SET state = 'delivered', settled_ms = ${at.getTime()} WHERE stream_id = ${streamId} AND seq = ${row.seq}`.execute(
          executor,
        );
        // `superseded` holds two flags: NEWER_DELIVERED, a newer SET of its subject was delivered
        // (retry then refuses it), and FORCED, replayed with force (delivered whatever the order).
        // A flag on them rather than a look at the delivered SETs, which prune may have deleted.
        // A replay of an older SET still pending, made while this one was out, would now reach the
        // receiver after it (an `activate` after the `deactivate` re-enables a leaver): back to the
        // dead letters, unless forced.
        await sql`UPDATE ${sets} SET state = 'dead', last_error = ${SUPERSEDED}, settled_ms = ${at.getTime()} WHERE stream_id = ${streamId} AND subject = ${row.subject} AND seq < ${row.seq} AND state = 'pending' AND (superseded & ${sql.lit(FORCED)}) = 0`.execute(
          executor,
        );
        await sql`UPDATE ${sets} SET superseded = superseded | ${sql.lit(NEWER_DELIVERED)} WHERE stream_id = ${streamId} AND subject = ${row.subject} AND seq < ${row.seq} AND state <> 'delivered' AND (superseded & ${sql.lit(NEWER_DELIVERED)}) = 0`.execute(
          executor,
        );
      });
      // Its subject's next SET may go now: a long poll of this process waiting looks again.
      wake(streamId);
    },

    async fail(streamId, jti, { error, retryAt }) {
      // PostgreSQL refuses U+0000 in text; a receiver's message may hold anything.
      // eslint-disable-next-line no-control-regex -- U+0000 is the character replaced
      const message = error.replace(/\u0000/g, '\uFFFD');
      await (
        retryAt === undefined
          ? sql`UPDATE ${sets} SET attempts = attempts + 1, last_error = ${message}, state = 'dead', settled_ms = ${scope.now().getTime()} WHERE stream_id = ${streamId} AND jti = ${jti} AND state = 'pending'`
          : sql`UPDATE ${sets} SET attempts = attempts + 1, last_error = ${message}, next_attempt_ms = ${retryAt.getTime()} WHERE stream_id = ${streamId} AND jti = ${jti} AND state = 'pending'`
      ).execute(scope.db);
      // Due again, or dead and out of its subject's way: a long poll of this process looks again.
      wake(streamId);
    },

    async retry(streamId, jti, options = {}) {
      const replayed = await inTransaction(scope, async (executor) => {
        // Waits out the claims running now and holds new ones back until this commits (see claim).
        await lockStream(executor, streamId);
        const row = (
          await sql<{
            seq: unknown;
            subject: string;
            superseded: unknown;
          }>`SELECT seq, subject, superseded FROM ${sets} WHERE stream_id = ${streamId} AND jti = ${jti} AND state = 'dead'${lock}`.execute(
            executor,
          )
        ).rows[0];
        if (row === undefined) return false;
        // A newer SET of the subject reached the receiver: replaying this one would undo it there.
        const flags = toNumber(row.superseded);
        if ((flags & NEWER_DELIVERED) !== 0 && options.force !== true) return false;
        // Back at its place it heads its subject again, but not while a newer SET of the subject is
        // out for delivery: due when that lease (or retry wait) ends. Locking those rows makes a
        // claim running now either finish first (its lease is read here) or skip them.
        const pending = await sql<{
          next_attempt_ms: unknown;
        }>`SELECT next_attempt_ms FROM ${sets} WHERE stream_id = ${streamId} AND subject = ${row.subject} AND state = 'pending'${lock}`.execute(
          executor,
        );
        let due = scope.now().getTime();
        for (const other of pending.rows) due = Math.max(due, toNumber(other.next_attempt_ms));
        // A replay gets the whole attempt budget again; `last_error` stays, so the log still says
        // why it died.
        // Forced, it is marked so that a newer SET delivered meanwhile leaves it pending; not forced,
        // an earlier force no longer holds.
        const superseded = options.force === true ? flags | FORCED : flags & ~FORCED;
        await sql`UPDATE ${sets} SET state = 'pending', attempts = 0, next_attempt_ms = ${due}, settled_ms = NULL, superseded = ${superseded} WHERE stream_id = ${streamId} AND seq = ${row.seq}`.execute(
          executor,
        );
        return true;
      });
      if (replayed) wake(streamId);
      return replayed;
    },

    async list(streamId, filter = {}) {
      const state = filter.state === undefined ? sql`` : sql` AND s.state = ${filter.state}`;
      const limit =
        filter.limit === undefined ? sql`` : sql` LIMIT ${Math.max(0, Math.floor(filter.limit))}`;
      const rows =
        await sql<SetRow>`SELECT ${COLUMNS} FROM ${sets} s WHERE s.stream_id = ${streamId}${state} ORDER BY s.seq${limit}`.execute(
          scope.db,
        );
      return rows.rows.map((row) => toQueuedSet(row));
    },

    async removeStream(streamId) {
      await inTransaction(scope, async (executor) => {
        await lockStream(executor, streamId);
        const quiet = scope.removedStreamQuietMs;
        const until = quiet > 0 ? scope.now().getTime() + quiet : null;
        await sql`UPDATE ${queues} SET removed_until_ms = ${until} WHERE stream_id = ${streamId}`.execute(
          executor,
        );
        await sql`DELETE FROM ${sets} WHERE stream_id = ${streamId}`.execute(executor);
      });
      // Long polls on a deleted stream return now rather than at their timeout.
      wake(streamId);
    },

    changed: wait,

    async prune(before, options = {}) {
      const time = before.getTime();
      const states =
        options.dead === true ? sql`state IN ('delivered', 'dead')` : sql`state = 'delivered'`;
      const result =
        await sql`DELETE FROM ${sets} WHERE ${states} AND settled_ms < ${time}`.execute(scope.db);
      // Removed streams whose quiet time is over need their row no longer.
      await sql`DELETE FROM ${queues} WHERE removed_until_ms IS NOT NULL AND removed_until_ms <= ${scope.now().getTime()}`.execute(
        scope.db,
      );
      return Number(result.numAffectedRows ?? 0n);
    },
  };
  return queue;
}

/** A SET as callers get it: frozen, so a holder can change neither it nor the queue through it. */
function toQueuedSet(row: SetRow, nextAttemptMs = toNumber(row.next_attempt_ms)): QueuedSet {
  const eventUris = JSON.parse(row.event_uris) as string[];
  return Object.freeze({
    streamId: row.stream_id,
    key: row.set_key,
    subject: row.subject,
    jti: row.jti,
    txn: row.txn,
    eventUris: Object.freeze(eventUris),
    payload: row.payload,
    queuedAt: row.queued_at,
    state: row.state,
    attempts: toNumber(row.attempts),
    nextAttemptAt: new Date(nextAttemptMs).toISOString(),
    ...(row.last_error === null ? {} : { lastError: row.last_error }),
    ...(row.state === 'delivered' && row.settled_ms !== null
      ? { deliveredAt: new Date(toNumber(row.settled_ms)).toISOString() }
      : {}),
  });
}

function chunks<T>(values: readonly T[]): T[][] {
  const parts: T[][] = [];
  for (let from = 0; from < values.length; from += CHUNK)
    parts.push(values.slice(from, from + CHUNK));
  return parts;
}
