// The reference SetQueue: every stream's SETs in this process's memory. It is what the tests and a
// single-process server use; a SQL queue passes the same contract tests
// (test/fixtures/set-queue-contract.ts) and keeps SETs across restarts.
import type { NewQueuedSet, QueuedSet, QueuedSetState, SetQueue } from './streams.js';

/**
 * Options of {@link createMemorySetQueue}.
 * @example `{ now: () => clock.now(), maxDeliveredPerStream: 1_000 }`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2
 */
export interface MemorySetQueueOptions {
  /** The clock `retry` uses to make a replayed SET due at once. */
  readonly now?: () => Date;
  /**
   * How many delivered SETs each stream keeps for its delivery log (and for skipping a repeated
   * enqueue of the same key); the oldest are forgotten first. 10,000 by default.
   */
  readonly maxDeliveredPerStream?: number;
}

/** One queued SET and what the queue needs to order and find it. */
interface Entry {
  /** Insertion order: "oldest first" means the order SETs were queued, even when clocks tie. */
  readonly seq: number;
  set: QueuedSet;
  /** `nextAttemptAt` in milliseconds, compared on every claim. */
  dueAt: number;
}

interface StreamQueue {
  readonly byKey: Map<string, Entry>;
  readonly byJti: Map<string, Entry>;
  /** Pending entries, ascending by `seq` (a replayed dead SET goes back to its old place). */
  readonly pending: Entry[];
  /** Delivered entries in the order they were delivered, so the oldest are forgotten first. */
  readonly delivered: Entry[];
  readonly waiters: Set<() => void>;
}

const DEFAULT_MAX_DELIVERED = 10_000;

/**
 * A {@link SetQueue} in memory: enqueue is idempotent by stream and key; claim leases the due
 * pending SETs, oldest first and only the oldest pending SET of each subject, so a subject's SETs
 * are delivered one at a time and in order. Its SETs are lost when the process ends: the server's
 * outbox redelivers the changes a restarted process had not yet queued, but a queued SET not yet
 * delivered is gone, so use a durable queue where that matters.
 * @example
 * ```ts
 * const queue = createMemorySetQueue();
 * const publisher = createEventPublisher({ streams, queue, keys, issuer, resourceTypes });
 * const deliverer = createStreamDeliverer({ streams, queue });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2
 */
