// The lifecycle outbox kept in memory: the handler's default, and the memory storage's, where events
// commit and roll back with the writes that recorded them.
import { formatDateTime, parseDateTime } from '@scim/core';
import { UNGATED, type MemoryGate } from './memory-transaction.js';
import type {
  LifecycleEvent,
  OutboxContext,
  OutboxEntry,
  OutboxState,
  ScimOutbox,
} from '../lifecycle/outbox.js';

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
 * An outbox in memory: entries in the order they were appended, the pending ones queued per resource
 * so that a poll looks at each resource's oldest only and a poll with nothing due costs nothing, and
 * delivered ones pruned beyond `keepDelivered`.
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
  /** The resource's queue this entry waits in while pending. */
  readonly resource: string;
  state: OutboxState;
  attempts: number;
  /** Milliseconds since the epoch. */
  nextAttemptAt: number;
  lastError: string | undefined;
  /** False while the transaction that appended it runs: no claim may see it (READ COMMITTED). */
  committed: boolean;
  /** Whether a claim has taken it: until then the writer may take it under its own lease. */
  claimed: boolean;
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
 * `claim` never sees a running transaction's events (they are kept aside until it commits), and
 * `complete`, `fail` and `retry` act only on events a claim handed out or that are dead, so no
 * rollback can meet what they change, and neither the poller nor a request's hook delivery is
 * queued behind every write waiting for the lock.
 */
function settled<T>(change: () => T): Promise<T> {
  // Not `new Promise(...)`: that makes an executor and two resolving functions on every call.
  try {
    return Promise.resolve(change());
  } catch (error) {
    // What the change threw, unchanged, as the executor's rejection would carry it.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
    return Promise.reject(error);
  }
}

/**
 * Events of one resource are delivered in order: they share a queue, under this key. The lengths
 * keep any two (tenant, type, id) triples apart whatever their characters, for less than a
 * `JSON.stringify` of an array on every append.
 */
