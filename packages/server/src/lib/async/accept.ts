// Asynchronous requests (RFC 9967 §2.5.1): a write the client asked to run asynchronously (or, in
// `long` mode, one that takes too long) is answered 202 Accepted with no body, `Set-Txn` and
// `Location`, and runs on after the answer. How it ended is recorded in the outbox as an
// `asyncCompleted` event: in the write's transaction when it wrote, alone when it failed, so a
// completion is never lost once its write has committed.
//
// One answer per request, decided once: the 202 (when `wait` runs out, or at once) or the normal
// response (when the work reaches its commit first). The first of the two to happen settles it,
// so a completion is recorded exactly when the client was told to expect one.
import { isJsonObject, ScimError } from '@scim/core';
import { runBulk, readBulkRequest } from '../bulk/bulk.js';
import {
  createScope,
  RequestDeadline,
  rescope,
  type Completion,
  type Deadline,
} from '../context.js';
import { locationOf, type Scope } from '../engine.js';
import { clientError } from '../errors.js';
import { executeResourceOperation } from '../execute.js';
import { errorOutcome, type Outcome } from '../http.js';
import type { LifecycleEvent } from '../lifecycle/outbox.js';
import type { Authentication } from '../options.js';
import type { Operation, ResourceOperation } from '../parse.js';
import { newId } from '../write/resources.js';
import { recordAlone, recordEvents } from '../write/transaction.js';
import { completionEvent, operationResult, targetOfPath, type Target } from './completion.js';
import { parsePreferences } from './prefer.js';

type Write = Exclude<ResourceOperation, { kind: 'read' }> | Extract<Operation, { kind: 'bulk' }>;

/** Where a request's answer stands: not yet decided, the normal response, or 202 and a completion. */
class Answer {
  #state: 'pending' | 'sync' | 'async';

  constructor(async: boolean) {
    this.#state = async ? 'async' : 'pending';
  }

