// Delivers the queued SETs of push (RFC 8935) and webhook streams. The queue hands out only the
// oldest pending SET of each subject, so a subject's SETs go one at a time and in order, while
// different subjects go side by side (at most `concurrency` per stream). A SET the receiver refused
// (400 with `err`) or whose URL is refused is dead at once; a failure that may pass is retried with
// exponential backoff and full jitter, no sooner than the receiver's Retry-After, and is dead after
// `maxAttempts`. Every failure stored in the queue is the delivery log operators read, so it is
// scrubbed of secrets and personal data before it is stored.
import { setMaxListeners } from 'node:events';
import { createClientCredentials, type ClientCredentialsSource } from './client-credentials.js';
import { isLoopback, toDeliveryError } from './delivery-log.js';
import { checkTimeoutMs, MAX_TIMEOUT_MS, pushSet, type PushResult } from './push-transport.js';
import type { ReceiverUrlResolver } from './receiver-url.js';
import { checkNumberOption } from './replay.js';
import type {
  EventStream,
  QueuedSet,
  SetQueue,
  StreamAuthorization,
  StreamStore,
} from './streams.js';
import { postWebhook } from './webhook-transport.js';

/**
 * How streams are delivered: attempts before a SET is dead (10), the first retry's delay cap in ms
 * (1,000) doubling per attempt up to `maxBackoffMs` (300,000), how long a claimed SET is held
 * (`leaseMs`, 60,000; more than `timeoutMs`), how often due SETs are looked for (`pollMs`, 1,000;
 * 0 never polls), SETs delivered per stream per pass (`batchSize`, 100), subjects delivered at once
 * per stream (`concurrency`, 10) and one delivery's time budget (`timeoutMs`, 10,000).
 * @example `{ maxAttempts: 5, backoffMs: 500, pollMs: 0 }`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2.2
 */
export interface StreamDeliveryOptions {
  readonly maxAttempts?: number | undefined;
  readonly backoffMs?: number | undefined;
  readonly maxBackoffMs?: number | undefined;
  readonly leaseMs?: number | undefined;
  readonly pollMs?: number | undefined;
  readonly batchSize?: number | undefined;
  readonly concurrency?: number | undefined;
  readonly timeoutMs?: number | undefined;
}

/**
 * Options of {@link createStreamDeliverer}. `tenants` names the tenants whose streams it delivers
 * (a stream store lists one tenant at a time; default: the streams without a tenant). `resolve`
 * replaces DNS resolution of receiver hosts (tests); `onError` hears of failures of the queue or the
 * stream store, which never stop delivery.
 * @example `{ streams, queue, tenants: () => db.tenantIds(), options: { pollMs: 500 } }`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2
 */
