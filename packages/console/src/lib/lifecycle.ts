// What the console reads of the lifecycle outbox: the Lifecycle view, the events per minute behind
// the Activity chart, and the changes a request made. Every read is bounded: the outbox's `list`
// (`ScimOutbox.list` of @scim/server) takes a state, a tenant, a request id, an order and a
// `limit`. The views read each state newest first, the latest delivered events with a small limit,
// and a request's changes by its request id, so a database outbox that is never pruned shows what
// happened last. `partial: true` says a read stopped at its limit where more could matter: pending or
// dead events beyond `OUTBOX_READ_LIMIT`, events of the last hour beyond it, or a request that
// recorded more. An outbox that ignores `order` or `requestId` is still filtered and sorted here.
import type { LifecycleEvent, OutboxEntry, OutboxListFilter } from '@scim/server';
import type { HistoryEntry } from './history.js';
import type { ResolvedOptions } from './options.js';
import {
  CHANGED,
  diffResources,
  namesSecret,
  REDACTED,
  redactText,
  type DiffLine,
} from './redact.js';

/** The most events of each state one read takes (the memory outbox keeps 1,000 delivered ones). */
export const OUTBOX_READ_LIMIT = 1000;
/** How many of the latest delivered events the Lifecycle view shows, and reads. */
export const OUTBOX_DELIVERED_SHOWN = 200;
const STATES = ['pending', 'dead', 'delivered'] as const;

/** Up to `limit` entries answering `filter`, and whether there were more. */
async function readList(
  options: ResolvedOptions,
  filter: OutboxListFilter,
  limit: number,
): Promise<{ entries: readonly OutboxEntry[]; more: boolean }> {
  const outbox = options.outbox;
  if (outbox === undefined) return { entries: [], more: false };
  const wanted: OutboxListFilter = { ...filter, limit: limit + 1 };
  const list = await outbox.list(wanted);
  // An outbox that ignores `limit` is cut here all the same.
  return { entries: list.slice(0, limit), more: list.length > limit };
}

/** Each state's events, newest first: at most `limit` of each (`delivered` of the delivered). */
async function readStates(options: ResolvedOptions, delivered: number) {
  const [pending, dead, done] = await Promise.all(
    STATES.map((state) =>
      readList(
        options,
        { state, order: 'newest' },
        state === 'delivered' ? delivered : OUTBOX_READ_LIMIT,
      ),
    ),
  );
  return { pending: pending!, dead: dead!, delivered: done! };
}

/** A change one write made, as the detail panel shows it. */
export interface ChangeView {
  readonly type: string;
  readonly resourceType: string;
  readonly resourceId: string;
  readonly members?: readonly string[];
  readonly diff: readonly DiffLine[];
}

/** One compatibility rule a request relied on, as the detail panel lists it. */
export interface RuleView {
  readonly rule: string;
  readonly layer: string;
  readonly path: string | null;
}

/** Fields picked one by one, as everything else here: a path names attributes, never values. */
export function rulesOf(
  rules: readonly { readonly rule: string; readonly layer: string; readonly path?: string }[] = [],
): RuleView[] {
  return rules.map((applied) => ({
    rule: applied.rule,
    layer: applied.layer,
    path: applied.path ?? null,
  }));
}

/**
 * The changes a write made: the events of its tenant that name its request id, read by that id. A
 * refused write
 * (400 and above) changed nothing and reads nothing; a bulk request answers 200 whatever its
 * operations did, so it is read like any write that succeeded.
 */
export async function changesOf(
  options: ResolvedOptions,
  entry: HistoryEntry,
  sameId: (event: LifecycleEvent) => boolean,
): Promise<{ changes: ChangeView[]; partial: boolean }> {
  const { record } = entry;
  if (options.outbox === undefined || record.status >= 400) return { changes: [], partial: false };
  const read = await readList(
    options,
    {
      requestId: record.requestId,
      ...(record.tenant === undefined ? {} : { tenant: record.tenant }),
    },
    OUTBOX_READ_LIMIT,
  );
  const changes = read.entries
    .map(({ event }) => event)
    .filter(
      (event) =>
        event.requestId === record.requestId && event.type !== 'asyncCompleted' && sameId(event),
    )
    .sort((a, b) => (a.occurredAt < b.occurredAt ? -1 : a.occurredAt > b.occurredAt ? 1 : 0))
    .map((event) => changeOf(event, record.requestBody));
  return { changes, partial: read.more };
}

