// Delivers lifecycle hooks from the outbox: at once after the commit, again with backoff when a hook
// fails, dead after `maxAttempts`, and on start-up for whatever an earlier process left behind.
// Nothing here throws into a request: a committed write is never turned into a 500 by a hook.
// Events of one resource reach the hooks in the order they were recorded, one at a time: the outbox
// hands out only a resource's oldest pending event, so one that failed holds back the later events
// of its resource (of no other) until it is delivered or dead. Delivering a failed deactivation after
// the reactivation that followed it would switch off a user SCIM says is active, and the reverse
// would let a leaver back in. Even a writer's first attempt goes through `claim` for that reason.
import type { ScimResourceType } from '@scim/core';
import { fixedDeadlines } from './deadlines.js';
import { callOf, type DeliveryHooks } from './delivery-hooks.js';
import type { LifecycleEvent, OutboxEntry, ScimOutbox } from './outbox.js';

/**
 * How hooks are delivered from the outbox.
 * @example `{ maxAttempts: 5, backoffMs: 500, pollMs: 0 }` (serverless: call `deliverDue()` yourself)
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface DeliveryOptions {
  /** Attempts before an event is dead, kept for inspection and `outbox.retry(id)` (default 10). */
  readonly maxAttempts?: number;
  /** The first retry's delay cap in ms (default 1,000), doubling per attempt, with full jitter. */
  readonly backoffMs?: number;
  /** The largest retry delay cap in ms (default 300,000). */
  readonly maxBackoffMs?: number;
  /**
   * How long one delivery holds an event, in ms (default 30,000). A hook still running at its end
   * counts as failed, since another process may take the event from then on.
   */
  readonly leaseMs?: number;
  /** How often due events are looked for, in ms (default 1,000); 0 never polls. */
  readonly pollMs?: number;
  /** Events taken per claim (default 100); also the most hooks running at once. */
  readonly batchSize?: number;
  /**
   * How long a write's response waits for the first delivery of its events, in ms (default 2,000;
   * 0 answers at once). A hook still running then goes on after the answer; one that fails is
   * retried from the outbox either way. The wait is outside `requestTimeoutMs`: a slow hook never
   * turns a committed write into a 503.
   */
  readonly responseWaitMs?: number;
}

/**
 * Delivers hooks from an outbox.
 * @example `await deliverer.deliverNow(events); deliverer.start(); await deliverer.close();`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface Deliverer {
  /**
   * Delivers these just-committed events now, never throwing: those that are the oldest pending
   * event of their resource, and after each one delivered the next of the same resource, in order.
   * One held back behind an earlier event still pending (failed, or another writer's not yet
   * delivered) is left to the poller, which takes it once its writer's lease (`leaseMs`) has ended
   * and the events before it are delivered or dead. Called once `close()` has begun, it claims
   * nothing: the events stay pending in the outbox, for the next process to deliver.
   */
  deliverNow(events: readonly LifecycleEvent[]): Promise<void>;
  /**
   * One pass over due events (what the poller and the start-up drain run); resolves to how many were
   * attempted, never rejects. A call during a pass waits for it and runs one more.
   */
  deliverDue(): Promise<number>;
  /** Starts polling (unref'd timer, so it never keeps a process alive) and drains once at once. */
  start(): void;
  /**
   * Stops polling and waits for deliveries in flight (each `deliverNow` called before it, all its
   * events); later `deliverDue()` and `deliverNow()` calls claim nothing, so the events they would
   * have delivered stay pending in the outbox.
   */
  close(): Promise<void>;
}

/**
 * What a deliverer works with.
 * @example `{ outbox, hooks, resourceTypes, options: {}, now: () => new Date(), onError: console.error }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface DelivererConfig {
  readonly outbox: ScimOutbox;
  readonly hooks: DeliveryHooks;
  readonly resourceTypes: readonly ScimResourceType[];
  /**
   * The resource type a hook hears an event's resource as, when `resourceTypes` is not the whole
   * answer: a multi-tenant handler's tenants may have resource types of their own.
   */
  readonly resourceTypeOf?: (event: LifecycleEvent) => ScimResourceType | undefined;
  readonly options: DeliveryOptions;
  readonly now: () => Date;
  /** Sees every failure: a hook's (with its event), the outbox's (with the event, if one). */
  readonly onError: (error: unknown, event: LifecycleEvent | undefined) => void;
  /** The jitter source (default `Math.random`), for tests. */
  readonly random?: () => number;
}

const MAX_ERROR_LENGTH = 500;

/** How long a delivery, or a writer about to deliver, holds an event by default. */
export const DEFAULT_LEASE_MS = 30_000;

