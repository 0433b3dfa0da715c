// The lifecycle outbox kept in memory: the handler's default, and the memory storage's, where events
// commit and roll back with the writes that recorded them.
import { UNGATED, type MemoryGate } from './memory-transaction.js';
import type {
  LifecycleEvent,
  OutboxContext,
  OutboxEntry,
  OutboxState,
  ScimOutbox,
} from './outbox.js';

/**
 * Options of {@link createMemoryOutbox}.
 * @example `createMemoryOutbox({ keepDelivered: 100 })`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface MemoryOutboxOptions {
  /**
   * How many delivered entries stay listed; older ones are dropped, oldest delivery first. Pending
   * and dead entries are never dropped. Default 1,000.
   */
  readonly keepDelivered?: number;
  /** The clock `retry` makes an entry due by (default the system clock). */
  readonly now?: () => Date;
}

/**
 * An outbox in memory: entries in the order they were appended, pending ones apart so that a poll
 * with nothing due costs nothing, and delivered ones pruned beyond `keepDelivered`.
 * @example
 * ```ts
 * const outbox = createMemoryOutbox();
 * createScimHandler({ stores, outbox, authenticate });
 * await outbox.list({ state: 'dead' });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface MemoryOutbox extends ScimOutbox {
  /** Entries held, of every state. */
  size(): number;
  clear(): void;
}

interface Entry {
  readonly event: LifecycleEvent;
  /** Append order: what "oldest first" means. */
  readonly sequence: number;
  state: OutboxState;
  attempts: number;
  /** Milliseconds since the epoch. */
  nextAttemptAt: number;
  lastError: string | undefined;
}

/**
 * Creates an outbox kept in memory. A handler without an `outbox` option uses one; the memory
 * storage has its own, whose appends roll back with the storage's transactions. Events are lost
 * when the process ends, so a production server keeps its outbox in its database.
 * @example
 * ```ts
 * const outbox = createMemoryOutbox({ keepDelivered: 100 });
 * await outbox.claim({ limit: 10, now: new Date(), leaseUntil: new Date(Date.now() + 30_000) });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export function createMemoryOutbox(options: MemoryOutboxOptions = {}): MemoryOutbox {
  return gatedMemoryOutbox(UNGATED, options);
}

/**
 * Runs a delivery-state change at once. Unlike appends, these never wait for the storage's lock:
 * they touch only events whose writes committed (a running transaction's own events are leased to
 * it and not yet due), so no rollback can meet them, and a request's hook delivery is not queued
 * behind every write waiting for the lock.
 */
function settled<T>(change: () => T): Promise<T> {
  return new Promise((resolve) => resolve(change()));
}

/** A memory outbox whose appends go through `gate`: the storage's lock and journal, or none. */
export function gatedMemoryOutbox(
  gate: MemoryGate,
  options: MemoryOutboxOptions = {},
): MemoryOutbox {
  const keepDelivered = Math.max(0, options.keepDelivered ?? 1000);
  const now = options.now ?? (() => new Date());
  /** Every entry, in append order. */
  const entries = new Map<string, Entry>();
  /** The pending ones, which are all `claim` looks at. */
  const pending = new Map<string, Entry>();
  /** The delivered ones, in delivery order, for pruning. */
  const delivered = new Map<string, Entry>();
  /** No pending entry is due before this (a lower bound; exact after each claim). */
  let earliestDue = Number.POSITIVE_INFINITY;
  let sequence = 0;

  const makePending = (entry: Entry, dueAt: number): void => {
    entry.state = 'pending';
    entry.nextAttemptAt = dueAt;
    pending.set(entry.event.id, entry);
    earliestDue = Math.min(earliestDue, dueAt);
  };

  const toEntry = (entry: Entry): OutboxEntry =>
    Object.freeze({
      event: entry.event,
      state: entry.state,
      attempts: entry.attempts,
      nextAttemptAt: new Date(entry.nextAttemptAt).toISOString(),
      ...(entry.lastError === undefined ? {} : { lastError: entry.lastError }),
    });

  return {
    append: (events, leaseUntil, context: OutboxContext) =>
      gate.write(context.transaction, (journal) => {
        for (const event of events) {
          if (entries.has(event.id))
            throw new TypeError(`The outbox already holds an event with id '${event.id}'`);
        }
        for (const event of events) {
          const entry: Entry = {
            event,
            sequence: sequence++,
            state: 'pending',
            attempts: 0,
            nextAttemptAt: leaseUntil.getTime(),
            lastError: undefined,
          };
          entries.set(event.id, entry);
          makePending(entry, entry.nextAttemptAt);
        }
        // Nothing else can have touched these entries before the rollback reaches this step.
        journal?.push(() => {
          for (const event of events) {
            entries.delete(event.id);
            pending.delete(event.id);
          }
        });
      }),

    claim: ({ limit, now: at, leaseUntil }) =>
      settled(() => {
        const time = at.getTime();
        if (time < earliestDue || limit <= 0) return [];
        const due: Entry[] = [];
        let earliest = Number.POSITIVE_INFINITY;
        for (const entry of pending.values()) {
          if (entry.nextAttemptAt <= time) due.push(entry);
          else earliest = Math.min(earliest, entry.nextAttemptAt);
        }
        // A retried entry is re-queued at the end of `pending`; its age is its append order.
        due.sort((a, b) => a.sequence - b.sequence);
        const claimed = due.slice(0, limit);
        for (const entry of due.slice(limit)) earliest = Math.min(earliest, entry.nextAttemptAt);
        const lease = leaseUntil.getTime();
        for (const entry of claimed) entry.nextAttemptAt = lease;
        if (claimed.length > 0) earliest = Math.min(earliest, lease);
        earliestDue = earliest;
        return claimed.map(toEntry);
      }),

    complete: (id) =>
      settled(() => {
        const entry = entries.get(id);
        if (entry === undefined || entry.state === 'delivered') return;
        pending.delete(id);
        entry.state = 'delivered';
        delivered.set(id, entry);
        for (const oldest of delivered.keys()) {
          if (delivered.size <= keepDelivered) break;
          delivered.delete(oldest);
          entries.delete(oldest);
        }
      }),

    fail: (id, error, retryAt) =>
      settled(() => {
        const entry = entries.get(id);
        if (entry?.state !== 'pending') return;
        entry.attempts++;
        entry.lastError = error;
        if (retryAt !== undefined) {
          makePending(entry, retryAt.getTime());
          return;
        }
        pending.delete(id);
        entry.state = 'dead';
      }),

    list(filter = {}) {
      const found: OutboxEntry[] = [];
      const limit = filter.limit ?? Number.POSITIVE_INFINITY;
      for (const entry of entries.values()) {
        if (found.length >= limit) break;
        if (filter.state !== undefined && entry.state !== filter.state) continue;
        if (filter.tenant !== undefined && entry.event.tenant !== filter.tenant) continue;
        found.push(toEntry(entry));
      }
      return Promise.resolve(found);
    },

    retry: (id) =>
      settled(() => {
        const entry = entries.get(id);
        if (entry?.state !== 'dead') return false;
        makePending(entry, now().getTime());
        return true;
      }),

    size: () => entries.size,

    clear() {
      entries.clear();
      pending.clear();
      delivered.clear();
      earliestDue = Number.POSITIVE_INFINITY;
    },
  };
}