function changeOf(event: LifecycleEvent, requestBody: unknown): ChangeView {
  const diff =
    event.resource === undefined && event.previous === undefined
      ? []
      : diffResources(
          event.type === 'deleted' ? event.resource : event.previous,
          event.type === 'deleted' ? undefined : event.resource,
        );
  if (event.type === 'updated') {
    const shown = new Set(diff.map((line) => line.path));
    for (const path of secretsSet(event, requestBody))
      if (!shown.has(path)) diff.push({ path, after: CHANGED });
    diff.sort((x, y) => (x.path < y.path ? -1 : x.path > y.path ? 1 : 0));
  }
  return {
    type: event.type,
    resourceType: event.resourceType,
    resourceId: event.resourceId,
    ...(event.members === undefined ? {} : { members: event.members }),
    diff,
  };
}

/**
 * The secrets an update set, which its states cannot show: an event leaves `password` out of them
 * (RFC 7643 §4.1.1). A PATCH's event lists it among its `changes`, its value redacted; a PUT's has
 * no `changes`, so a `password` in the request body (redacted by the debug log) says it was set.
 */
function secretsSet(event: LifecycleEvent, requestBody: unknown): string[] {
  const paths = (event.changes ?? [])
    .filter(
      (change) => namesSecret(change.path) || (change.kind === 'set' && change.value === REDACTED),
    )
    .map((change) => change.path);
  if (
    event.operation === 'replace' &&
    typeof requestBody === 'object' &&
    requestBody !== null &&
    Object.keys(requestBody).some((key) => /(^|:)password$/i.test(key))
  )
    paths.push('password');
  return paths;
}

/**
 * The outbox, newest first: the pending and dead events, and the latest delivered ones. Partial when
 * pending or dead events were left out; the delivered ones beyond the latest are not shown by design.
 */
export async function outboxOf(options: ResolvedOptions) {
  if (options.outbox === undefined) return { configured: false, partial: false, entries: [] };
  const read = await readStates(options, OUTBOX_DELIVERED_SHOWN);
  const entries = [
    ...read.pending.entries,
    ...read.dead.entries,
    ...read.delivered.entries.slice(0, OUTBOX_DELIVERED_SHOWN),
  ]
    .sort((a, b) => (a.event.occurredAt < b.event.occurredAt ? 1 : -1))
    .map(outboxEntryOf);
  return { configured: true, partial: read.pending.more || read.dead.more, entries };
}

function outboxEntryOf(entry: OutboxEntry) {
  const { event } = entry;
  return {
    id: event.id,
    type: event.type,
    resourceType: event.resourceType,
    resourceId: event.resourceId,
    operation: event.operation,
    tenant: event.tenant ?? null,
    occurredAt: event.occurredAt,
    requestId: event.requestId,
    state: entry.state,
    attempts: entry.attempts,
    nextAttemptAt: entry.nextAttemptAt,
    lastError: entry.lastError === undefined ? null : redactText(entry.lastError),
    // An asynchronous request's completion: the client quirks its work relied on after the 202.
    compatibility: rulesOf(event.compatibility),
  };
}

type EventCounts = { minute: number; delivered: number; pending: number; dead: number };

/** Lifecycle events by outcome, per tenant, per minute of the last hour. */
export async function eventRates(options: ResolvedOptions, now: number) {
  const deliveries: Record<string, EventCounts[]> = {};
  if (options.outbox === undefined) return { deliveries, partial: false };
  const current = Math.floor(now / 60_000);
  const read = await readStates(options, OUTBOX_READ_LIMIT);
  // Newest first, a read that stopped at its limit missed some of the hour only when the oldest
  // event it reached is still inside it.
  const since = (current - 59) * 60_000;
  const partial = Object.values(read).some(({ entries, more }) => {
    const oldest = entries.at(-1)?.event.occurredAt;
    return more && oldest !== undefined && Date.parse(oldest) >= since;
  });
  const all = [...read.pending.entries, ...read.dead.entries, ...read.delivered.entries];
  for (const { event, state } of all) {
    const minute = Math.floor(Date.parse(event.occurredAt) / 60_000);
    if (!(minute > current - 60 && minute <= current)) continue;
    const key = event.tenant ?? '';
    const series = (deliveries[key] ??= Array.from({ length: 60 }, (_, index) => ({
      minute: current - 59 + index,
      delivered: 0,
      pending: 0,
      dead: 0,
    })));
    const slot = series[minute - (current - 59)];
    if (slot !== undefined) slot[state]++;
  }
  return { deliveries, partial };
}