/**
 * Makes a deliverer: at-least-once delivery with backoff and a dead-letter state.
 * @example `const deliverer = createDeliverer({ outbox, hooks, resourceTypes, options: {}, now, onError })`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export function createDeliverer(config: DelivererConfig): Deliverer {
  const { outbox, hooks, now } = config;
  const settings = settingsOf(config.options);
  /** Each hook call is failed when it outlasts its lease (one that throws at once fails too). */
  const leases = fixedDeadlines(settings.leaseMs);
  const random = config.random ?? Math.random;
  const typeOf =
    config.resourceTypeOf ??
    ((event: LifecycleEvent) =>
      config.resourceTypes.find((candidate) => candidate.name === event.resourceType));
  const inFlight = new Set<Promise<void>>();
  /** The latest deliverNow of each resource in this process, which a later one waits for. */
  const delivering = new Map<string, Promise<void>>();
  let current: Promise<number> | undefined;
  let queued: Promise<number> | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let started = false;
  let closed = false;

  const report = (error: unknown, event: LifecycleEvent | undefined): void => {
    try {
      config.onError(error, event);
    } catch {
      // An onError that throws has nowhere left to report to; delivery goes on.
    }
  };

  const retryAt = (attempt: number): Date | undefined => {
    if (attempt >= settings.maxAttempts) return undefined;
    const cap = Math.min(settings.maxBackoffMs, settings.backoffMs * 2 ** (attempt - 1));
    return new Date(now().getTime() + Math.floor(random() * cap));
  };

  /** Delivers one attempt; true when the event is settled (delivered or dead), freeing the next. */
  const leaseExpired = () =>
    new Error(`The hook did not finish within its lease of ${settings.leaseMs} ms`);

  const deliver = async (entry: OutboxEntry): Promise<boolean> => {
    const { event } = entry;
    const call = callOf(hooks, typeOf, event, entry.attempts + 1);
    let failure: { readonly error: unknown; readonly retryAt: Date | undefined } | undefined;
    if (call instanceof Error) failure = { error: call, retryAt: undefined };
    else if (call !== undefined) {
      try {
        // A hook that throws at once is caught below as one whose promise rejects.
        await leases.within(Promise.resolve(call()), leaseExpired);
      } catch (error) {
        failure = { error, retryAt: retryAt(entry.attempts + 1) };
      }
    }
    if (failure !== undefined) report(failure.error, event);
    try {
      // Under the lease of this claim: had it run out and another delivery taken the event over, a
      // late word from this one would count against that delivery.
      const lease = entry.nextAttemptAt;
      if (failure === undefined) await outbox.complete(event.id, lease);
      else await outbox.fail(event.id, messageOf(failure.error), failure.retryAt, lease);
    } catch (error) {
      // The event stays leased; once the lease ends it is due again (at least once).
      report(error, event);
      return false;
    }
    return failure?.retryAt === undefined;
  };

  /**
   * Delivers claimed entries: one resource's in order, one at a time (the outbox hands out one per
   * resource; an outbox that hands out more is still delivered in order), resources side by side.
   * Resolves whether any entry was settled, which may have freed a later event of its resource.
   */
  const deliverAll = async (entries: readonly OutboxEntry[]): Promise<boolean> => {
    const settled = await Promise.all(
      byResource(entries).map(async (group) => {
        let any = false;
        for (const entry of group) {
          // A later event of the resource waits for the one before it to settle.
          const done = await deliver(entry);
          any ||= done;
          if (!done) break;
        }
        return any;
      }),
    );
    return settled.includes(true);
  };

  const track = (work: Promise<void>): Promise<void> => {
    inFlight.add(work);
    return work.finally(() => inFlight.delete(work));
  };

  const pass = async (): Promise<number> => {
    let attempted = 0;
    const seen = new Set<string>();
    while (!closed) {
      let entries: readonly OutboxEntry[];
      try {
        const at = now();
        entries = await outbox.claim({
          limit: settings.batchSize,
          now: at,
          leaseUntil: new Date(at.getTime() + settings.leaseMs),
        });
      } catch (error) {
        report(error, undefined);
        return attempted;
      }
      // An event failed with a retry time already due comes back at once: the pass ends after
      // delivering it again rather than looping on it.
      const again = entries.some((entry) => seen.has(entry.event.id));
      for (const entry of entries) seen.add(entry.event.id);
      const freed = await deliverAll(entries);
      attempted += entries.length;
      // A short claim means nothing more was due, unless a delivery freed its resource's next event.
      if ((entries.length < settings.batchSize && !freed) || again) break;
    }
    return attempted;
  };

  const begin = (): Promise<number> => {
    const running: Promise<number> = pass().finally(() => {
      if (current === running) current = undefined;
    });
    current = running;
    return running;
  };

  const deliverDue = (): Promise<number> => {
    if (queued !== undefined) return queued;
    if (current === undefined) return begin();
    // Events may have fallen due after the running pass claimed: run one more once it ends, shared
    // by every caller meanwhile.
    const next: Promise<number> = current.then(() => {
      queued = undefined;
      return begin();
    });
    queued = next;
    return next;
  };

  const tick = (): void => {
    timer = undefined;
    void deliverDue().then(() => {
      if (closed || settings.pollMs === 0) return;
      try {
        timer = setTimeout(tick, settings.pollMs);
      } catch {
        // A runtime that refuses timers outside a request (an edge worker): the next start(),
        // which the handler calls with every request, polls again.
        started = false;
        return;
      }
      if (typeof timer === 'object') timer.unref();
    });
  };

  return {
    deliverNow(events) {
      // Closing or closed: nothing new starts. The events stay in the outbox, leased to their writer
      // until the lease ends, then due for whichever process polls next (the outbox is the durable
      // part). A call made before close() is in flight, and close() waits for all of it.
      if (closed) return Promise.resolve();
      // Deliveries this process started for the same resources go first: their events come
      // before these, and a claim made while they run would find these held back behind them.
      const keys = new Set(events.map(resourceKey));
      const before: Promise<void>[] = [];
      for (const key of keys) {
        const running = delivering.get(key);
        if (running !== undefined) before.push(running);
      }
      const work = track(
        (async () => {
          if (before.length > 0) await Promise.all(before);
          let waiting = events.map((event) => event.id);
          while (waiting.length > 0) {
            let entries: readonly OutboxEntry[];
            try {
              const at = now();
              entries = await outbox.claim({
                ids: waiting,
                limit: waiting.length,
                now: at,
                leaseUntil: new Date(at.getTime() + settings.leaseMs),
              });
            } catch (error) {
              // Still leased to this writer: the poller delivers them once the lease ends.
              report(error, undefined);
              return;
            }
            if (entries.length === 0) return;
            const taken = new Set(entries.map((entry) => entry.event.id));
            waiting = waiting.filter((id) => !taken.has(id));
            if (!(await deliverAll(entries))) return;
          }
        })(),
      );
      for (const key of keys) {
        delivering.set(key, work);
        void work.finally(() => {
          if (delivering.get(key) === work) delivering.delete(key);
        });
      }
      return work;
    },
    deliverDue,
    start() {
      if (started || closed) return;
      started = true;
      tick();
    },
    async close() {
      closed = true;
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await Promise.all([queued, current, ...inFlight]);
    },
  };
}

