// POST /Bulk (RFC 7644 §3.7): many operations in one request, each answered as it would be alone.
import { BULK_REQUEST_URN, BULK_RESPONSE_URN, ScimError, isJsonObject } from '@scim/core';
import { BulkOrder } from './bulk-order.js';
import { MAX_DATA_DEPTH, REFERENCE_IN_TEXT, referencesOf, withIds } from './references.js';
import { completionEvent, operationResult, targetOfPath } from '../async/completion.js';
import { rescope } from '../context.js';
import type { Engine, Scope } from '../engine.js';
import { clientError } from '../errors.js';
import { executeResourceOperation } from '../execute.js';
import { scimJson, type Outcome } from '../http.js';
import type { LifecycleEvent } from '../lifecycle/outbox.js';
import { parseResourceOperation } from '../parse.js';
import { decodedSegments, matchSegments } from '../route.js';
import { inUnitOfWork, recordAlone, recordEvents, reportFailure } from '../write/transaction.js';

type Json = Record<string, unknown>;

const METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

interface Operation {
  readonly index: number;
  readonly method: string;
  readonly path: string;
  readonly bulkId: string | undefined;
  readonly version: string | undefined;
  readonly data: unknown;
  /** The distinct bulkIds its path and data refer to. */
  readonly references: readonly string[];
}

type Result = Json;

/** One operation's answer, with where it stood in the request and what it was about. */
interface Done {
  /** Its zero-based index in the request's `Operations`, whatever order it ran in. */
  readonly index: number;
  readonly result: Result;
  /** Its path, bulkId references resolved where they could be; undefined when it had none. */
  readonly path: string | undefined;
  /** The id of the resource a POST created. */
  readonly id?: string;
}

/**
 * What an asynchronous bulk request (RFC 9967 §2.5.1.2) needs of its runner: the `Set-Txn`, whose
 * `<txn>:<index>` each operation's events and completion share, and whether completions are
 * recorded (true once the client was answered 202; the first call while undecided settles on the
 * normal response). It is asked once the operations have run: in the transaction before it
 * commits, or, without one, after the last operation, so the answer stays open (and the 202 can
 * still go) however long the operations take.
 */
export interface BulkCompletions {
  readonly txn: string;
  /** Throws when it is too late to record anything: the request was abandoned. */
  decide(): boolean;
  /**
   * Without a transaction, told of each operation as it ends, with its completion: what it did
   * stands, whatever happens to the rest of the request.
   */
  ran(index: number, completion: LifecycleEvent): void;
}

/** A BulkRequest's envelope, checked. */
export interface BulkRequest {
  readonly operations: readonly unknown[];
  readonly failOnErrors: number | undefined;
}

function failure(method: unknown, bulkId: unknown, error: ScimError): Result {
  return {
    // Only strings are echoed: anything else the client sent could be arbitrarily large or deep.
    ...(typeof method === 'string' ? { method: method.toUpperCase() } : {}),
    ...(typeof bulkId === 'string' ? { bulkId } : {}),
    status: String(error.status),
    response: error.toJSON(),
  };
}

/** Checks one operation's shape; a malformed operation fails alone (P-BULK-03, P-BULK-04, P-BULK-24). */
function readOperation(engine: Engine, raw: unknown, index: number): Operation | ScimError {
  if (!isJsonObject(raw)) return ScimError.invalidSyntax(`Operations[${index}] must be an object`);
  const method = typeof raw.method === 'string' ? raw.method.toUpperCase() : '';
  if (!METHODS.has(method))
    return ScimError.invalidSyntax(
      `Operations[${index}].method must be POST, PUT, PATCH or DELETE`,
    );
  const path = raw.path;
  if (typeof path !== 'string' || !path.startsWith('/'))
    return ScimError.invalidSyntax(`Operations[${index}].path must be a path such as /Users`);
  const segments =
    path
      .split('?')[0]
      ?.split('/')
      .filter((segment) => segment !== '') ?? [];
  if (segments[0]?.toLowerCase() === 'bulk')
    return ScimError.invalidValue('Bulk operations cannot be nested');
  if (segments[0] === undefined || engine.byEndpoint(segments[0]) === undefined)
    return ScimError.invalidValue(`Operations[${index}].path names no resource type: ${path}`);
  if (method === 'POST' ? segments.length !== 1 : segments.length !== 2) {
    return ScimError.invalidValue(
      method === 'POST'
        ? 'A POST path is a resource type endpoint, such as /Users'
        : `A ${method} path names one resource, such as /Users/{id}`,
    );
  }
  const bulkId = raw.bulkId;
  if (bulkId !== undefined && (typeof bulkId !== 'string' || bulkId === ''))
    return ScimError.invalidSyntax(`Operations[${index}].bulkId must be a string`);
  if (method === 'POST' && bulkId === undefined)
    return ScimError.invalidSyntax('A POST operation needs a bulkId');
  if (method !== 'DELETE' && raw.data === undefined)
    return ScimError.invalidSyntax(`A ${method} operation needs data`);
  const version = typeof raw.version === 'string' ? raw.version : undefined;
  const references = referencesOf(path, raw.data);
  if (references === undefined)
    return ScimError.invalidSyntax(
      `Operations[${index}].data nests deeper than ${MAX_DATA_DEPTH} levels`,
    );
  return { index, method, path, bulkId, version, data: raw.data, references };
}

