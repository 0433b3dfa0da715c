// Delivers the queued SETs of push (RFC 8935) and webhook streams. The queue hands out only the
// oldest pending SET of each subject, so a subject's SETs go one at a time and in order, while
// different subjects go side by side (at most `concurrency` per stream, a slot claimed again as soon
// as it frees). Each stream is delivered on its own: a receiver that hangs delays only its own
// stream's SETs, never another stream's. A push SET is signed as it is sent, with the tenant's
// active key of that moment, so a SET queued before a key rotation or a restart with a new key
// still verifies against the published JWKS. A SET the receiver refused (400 with `err`) is dead
// at once; any other failure, a refused receiver URL included (its DNS answer may change), is
// retried with exponential backoff and full jitter, no sooner than the receiver's Retry-After, and
// is dead only once it has used `maxAttempts` and been queued for longer than `retryWindowMs`: a
// dead head SET lets its subject's later SETs go, so a receiver down for a redeploy must not cost
// it a deprovisioning. Every failure stored in the queue is the delivery log operators read, so it
// is scrubbed of secrets and personal data first.
import { formatDateTime } from '@scim/core';
import { setMaxListeners } from 'node:events';
import { createClientCredentials, type ClientCredentialsSource } from './client-credentials.js';
import { createDeliveryLanes, isDeliverable, type PassResult } from './delivery-lanes.js';
import { isLoopback, toDeliveryError } from './delivery-log.js';
import { createDeliveryCounters, recordLatency } from './delivery-metrics.js';
import {
  deliverySettingsOf,
  retryRefusedUrl,
  retryTime,
  type Outcome,
  type Settled,
} from './delivery-policy.js';
import type { SigningKeySet } from './keys.js';
import type { PerTenant } from './per-tenant.js';
import { pushSet } from './push-transport.js';
import type { ReceiverUrlResolver } from './receiver-url.js';
import { createQueuedSetSigner } from './sign.js';
import type {
  EventStream,
  QueuedSet,
  SetQueue,
  StreamAuthorization,
  StreamStore,
} from './streams.js';
import { postWebhook } from './webhook-transport.js';

/**
 * How streams are delivered. A failing SET is retried until it has used `maxAttempts` (20) AND was
 * queued more than `retryWindowMs` ago (72 hours): within the window attempts are unlimited, so an
 * outage of up to three days loses nothing, and a SET replayed or delivered late still gets
 * `maxAttempts` tries. The first retry's delay cap in ms is `backoffMs` (1,000), doubling per attempt
 * up to `maxBackoffMs` (300,000, reached at the 10th attempt). Also: how long a claimed SET is held
 * (`leaseMs`, 60,000; more than `timeoutMs`), how often due SETs are looked for (`pollMs`, 1,000;
 * 0 never polls), SETs delivered per stream per pass (`batchSize`, 100; once started, a pass that
 * spent it is followed at once by the next), subjects delivered at once per stream (`concurrency`,
 * 10) and one delivery's time budget (`timeoutMs`, 10,000).
 * @example `{ maxAttempts: 5, retryWindowMs: 86_400_000, backoffMs: 500, pollMs: 0 }`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2.2
 */
export interface StreamDeliveryOptions {
  /** Attempts a SET gets at the least before it may be dead (20). */
  readonly maxAttempts?: number | undefined;
  /**
   * How long after it was queued (`queuedAt`) a failing SET is still retried whatever its attempt
   * count, in ms (259,200,000: 72 hours); 0 makes `maxAttempts` the only budget.
   */
  readonly retryWindowMs?: number | undefined;
  readonly backoffMs?: number | undefined;
  readonly maxBackoffMs?: number | undefined;
  readonly leaseMs?: number | undefined;
  readonly pollMs?: number | undefined;
  readonly batchSize?: number | undefined;
  readonly concurrency?: number | undefined;
  readonly timeoutMs?: number | undefined;
}