function resourceOf(event: LifecycleEvent): string {
  const { tenant, resourceType } = event;
  const scope = typeof tenant === 'string' ? `${tenant.length}:${tenant}` : '';
  return `${scope}|${resourceType.length}:${resourceType}|${event.resourceId}`;
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
  /** The pending entries of each resource that has any, in append order: all `claim` looks at. */
  const queues = new Map<string, Entry[]>();
  /**
   * The ids of the delivered entries still held, oldest delivery first from `oldestDelivered` on,
   * for pruning. Not a Map's key order: finding a Map's first key walks every slot deleted before
   * it, up to the table's size, on every completion.
   */
  let deliveredIds: string[] = [];
  let oldestDelivered = 0;
  /** No resource's oldest pending entry is due before this (a lower bound; exact after a poll). */
  let earliestDue = Number.POSITIVE_INFINITY;
  let sequence = 0;

  /** The entry a claim may take for a resource: its oldest committed pending one. */
  const headOf = (queue: readonly Entry[] | undefined): Entry | undefined =>
    queue?.find((entry) => entry.committed);

  /**
   * Whether the claim that handed out `lease` still holds the entry: a later claim, or a failure
   * that set a retry time, moved `nextAttemptAt` past it (each claim leases until a time after the
   * previous lease ended). No lease: whoever holds it.
   */
  const heldUnder = (entry: Entry, lease: string | undefined): boolean =>
    lease === undefined ||
    (entry.state === 'pending' &&
      (parseDateTime(lease) ?? Date.parse(lease)) === entry.nextAttemptAt);

  const enqueue = (entry: Entry): void => {
    let queue = queues.get(entry.resource);
    if (queue === undefined) queues.set(entry.resource, (queue = []));
    // A dead entry retried goes back to its place, before the later events of its resource.
    let at = queue.length;
    while (at > 0 && (queue[at - 1] as Entry).sequence > entry.sequence) at--;
    queue.splice(at, 0, entry);
  };

  const dequeue = (entry: Entry): void => {
    const queue = queues.get(entry.resource);
    if (queue === undefined) return;
    const at = queue.indexOf(entry);
    if (at >= 0) queue.splice(at, 1);
    if (queue.length === 0) {
      queues.delete(entry.resource);
      return;
    }
    // The next event of the resource is no longer held back, and may be long due.
    const next = headOf(queue);
    if (next !== undefined) earliestDue = Math.min(earliestDue, next.nextAttemptAt);
  };

  const toEntry = (entry: Entry): OutboxEntry =>
    Object.freeze({
      event: entry.event,
      state: entry.state,
      attempts: entry.attempts,
      nextAttemptAt: formatDateTime(entry.nextAttemptAt),
      ...(entry.lastError === undefined ? {} : { lastError: entry.lastError }),
    });

  /** Every resource's head that is due, when no `ids` are given. */
  const dueHeads = (time: number): { due: Entry[]; earliest: number } => {
    const due: Entry[] = [];
    let earliest = Number.POSITIVE_INFINITY;
    for (const queue of queues.values()) {
      const head = headOf(queue);
      if (head === undefined) continue;
      if (head.nextAttemptAt <= time) due.push(head);
      else earliest = Math.min(earliest, head.nextAttemptAt);
    }
    return { due, earliest };
  };

  /** The writer's own events that head their resource: due, or still under the lease of `append`. */
  const ownHeads = (ids: readonly string[], time: number): Entry[] => {
    const due: Entry[] = [];
    for (const id of new Set(ids)) {
      const entry = entries.get(id);
      if (entry?.state !== 'pending' || headOf(queues.get(entry.resource)) !== entry) continue;
      if (entry.nextAttemptAt <= time || !entry.claimed) due.push(entry);
    }
    return due;
  };

  return {
    joinsTransactions: gate !== UNGATED,
    append: (events, leaseUntil, context: OutboxContext) =>
      gate.write(context.transaction, (journal, commits) => {
        for (const event of events) {
          if (entries.has(event.id))
            throw new TypeError(`The outbox already holds an event with id '${event.id}'`);
        }
        const appended: Entry[] = [];
        for (const event of events) {
          const entry: Entry = {
            event,
            sequence: sequence++,
            resource: resourceOf(event),
            state: 'pending',
            attempts: 0,
            nextAttemptAt: leaseUntil.getTime(),
            lastError: undefined,
            committed: commits === undefined,
            claimed: false,
          };
          entries.set(event.id, entry);
          enqueue(entry);
          appended.push(entry);
        }
        if (commits === undefined) earliestDue = Math.min(earliestDue, leaseUntil.getTime());
        commits?.push(() => {
          for (const entry of appended) entry.committed = true;
          earliestDue = Math.min(earliestDue, leaseUntil.getTime());
        });
        // Nothing else can have touched these entries before the rollback reaches this step.
        journal?.push(() => {
          for (const entry of appended) {
            entries.delete(entry.event.id);
            dequeue(entry);
          }
        });
      }),

    claim: ({ limit, now: at, leaseUntil, ids }) =>
      settled(() => {
        const time = at.getTime();
        if (limit <= 0 || (ids === undefined && time < earliestDue)) return [];
        let earliest = earliestDue;
        let due: Entry[];
        if (ids === undefined) ({ due, earliest } = dueHeads(time));
        else due = ownHeads(ids, time);
        due.sort((a, b) => a.sequence - b.sequence);
        const claimed = due.slice(0, limit);
        for (const entry of due.slice(limit)) earliest = Math.min(earliest, entry.nextAttemptAt);
        const lease = leaseUntil.getTime();
        for (const entry of claimed) {
          entry.nextAttemptAt = lease;
          entry.claimed = true;
        }
        if (claimed.length > 0) earliest = Math.min(earliest, lease);
        earliestDue = earliest;
        return claimed.map(toEntry);
      }),

    complete: (id, lease) =>
      settled(() => {
        const entry = entries.get(id);
        if (entry === undefined || !entry.committed || entry.state === 'delivered') return;
        if (!heldUnder(entry, lease)) return;
        if (entry.state === 'pending') dequeue(entry);
        entry.state = 'delivered';
        deliveredIds.push(id);
        while (deliveredIds.length - oldestDelivered > keepDelivered)
          entries.delete(deliveredIds[oldestDelivered++] as string);
        // The forgotten ids go in one copy now and then, so the array stays near keepDelivered long.
        if (oldestDelivered >= 1024 && 2 * oldestDelivered >= deliveredIds.length) {
          deliveredIds = deliveredIds.slice(oldestDelivered);
          oldestDelivered = 0;
        }
      }),

    fail: (id, error, retryAt, lease) =>
      settled(() => {
        const entry = entries.get(id);
        if (entry?.state !== 'pending' || !entry.committed || !heldUnder(entry, lease)) return;
        entry.attempts++;
        entry.lastError = error;
        if (retryAt !== undefined) {
          // It keeps its place at the head of its resource: later events wait for it.
          entry.nextAttemptAt = retryAt.getTime();
          earliestDue = Math.min(earliestDue, entry.nextAttemptAt);
          return;
        }
        entry.state = 'dead';
        dequeue(entry);
      }),

    list(filter = {}) {
      const found: OutboxEntry[] = [];
      const limit = filter.limit ?? Number.POSITIVE_INFINITY;
      // `entries` is in append order (a retry keeps an entry's place); newest first walks it back.
      // One id is a lookup, not a walk of every event kept.
      const one = filter.id === undefined ? undefined : entries.get(filter.id);
      const held = filter.id === undefined ? entries.values() : one === undefined ? [] : [one];
      const inOrder = filter.order === 'newest' ? Array.from(held).reverse() : held;
      for (const entry of inOrder) {
        if (found.length >= limit) break;
        if (filter.state !== undefined && entry.state !== filter.state) continue;
        if (filter.tenant !== undefined && entry.event.tenant !== filter.tenant) continue;
        if (filter.requestId !== undefined && entry.event.requestId !== filter.requestId) continue;
        found.push(toEntry(entry));
      }
      return Promise.resolve(found);
    },

    retry: (id) =>
      settled(() => {
        const entry = entries.get(id);
        if (entry?.state !== 'dead') return false;
        entry.state = 'pending';
        // Back at its place it heads its resource again, but not while a later event of the
        // resource is being delivered: one hook per resource at a time, so it is due when that
        // delivery's lease ends at the latest. An earlier event holds it back by order alone.
        let due = now().getTime();
        for (const other of queues.get(entry.resource) ?? [])
          if (other.claimed && other.sequence > entry.sequence)
            due = Math.max(due, other.nextAttemptAt);
        entry.nextAttemptAt = due;
        enqueue(entry);
        earliestDue = Math.min(earliestDue, entry.nextAttemptAt);
        return true;
      }),

    size: () => entries.size,

    clear() {
      entries.clear();
      queues.clear();
      deliveredIds = [];
      oldestDelivered = 0;
      earliestDue = Number.POSITIVE_INFINITY;
    },
  };
}