/**
 * Checks a BulkRequest's envelope: its schema, its `Operations`, their number (413 above
 * `bulkMaxOperations`) and `failOnErrors`. Throws what the whole request is answered with.
 */
export function readBulkRequest(engine: Engine, body: unknown): BulkRequest {
  const limits = engine.bulk;
  if (!isJsonObject(body)) throw ScimError.invalidSyntax('A BulkRequest must be a JSON object');
  const schemas = body.schemas;
  if (
    !Array.isArray(schemas) ||
    !schemas.some(
      (urn) => typeof urn === 'string' && urn.toLowerCase() === BULK_REQUEST_URN.toLowerCase(),
    )
  ) {
    throw ScimError.invalidSyntax(`'schemas' must be ["${BULK_REQUEST_URN}"]`);
  }
  if (!Array.isArray(body.Operations))
    throw ScimError.invalidSyntax("'Operations' must be an array");
  if (body.Operations.length > limits.maxOperations) {
    throw ScimError.payloadTooLarge(
      `A bulk request may hold at most ${limits.maxOperations} operations (maxOperations); this one has ${body.Operations.length}`,
    );
  }
  const failOnErrors = body.failOnErrors;
  if (
    failOnErrors !== undefined &&
    (typeof failOnErrors !== 'number' || !Number.isInteger(failOnErrors) || failOnErrors < 1)
  ) {
    throw ScimError.invalidSyntax("'failOnErrors' must be a positive integer");
  }
  return { operations: body.Operations as unknown[], failOnErrors };
}

/**
 * Runs a BulkRequest. Operations run in order, except that one waiting for a bulkId a later POST
 * defines runs after it (P-BULK-14); references that stay circular are answered 409 (P-BULK-15).
 * With a `transaction` option the request is all-or-nothing: the first failure rolls back the
 * operations before it, which are reported 424 Failed Dependency. Asynchronous (`completions`),
 * each operation gets a completion, numbered by its place in the request (RFC 9967 §2.5.1.2): the
 * successes of a transaction in it, everything else alone once the operations have run.
 */
export async function runBulk(
  scope: Scope,
  body: unknown,
  completions?: BulkCompletions,
): Promise<Outcome> {
  const { engine } = scope;
  const { operations, failOnErrors } = readBulkRequest(engine, body);
  let done: readonly Done[] | undefined;
  let recorded = false;
  if (engine.transaction === undefined) {
    const ran =
      completions === undefined
        ? undefined
        : (item: Done) => completions.ran(item.index, completed(scope, completions, item));
    done = await perform(engine, scope, operations, failOnErrors, completions, ran);
  } else {
    let rolledBack: readonly Done[] | undefined;
    try {
      await inUnitOfWork(scope, async (inner) => {
        recorded = false;
        const results = await perform(engine, inner, operations, 1, completions);
        if (results.some((item) => !succeeded(item.result))) {
          rolledBack = results;
          throw new Error('rolled back');
        }
        // Every operation committed together, so their completions go in the same transaction.
        if (completions?.decide() === true) {
          await recordEvents(
            inner,
            results.map((item) => completed(inner, completions, item)),
          );
          recorded = true;
        }
        done = results;
        return bulkResponse(results);
      });
    } catch (error) {
      // Known by our own record rather than by the error, which the application's hook may wrap.
      if (rolledBack === undefined) throw error;
      done = reportRollback(rolledBack);
    }
  }
  const answered = done ?? [];
  if (completions?.decide() === true) {
    try {
      await recordAlone(scope, unrecorded(scope, completions, operations, answered, recorded));
    } catch (error) {
      // The operations' answers stand: they are not to be reported again as the request failing.
      reportFailure(scope, error);
    }
  }
  return bulkResponse(answered);
}

