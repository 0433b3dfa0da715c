// The JSON endpoints behind the page. Everything leaves through an explicit list of fields or
// through `redactSecrets`: a token digest, a password hash or the console credential never does.
import type { LifecycleEvent, OutboxEntry } from '@scim/server';
import type { HistoryEntry, RequestHistory } from './history.js';
import type { ResolvedOptions } from './options.js';
import { diffResources, redactSecrets, type DiffLine } from './redact.js';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const OUTBOX_DELIVERED_SHOWN = 200;

/** One line of the live requests table. */
export function summaryOf(entry: HistoryEntry) {
  const { record } = entry;
  return {
    seq: entry.seq,
    id: record.requestId,
    at: new Date(entry.at).toISOString(),
    method: record.method,
    path: record.path,
    query: record.query,
    status: record.status,
    durationMs: Math.round(record.durationMs * 10) / 10,
    tenant: record.tenant ?? null,
    dialect: entry.dialect ?? null,
    scimType: record.error?.scimType ?? null,
  };
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

/**
 * Everything about one request: the bodies (redacted by the debug log), the error, the client
 * quirks the endpoint accepted (`compatibility`), and its changes.
 */
export async function detailOf(options: ResolvedOptions, entry: HistoryEntry) {
  const { record } = entry;
  return {
    ...summaryOf(entry),
    error: record.error ?? null,
    principal: redactSecrets(record.principal) ?? null,
    requestHeaders: redactSecrets(record.requestHeaders) ?? null,
    requestBody: redactSecrets(record.requestBody) ?? null,
    responseBody: redactSecrets(record.responseBody) ?? null,
    bodies: record.requestHeaders !== undefined,
    compatibility: rulesOf(record.compatibility),
    changes: WRITES.has(record.method)
      ? await changesOf(options, record.requestId, record.tenant)
      : [],
  };
}

/** Fields picked one by one, as everything else here: a path names attributes, never values. */
function rulesOf(
  rules: readonly { readonly rule: string; readonly layer: string; readonly path?: string }[] = [],
): RuleView[] {
  return rules.map((applied) => ({
    rule: applied.rule,
    layer: applied.layer,
    path: applied.path ?? null,
  }));
}

async function changesOf(
  options: ResolvedOptions,
  requestId: string,
  tenant: string | undefined,
): Promise<ChangeView[]> {
  if (options.outbox === undefined) return [];
  const entries = await options.outbox.list(tenant === undefined ? {} : { tenant });
  return entries
    .filter((entry) => entry.event.requestId === requestId && entry.event.type !== 'asyncCompleted')
    .map(({ event }) => changeOf(event));
}

function changeOf(event: LifecycleEvent): ChangeView {
  return {
    type: event.type,
    resourceType: event.resourceType,
    resourceId: event.resourceId,
    ...(event.members === undefined ? {} : { members: event.members }),
    diff:
      event.resource === undefined && event.previous === undefined
        ? []
        : diffResources(
            event.type === 'deleted' ? event.resource : event.previous,
            event.type === 'deleted' ? undefined : event.resource,
          ),
  };
}

/** The outbox, newest first: every pending and dead event, and the latest delivered ones. */
export async function outboxOf(options: ResolvedOptions) {
  if (options.outbox === undefined) return { configured: false, entries: [] };
  const outbox = options.outbox;
  const [pending, dead, delivered] = await Promise.all([
    outbox.list({ state: 'pending' }),
    outbox.list({ state: 'dead' }),
    outbox.list({ state: 'delivered' }),
  ]);
  const entries = [...pending, ...dead, ...delivered.slice(-OUTBOX_DELIVERED_SHOWN)]
    .sort((a, b) => (a.event.occurredAt < b.event.occurredAt ? 1 : -1))
    .map(outboxEntryOf);
  return { configured: true, entries };
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
    lastError: entry.lastError ?? null,
    // An asynchronous request's completion: the client quirks its work relied on after the 202.
    compatibility: rulesOf(event.compatibility),
  };
}

/** Each tenant's settings and tokens (labels and last use: fields picked one by one, no digest). */
export async function tenantsOf(options: ResolvedOptions, history: RequestHistory) {
  const rates = history.rates(options.now());
  const source = options.tenants;
  const names =
    source === undefined ? Object.keys(rates).filter((name) => name !== '') : await source.names();
  return {
    configured: source !== undefined,
    tenants: await Promise.all(
      names.map(async (name) => ({
        name,
        settings: redactSecrets(source?.settings?.(name) ?? null),
        tokens: ((await source?.tokens?.(name)) ?? []).map((token) => ({
          id: token.id,
          label: token.label,
          state: token.state,
          scopes: token.scopes ?? null,
          createdAt: token.createdAt,
          expiresAt: token.expiresAt ?? null,
          lastUsedAt: token.lastUsedAt ?? null,
        })),
        requestsLastHour: (rates[name] ?? []).reduce(
          (sum, counts) => sum + counts.ok + counts.clientError + counts.serverError,
          0,
        ),
      })),
    ),
  };
}

/** Requests per minute by status class and deliveries by outcome, per tenant, over the last hour. */
export async function ratesOf(options: ResolvedOptions, history: RequestHistory) {
  const now = options.now();
  const requests = history.rates(now);
  const deliveries: Record<
    string,
    { minute: number; delivered: number; pending: number; dead: number }[]
  > = {};
  if (options.outbox !== undefined) {
    const current = Math.floor(now / 60_000);
    const entries = await options.outbox.list();
    for (const { event, state } of entries) {
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
  }
  return { requests, deliveries };
}

const DELIVERIES_SHOWN = 200;
const SCIM_EVENT_PREFIX = 'urn:ietf:params:scim:event:';

/**
 * An event URI as the deliveries table names it. The part after the last colon would not do:
 * `prov:create:full` and `prov:patch:full` would both read `full`, and a RISC event's URL would keep
 * its `//schemas.openid.net/…` whole. So SCIM events (RFC 9967) lose their common prefix
 * (`prov:patch:full`), URLs keep their last segment (`account-disabled`), anything else stays whole.
 */
function eventName(uri: string): string {
  if (uri.toLowerCase().startsWith(SCIM_EVENT_PREFIX)) return uri.slice(SCIM_EVENT_PREFIX.length);
  if (!/^https?:\/\//i.test(uri)) return uri;
  const path = uri.replace(/\/+$/, '');
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Stream deliveries, newest first: fields picked one by one (never a SET's payload). */
export async function deliveriesOf(options: ResolvedOptions) {
  if (options.deliveries === undefined) return { configured: false, entries: [] };
  const all = await options.deliveries.list();
  const entries = [...all]
    .sort((a, b) => ((a.queuedAt ?? '') < (b.queuedAt ?? '') ? 1 : -1))
    .slice(0, DELIVERIES_SHOWN)
    .map((entry) => ({
      streamId: entry.streamId,
      jti: entry.jti,
      subject: entry.subject ?? null,
      events: (entry.eventUris ?? []).map(eventName),
      state: entry.state,
      attempts: entry.attempts,
      queuedAt: entry.queuedAt ?? null,
      nextAttemptAt: entry.nextAttemptAt ?? null,
      deliveredAt: entry.deliveredAt ?? null,
      lastError: entry.lastError ?? null,
    }));
  return { configured: true, entries };
}
