// The transmitter side of poll delivery (RFC 8936): a receiver POSTs to its stream's poll endpoint
// to acknowledge SETs it received, report SETs it refused, and fetch the next ones, waiting (long
// polling) when none are queued. Request in, Response out, like the rest of the SDK.
//
// Delivery is at least once: every SET handed out is leased, not removed. An acknowledged SET is
// completed and never handed out again (RFC 8936 §2.2, `ack`); one that is not acknowledged
// before its lease ends is handed out again, as RFC 8936 §2.3 expects ("SETs that are being
// retransmitted after not having been acknowledged"). Each SET is signed as it is handed out, with
// the tenant's active key of that moment; its claims (and so its jti) were fixed when it was queued.
import { maskSecrets } from './delivery-log.js';
import type { SigningKeySet } from './keys.js';
import type { PerTenant } from './per-tenant.js';
import { PollError, RESPONSE_HEADERS, toPollError } from './poll-error.js';
import { parsePollRequest, readBody, type PollRequest } from './poll-request.js';
import { createQueuedSetSigner, type QueuedSetSigner } from './sign.js';
import type { EventStream, QueuedSet, SetQueue, StreamStore } from './streams.js';
import { toLogText } from './vetted-exchange.js';

/** The most SETs one response holds, whatever `maxEvents` asks for, unless configured. */
const DEFAULT_MAX_EVENTS_LIMIT = 100;
/** How long a long poll waits for a SET before answering with none, unless configured. */
const DEFAULT_LONG_POLL_MS = 25_000;
/** How long a handed-out SET stays leased before it is handed out again, unless configured. */
const DEFAULT_LEASE_MS = 120_000;
/** How often a long poll looks at the queue again when no change was signalled, unless configured. */
const DEFAULT_RECHECK_MS = 1_000;

/**
 * What the poll endpoint is told about each request: the stream named in its URL and the tenant
 * the application resolved. `signal` ends a long poll early (the client went away, or the server
 * shuts down); the request's own signal is honoured too.
 * @example `await poll(request, { streamId: params.id, tenant: 'acme', signal: request.signal })`
 * @see https://www.rfc-editor.org/rfc/rfc8936#section-2.1
 */
export interface PollEndpointContext {
  readonly streamId: string;
  readonly tenant: string | undefined;
  readonly signal?: AbortSignal | undefined;
}

/**
 * The poll endpoint: a Web `Request` in, a `Response` out. Mount it at the URL a poll stream's
 * receiver is given, such as `POST /events/streams/:id/poll`.
 * @example `app.post('/events/streams/:id/poll', (c) => poll(c.req.raw, { streamId: c.req.param('id'), tenant: undefined }))`
 * @see https://www.rfc-editor.org/rfc/rfc8936#section-2
 */
export type PollEndpoint = (request: Request, context: PollEndpointContext) => Promise<Response>;

/**
 * What {@link createPollEndpoint} serves from. `keys` sign the SETs as they are handed out: one key
 * set, or each tenant's (its active key signs). `authorize` checks the receiver's credentials (such
 * as its bearer token) for this stream; false answers 401. `options` tune the limits:
 * `maxEventsLimit` caps the SETs in one response (100), `longPollMs` is how long a poll waits for
 * a SET (25,000), `leaseMs` how long a handed-out SET waits for its acknowledgement before it is
 * handed out again (120,000), `recheckMs` how often a waiting poll looks at the queue when no
 * change was signalled (1,000). `now` is the clock of queue timestamps and leases; waiting always
 * uses real time. `onError` receives every unexpected failure, which the receiver sees only as a 500.
 * @example
 * ```ts
 * const poll = createPollEndpoint({
 *   streams, queue, keys,
 *   authorize: (request, stream) => checkReceiverToken(request.headers.get('authorization'), stream),
 *   options: { longPollMs: 20_000 },
 *   onError: (error) => logger.error(error),
 * });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8936#section-2
 */
export interface PollEndpointOptions {
  readonly streams: StreamStore;
  readonly queue: SetQueue;
  readonly keys: PerTenant<SigningKeySet>;
  readonly authorize: (request: Request, stream: EventStream) => boolean | Promise<boolean>;
  readonly options?: {
    readonly maxEventsLimit?: number | undefined;
    readonly longPollMs?: number | undefined;
    readonly leaseMs?: number | undefined;
    readonly recheckMs?: number | undefined;
  };
  readonly now?: (() => Date) | undefined;
  readonly onError?: ((error: unknown) => void) | undefined;
}

