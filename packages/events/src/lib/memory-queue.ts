// The reference SetQueue: every stream's SETs in this process's memory. It is what the tests and a
// single-process server use; a SQL queue passes the same contract tests
// (test/fixtures/set-queue-contract.ts) and keeps SETs across restarts.
import { formatDateTime, parseDateTime } from '@scim/core';
import { createChangeWaiters } from './change-waiters.js';
import { markKeepsQueuedText } from './queued-text.js';
import { createTimeText } from './time-text.js';
import { settled } from './settled.js';
import {
  Fifo,
  indexOfSeq,
  newEntry,
  oldestDue,
  trim,
  update,
  viewOf,
  whole,
  type Entry,
  type SubjectQueue,
} from './memory-queue-entries.js';
import type { QueuedSetState, SetQueue } from './streams.js';

/**
 * Options of {@link createMemorySetQueue}.
 * @example `{ now: () => clock.now(), maxDeliveredPerStream: 1_000, maxDeadPerStream: 1_000 }`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2
 */
export interface MemorySetQueueOptions {
  /** The clock `retry` uses to make a replayed SET due at once, and `removeStream`'s quiet time. */
  readonly now?: () => Date;
  /**
   * How many delivered SETs each stream keeps for its delivery log and for skipping a repeated
   * enqueue of the same key, without their payload; the oldest delivered are forgotten first.
   * 10,000 by default.
   * Idempotency holds within this window only: once a delivered SET is forgotten, enqueuing its key
   * again queues it again.
   */
  readonly maxDeliveredPerStream?: number;
  /**
   * How many dead SETs each stream keeps for replay; the oldest dead are dropped first and counted
   * (see `deadDropped`). 10,000 by default. A dropped SET can no longer be replayed, and its key may
   * be queued again.
   */
  readonly maxDeadPerStream?: number;
  /**
   * For how long after `removeStream` enqueues for the stream's id are ignored, in milliseconds:
   * a fan-out that read the stream just before it was deleted then adds nothing, rather than
   * leaving SETs no deliverer will ever claim. 60,000 by default. A stream created again with the
   * same id within this time misses the SETs queued meanwhile (SSF ids are random, so only an
   * operator re-creating a stream by name can meet this).
   */
  readonly removedStreamQuietMs?: number;
}

interface StreamQueue {
  readonly byKey: Map<string, Entry>;
  /**
   * The pending and dead SETs by jti. A delivered SET leaves it (complete, fail and retry ignore a
   * delivered SET all the same): every write looks a jti up here, and a map as small as the backlog
   * stays in the processor's caches where one of every delivered SET kept would not.
   */
  readonly byJti: Map<string, Entry>;
  /**
   * Subjects with pending or dead SETs. A claim looks at the head of each subject with pending SETs
   * only, so its cost follows the number of subjects, not of pending SETs.
   */
  readonly subjects: Map<string, SubjectQueue>;
  /** Delivered entries in the order they were delivered, so the oldest are forgotten first. */
  readonly delivered: Fifo;
  /** Dead entries in the order they died, so the oldest are dropped first. */
  readonly dead: Set<Entry>;
  /** How many dead SETs were dropped to stay within `maxDeadPerStream`. */
  deadDropped: number;
}

const DEFAULT_MAX_DELIVERED = 10_000;
/** Why a replay went dead again (see `supersedeReplays`). */
const SUPERSEDED = 'Not replayed: a newer SET of its subject was delivered first';
const DEFAULT_MAX_DEAD = 10_000;
const DEFAULT_REMOVED_QUIET_MS = 60_000;

