// Asynchronous requests (RFC 9967 §2.5.1): a write the client asked to run asynchronously (or, in
// `long` mode, one that takes too long) is answered 202 Accepted with no body, `Set-Txn` and
// `Location`, and runs on after the answer. How it ended is recorded in the outbox as an
// `asyncCompleted` event: in the write's transaction when it wrote, alone when it failed, so a
// completion is never lost once its write has committed.
//
// One answer per request, decided once: the 202 (at once, or when `wait` runs out, the request
// deadline passes or the client leaves) or the normal response (when the work reaches its commit
// first). The first of these settles it, so a completion is recorded exactly when the client was
// told to expect one. Something always ends both the answer and the work: the request deadline
// answers 503 and stops the work once the answer is the normal response, and `timeoutMs` ends the
// work behind a 202, whose completion then says 503.
//
// The log record is the request's, made when it is answered: a 202's lists the compatibility rules
// the parse step relied on; a normal answer's, those the work relied on, as a synchronous request's
// would. The work collects them apart, so a record already handed to the logger never changes; after
// a 202, its completion lists them, as no log record describes the work.
import { isJsonObject, ScimError } from '@scim/core';
import { readBulkRequest, runBulk, type BulkCompletions } from '../bulk/bulk.js';
import {
  createScope,
  RequestDeadline,
  rescope,
  type Completion,
  type Deadline,
} from '../context.js';
import { locationOf, type Engine, type Scope } from '../engine.js';
import { clientError } from '../errors.js';
import { executeResourceOperation } from '../execute.js';
import { errorOutcome, type Outcome } from '../http.js';
import type { LifecycleEvent } from '../lifecycle/outbox.js';
import {
  carryCompatibility,
  createExchange,
  noteCompatibility,
  type Exchange,
} from '../observe.js';
import type { Authentication } from '../options.js';
import type { Operation, ResourceOperation } from '../parse.js';
import { newId } from '../write/resources.js';
import { recordAlone, recordEvents } from '../write/transaction.js';
import { completionEvent, operationResult, targetOfPath, type Target } from './completion.js';
import { parsePreferences } from './prefer.js';
import type { AsyncSettings } from './settings.js';

type Write = Exclude<ResourceOperation, { kind: 'read' }> | Extract<Operation, { kind: 'bulk' }>;

/**
 * Where a request's answer stands: not yet decided, the normal response, or 202 and a completion.
 * Only a request answered 202 counts against `maxInFlight`: one answered normally is any request.
 */
class Answer {
  #state: 'pending' | 'sync' | 'async';
  #work: Promise<unknown> | undefined;
  readonly #settings: AsyncSettings;

  constructor(accepted: boolean, settings: AsyncSettings) {
    this.#state = accepted ? 'async' : 'pending';
    this.#settings = settings;
  }

