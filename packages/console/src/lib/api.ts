// The JSON endpoints behind the page. Everything leaves through an explicit list of fields or
// through `redactSecrets`: a token digest, a password hash or the console credential never does.
import type { LifecycleEvent, RequestLogRecord } from '@scim/server';
import type { HistoryEntry, RequestHistory } from './history.js';
import { changesOf, eventRates, rulesOf } from './lifecycle.js';
import type { ResolvedOptions } from './options.js';
import { redactHeaders, redactQuery, redactSecrets, redactText } from './redact.js';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** One line of the live requests table. */
export function summaryOf(entry: HistoryEntry) {
  const { record } = entry;
  return {
    seq: entry.seq,
    id: record.requestId,
    at: new Date(entry.at).toISOString(),
    method: record.method,
    path: record.path,
    query: redactQuery(record.query),
    status: record.status,
    durationMs: Math.round(record.durationMs * 10) / 10,
    tenant: record.tenant ?? null,
    dialect: entry.dialect ?? null,
    scimType: record.error?.scimType ?? null,
  };
}

/**
 * Everything about one request: the bodies (redacted by the debug log), the error, the client
 * quirks the endpoint accepted (`compatibility`), and its changes.
 */
export async function detailOf(
  options: ResolvedOptions,
  history: RequestHistory,
  entry: HistoryEntry,
) {
  const { record } = entry;
  const { changes, partial } = WRITES.has(record.method)
    ? await changesOf(options, entry, madeBy(history, entry))
    : { changes: [], partial: false };
  return {
    ...summaryOf(entry),
    error: errorOf(record.error),
    principal: redactSecrets(record.principal) ?? null,
    requestHeaders: redactHeaders(record.requestHeaders),
    requestBody: redactSecrets(record.requestBody) ?? null,
    responseBody: redactSecrets(record.responseBody) ?? null,
    bodies: record.requestHeaders !== undefined,
    compatibility: rulesOf(record.compatibility),
    changes,
    changesPartial: partial,
  };
}

/**
 * Which of the events naming the entry's request id it made. Usually all of them; but a client that
 * sends one `X-Request-Id` with several writes (an identity provider retrying one) has its events
 * shared out by time: each write that succeeded owns those from its start until the next one's. The
 * newest has no end, so the work of an asynchronous request (202), done after its answer, is its own.
 */
function madeBy(history: RequestHistory, entry: HistoryEntry): (event: LifecycleEvent) => boolean {
  const writes = history
    .withRequestId(entry.record.requestId)
    .filter((other) => WRITES.has(other.record.method) && other.record.status < 400);
  const startOf = (one: HistoryEntry) => Math.floor(one.at - one.record.durationMs);
  // Newest first: the closest newer write is the last one with a greater sequence number.
  const newer = writes.filter((other) => other.seq > entry.seq).at(-1);
  const from = writes.some((other) => other.seq < entry.seq)
    ? startOf(entry)
    : Number.NEGATIVE_INFINITY;
  const to = newer === undefined ? Number.POSITIVE_INFINITY : startOf(newer);
  return (event) => {
    const at = Date.parse(event.occurredAt);
    return at >= from && at < to;
  };
}

/** The error's detail can quote a filter or a PATCH path, and with it a password: see `redactText`. */
function errorOf(error: RequestLogRecord['error']) {
  if (error === undefined) return null;
  return {
    scimType: error.scimType,
    detail: error.detail === undefined ? undefined : redactText(error.detail),
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
  const { deliveries, partial } = await eventRates(options, now);
  return { requests: history.rates(now), deliveries, partial };
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
      lastError: entry.lastError === undefined ? null : redactText(entry.lastError),
    }));
  return { configured: true, entries };
}