function succeeded(result: Result): boolean {
  return String(result.status).startsWith('2');
}

/** What an all-or-nothing bulk reports: the failure as it was, and everything it undid as 424. */
function reportRollback(done: readonly Done[]): Done[] {
  const failed = done.find((item) => !succeeded(item.result))?.result;
  const cause =
    typeof failed?.bulkId === 'string'
      ? `the operation with bulkId '${failed.bulkId}' failed`
      : 'an operation failed';
  return done.map((item) =>
    succeeded(item.result)
      ? {
          index: item.index,
          path: item.path,
          result: failure(
            item.result.method,
            item.result.bulkId,
            new ScimError({
              status: 424,
              detail: `Rolled back: ${cause}, so no operation of this bulk request was applied`,
            }),
          ),
        }
      : item,
  );
}

async function perform(
  engine: Engine,
  scope: Scope,
  operations: readonly unknown[],
  failOnErrors: number | undefined,
  completions: BulkCompletions | undefined,
  ran?: (done: Done) => void,
): Promise<Done[]> {
  const results: Done[] = [];
  let errors = 0;
  const stopped = (): boolean => failOnErrors !== undefined && errors >= failOnErrors;
  const record = (done: Done): void => {
    results.push(done);
    ran?.(done);
    if (!succeeded(done.result)) errors += 1;
  };

  const accepted: Operation[] = [];
  const declared = new Set<string>();
  for (const [index, raw] of operations.entries()) {
    const operation = readOperation(engine, raw, index);
    const rawRecord = isJsonObject(raw) ? raw : {};
    const path = typeof rawRecord.path === 'string' ? rawRecord.path : undefined;
    if (operation instanceof ScimError) {
      record({ index, path, result: failure(rawRecord.method, rawRecord.bulkId, operation) });
    } else if (
      operation.bulkId !== undefined &&
      operation.method === 'POST' &&
      declared.has(operation.bulkId)
    ) {
      record({
        index,
        path,
        result: failure(
          operation.method,
          operation.bulkId,
          ScimError.invalidValue(`bulkId '${operation.bulkId}' is used twice`),
        ),
      });
    } else {
      if (operation.method === 'POST' && operation.bulkId !== undefined)
        declared.add(operation.bulkId);
      accepted.push(operation);
    }
    if (stopped()) return results;
  }

  const ids = new Map<string, string>();
  const order = new BulkOrder(accepted, declared);
  while (!stopped()) {
    const next = order.next();
    if (next === undefined) break;
    const { operation, verdict } = next;
    const { index } = operation;
    let done: Done;
    if (verdict.kind === 'missing') {
      done = {
        index,
        path: operation.path,
        result: failure(
          operation.method,
          operation.bulkId,
          ScimError.invalidValue(`bulkId '${verdict.bulkId}' is not defined in this request`),
        ),
      };
    } else if (verdict.kind === 'failed') {
      done = {
        index,
        path: operation.path,
        result: failure(
          operation.method,
          operation.bulkId,
          new ScimError({
            status: 409,
            detail: `The operation for bulkId '${verdict.bulkId}' failed`,
          }),
        ),
      };
    } else {
      done = await execute(scope, operation, ids, completions);
      if (
        operation.method === 'POST' &&
        operation.bulkId !== undefined &&
        done.result.status === '201' &&
        done.id !== undefined
      )
        ids.set(operation.bulkId, done.id);
    }
    record(done);
    // A POST that did not create its resource fails whatever refers to it (409), however it failed.
    if (operation.method === 'POST' && operation.bulkId !== undefined)
      order.settle(operation.bulkId, ids.has(operation.bulkId));
  }
  for (const operation of stopped() ? [] : order.unreached()) {
    // What is still waiting refers to itself in a circle (RFC 7644 §3.7.1 allows giving up with 409).
    record({
      index: operation.index,
      path: operation.path,
      result: failure(
        operation.method,
        operation.bulkId,
        new ScimError({ status: 409, detail: 'Circular bulkId references could not be resolved' }),
      ),
    });
  }
  return results;
}