export function createMemorySetQueue(options: MemorySetQueueOptions = {}): SetQueue {
  const now = options.now ?? (() => new Date());
  const maxDelivered = options.maxDeliveredPerStream ?? DEFAULT_MAX_DELIVERED;
  const streams = new Map<string, StreamQueue>();
  let nextSeq = 0;

  const streamOf = (streamId: string): StreamQueue => {
    let stream = streams.get(streamId);
    if (stream === undefined) {
      stream = {
        byKey: new Map(),
        byJti: new Map(),
        pending: [],
        delivered: [],
        waiters: new Set(),
      };
      streams.set(streamId, stream);
    }
    return stream;
  };

  const wake = (stream: StreamQueue): void => {
    const waiters = [...stream.waiters];
    stream.waiters.clear();
    for (const resolve of waiters) resolve();
  };

  const removePending = (stream: StreamQueue, entry: Entry): void => {
    const index = indexOfSeq(stream.pending, entry.seq);
    if (stream.pending[index] === entry) stream.pending.splice(index, 1);
  };

  const forget = (stream: StreamQueue, entry: Entry): void => {
    stream.byKey.delete(entry.set.key);
    stream.byJti.delete(entry.set.jti);
  };

  /** The pending entry with this jti, or undefined when the SET is unknown or no longer pending. */
  const pendingEntry = (streamId: string, jti: string): Entry | undefined => {
    const entry = streams.get(streamId)?.byJti.get(jti);
    return entry?.set.state === 'pending' ? entry : undefined;
  };

  return {
    enqueue: (sets) =>
      settled(() => {
        let added = 0;
        const touched = new Set<StreamQueue>();
        for (const input of sets) {
          const stream = streamOf(input.streamId);
          if (stream.byKey.has(input.key) || stream.byJti.has(input.jti)) continue;
          const dueAt = Date.parse(input.queuedAt);
          const entry: Entry = {
            seq: nextSeq++,
            set: Object.freeze({
              ...copyNew(input),
              state: 'pending',
              attempts: 0,
              nextAttemptAt: input.queuedAt,
            }),
            dueAt: Number.isNaN(dueAt) ? 0 : dueAt,
          };
          stream.byKey.set(input.key, entry);
          stream.byJti.set(input.jti, entry);
          stream.pending.push(entry);
          touched.add(stream);
          added += 1;
        }
        for (const stream of touched) wake(stream);
        return added;
      }),

    claim: (streamId, { limit, now: at, leaseUntil }) =>
      settled(() => {
        const stream = streams.get(streamId);
        if (stream === undefined || limit <= 0) return [];
        const time = at.getTime();
        const lease = leaseUntil.toISOString();
        const leaseMs = leaseUntil.getTime();
        // A subject whose oldest pending SET is leased or waiting for its retry blocks its newer SETs:
        // delivering them first would let an older change arrive after a newer one.
        const seenSubjects = new Set<string>();
        const claimed: QueuedSet[] = [];
        for (const entry of stream.pending) {
          if (claimed.length >= limit) break;
          if (seenSubjects.has(entry.set.subject)) continue;
          seenSubjects.add(entry.set.subject);
          if (entry.dueAt > time) continue;
          update(entry, { nextAttemptAt: lease });
          entry.dueAt = leaseMs;
          claimed.push(entry.set);
        }
        return claimed;
      }),

    complete: (streamId, jti, at) =>
      settled(() => {
        const stream = streams.get(streamId);
        const entry = stream?.byJti.get(jti);
        if (stream === undefined || entry === undefined || entry.set.state === 'delivered') return;
        if (entry.set.state === 'pending') removePending(stream, entry);
        update(entry, { state: 'delivered', deliveredAt: at.toISOString() });
        stream.delivered.push(entry);
        while (stream.delivered.length > maxDelivered) {
          const oldest = stream.delivered.shift();
          if (oldest !== undefined) forget(stream, oldest);
        }
      }),

    fail: (streamId, jti, { error, retryAt }) =>
      settled(() => {
        const entry = pendingEntry(streamId, jti);
        const stream = streams.get(streamId);
        if (entry === undefined || stream === undefined) return;
        const attempts = entry.set.attempts + 1;
        if (retryAt === undefined) {
          removePending(stream, entry);
          update(entry, { state: 'dead', attempts, lastError: error });
          return;
        }
        update(entry, { attempts, lastError: error, nextAttemptAt: retryAt.toISOString() });
        entry.dueAt = retryAt.getTime();
      }),

    retry: (streamId, jti) =>
      settled(() => {
        const stream = streams.get(streamId);
        const entry = stream?.byJti.get(jti);
        if (stream === undefined || entry === undefined || entry.set.state !== 'dead') return false;
        // Back at its place it heads its subject again, but not while a newer SET of the subject is
        // out for delivery: it is due when that lease (or retry wait) ends at the latest, so two
        // SETs of one subject are never in flight at once.
        let due = now().getTime();
        for (const other of stream.pending)
          if (other.set.subject === entry.set.subject) due = Math.max(due, other.dueAt);
        // A replay gets the whole attempt budget again; `lastError` stays until the next attempt, so
        // the log still says why it died.
        update(entry, {
          state: 'pending',
          attempts: 0,
          nextAttemptAt: new Date(due).toISOString(),
        });
        entry.dueAt = due;
        stream.pending.splice(indexOfSeq(stream.pending, entry.seq), 0, entry);
        wake(stream);
        return true;
      }),

    list: (streamId, filter = {}) =>
      settled(() => {
        const stream = streams.get(streamId);
        if (stream === undefined) return [];
        const entries = [...stream.byKey.values()].sort((a, b) => a.seq - b.seq);
        const state: QueuedSetState | undefined = filter.state;
        const matching =
          state === undefined ? entries : entries.filter((e) => e.set.state === state);
        const limited = filter.limit === undefined ? matching : matching.slice(0, filter.limit);
        return limited.map((entry) => entry.set);
      }),

    removeStream: (streamId) =>
      settled(() => {
        const stream = streams.get(streamId);
        if (stream === undefined) return;
        streams.delete(streamId);
        // Long polls on a deleted stream return now rather than at their timeout.
        wake(stream);
      }),

    changed(streamId, signal) {
      if (signal.aborted) return Promise.resolve();
      const stream = streamOf(streamId);
      return new Promise<void>((resolve) => {
        const done = (): void => {
          stream.waiters.delete(done);
          signal.removeEventListener('abort', done);
          resolve();
        };
        stream.waiters.add(done);
        signal.addEventListener('abort', done, { once: true });
      });
    },
  };
}

/**
 * Replaces the entry's SET with a frozen copy: callers hold the SETs `claim` and `list` return, and
 * a later change must neither reach them nor be reachable through them.
 */
function update(
  entry: Entry,
  patch: Partial<
    Pick<QueuedSet, 'state' | 'attempts' | 'nextAttemptAt' | 'lastError' | 'deliveredAt'>
  >,
): void {
  entry.set = Object.freeze({ ...entry.set, ...patch });
}

/** The index of `seq` in entries sorted by `seq`, or where it would be inserted. */
function indexOfSeq(entries: readonly Entry[], seq: number): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((entries[middle]?.seq ?? Infinity) < seq) low = middle + 1;
    else high = middle;
  }
  return low;
}

/** A copy, so a caller changing its array afterwards cannot change the queued SET. */
function copyNew(set: NewQueuedSet): NewQueuedSet {
  return {
    streamId: set.streamId,
    key: set.key,
    subject: set.subject,
    jti: set.jti,
    txn: set.txn,
    eventUris: Object.freeze([...set.eventUris]),
    payload: set.payload,
    queuedAt: set.queuedAt,
  };
}

/**
 * Runs a synchronous change as a promise, so a throw becomes a rejection like a database store's
 * would, and callers cannot come to rely on this store answering synchronously.
 */
function settled<T>(change: () => T): Promise<T> {
  return new Promise((resolve) => resolve(change()));
}