/**
 * Creates the RFC 8936 poll endpoint of the streams whose `delivery.method` is `poll`. Each request
 * first applies `ack` (those SETs are done) and `setErrs` (those SETs are dead, with the receiver's
 * error), then answers with up to `maxEvents` SETs keyed by `jti` and `moreAvailable`; when none
 * are queued and `returnImmediately` is not true, it waits up to `longPollMs` for one.
 * @example
 * ```ts
 * const poll = createPollEndpoint({ streams, queue, keys, authorize: (request, stream) => tokens.check(request, stream.id) });
 * // POST /events/streams/f67e39a0/poll  {"ack":["4d3559ec"],"maxEvents":10}
 * const response = await poll(request, { streamId: 'f67e39a0', tenant: 'acme' });
 * // 200 {"sets":{"3d0c3cf7":"eyJ0eXAiOiJzZWNldmVudCtqd3QiLC…"},"moreAvailable":false}
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8936#section-2
 */
export function createPollEndpoint(config: PollEndpointOptions): PollEndpoint {
  const settings: Settings = {
    streams: config.streams,
    queue: config.queue,
    authorize: config.authorize,
    sign: createQueuedSetSigner(config.keys),
    maxEventsLimit: positiveInteger(config.options?.maxEventsLimit, DEFAULT_MAX_EVENTS_LIMIT),
    longPollMs: nonNegative(config.options?.longPollMs, DEFAULT_LONG_POLL_MS),
    leaseMs: positiveInteger(config.options?.leaseMs, DEFAULT_LEASE_MS),
    recheckMs: positiveInteger(config.options?.recheckMs, DEFAULT_RECHECK_MS),
    now: config.now ?? (() => new Date()),
  };
  const { onError } = config;
  return async (request, context) => {
    try {
      return await handlePoll(request, context, settings);
    } catch (error) {
      // The one place an unexpected failure becomes a response; the receiver learns nothing of it.
      if (!(error instanceof PollError))
        try {
          onError?.(error);
        } catch {
          // A failing error hook must not turn a 500 into a rejected promise the adapter never expects.
        }
      return toPollError(error).toResponse();
    }
  };
}

interface Settings {
  readonly streams: StreamStore;
  readonly queue: SetQueue;
  readonly authorize: PollEndpointOptions['authorize'];
  readonly sign: QueuedSetSigner;
  readonly maxEventsLimit: number;
  readonly longPollMs: number;
  readonly leaseMs: number;
  readonly recheckMs: number;
  readonly now: () => Date;
}

async function handlePoll(
  request: Request,
  context: PollEndpointContext,
  settings: Settings,
): Promise<Response> {
  if (request.method !== 'POST')
    throw new PollError(405, 'invalid_request', 'Poll with POST (RFC 8936 §2.1)', {
      allow: 'POST',
    });

  // The store never returns another tenant's stream; the second check keeps it so even for a
  // store that gets this wrong. Both answers are the same 404, so no tenant learns which ids
  // exist elsewhere.
  const stream = await settings.streams.get(context.streamId, context.tenant);
  if (stream === undefined || stream.tenant !== context.tenant) throw noSuchStream();
  if (!(await settings.authorize(request, stream)))
    throw new PollError(
      401,
      'authentication_failed',
      'The poll request lacks valid credentials for this stream',
      { 'www-authenticate': 'Bearer' },
    );
  checkPollable(stream);

  // Only an authorised caller's body is read.
  const poll = parsePollRequest(await readBody(request), settings.maxEventsLimit);
  await applyReceipts(settings, stream, poll);

  const signal = combinedSignal(context.signal, request.signal);
  const { sets, deliverable } = await collect(settings, stream, poll, signal);
  // A paused stream keeps its SETs, but none of them is available to be returned.
  const moreAvailable =
    deliverable && (await hasMoreDue(settings, stream.id, sets, poll.maxEvents));
  // Should signing fail (the keys could not be resolved), the 500 leaves the SETs leased, and they
  // are handed out again once their lease ends.
  const tokens = await settings.sign(
    sets.map((set) => set.payload),
    stream.tenant,
  );
  const body = {
    sets: Object.fromEntries(sets.map((set, index) => [set.jti, tokens[index]])),
    moreAvailable,
  };
  return new Response(JSON.stringify(body), { status: 200, headers: RESPONSE_HEADERS });
}