/**
 * A {@link SetQueue} in memory: enqueue is idempotent by stream and key (within the retention of
 * delivered SETs); claim leases the due pending SETs, oldest first and only the oldest pending SET
 * of each subject, so a subject's SETs are delivered one at a time and in order. It keeps at most
 * `maxDeliveredPerStream` delivered and `maxDeadPerStream` dead SETs per stream. Its SETs are lost
 * when the process ends: the server's outbox redelivers the changes a restarted process had not yet
 * queued, but a queued SET not yet delivered is gone, so use a durable queue where that matters.
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
  const maxDead = options.maxDeadPerStream ?? DEFAULT_MAX_DEAD;
  const quietMs = options.removedStreamQuietMs ?? DEFAULT_REMOVED_QUIET_MS;
  const streams = new Map<string, StreamQueue>();
  /** Long polls by stream id, apart from the SETs so waiting never creates a stream's state. */
  const { wait, wake } = createChangeWaiters();
  /** Removed stream ids and until when (ms) their enqueues are ignored. */
  const removed = new Map<string, number>();
  let nextSeq = 0;
  /**
   * The `queuedAt` last parsed, and its time: the SETs of one fan-out share it, and a publisher's
   * fan-outs of one millisecond too.
   */
  let lastQueuedAt: string | undefined;
  let lastDueAt = 0;
  /** A claimed batch shares its lease's end, a batch of deliveries often their time. */
  const leaseText = createTimeText();
  const deliveredText = createTimeText();

  const streamOf = (streamId: string): StreamQueue => {
    let stream = streams.get(streamId);
    if (stream === undefined) {
      stream = {
        byKey: new Map(),
        byJti: new Map(),
        subjects: new Map(),
        delivered: new Fifo(),
        dead: new Set(),
        deadDropped: 0,
      };
      streams.set(streamId, stream);
    }
    return stream;
  };

  const subjectOf = (stream: StreamQueue, subject: string): SubjectQueue => {
    let queue = stream.subjects.get(subject);
    if (queue === undefined) {
      queue = { pending: [], dead: 0, latestDelivered: -1 };
      stream.subjects.set(subject, queue);
    }
    return queue;
  };

  /** Drops the subject's record once it has nothing pending or dead left to order. */
  const tidy = (stream: StreamQueue, subject: string): void => {
    const queue = stream.subjects.get(subject);
    if (queue !== undefined && queue.pending.length === 0 && queue.dead === 0)
      stream.subjects.delete(subject);
  };

  const isQuiet = (streamId: string): boolean => {
    if (removed.size === 0) return false;
    const until = removed.get(streamId);
    if (until === undefined) return false;
    if (now().getTime() < until) return true;
    removed.delete(streamId);
    return false;
  };

  const removePending = (stream: StreamQueue, entry: Entry): void => {
    const queue = stream.subjects.get(entry.subject);
    if (queue === undefined) return;
    const index = indexOfSeq(queue.pending, entry.seq);
    if (queue.pending[index] === entry) queue.pending.splice(index, 1);
  };

  /**
   * Takes an entry out of the indexes, where it still stands: a delivered SET has left the jti
   * index, and a later SET may hold its jti there since.
   */
  const forget = (stream: StreamQueue, entry: Entry): void => {
    if (stream.byKey.get(entry.key) === entry) stream.byKey.delete(entry.key);
    if (stream.byJti.get(entry.jti) === entry) stream.byJti.delete(entry.jti);
  };

  /** Takes a dead entry off the dead list (replayed, acknowledged late, or dropped). */
  const leaveDead = (stream: StreamQueue, entry: Entry): void => {
    stream.dead.delete(entry);
    const queue = stream.subjects.get(entry.subject);
    if (queue !== undefined) queue.dead -= 1;
  };

  /** Makes a pending entry dead, keeping at most `maxDead` dead entries. */
  const die = (
    stream: StreamQueue,
    entry: Entry,
    failure: { readonly lastError: string; readonly attempts?: number },
  ): void => {
    removePending(stream, entry);
    update(entry, { state: 'dead', ...failure });
    subjectOf(stream, entry.subject).dead += 1;
    stream.dead.add(entry);
    trim(stream.dead, maxDead, (oldest) => {
      leaveDead(stream, oldest);
      tidy(stream, oldest.subject);
      forget(stream, oldest);
      stream.deadDropped += 1;
    });
  };

  /**
   * Sends back to the dead letters the replays of a subject's older SETs that are still pending
   * once a newer SET of it was delivered: replayed while that one was out, they would now reach
   * the receiver after it (an `activate` after the `deactivate` re-enables a leaver), which `retry`
   * refuses from then on. A replay forced knowingly out of order stays.
   */
  const supersedeReplays = (stream: StreamQueue, subject: SubjectQueue, seq: number): void => {
    // Pending entries are in `seq` order: the older ones lead, and there are none on every
    // delivery but one made behind a replay.
    if (!((subject.pending[0]?.seq ?? seq) < seq)) return;
    const older = subject.pending.filter((other) => other.seq < seq && !other.forced);
    for (const replay of older) die(stream, replay, { lastError: SUPERSEDED });
  };

  /** The pending entry with this jti, or undefined when the SET is unknown or no longer pending. */
  const pendingEntry = (streamId: string, jti: string): Entry | undefined => {
    const entry = streams.get(streamId)?.byJti.get(jti);
    return entry?.state === 'pending' ? entry : undefined;
  };

  const queue: SetQueue = {
    enqueue: (sets) =>
      settled(() => {
        let added = 0;
        // The SETs of one fan-out share their stream: looked up once. Each write queues SETs, so
        // this path counts every map lookup and allocation.
        let streamId: string | undefined;
        let stream: StreamQueue | undefined;
        let woken: string | undefined;
        for (const input of sets) {
          if (input.streamId !== streamId) {
            streamId = input.streamId;
            stream = isQuiet(streamId) ? undefined : streamOf(streamId);
          }
          if (stream === undefined) continue;
          // In one piece before they are hashed: hashing a tree of strings walks the tree.
          const key = whole(input.key);
          const jti = whole(input.jti);
          if (stream.byKey.has(key) || stream.byJti.has(jti)) continue;
          if (input.queuedAt !== lastQueuedAt) {
            lastQueuedAt = input.queuedAt;
            // An xsd:dateTime without an offset is UTC (parseDateTime); any other text as JavaScript reads it.
            const ms = parseDateTime(lastQueuedAt) ?? Date.parse(lastQueuedAt);
            lastDueAt = Number.isNaN(ms) ? 0 : ms;
          }
          const entry = newEntry(nextSeq++, input, lastDueAt);
          stream.byKey.set(key, entry);
          stream.byJti.set(jti, entry);
          subjectOf(stream, entry.subject).pending.push(entry);
          added += 1;
          // A woken poll runs after this synchronous change, so it already sees the whole batch.
          if (woken !== streamId) {
            woken = streamId;
            wake(streamId);
          }
        }
        return added;
      }),

    claim: (streamId, { limit, now: at, leaseUntil }) =>
      settled(() => {
        const stream = streams.get(streamId);
        if (stream === undefined || limit <= 0) return [];
        const time = at.getTime();
        // Only each subject's oldest pending SET may go: while it is leased or waiting for its
        // retry, delivering a newer one would let an older change arrive after a newer one.
        const due = oldestDue(stream.subjects.values(), time, limit);
        const lease = leaseText(leaseUntil.getTime());
        const leaseMs = leaseUntil.getTime();
        return due.map((entry) => {
          update(entry, { nextAttemptAt: lease });
          entry.dueAt = leaseMs;
          return viewOf(entry);
        });
      }),

    complete: (streamId, jti, at) =>
      settled(() => {
        const stream = streams.get(streamId);
        const entry = stream?.byJti.get(jti);
        if (stream === undefined || entry === undefined || entry.state === 'delivered') return;
        const subject = stream.subjects.get(entry.subject);
        if (subject !== undefined) {
          if (entry.state === 'pending') {
            const index = indexOfSeq(subject.pending, entry.seq);
            if (subject.pending[index] === entry) subject.pending.splice(index, 1);
          } else {
            stream.dead.delete(entry);
            subject.dead -= 1;
          }
          subject.latestDelivered = Math.max(subject.latestDelivered, entry.seq);
          supersedeReplays(stream, subject, entry.seq);
          if (subject.pending.length === 0 && subject.dead === 0)
            stream.subjects.delete(entry.subject);
        } else if (entry.state === 'dead') stream.dead.delete(entry);
        update(entry, { state: 'delivered', deliveredAt: deliveredText(at.getTime()) });
        // Sent and acknowledged: the delivery log needs how it went, not what it said.
        entry.payload = '';
        stream.byJti.delete(jti);
        stream.delivered.push(entry);
        while (stream.delivered.size > maxDelivered) {
          const oldest = stream.delivered.shift();
          if (oldest !== undefined) forget(stream, oldest);
        }
        // Its subject's next SET may go now: a long poll waiting on the stream looks again.
        wake(streamId);
      }),

    fail: (streamId, jti, { error, retryAt }) =>
      settled(() => {
        const entry = pendingEntry(streamId, jti);
        const stream = streams.get(streamId);
        if (entry === undefined || stream === undefined) return;
        const attempts = entry.attempts + 1;
        if (retryAt === undefined) die(stream, entry, { attempts, lastError: error });
        else {
          update(entry, { attempts, lastError: error, nextAttemptAt: formatDateTime(retryAt) });
          entry.dueAt = retryAt.getTime();
        }
        // Due again, or dead and out of its subject's way: a long poll waiting looks again.
        wake(streamId);
      }),

    retry: (streamId, jti, retryOptions = {}) =>
      settled(() => {
        const stream = streams.get(streamId);
        const entry = stream?.byJti.get(jti);
        if (stream === undefined || entry === undefined || entry.state !== 'dead') return false;
        const subject = subjectOf(stream, entry.subject);
        // A newer SET of the subject already reached the receiver: replaying this one would undo
        // it there (an `activate` arriving after the `deactivate` re-enables a leaver).
        if (subject.latestDelivered > entry.seq && retryOptions.force !== true) return false;
        // Back at its place it heads its subject again, but not while a newer SET of the subject is
        // out for delivery: it is due when that lease (or retry wait) ends at the latest, so two
        // SETs of one subject are never in flight at once.
        let due = now().getTime();
        for (const other of subject.pending) due = Math.max(due, other.dueAt);
        // A replay gets the whole attempt budget again; `lastError` stays until the next attempt, so
        // the log still says why it died.
        update(entry, {
          state: 'pending',
          attempts: 0,
          nextAttemptAt: formatDateTime(due),
        });
        entry.dueAt = due;
        entry.forced = retryOptions.force === true;
        leaveDead(stream, entry);
        subject.pending.splice(indexOfSeq(subject.pending, entry.seq), 0, entry);
        wake(streamId);
        return true;
      }),

    list: (streamId, filter = {}) =>
      settled(() => {
        const stream = streams.get(streamId);
        if (stream === undefined) return [];
        const entries = [...stream.byKey.values()].sort((a, b) => a.seq - b.seq);
        const state: QueuedSetState | undefined = filter.state;
        const matching = state === undefined ? entries : entries.filter((e) => e.state === state);
        const limited = filter.limit === undefined ? matching : matching.slice(0, filter.limit);
        return limited.map(viewOf);
      }),

    removeStream: (streamId) =>
      settled(() => {
        streams.delete(streamId);
        const time = now().getTime();
        for (const [id, until] of removed) if (until <= time) removed.delete(id);
        if (quietMs > 0) removed.set(streamId, time + quietMs);
        // Long polls on a deleted stream return now rather than at their timeout.
        wake(streamId);
      }),

    changed: wait,

    deadDropped: (streamId) => settled(() => streams.get(streamId)?.deadDropped ?? 0),
  };
  return markKeepsQueuedText(queue);
}