/**
 * Options of {@link createStreamDeliverer}. `keys` signs push SETs as they are sent: one key set, or
 * each tenant's (webhook streams need none; a push SET without keys is retried and reported).
 * `tenants` names the tenants whose streams it delivers (a stream store lists one tenant at a time;
 * default: the streams without a tenant). `resolve` replaces DNS resolution of receiver hosts
 * (tests); `onError` hears of failures of the queue, the stream store, the keys or an injected
 * `now`/`random`, which never stop delivery.
 * @example `{ streams, queue, keys, tenants: () => db.tenantIds(), options: { pollMs: 500 } }`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2
 */
export interface StreamDelivererOptions {
  readonly streams: StreamStore;
  readonly queue: SetQueue;
  /** The keys that sign each tenant's push SETs when they are sent; the active key signs. */
  readonly keys?: PerTenant<SigningKeySet> | undefined;
  readonly tenants?:
    | readonly (string | undefined)[]
    | (() => readonly (string | undefined)[] | Promise<readonly (string | undefined)[]>)
    | undefined;
  readonly options?: StreamDeliveryOptions | undefined;
  readonly now?: (() => Date) | undefined;
  /** The jitter source, in [0, 1) (default `Math.random`). */
  readonly random?: (() => number) | undefined;
  readonly resolve?: ReceiverUrlResolver | undefined;
  readonly onError?:
    | ((error: unknown, context: { readonly streamId?: string; readonly jti?: string }) => void)
    | undefined;
}

/**
 * One stream's delivery figures since the deliverer started (forgotten once the stream is deleted):
 * SETs delivered, failed attempts to be retried, SETs gone dead, the last success and failure, and
 * the median and 95th percentile latency in ms of the latest deliveries (up to 100).
 * @example `{ streamId: 'hr', delivered: 120, retried: 3, dead: 0, lastSuccessAt: '…', latencyP50Ms: 12, latencyP95Ms: 40 }`
 * @see https://openid.net/specs/openid-sharedsignals-framework-1_0.html
 */
export interface StreamDeliveryMetrics {
  readonly streamId: string;
  readonly delivered: number;
  readonly retried: number;
  readonly dead: number;
  readonly lastSuccessAt?: string;
  readonly lastFailureAt?: string;
  readonly latencyP50Ms?: number;
  readonly latencyP95Ms?: number;
}

/**
 * Delivers queued SETs, made by {@link createStreamDeliverer}. `deliverDue` lists the streams, runs
 * one pass of each and resolves how many deliveries they attempted (never rejects; a stream whose
 * pass is running gets one more pass after it); `start` polls (and wakes a stream when the queue
 * says SETs were queued for it), each stream on its own; `close` stops and waits.
 * @example `deliverer.start(); process.on('SIGTERM', () => deliverer.close());`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2
 */
export interface StreamDeliverer {
  deliverDue(): Promise<number>;
  start(): void;
  close(): Promise<void>;
  metrics(): readonly StreamDeliveryMetrics[];
}

/**
 * Makes the deliverer of push and webhook streams. Each pass lists the streams of `tenants` and
 * delivers those `enabled` (never `paused`, `disabled` or poll streams), each stream independently:
 * it claims the due SETs, at most one per subject at a time, POSTs each (push: the SET signed with
 * the tenant's active key, sent by `pushSet` with the stream's bearer token or an OAuth
 * client-credentials token cached per stream; webhook: the JSON body with a `scim-signature` header
 * from `signWebhook` over every secret of the stream), and records the outcome: delivered →
 * complete; 400 with `err` → dead at once (`queue.retry` replays it); anything else, a refused URL
 * included → retried with backoff, dead once past both `maxAttempts` and `retryWindowMs`. A stream
 * claims more only while its latest delivery went through, so a failing receiver costs one timeout
 * per pass. Receiver URLs pass `checkReceiverUrl` before every delivery; a stream with
 * `allowPrivateNetwork` admits private addresses, and plain http when the host is a loopback
 * address or `localhost`. Over the memory queue, queued SETs live as long as the
 * process; what survives a crash is the server's outbox record not yet handed to the publisher.
 * @example
 * ```ts
 * const deliverer = createStreamDeliverer({ streams, queue, keys, options: { maxAttempts: 8 } });
 * deliverer.start();
 * // later: deliverer.metrics(), queue.list(streamId, { state: 'dead' }), queue.retry(streamId, jti)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2
 */