function bulkResponse(done: readonly Done[]): Outcome {
  return scimJson(200, {
    schemas: [BULK_RESPONSE_URN],
    Operations: done.map((item) => item.result),
  });
}

/**
 * Runs one operation as the handler would run it alone, within the bulk request's scope: routed,
 * parsed and executed directly, without a request of its own or a JSON round trip. The rules it
 * relies on are logged at its index; asynchronous, its writes' events share `<txn>:<index>`.
 */
async function execute(
  scope: Scope,
  operation: Operation,
  ids: ReadonlyMap<string, string>,
  completions: BulkCompletions | undefined,
): Promise<Done> {
  const path = operation.path.replace(REFERENCE_IN_TEXT, (text, id: string) => ids.get(id) ?? text);
  const fallback = `${scope.baseUrl}${path}`;
  const resultOf = (outcome: Outcome): Result =>
    operationResult(operation.method, operation.bulkId, outcome, fallback);
  const { index } = operation;
  // A scope of its own only where something reads it: the log record's rules, or the txn.
  const logged = scope.exchange !== undefined && scope.engine.log !== undefined;
  const inner =
    completions !== undefined
      ? rescope(scope, { bulkOperation: index, txn: `${completions.txn}:${index}` })
      : logged
        ? rescope(scope, { bulkOperation: index })
        : scope;
  const { id, ...result } = resultOf(await outcomeOf(inner, operation, path, ids));
  return { index, path, result, ...(typeof id === 'string' && { id }) };
}

/** The completion of one operation (RFC 9967 §2.5.1.2: txn `<Set-Txn>:<index>`). */
function completed(scope: Scope, completions: BulkCompletions, done: Done): LifecycleEvent {
  const result = done.id === undefined ? done.result : { ...done.result, id: done.id };
  // The work behind the 202 noted each operation's rules at its place in the bulk request: its
  // completion lists its own.
  const place = `Operations[${done.index}].`;
  const compatibility = scope.exchange?.compatibility?.filter(
    (rule) => rule.path?.startsWith(place) === true,
  );
  return completionEvent(scope, {
    txn: `${completions.txn}:${done.index}`,
    result,
    target: targetOfPath(scope.engine, done.path),
    compatibility,
  });
}

/**
 * The completions not recorded in the transaction, in the order the operations ran: every
 * operation's when nothing was (no transaction, or it rolled back), else the failures' (nothing was
 * written); then one for each operation never run because `failOnErrors` was reached (424, as
 * nothing of it was applied).
 */
function unrecorded(
  scope: Scope,
  completions: BulkCompletions,
  operations: readonly unknown[],
  done: readonly Done[],
  successesRecorded: boolean,
): LifecycleEvent[] {
  const ran = new Set(done.map((item) => item.index));
  const answered = done
    .filter((item) => !successesRecorded || !succeeded(item.result))
    .map((item) => completed(scope, completions, item));
  const notRun = operations.flatMap((raw, index) => {
    if (ran.has(index)) return [];
    const operation = isJsonObject(raw) ? raw : {};
    const path = typeof operation.path === 'string' ? operation.path : undefined;
    const failed = failure(
      operation.method,
      operation.bulkId,
      new ScimError({
        status: 424,
        detail: 'Not processed: the bulk request stopped when failOnErrors was reached',
      }),
    );
    return [completed(scope, completions, { index, path, result: failed })];
  });
  return [...answered, ...notRun];
}

async function outcomeOf(
  scope: Scope,
  operation: Operation,
  path: string,
  ids: ReadonlyMap<string, string>,
): Promise<Outcome> {
  const { engine } = scope;
  const query = path.indexOf('?');
  const pathname = query === -1 ? path : path.slice(0, query);
  try {
    const match = matchSegments(engine, decodedSegments(pathname), pathname);
    const parsed = await parseResourceOperation(scope, match, {
      method: operation.method,
      search: new URLSearchParams(query === -1 ? '' : path.slice(query + 1)),
      // An operation's version acts as its If-Match (P-BULK-18).
      preconditions: { ifMatch: operation.version, ifNoneMatch: undefined },
      body: () => Promise.resolve(withIds(operation.data, ids)),
    });
    if (parsed.kind === 'list')
      throw ScimError.invalidValue('A bulk operation creates, replaces, patches or deletes');
    return await executeResourceOperation(scope, parsed);
  } catch (error) {
    const scimError = clientError(engine, error, scope.request, scope.requestId);
    return scimJson(scimError.status, scimError.toJSON());
  }
}