interface Settings {
  readonly maxAttempts: number;
  readonly backoffMs: number;
  readonly maxBackoffMs: number;
  readonly leaseMs: number;
  readonly pollMs: number;
  readonly batchSize: number;
}

function settingsOf(options: DeliveryOptions): Settings {
  const settings: Settings = {
    maxAttempts: options.maxAttempts ?? 10,
    backoffMs: options.backoffMs ?? 1_000,
    maxBackoffMs: options.maxBackoffMs ?? 300_000,
    leaseMs: options.leaseMs ?? DEFAULT_LEASE_MS,
    pollMs: options.pollMs ?? 1_000,
    batchSize: options.batchSize ?? 100,
  };
  const positiveIntegers = ['maxAttempts', 'batchSize'] as const;
  for (const name of positiveIntegers)
    if (!Number.isInteger(settings[name]) || settings[name] < 1)
      throw new TypeError(`delivery.${name} must be a whole number of at least 1`);
  if (!Number.isFinite(settings.leaseMs) || settings.leaseMs <= 0)
    throw new TypeError('delivery.leaseMs must be a positive number of milliseconds');
  const durations = ['backoffMs', 'maxBackoffMs', 'pollMs'] as const;
  for (const name of durations)
    if (!Number.isFinite(settings[name]) || settings[name] < 0)
      throw new TypeError(`delivery.${name} must be a number of milliseconds, 0 or more`);
  return settings;
}

/** Events of one resource in outbox order, resources in order of their first event. */
function byResource(entries: readonly OutboxEntry[]): OutboxEntry[][] {
  const groups = new Map<string, OutboxEntry[]>();
  for (const entry of entries) {
    const { tenant, resourceType, resourceId } = entry.event;
    const key = JSON.stringify([tenant ?? null, resourceType, resourceId]);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [entry]);
    else group.push(entry);
  }
  return [...groups.values()];
}

/**
 * The message stored with a failure: the application's own words, never a stack (the outbox is
 * inspected by operators and may be stored far from the logs), at most 500 characters.
 */
function messageOf(error: unknown): string {
  let text: string;
  if (typeof error === 'string') text = error;
  else if (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { message?: unknown }).message === 'string'
  ) {
    const { message, name } = error as { message: string; name?: unknown };
    text = message !== '' ? message : typeof name === 'string' ? name : 'Error';
  } else {
    try {
      text = String(error);
    } catch {
      text = 'The hook failed';
    }
  }
  if (text.length <= MAX_ERROR_LENGTH) return text;
  let cut = MAX_ERROR_LENGTH - 1;
  // Never end on half a surrogate pair.
  const last = text.charCodeAt(cut - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut -= 1;
  return `${text.slice(0, cut)}…`;
}

/** One resource's events share an order: tenant, resource type and id. */
function resourceKey(event: LifecycleEvent): string {
  return JSON.stringify([event.tenant ?? null, event.resourceType, event.resourceId]);
}