export interface StreamDelivererOptions {
  readonly streams: StreamStore;
  readonly queue: SetQueue;
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
 * One stream's delivery figures since the deliverer started: SETs delivered, failed attempts to be
 * retried, SETs gone dead, the last success and failure, and the median and 95th percentile latency
 * in ms of the latest deliveries (up to 100).
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
 * Delivers queued SETs, made by {@link createStreamDeliverer}. `deliverDue` runs one pass and
 * resolves how many deliveries it attempted (never rejects); `start` polls (and wakes when the
 * queue says SETs were queued); `close` stops and waits.
 * @example `deliverer.start(); process.on('SIGTERM', () => deliverer.close());`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2
 */
export interface StreamDeliverer {
  deliverDue(): Promise<number>;
  start(): void;
  close(): Promise<void>;
  metrics(): readonly StreamDeliveryMetrics[];
}

const DEFAULTS = {
  maxAttempts: 10,
  backoffMs: 1_000,
  maxBackoffMs: 300_000,
  leaseMs: 60_000,
  pollMs: 1_000,
  batchSize: 100,
  concurrency: 10,
  timeoutMs: 10_000,
} as const;

type Settings = { readonly [K in keyof typeof DEFAULTS]: number };

/** A receiver may ask for a long pause, but not one that parks a SET for more than a day. */
const MAX_RETRY_AFTER_MS = 86_400_000;
/** How many recent latencies each stream keeps for its percentiles. */
const LATENCY_WINDOW = 100;

/** A push or webhook delivery's outcome; a webhook has no `rejected`. */
type Outcome = PushResult;

interface Counters {
  delivered: number;
  retried: number;
  dead: number;
  lastSuccessAt?: string;
  lastFailureAt?: string;
  readonly latencies: number[];
}

/**
 * Makes the deliverer of push and webhook streams. Each pass lists the streams of `tenants` and
 * delivers those `enabled` (never `paused`, `disabled` or poll streams): it claims the due SETs, at
 * most one per subject at a time, POSTs each (push: `pushSet` with the stream's bearer token or an
 * OAuth client-credentials token cached per stream; webhook: the JSON body with a
 * `scim-signature` header from `signWebhook` over every secret of the stream), and records
 * the outcome: delivered → complete; 400 with `err` → dead at once (`queue.retry` replays it); a
 * failure that may pass → retried with backoff, dead after `maxAttempts`; a refused URL → dead.
 * Receiver URLs pass `checkReceiverUrl` before every delivery; a stream with `allowPrivateNetwork`
 * admits private addresses, and plain http when the host is a loopback address or `localhost`.
 * @example
 * ```ts
 * const deliverer = createStreamDeliverer({ streams, queue, options: { maxAttempts: 8 } });
 * deliverer.start();
 * // later: deliverer.metrics(), queue.list(streamId, { state: 'dead' }), queue.retry(streamId, jti)
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2
 */
export function createStreamDeliverer(options: StreamDelivererOptions): StreamDeliverer {
  const settings = settingsOf(options.options ?? {});
  const { queue, streams } = options;
  const now = options.now ?? (() => new Date());
  const random = options.random ?? Math.random;
  const closing = new AbortController();
  // Every delivery in flight and every watched stream listens to it: many more than Node's default
  // warning threshold of 10, and each listener is removed when its delivery or watch ends.
  setMaxListeners(0, closing.signal);
  const counters = new Map<string, Counters>();
  const tokenSources = new Map<
    string,
    { readonly key: string; readonly source: ClientCredentialsSource }
  >();
  /** Streams whose queue is watched for new SETs while started. */
  const watched = new Set<string>();
  let current: Promise<number> | undefined;
  let queued: Promise<number> | undefined;
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

  const countersOf = (streamId: string): Counters => {
    let found = counters.get(streamId);
    if (found === undefined) {
      found = { delivered: 0, retried: 0, dead: 0, latencies: [] };
      counters.set(streamId, found);
    }
    return found;
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
      const result = await pushSet(set.payload, delivery.endpointUrl, {
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

  /** One delivery attempt and its record; true when the SET is settled (delivered or dead). */
  const deliver = async (stream: EventStream, set: QueuedSet): Promise<boolean> => {
    const startedAt = performance.now();
    let outcome: Outcome;
    try {
      outcome = await send(stream, set);
    } catch (error) {
      // Signing a webhook with an empty secret, or a bug: retried like a failure that may pass.
      report(error, { streamId: stream.id, jti: set.jti });
      outcome = { outcome: 'retry', reason: 'the delivery failed before it was sent' };
    }
    // Cut short by close(): its lease ends and another pass (or process) delivers it.
    if (closing.signal.aborted && outcome.outcome !== 'delivered') return false;
    const stats = countersOf(stream.id);
    const at = now();
    try {
      if (outcome.outcome === 'delivered') {
        await queue.complete(stream.id, set.jti, at);
        stats.delivered += 1;
        stats.lastSuccessAt = at.toISOString();
        stats.latencies.push(performance.now() - startedAt);
        if (stats.latencies.length > LATENCY_WINDOW) stats.latencies.shift();
        return true;
      }
      stats.lastFailureAt = at.toISOString();
      const attempts = set.attempts + 1;
      const retryAt = outcome.outcome === 'retry' ? retryTime(outcome, attempts, at) : undefined;
      const error = toDeliveryError(outcome, { attempts, retried: retryAt !== undefined, stream });
      await queue.fail(stream.id, set.jti, { error, retryAt });
      if (retryAt === undefined) stats.dead += 1;
      else stats.retried += 1;
      return retryAt === undefined;
    } catch (error) {
      // The SET stays leased; once the lease ends it is due again (at least once).
      report(error, { streamId: stream.id, jti: set.jti });
      return false;
    }
  };

  const retryTime = (
    outcome: Extract<Outcome, { outcome: 'retry' }>,
    attempts: number,
    at: Date,
  ): Date | undefined => {
    if (attempts >= settings.maxAttempts) return undefined;
    const cap = Math.min(settings.maxBackoffMs, settings.backoffMs * 2 ** (attempts - 1));
    const jittered = Math.floor(random() * cap);
    const asked = Math.min(outcome.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS);
    return new Date(at.getTime() + Math.max(jittered, asked, 1));
  };

  /** One stream's share of a pass: rounds of claims until nothing more is due or the batch is spent. */
  const deliverStream = async (stream: EventStream): Promise<number> => {
    let attempted = 0;
    const seen = new Set<string>();
    while (!closing.signal.aborted && attempted < settings.batchSize) {
      const limit = Math.min(settings.concurrency, settings.batchSize - attempted);
      const at = now();
      let claimed: readonly QueuedSet[];
      try {
        claimed = await queue.claim(stream.id, {
          limit,
          now: at,
          leaseUntil: new Date(at.getTime() + settings.leaseMs),
        });
      } catch (error) {
        report(error, { streamId: stream.id });
        break;
      }
      if (claimed.length === 0) break;
      // A SET failed with a retry time already due comes back at once: end the pass rather than
      // loop on it.
      const again = claimed.some((set) => seen.has(set.jti));
      for (const set of claimed) seen.add(set.jti);
      const settled = await Promise.all(claimed.map((set) => deliver(stream, set)));
      attempted += claimed.length;
      // A short claim means nothing more was due, unless a settled SET freed its subject's next.
      if ((claimed.length < limit && !settled.includes(true)) || again) break;
    }
    return attempted;
  };

  const deliverable = async (): Promise<EventStream[]> => {
    const found: EventStream[] = [];
    let tenants: readonly (string | undefined)[];
    try {
      tenants = await tenantsOf();
    } catch (error) {
      report(error, {});
      return found;
    }
    for (const tenant of new Set(tenants)) {
      try {
        for (const stream of await streams.list(tenant))
          if (stream.status === 'enabled' && stream.delivery.method !== 'poll') found.push(stream);
      } catch (error) {
        report(error, {});
      }
    }
    return found;
  };

  const watch = (streamIds: readonly string[]): void => {
    if (!started) return;
    for (const id of streamIds) {
      if (watched.has(id) || closing.signal.aborted) continue;
      watched.add(id);
      queue.changed(id, closing.signal).then(
        () => {
          watched.delete(id);
          if (!closing.signal.aborted) void deliverDue();
        },
        (error: unknown) => {
          watched.delete(id);
          report(error, { streamId: id });
        },
      );
    }
  };

  const pass = async (): Promise<number> => {
    const found = await deliverable();
    const counts = await Promise.all(found.map(deliverStream));
    watch(found.map((stream) => stream.id));
    return counts.reduce((sum, count) => sum + count, 0);
  };

  const begin = (): Promise<number> => {
    const running: Promise<number> = pass().finally(() => {
      if (current === running) current = undefined;
    });
    current = running;
    return running;
  };

  const deliverDue = (): Promise<number> => {
    if (closing.signal.aborted) return Promise.resolve(0);
    if (queued !== undefined) return queued;
    if (current === undefined) return begin();
    // SETs may have fallen due after the running pass claimed: one more pass once it ends, shared
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
      await Promise.all([queued, current]);
    },
    metrics() {
      return [...counters].map(([streamId, stats]) => {
        const sorted = [...stats.latencies].sort((a, b) => a - b);
        const p50 = percentile(sorted, 0.5);
        const p95 = percentile(sorted, 0.95);
        return {
          streamId,
          delivered: stats.delivered,
          retried: stats.retried,
          dead: stats.dead,
          ...(stats.lastSuccessAt !== undefined && { lastSuccessAt: stats.lastSuccessAt }),
          ...(stats.lastFailureAt !== undefined && { lastFailureAt: stats.lastFailureAt }),
          ...(p50 !== undefined && { latencyP50Ms: p50 }),
          ...(p95 !== undefined && { latencyP95Ms: p95 }),
        };
      });
    },
  };
}

function settingsOf(options: StreamDeliveryOptions): Settings {
  const owner = 'createStreamDeliverer';
  const count = (name: 'maxAttempts' | 'batchSize' | 'concurrency'): number =>
    checkNumberOption(owner, name, options[name], DEFAULTS[name], { min: 1, integer: true });
  // Delays go to Node's timers, which take whole milliseconds up to 2^31 − 1.
  const delay = (name: 'backoffMs' | 'maxBackoffMs' | 'leaseMs' | 'pollMs', min: number): number =>
    checkNumberOption(owner, name, options[name], DEFAULTS[name], {
      min,
      max: MAX_TIMEOUT_MS,
      integer: true,
    });
  const settings: Settings = {
    maxAttempts: count('maxAttempts'),
    batchSize: count('batchSize'),
    concurrency: count('concurrency'),
    backoffMs: delay('backoffMs', 0),
    maxBackoffMs: delay('maxBackoffMs', 0),
    leaseMs: delay('leaseMs', 1),
    pollMs: delay('pollMs', 0),
    timeoutMs: checkTimeoutMs(owner, options.timeoutMs),
  };
  if (settings.leaseMs <= settings.timeoutMs)
    throw new RangeError(
      `${owner}: leaseMs must exceed timeoutMs, or a slow delivery would be taken again while it runs`,
    );
  return settings;
}

/** Nearest-rank percentile of ascending values, rounded to 0.1 ms. */
function percentile(sorted: readonly number[], rank: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil(rank * sorted.length) - 1));
  return Math.round((sorted[index] ?? 0) * 10) / 10;
}