/**
 * Refuses streams that have nothing to poll:
 * - delivered another way (push, webhook): 404, as a push stream has no poll endpoint at all; its
 *   URL names nothing here, and no change to the request body would help (which a 400 suggests);
 * - `disabled`: 409 with `access_denied`. The transmitter holds no SETs for a disabled stream, so an
 *   empty 200 would tell the receiver "all caught up" while events are dropped. 409 (the stream's
 *   state conflicts with polling) tells it to stop, unlike 401/403, which read as bad credentials,
 *   and it is resolved by enabling the stream, after which polling works again.
 * A `paused` stream is polled as usual but hands out nothing (see `collect`).
 */
function checkPollable(stream: EventStream): void {
  if (stream.delivery.method !== 'poll')
    throw new PollError(
      404,
      'invalid_request',
      `Stream ${stream.id} delivers by ${stream.delivery.method}, not poll; it has no poll endpoint`,
    );
  if (stream.status === 'disabled')
    throw new PollError(
      409,
      'access_denied',
      'The stream is disabled: no events are kept for it until it is enabled again',
    );
}

/**
 * Applies the receiver's receipts before anything is handed out, so SETs acknowledged in this
 * request are never part of its answer: each `ack` completes its SET (RFC 8936 §2.2: the
 * transmitter "is released from any obligation to retain the SET"); each `setErrs` member marks its
 * SET dead with the receiver's `err` and `description` (RFC 8936 §2.6), masked and cut for the
 * delivery log. A dead SET is never handed out again unless replayed from the dead letters.
 */
async function applyReceipts(settings: Settings, stream: EventStream, poll: PollRequest) {
  const at = settings.now();
  for (const jti of poll.ack) await settings.queue.complete(stream.id, jti, at);
  for (const [jti, { err, description }] of poll.setErrs)
    await settings.queue.fail(stream.id, jti, {
      error: toReceiverErrorText(err, description, stream),
      retryAt: undefined,
    });
}

/**
 * Claims up to `maxEvents` SETs with a lease. With none to hand out, and unless the receiver asked
 * for an immediate answer (`returnImmediately`, RFC 8936 §2.2) or sent an acknowledge-only request
 * (`maxEvents` 0, same section), it waits as an HTTP long poll (RFC 6202 §2): it looks again when the
 * queue signals a change or every `recheckMs`, until a SET is claimed, `longPollMs` has passed, or
 * the request is aborted. It then answers with what it has, possibly nothing.
 */
async function collect(
  settings: Settings,
  initial: EventStream,
  poll: PollRequest,
  signal: AbortSignal | undefined,
): Promise<{ readonly sets: readonly QueuedSet[]; readonly deliverable: boolean }> {
  const longPoll = !poll.returnImmediately && poll.maxEvents > 0 && settings.longPollMs > 0;
  const deadline = performance.now() + settings.longPollMs;
  let stream: EventStream | undefined = initial;
  for (;;) {
    const deliverable = stream.status === 'enabled';
    const remaining = deadline - performance.now();
    // Listening starts before the claim, so a SET queued between the two is not missed.
    const waiter =
      longPoll && remaining > 0
        ? startWaiting(settings.queue, initial.id, signal, Math.min(settings.recheckMs, remaining))
        : undefined;
    try {
      const claimable = deliverable && poll.maxEvents > 0 && signal?.aborted !== true;
      const sets = claimable ? await claim(settings, stream.id, poll) : [];
      if (sets.length > 0 || waiter === undefined) return { sets, deliverable };
      await waiter.woken;
    } finally {
      waiter?.stop();
    }
    // Nobody is listening any more: claiming now would only lease SETs to no one and delay them.
    if (signal?.aborted === true) return { sets: [], deliverable: false };
    // The stream may have been paused, enabled, disabled or deleted while this poll waited.
    stream = await settings.streams.get(initial.id, initial.tenant);
    if (
      stream === undefined ||
      stream.tenant !== initial.tenant ||
      stream.delivery.method !== 'poll' ||
      stream.status === 'disabled'
    )
      return { sets: [], deliverable: false };
  }
}