export function createStreamDeliverer(options: StreamDelivererOptions): StreamDeliverer {
  const settings = deliverySettingsOf(options.options ?? {});
  const { queue, streams } = options;
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;
  const sign = createQueuedSetSigner(options.keys);
  const closing = new AbortController();
  // Every delivery in flight listens to it: many more than Node's default warning threshold of 10,
  // and each listener is removed when its delivery ends.
  setMaxListeners(0, closing.signal);
  const counters = createDeliveryCounters();
  const tokenSources = new Map<
    string,
    { readonly key: string; readonly source: ClientCredentialsSource }
  >();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let started = false;

  const report = (
    error: unknown,
    context: { readonly streamId?: string; readonly jti?: string },
  ) => {
    try {
      options.onError?.(error, context);
    } catch {
      // An onError that throws has nowhere left to report to; delivery goes on.
    }
  };

  const tenantsOf = async (): Promise<readonly (string | undefined)[]> => {
    const { tenants } = options;
    if (tenants === undefined) return [undefined];
    return typeof tenants === 'function' ? tenants() : tenants;
  };
  const tokensFor = (
    stream: EventStream,
    authorization: Extract<StreamAuthorization, { kind: 'client-credentials' }>,
    allowPrivate: boolean,
  ): ClientCredentialsSource => {
    // A stream updated with other credentials gets a new source; the same ones keep their token.
    const key = JSON.stringify([authorization, allowPrivate]);
    const cached = tokenSources.get(stream.id);
    if (cached?.key === key) return cached.source;
    const source = createClientCredentials({
      tokenEndpoint: authorization.tokenUrl,
      clientId: authorization.clientId,
      clientSecret: authorization.clientSecret,
      scope: authorization.scope,
      audience: authorization.audience,
      allowPrivate,
      allowHttp: allowPrivate && isLoopback(authorization.tokenUrl),
      resolve: options.resolve,
      timeoutMs: settings.timeoutMs,
      now: () => now().getTime(),
    });
    tokenSources.set(stream.id, { key, source });
    return source;
  };

  const send = async (stream: EventStream, set: QueuedSet): Promise<Outcome> => {
    const { delivery } = stream;
    const signal = closing.signal;
    if (delivery.method === 'push') {
      const allowPrivate = delivery.allowPrivateNetwork === true;
      const { authorization } = delivery;
      const tokens =
        authorization?.kind === 'client-credentials'
          ? tokensFor(stream, authorization, allowPrivate)
          : undefined;
      const [token = ''] = await sign([set.payload], stream.tenant);
      const result = await pushSet(token, delivery.endpointUrl, {
        authorization:
          authorization?.kind === 'bearer'
            ? `Bearer ${authorization.token}`
            : tokens?.authorization,
        timeoutMs: settings.timeoutMs,
        allowPrivate,
        allowHttp: allowPrivate && isLoopback(delivery.endpointUrl),
        resolve: options.resolve,
        signal,
      });
      // The receiver did not take the token: the next attempt fetches a fresh one.
      if (result.outcome === 'retry' && result.status === 401) tokens?.invalidate();
      return result;
    }
    if (delivery.method !== 'webhook') return { outcome: 'retry', reason: 'not a push stream' };
    const allowPrivate = delivery.allowPrivateNetwork === true;
    return postWebhook(set.payload, delivery.endpointUrl, {
      secrets: delivery.secrets,
      now,
      timeoutMs: settings.timeoutMs,
      allowPrivate,
      allowHttp: allowPrivate && isLoopback(delivery.endpointUrl),
      resolve: options.resolve,
      signal,
    });
  };

  /** One delivery attempt and its record. */
  const deliver = async (stream: EventStream, set: QueuedSet): Promise<Settled> => {
    const startedAt = performance.now();
    let outcome: Outcome;
    try {
      outcome = await send(stream, set);
    } catch (error) {
      // No keys to sign with, keys that could not be resolved, a webhook secret that is empty, or a
      // bug: retried like a failure that may pass.
      report(error, { streamId: stream.id, jti: set.jti });
      outcome = { outcome: 'retry', reason: 'the delivery failed before it was sent' };
    }
    // Cut short by close(): its lease ends and another pass (or process) delivers it.
    if (closing.signal.aborted && outcome.outcome !== 'delivered') return 'held';
    outcome = retryRefusedUrl(outcome);
    try {
      const stats = counters.of(stream.id);
      const at = now();
      if (outcome.outcome === 'delivered') {
        await queue.complete(stream.id, set.jti, at);
        stats.delivered += 1;
        stats.lastSuccessAt = formatDateTime(at);
        recordLatency(stats, performance.now() - startedAt);
        return 'delivered';
      }
      stats.lastFailureAt = formatDateTime(at);
      const attempts = set.attempts + 1;
      const retryAt =
        outcome.outcome === 'retry' ? retryTime(settings, random, outcome, set, at) : undefined;
      const error = toDeliveryError(outcome, { attempts, retried: retryAt !== undefined, stream });
      await queue.fail(stream.id, set.jti, { error, retryAt });
      if (retryAt === undefined) stats.dead += 1;
      else stats.retried += 1;
      return retryAt === undefined ? 'dead' : 'retried';
    } catch (error) {
      // The SET stays leased; once the lease ends it is due again (at least once).
      report(error, { streamId: stream.id, jti: set.jti });
      return 'held';
    }
  };

  /**
   * One stream's pass: up to `concurrency` deliveries in flight, a slot claimed again as soon as it
   * frees (the queue never hands out a subject's next SET while one is out, so order holds). It
   * claims more only while the latest delivery to settle went through: a receiver that is down or
   * hangs costs one timeout per pass, and the stream's next pass comes with the next poll. It ends
   * once nothing more is due, or `batchSize` SETs were tried (`full`: more may be due at once):
   * never straight after deliveries that settled while a claim ran, since the claim may have read
   * their SETs as still out and so left their subjects' next SETs behind.
   */
  const deliverStream = async (stream: EventStream): Promise<PassResult> => {
    const window = new Set<Promise<Settled>>();
    const seen = new Set<string>();
    let attempted = 0;
    let latest: Settled | undefined;
    // Whether a delivery settled since the last claim began. One that settles while a claim runs
    // leaves the window unseen by the loop below, and the claim may have read its SET as still
    // out (SQL: its complete not yet committed), not handing out its subject's next SET: the pass
    // must claim once more rather than end on an empty window.
    let settledSinceClaim = false;
    let stopped = false;
    let full = false;
    // Each turn claims for the free slots, then waits for one delivery to settle: that frees a
    // slot, and may have freed its subject's next SET. It claims once half the slots are free (or
    // all, when nothing is in flight): a claim costs a query, or a walk over the memory queue's
    // subjects, so one per settled SET would cost more than the slowest delivery it avoids.
    const refillAt = Math.ceil(settings.concurrency / 2);
    for (;;) {
      const free = settings.concurrency - window.size;
      const going = latest === undefined || latest === 'delivered';
      const refill = free >= refillAt || window.size === 0;
      if (!stopped && going && refill && !closing.signal.aborted) {
        if (attempted >= settings.batchSize) {
          stopped = true;
          full = true;
        } else {
          const limit = Math.min(free, settings.batchSize - attempted);
          settledSinceClaim = false;
          const claimed = await claimDue(stream, limit);
          if (claimed === undefined) stopped = true;
          else {
            for (const set of claimed) {
              // A SET failed with a retry time already due comes back at once: claim no more
              // rather than loop on it.
              if (seen.has(set.jti)) stopped = true;
              seen.add(set.jti);
              const settled: Promise<Settled> = deliver(stream, set).then((outcome) => {
                window.delete(settled);
                latest = outcome;
                settledSinceClaim = true;
                return outcome;
              });
              window.add(settled);
            }
            attempted += claimed.length;
          }
        }
      }
      if (window.size > 0) await Promise.race(window);
      else if (settledSinceClaim) settledSinceClaim = false;
      else break;
    }
    return { attempted, full };
  };

  /** Leases up to `limit` due SETs of the stream; undefined (reported) when the queue fails. */
  const claimDue = async (
    stream: EventStream,
    limit: number,
  ): Promise<readonly QueuedSet[] | undefined> => {
    try {
      const at = now();
      return await queue.claim(stream.id, {
        limit,
        now: at,
        leaseUntil: new Date(at.getTime() + settings.leaseMs),
      });
    } catch (error) {
      report(error, { streamId: stream.id });
      return undefined;
    }
  };

  const lanes = createDeliveryLanes({
    queue,
    streams,
    closing: closing.signal,
    started: () => started,
    pass: deliverStream,
    report,
  });

  /** The enabled push and webhook streams, and whether every stream of every tenant was listed. */
  const listStreams = async (): Promise<{ deliverable: EventStream[]; all?: Set<string> }> => {
    const deliverable: EventStream[] = [];
    const all = new Set<string>();
    let complete = true;
    let tenants: readonly (string | undefined)[];
    try {
      tenants = await tenantsOf();
    } catch (error) {
      report(error, {});
      return { deliverable };
    }
    for (const tenant of new Set(tenants)) {
      try {
        for (const stream of await streams.list(tenant)) {
          all.add(stream.id);
          if (isDeliverable(stream)) deliverable.push(stream);
        }
      } catch (error) {
        complete = false;
        report(error, {});
      }
    }
    return complete ? { deliverable, all } : { deliverable };
  };

  /**
   * Forgets what is kept for streams no longer delivered: the token sources (they hold client
   * secrets) and watches of streams not enabled, and the figures of streams that no longer exist.
   * Only after a listing that reached every tenant, so a store hiccup does not wipe the metrics.
   */
  const forget = (deliverable: readonly EventStream[], all: ReadonlySet<string>): void => {
    const delivered = new Set(deliverable.map((stream) => stream.id));
    for (const id of tokenSources.keys()) if (!delivered.has(id)) tokenSources.delete(id);
    counters.keepOnly(all);
    lanes.keepOnly(delivered);
  };

  /** Lists the streams and starts a pass of each; resolves those passes, not waiting for them. */
  const startPasses = async (): Promise<Promise<number>[]> => {
    const { deliverable, all } = await listStreams();
    if (all !== undefined) forget(deliverable, all);
    return deliverable.map((stream) => lanes.deliverStreamDue(stream));
  };

  const deliverDue = async (): Promise<number> => {
    if (closing.signal.aborted) return 0;
    try {
      const counts = await Promise.all(await startPasses());
      return counts.reduce((sum, count) => sum + count, 0);
    } catch (error) {
      report(error, {});
      return 0;
    }
  };

  // The poller lists the streams and starts their passes, then waits `pollMs` again: it never waits
  // for a pass, so a stream whose receiver hangs holds up no other stream.
  const tick = (): void => {
    timer = undefined;
    startPasses()
      .catch((error: unknown) => report(error, {}))
      .finally(() => {
        if (closing.signal.aborted || settings.pollMs === 0) return;
        timer = setTimeout(tick, settings.pollMs);
        if (typeof timer === 'object') timer.unref();
      });
  };

  return {
    deliverDue,
    start() {
      if (started || closing.signal.aborted) return;
      started = true;
      tick();
    },
    async close() {
      closing.abort();
      if (timer !== undefined) clearTimeout(timer);
      timer = undefined;
      await Promise.all(lanes.passes());
    },
    metrics: () => counters.snapshot(),
  };
}