  /** At a commit, or when the work is done: whether to record a completion. Settles a pending answer on the normal response. */
  decide(): boolean {
    if (this.#state === 'pending') this.#state = 'sync';
    return this.#state === 'async';
  }

  /** When `wait` ran out: whether the 202 may go. Settles a pending answer on it. */
  accept(): boolean {
    if (this.#state === 'pending') this.#state = 'async';
    return this.#state === 'async';
  }
}

/** How the request's work ended. */
type Ended = { readonly outcome: Outcome } | { readonly error: unknown };

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
  if (settings.inFlight.closed || settings.inFlight.size >= settings.maxInFlight) return undefined;
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
  // From here the answer keeps to `wait`, and the work to a deadline of its own.
  deadline?.release();
  const answer = new Answer(waitMs === 0);
  const work = run(scope, caller, write, { txn, answer, target, location, operations });
  engine.asyncRequests.inFlight.track(work);
  const accepted: Outcome = {
    status: 202,
    body: undefined,
    headers: {
      'set-txn': txn,
      ...(preferences.respondAsync && { 'preference-applied': 'respond-async' }),
      ...(location !== undefined && { location }),
    },
  };
  if (waitMs === 0) return Promise.resolve(accepted);
  return new Promise<Outcome>((resolve, reject) => {
    const give = (): void => {
      if (answer.accept()) resolve(accepted);
    };
    const timer = setTimeout(give, waitMs);
    // A client that leaves while waiting still has its completion recorded.
    request.signal.addEventListener('abort', give, { once: true });
    void work.then((ended) => {
      clearTimeout(timer);
      request.signal.removeEventListener('abort', give);
      // Settled by now (the work decided at its end): true means the 202 already went.
      if (answer.accept()) return;
      if ('outcome' in ended) resolve(ended.outcome);
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passed on as thrown, for the handler's one choke point
      else reject(ended.error);
    });
  });
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

interface Job {
  readonly txn: string;
  readonly answer: Answer;
  readonly target: Target;
  readonly location: string | undefined;
  /** A bulk request's operations, as the client sent them. */
  readonly operations: readonly unknown[];
}

/**
 * Runs the write in a scope of its own: a request that no client disconnect aborts, the txn its
 * events share, and the completion its unit of work records. Never rejects.
 */
async function run(
  requestScope: Scope,
  caller: Authentication | undefined,
  write: Write,
  job: Job,
): Promise<Ended> {
  const { engine } = requestScope;
  const timeoutMs = engine.asyncRequests.timeoutMs;
  let deadline: RequestDeadline | undefined;
  if (timeoutMs !== undefined) {
    deadline = new RequestDeadline();
    deadline.arm(timeoutMs, () => abandoned(timeoutMs));
  }
  const original = requestScope.request;
  const request = new Request(original.url, { method: original.method, headers: original.headers });
  const base = createScope(
    engine,
    request,
    requestScope.url,
    requestScope.requestId,
    caller,
    deadline,
    requestScope.deliveries,
  );
  const method = original.method.toUpperCase();
  let recorded = false;
  const completion: Completion = {
    async record(unit, outcome) {
      if (!job.answer.decide()) return;
      await recordEvents(unit, [completed(unit, job, method, outcome)]);
      recorded = true;
    },
  };
  let ended: Ended;
  try {
    const outcome =
      write.kind === 'bulk'
        ? await runBulk(rescope(base, { txn: job.txn }), write.payload, {
            txn: job.txn,
            decide: () => job.answer.decide(),
          })
        : await executeResourceOperation(rescope(base, { txn: job.txn, completion }), write);
    ended = { outcome };
  } catch (error) {
    ended = { error };
  } finally {
    deadline?.release();
  }
  if (!job.answer.decide()) return ended;
  try {
    if (write.kind === 'bulk') {
      // A bulk request runBulk could not answer (its transaction failed to commit) applied none of
      // its operations; each gets a failed completion. Otherwise runBulk recorded them all.
      if (!('outcome' in ended))
        await recordAlone(base, failedOperations(base, job, failure(base, ended.error)));
    } else {
      const outcome = 'outcome' in ended ? ended.outcome : failure(base, ended.error);
      const ok = outcome.status >= 200 && outcome.status < 300;
      // A failed write committed nothing: its completion is recorded alone.
      if (!recorded || !ok) await recordAlone(base, [completed(base, job, method, outcome)]);
    }
  } catch (error) {
    // The outbox refused the completion: the client will not hear how its request ended.
    engine.onError(error, request, { requestId: requestScope.requestId });
  }
  return ended;
}

function failure(scope: Scope, error: unknown): Outcome {
  return errorOutcome(clientError(scope.engine, error, scope.request, scope.requestId));
}

/** One failed completion per operation of a bulk request that failed as a whole. */
function failedOperations(scope: Scope, job: Job, outcome: Outcome): LifecycleEvent[] {
  return job.operations.map((raw, index) => {
    const operation = isJsonObject(raw) ? raw : {};
    const { method, bulkId, path } = operation;
    return completionEvent(scope, {
      txn: `${job.txn}:${index}`,
      result: {
        ...(typeof method === 'string' && { method: method.toUpperCase() }),
        ...(typeof bulkId === 'string' && { bulkId }),
        status: String(outcome.status),
        response: outcome.body,
      },
      target: targetOfPath(scope.engine, typeof path === 'string' ? path : undefined),
    });
  });
}

function completed(scope: Scope, job: Job, method: string, outcome: Outcome) {
  return completionEvent(scope, {
    txn: job.txn,
    result: operationResult(method, undefined, outcome, job.location),
    target: job.target,
  });
}

function abandoned(milliseconds: number): ScimError {
  return new ScimError({
    status: 503,
    detail: `The asynchronous request took longer than ${milliseconds} ms and was abandoned`,
  });
}