function claim(settings: Settings, streamId: string, poll: PollRequest) {
  const now = settings.now();
  return settings.queue.claim(streamId, {
    limit: poll.maxEvents,
    now,
    leaseUntil: new Date(now.getTime() + settings.leaseMs),
  });
}

/**
 * `moreAvailable` (RFC 8936 §2.3): true when `maxEvents` cut the answer short while other SETs wait
 * that polling again at once would return: due, not leased to anyone, and first of their subject.
 * The queue hands out one SET of a subject at a time, so a SET behind one just handed out (or behind
 * any older pending SET of its subject) waits for that one's acknowledgement. It is a hint; a
 * receiver that long polls loses nothing if it is false. Only the oldest pending SETs are looked at
 * (those handed out just now, plus as many again as one answer may hold), which bounds the cost for
 * a stream with a long backlog.
 */
async function hasMoreDue(
  settings: Settings,
  streamId: string,
  handedOut: readonly QueuedSet[],
  maxEvents: number,
): Promise<boolean> {
  if (handedOut.length < maxEvents) return false;
  const pending = await settings.queue.list(streamId, {
    state: 'pending',
    limit: handedOut.length + settings.maxEventsLimit + 1,
  });
  const given = new Set(handedOut.map((set) => set.jti));
  const blocked = new Set(handedOut.map((set) => set.subject));
  const now = settings.now().getTime();
  // Oldest first, as the queue claims: the first pending SET of a subject heads it, due or not.
  for (const set of pending) {
    if (given.has(set.jti) || blocked.has(set.subject)) continue;
    blocked.add(set.subject);
    if (Date.parse(set.nextAttemptAt) <= now) return true;
  }
  return false;
}

// ---- waiting --------------------------------------------------------------------------------

interface Waiter {
  /** Resolves on a queue change, after the recheck delay, or when the request aborts. */
  readonly woken: Promise<void>;
  /** Releases the timer and the queue listener. */
  readonly stop: () => void;
}

function startWaiting(
  queue: SetQueue,
  streamId: string,
  signal: AbortSignal | undefined,
  delayMs: number,
): Waiter {
  const done = new AbortController();
  const listening = signal === undefined ? done.signal : AbortSignal.any([signal, done.signal]);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const elapsed = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, delayMs);
  });
  // `changed` is a hint: should it fail, the timer alone paces the poll, so a broken hint can
  // slow a long poll down but never make it spin.
  const changed = queue.changed(streamId, listening).catch(() => elapsed);
  const aborted = new Promise<void>((resolve) => {
    if (listening.aborted) resolve();
    else listening.addEventListener('abort', () => resolve(), { once: true });
  });
  return {
    woken: Promise.race([changed, elapsed, aborted]),
    stop: () => {
      clearTimeout(timer);
      done.abort();
    },
  };
}

function combinedSignal(...signals: readonly (AbortSignal | undefined)[]): AbortSignal | undefined {
  const present = signals.filter((signal) => signal !== undefined);
  return present.length <= 1 ? present[0] : AbortSignal.any(present);
}

// ---- the receiver's error text --------------------------------------------------------------

/**
 * The receiver's `err: description`, for the delivery log, masked as the deliverer masks its own
 * (the stream's secrets, credentials, JWTs, URL queries, e-mail addresses, long numbers), one line,
 * cut as `toLogText` cuts.
 */
function toReceiverErrorText(err: string, description: string, stream: EventStream): string {
  const masked = maskSecrets(description, stream);
  return toLogText(masked === '' ? err : `${err}: ${masked}`);
}

// ---- refusals and limits -------------------------------------------------------------------

function noSuchStream(): PollError {
  return new PollError(404, 'invalid_request', 'There is no such stream');
}

function positiveInteger(value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 1)
    throw new TypeError(`A poll endpoint limit must be a positive integer, not ${value}`);
  return value;
}

function nonNegative(value: number | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isSafeInteger(value) || value < 0)
    throw new TypeError(`longPollMs must be an integer of 0 or more, not ${value}`);
  return value;
}