  /** The work answered: tracked in flight from the 202 until it settles. */
  follow(work: Promise<unknown>): void {
    this.#work = work;
    if (this.#state === 'async') this.#settings.inFlight.track(work);
  }

  /**
   * At a commit, when the work is done, or when nobody waits for the normal response any more:
   * whether to record a completion. Settles a pending answer on the normal response.
   */
  decide(): boolean {
    if (this.#state === 'pending') this.#state = 'sync';
    return this.#state === 'async';
  }

  /**
   * When `wait` ran out, the request deadline passed or the client left: whether the 202 goes (or
   * went). Settles a pending answer on it when there is room; without room it stays pending.
   */
  accept(): boolean {
    if (this.#state === 'pending' && this.#work !== undefined && hasRoom(this.#settings)) {
      this.#state = 'async';
      this.#settings.inFlight.track(this.#work);
    }
    return this.#state === 'async';
  }
}

/** Whether a request may be answered 202 now: a `maxInFlight` slot is free, and the handler is not closing. */
function hasRoom({ inFlight, maxInFlight }: AsyncSettings): boolean {
  return !inFlight.closed && inFlight.size < maxInFlight;
}

/** How the request's work ended. */
type Ended = { readonly outcome: Outcome } | { readonly error: unknown };

/** The work outlived `timeoutMs`. */
interface Abandoned {
  readonly error: ScimError;
  readonly abandoned: true;
}

interface Job {
  readonly txn: string;
  readonly answer: Answer;
  readonly target: Target;
  readonly location: string | undefined;
  /** A bulk request's operations, as the client sent them. */
  readonly operations: readonly unknown[];
  /**
   * Aborts the work's signal once its answer is the normal response and nobody waits for it any
   * more (the client left, the request deadline answered 503), as a synchronous request's would.
   */
  readonly cancel: AbortController;
  /**
   * Set once the work records its completions itself (in its unit of work, or at a bulk request's
   * end): from then on the work's own end, not its deadline, decides what is recorded.
   */
  recording: boolean;
  /** The completions of a bulk request's operations run without a transaction, by index. */
  readonly ran: Map<number, LifecycleEvent>;
  /**
   * The rules the work relies on, kept apart from the request's record: its completion lists them
   * (a bulk request's, each operation's own at its place), and a request answered in full after
   * waiting lists them all.
   */
  readonly exchange: Exchange | undefined;
}

/**
 * Takes a parsed write asynchronously when the configuration and the client's `Prefer` header say
 * so, there is room, and the handler is not closing: resolves to the 202 or, if the work is done
 * within `wait`, to its normal outcome. Undefined when the request is to run as usual. Anything a
 * request can be refused for without a store call (authentication, routing, media type, size,
 * JSON syntax, PATCH syntax, a bulk request's envelope) was refused before this, synchronously.
 */
export function acceptAsync(
  scope: Scope,
  operation: Operation,
  caller: Authentication | undefined,
  deadline: Deadline | undefined,
): Promise<Outcome> | undefined {
  const { engine, request } = scope;
  const settings = engine.asyncRequests;
  if (settings.mode === 'none' || !isWrite(operation)) return undefined;
  const preferences = parsePreferences(request.headers.get('prefer'));
  if (settings.mode === 'request' && !preferences.respondAsync) return undefined;
  if (!hasRoom(settings)) return undefined;
  // A client already answered (the deadline's 503) or gone is never told a Set-Txn: the write runs
  // as usual, and so is refused before it writes.
  if (request.signal.aborted || deadline?.aborted === true) return undefined;
  const waitMs = preferences.respondAsync
    ? Math.min((preferences.waitSeconds ?? 0) * 1000, settings.maxWaitMs)
    : settings.afterMs;
  // A bulk request's envelope (schemas, Operations, maxOperations) is refused now, not later.
  const operations =
    operation.kind === 'bulk' ? readBulkRequest(engine, operation.payload).operations : [];
  const txn = crypto.randomUUID().replace(/-/g, '');
  // A POST's id is chosen now, so that the 202 can say where the resource will be.
  const write: Write =
    operation.kind === 'create' ? { ...operation, id: operation.id ?? newId(scope) } : operation;
  const target: Target =
    write.kind === 'bulk'
      ? { resourceType: undefined, id: undefined }
      : { resourceType: write.resourceType, id: write.id };
  const location =
    target.resourceType === undefined || target.id === undefined
      ? undefined
      : locationOf(scope, target.resourceType, target.id);
  const answer = new Answer(waitMs === 0, settings);
  const job: Job = {
    txn,
    answer,
    target,
    location,
    operations,
    cancel: new AbortController(),
    recording: false,
    ran: new Map(),
    exchange: createExchange(scope.requestId, true),
  };
  const work = run(scope, caller, write, job);
  answer.follow(work);
  const accepted: Outcome = {
    status: 202,
    body: undefined,
    headers: {
      'set-txn': txn,
      ...(preferences.respondAsync && { 'preference-applied': 'respond-async' }),
      ...(location !== undefined && { location }),
    },
  };
  if (waitMs === 0) {
    noteParsed(scope, write);
    return Promise.resolve(accepted);
  }
  return answerWithin(scope, write, deadline, waitMs, job, work, accepted);
}

/**
 * For a 202's log record: the rules the parse step relied on, a PATCH's reading (an op in another
 * case, its paths' value filters) and its member fast path. The rest (a body's values) is read by
 * the work, after the answer, where no log record describes it.
 */
function noteParsed(scope: Scope, write: Write): void {
  if (write.kind !== 'patch') return;
  noteCompatibility(scope, 'patch', write.patch.applied);
  noteCompatibility(scope, 'patch', write.membership?.applied);
}

/** The rules the work relied on so far become the request's, for a record made now. */
function carryOver(scope: Scope, job: Job): void {
  if (job.exchange !== undefined && scope.exchange !== undefined)
    carryCompatibility(job.exchange, scope.exchange);
}

function isWrite(operation: Operation): operation is Write {
  return (
    operation.kind === 'create' ||
    operation.kind === 'replace' ||
    operation.kind === 'patch' ||
    operation.kind === 'delete' ||
    operation.kind === 'bulk'
  );
}

/**
 * The answer to a client that waits (`wait`, or `long`'s `afterMs`): the normal outcome when the
 * work reaches its commit first, else the 202 when the time is up, the request deadline passes or
 * the client leaves. Once the answer is the normal response, the request deadline's 503 or the
 * client's leaving stops the work, as it would a synchronous request's.
 */
function answerWithin(
  scope: Scope,
  write: Write,
  deadline: Deadline | undefined,
  waitMs: number,
  job: Job,
  work: Promise<Ended>,
  accepted: Outcome,
): Promise<Outcome> {
  const { request } = scope;
  const { answer, cancel } = job;
  // Set once the request deadline answered 503 without the work: that record is made already.
  let answered = false;
  return new Promise<Outcome>((resolve, reject) => {
    const give = (): boolean => {
      if (!answer.accept()) return false;
      noteParsed(scope, write);
      resolve(accepted);
      return true;
    };
    const stop = (reason: unknown): void => {
      answer.decide();
      cancel.abort(reason);
    };
    const timer = setTimeout(give, waitMs);
    // A client that leaves while waiting still has its completion recorded.
    const leave = (): void => {
      if (!give()) stop(request.signal.reason);
    };
    request.signal.addEventListener('abort', leave, { once: true });
    deadline?.intercept((reason) => {
      if (give()) return true;
      carryOver(scope, job);
      answered = true;
      stop(reason);
      return false;
    });
    work.then((ended) => {
      clearTimeout(timer);
      request.signal.removeEventListener('abort', leave);
      // Settled by now (the work decided at its end): true means the 202 already went.
      if (answer.decide()) return;
      if (!answered) carryOver(scope, job);
      if ('outcome' in ended) resolve(ended.outcome);
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passed on as thrown, for the handler's one choke point
      else reject(ended.error);
    }, noop);
  });
}

/**
 * Runs the write in a scope of its own: a request only `job.cancel` aborts, under `timeoutMs`, the
 * txn its events share, and the completion its unit of work records. Never rejects, and settles by
 * `timeoutMs` (and the recording of the 503 completion) even if a store call never does.
 */
async function run(
  requestScope: Scope,
  caller: Authentication | undefined,
  write: Write,
  job: Job,
): Promise<Ended> {
  // Past the 202 nobody catches what the work throws: an `onError` that throws must not either.
  const engine: Engine = { ...requestScope.engine, onError: quiet(requestScope.engine.onError) };
  const timeoutMs = engine.asyncRequests.timeoutMs;
  const deadline = new RequestDeadline();
  const expired = new Promise<Abandoned>((resolve) => {
    deadline.arm(
      timeoutMs,
      () => abandoned(timeoutMs),
      (error) => resolve({ error, abandoned: true }),
    );
  });
  const original = requestScope.request;
  const request = new Request(original.url, {
    method: original.method,
    headers: original.headers,
    signal: job.cancel.signal,
  });
  const scope = createScope(
    engine,
    request,
    requestScope.url,
    requestScope.requestId,
    caller,
    deadline,
    requestScope.deliveries,
    job.exchange,
  );
  const method = original.method.toUpperCase();
  const working = attempt(scope, write, job, method, deadline);
  const ended = await Promise.race([working, expired]);
  deadline.release();
  if (!('abandoned' in ended)) {
    await finish(scope, write, job, method, ended);
    return ended;
  }
  // A client still waiting for the normal response is answered the 503; nothing is recorded.
  if (!job.answer.decide()) return ended;
  if (job.recording) {
    // Its completions are in a unit of work still committing (or being appended): how that ends
    // is how the request ends, whenever it does.
    void working.then((late) => finish(scope, write, job, method, late)).catch(noop);
    return ended;
  }
  await recordQuietly(scope, failed(scope, write, job, method, ended.error));
  return ended;
}

/**
 * Runs the write; never rejects. Recording a completion once `timeoutMs` has passed throws, so a
 * write that outlived it rolls back in its transaction instead of contradicting the 503.
 */
async function attempt(
  scope: Scope,
  write: Write,
  job: Job,
  method: string,
  deadline: RequestDeadline,
): Promise<Ended> {
  const decide = (): boolean => {
    if (deadline.reason !== undefined) throw deadline.reason;
    if (!job.answer.decide()) return false;
    job.recording = true;
    return true;
  };
  try {
    if (write.kind === 'bulk') {
      const completions: BulkCompletions = {
        txn: job.txn,
        decide,
        ran: (index, completion) => void job.ran.set(index, completion),
      };
      return {
        outcome: await runBulk(rescope(scope, { txn: job.txn }), write.payload, completions),
      };
    }
    const completion: Completion = {
      async record(unit, outcome) {
        if (decide()) await recordEvents(unit, [completed(unit, job, method, outcome)]);
      },
    };
    return {
      outcome: await executeResourceOperation(rescope(scope, { txn: job.txn, completion }), write),
    };
  } catch (error) {
    return { error };
  }
}

/**
 * Records the completion the work did not record itself, when the client was answered 202: a
 * failed write's (it committed nothing), or every operation's of a bulk request that failed as a
 * whole. Never rejects.
 */
async function finish(
  scope: Scope,
  write: Write,
  job: Job,
  method: string,
  ended: Ended,
): Promise<void> {
  if (!job.answer.decide()) return;
  if (write.kind === 'bulk') {
    // A bulk request runBulk could not answer (its transaction failed to commit) applied none of
    // its operations but those run without one; otherwise runBulk recorded them all.
    if (!('outcome' in ended))
      await recordQuietly(scope, failed(scope, write, job, method, ended.error));
    return;
  }
  const outcome = 'outcome' in ended ? ended.outcome : failure(scope, ended.error);
  const ok = outcome.status >= 200 && outcome.status < 300;
  if (!job.recording || !ok) await recordQuietly(scope, [completed(scope, job, method, outcome)]);
}

/** Records completions alone; an outbox refusing them is reported, not thrown. */
async function recordQuietly(scope: Scope, events: readonly LifecycleEvent[]): Promise<void> {
  try {
    await recordAlone(scope, events);
  } catch (error) {
    // The outbox refused the completion: the client will not hear how its request ended.
    scope.engine.onError(error, scope.request, { requestId: scope.requestId });
  }
}

/**
 * The completions of a request that failed with `error`: one for a write; for a bulk request, the
 * completion of each operation run without a transaction (what it did stands) and the failure for
 * every other operation.
 */
function failed(
  scope: Scope,
  write: Write,
  job: Job,
  method: string,
  error: unknown,
): LifecycleEvent[] {
  const outcome = failure(scope, error);
  if (write.kind !== 'bulk') return [completed(scope, job, method, outcome)];
  const others = job.operations.flatMap((raw, index) => {
    if (job.ran.has(index)) return [];
    const operation = isJsonObject(raw) ? raw : {};
    const { method: verb, bulkId, path } = operation;
    return [
      completionEvent(scope, {
        txn: `${job.txn}:${index}`,
        result: {
          ...(typeof verb === 'string' && { method: verb.toUpperCase() }),
          ...(typeof bulkId === 'string' && { bulkId }),
          status: String(outcome.status),
          response: outcome.body,
        },
        target: targetOfPath(scope.engine, typeof path === 'string' ? path : undefined),
      }),
    ];
  });
  return [...job.ran.values(), ...others];
}

function failure(scope: Scope, error: unknown): Outcome {
  return errorOutcome(clientError(scope.engine, error, scope.request, scope.requestId));
}

/** The completion of a write (not a bulk request), listing the rules its work relied on so far. */
function completed(scope: Scope, job: Job, method: string, outcome: Outcome): LifecycleEvent {
  return completionEvent(scope, {
    txn: job.txn,
    result: operationResult(method, undefined, outcome, job.location),
    target: job.target,
    compatibility: job.exchange?.compatibility,
  });
}

/** `onError` that cannot throw: in work nobody awaits, there is no one left to tell. */
function quiet(onError: Engine['onError']): Engine['onError'] {
  return (error, request, details) => {
    try {
      onError(error, request, details);
    } catch {
      // Swallowed: a logger that throws must not take the process down with it.
    }
  };
}

function abandoned(milliseconds: number): ScimError {
  return new ScimError({
    status: 503,
    detail: `The asynchronous request took longer than ${milliseconds} ms and was abandoned`,
  });
}

function noop(): void {}
