// POST /Bulk (RFC 7644 §3.7): many operations in one request, each answered as it would be alone.
import { BULK_REQUEST_URN, BULK_RESPONSE_URN, ScimError, isJsonObject } from '@scim/core';
import { BulkOrder } from './bulk-order.js';
import type { Engine, Scope } from '../engine.js';
import { clientError } from '../errors.js';
import { executeResourceOperation } from '../execute.js';
import { MAX_DEPTH, scimJson, type Outcome } from '../http.js';
import { parseResourceOperation } from '../parse.js';
import { decodedSegments, matchSegments } from '../route.js';
import { inUnitOfWork } from '../write/transaction.js';

type Json = Record<string, unknown>;

const METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const REFERENCE = /^bulkId:(.+)$/;
const REFERENCE_IN_TEXT = /bulkId:([A-Za-z0-9._~-]+)/g;

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

function failure(method: unknown, bulkId: unknown, error: ScimError): Result {
  return {
    // Only strings are echoed: anything else the client sent could be arbitrarily large or deep.
    ...(typeof method === 'string' ? { method: method.toUpperCase() } : {}),
    ...(typeof bulkId === 'string' ? { bulkId } : {}),
    status: String(error.status),
    response: error.toJSON(),
  };
}

/**
 * How deep an operation's data may nest: the request reader's own bound (http.ts), applied again to
 * each operation because runBulk must never overflow, however it is called. Every walk over client
 * data, ours and JSON.stringify's, stays far from the stack limit.
 */
const MAX_DATA_DEPTH = MAX_DEPTH;

/**
 * Every bulkId an operation refers to, in the order they appear: in its path, in whole string values
 * of its data, and inside PATCH `path` values. Undefined when the data nests deeper than
 * MAX_DATA_DEPTH. Iterative, so no body, however deep, can overflow the stack here.
 */
function referencesOf(path: string, data: unknown): string[] | undefined {
  const found = new Set<string>();
  for (const match of path.matchAll(REFERENCE_IN_TEXT)) found.add(match[1] as string);
  // Children are pushed in reverse so that they are visited in document order.
  const stack: [value: unknown, key: string | undefined, depth: number][] = [[data, undefined, 0]];
  for (let entry = stack.pop(); entry !== undefined; entry = stack.pop()) {
    const [value, key, depth] = entry;
    if (typeof value === 'string') {
      if (key === 'path')
        for (const match of value.matchAll(REFERENCE_IN_TEXT)) found.add(match[1] as string);
      const whole = REFERENCE.exec(value);
      if (whole !== null) found.add(whole[1] as string);
    } else if (Array.isArray(value)) {
      if (depth >= MAX_DATA_DEPTH) return undefined;
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], undefined, depth + 1]);
    } else if (isJsonObject(value)) {
      if (depth >= MAX_DATA_DEPTH) return undefined;
      const entries = Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [name, item] = entries[i] as [string, unknown];
        stack.push([item, name, depth + 1]);
      }
    }
  }
  return [...found];
}

/**
 * The operation's data with every reference replaced by the id it now has: a new value, the client's
 * left as it was. Only called on data that passed the depth bound, so the recursion is bounded.
 */
function withIds(data: unknown, ids: ReadonlyMap<string, string>, key?: string): unknown {
  if (typeof data === 'string') {
    const whole = REFERENCE.exec(data);
    if (whole !== null) return ids.get(whole[1] as string) ?? data;
    return key === 'path'
      ? data.replace(REFERENCE_IN_TEXT, (text, id: string) => ids.get(id) ?? text)
      : data;
  }
  if (Array.isArray(data)) return data.map((item) => withIds(item, ids));
  if (!isJsonObject(data)) return data;
  const copy: Json = {};
  for (const [name, value] of Object.entries(data))
    // defineProperty, so a `__proto__` key stays a plain key of the copy.
    Object.defineProperty(copy, name, {
      value: withIds(value, ids, name),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  return copy;
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
 * Runs a BulkRequest. Operations run in order, except that one waiting for a bulkId a later POST
 * defines runs after it (P-BULK-14); references that stay circular are answered 409 (P-BULK-15).
 * With a `transaction` option the request is all-or-nothing: the first failure rolls back the
 * operations before it, which are reported 424 Failed Dependency.
 */
export async function runBulk(scope: Scope, body: unknown): Promise<Outcome> {
  const { engine } = scope;
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
  const operations = body.Operations as unknown[];
  if (engine.transaction === undefined)
    return bulkResponse(await perform(engine, scope, operations, failOnErrors));

  let rolledBack: readonly Result[] | undefined;
  try {
    return await inUnitOfWork(scope, async (inner) => {
      const results = await perform(engine, inner, operations, 1);
      if (results.some((result) => !succeeded(result))) {
        rolledBack = results;
        throw new Error('rolled back');
      }
      return bulkResponse(results);
    });
  } catch (error) {
    // Known by our own record rather than by the error, which the application's hook may wrap.
    if (rolledBack === undefined) throw error;
    return bulkResponse(reportRollback(rolledBack));
  }
}

function succeeded(result: Result): boolean {
  return String(result.status).startsWith('2');
}

/** What an all-or-nothing bulk reports: the failure as it was, and everything it undid as 424. */
function reportRollback(results: readonly Result[]): Result[] {
  const failed = results.find((result) => !succeeded(result));
  const cause =
    typeof failed?.bulkId === 'string'
      ? `the operation with bulkId '${failed.bulkId}' failed`
      : 'an operation failed';
  return results.map((result) =>
    succeeded(result)
      ? failure(
          result.method,
          result.bulkId,
          new ScimError({
            status: 424,
            detail: `Rolled back: ${cause}, so no operation of this bulk request was applied`,
          }),
        )
      : result,
  );
}

async function perform(
  engine: Engine,
  scope: Scope,
  operations: readonly unknown[],
  failOnErrors: number | undefined,
): Promise<Result[]> {
  const results: Result[] = [];
  let errors = 0;
  const stopped = (): boolean => failOnErrors !== undefined && errors >= failOnErrors;
  const record = (result: Result): void => {
    results.push(result);
    if (!succeeded(result)) errors += 1;
  };

  const accepted: Operation[] = [];
  const declared = new Set<string>();
  for (const [index, raw] of operations.entries()) {
    const operation = readOperation(engine, raw, index);
    const rawRecord = isJsonObject(raw) ? raw : {};
    if (operation instanceof ScimError) {
      record(failure(rawRecord.method, rawRecord.bulkId, operation));
    } else if (
      operation.bulkId !== undefined &&
      operation.method === 'POST' &&
      declared.has(operation.bulkId)
    ) {
      record(
        failure(
          operation.method,
          operation.bulkId,
          ScimError.invalidValue(`bulkId '${operation.bulkId}' is used twice`),
        ),
      );
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
    let result: Result;
    if (verdict.kind === 'missing') {
      result = failure(
        operation.method,
        operation.bulkId,
        ScimError.invalidValue(`bulkId '${verdict.bulkId}' is not defined in this request`),
      );
    } else if (verdict.kind === 'failed') {
      result = failure(
        operation.method,
        operation.bulkId,
        new ScimError({
          status: 409,
          detail: `The operation for bulkId '${verdict.bulkId}' failed`,
        }),
      );
    } else {
      result = await execute(scope, operation, ids);
      if (
        operation.method === 'POST' &&
        operation.bulkId !== undefined &&
        result.status === '201' &&
        typeof result.id === 'string'
      )
        ids.set(operation.bulkId, result.id);
      delete result.id;
    }
    record(result);
    // A POST that did not create its resource fails whatever refers to it (409), however it failed.
    if (operation.method === 'POST' && operation.bulkId !== undefined)
      order.settle(operation.bulkId, ids.has(operation.bulkId));
  }
  for (const operation of stopped() ? [] : order.unreached()) {
    // What is still waiting refers to itself in a circle (RFC 7644 §3.7.1 allows giving up with 409).
    record(
      failure(
        operation.method,
        operation.bulkId,
        new ScimError({ status: 409, detail: 'Circular bulkId references could not be resolved' }),
      ),
    );
  }
  return results;
}

function bulkResponse(results: readonly Result[]): Outcome {
  return scimJson(200, { schemas: [BULK_RESPONSE_URN], Operations: results });
}

/**
 * Runs one operation as the handler would run it alone, within the bulk request's scope: routed,
 * parsed and executed directly, without a request of its own or a JSON round trip.
 */
async function execute(
  scope: Scope,
  operation: Operation,
  ids: ReadonlyMap<string, string>,
): Promise<Result> {
  const path = operation.path.replace(REFERENCE_IN_TEXT, (text, id: string) => ids.get(id) ?? text);
  const outcome = await outcomeOf(scope, operation, path, ids);
  const body = outcome.body;
  const result: Result = { method: operation.method };
  if (operation.bulkId !== undefined) result.bulkId = operation.bulkId;
  const location =
    outcome.headers.location ??
    (operation.method === 'POST' ? undefined : `${scope.baseUrl}${path}`);
  const ok = outcome.status >= 200 && outcome.status < 300;
  if (location !== undefined && (ok || operation.method !== 'POST')) result.location = location;
  const version = outcome.headers.etag;
  if (version !== undefined) result.version = version;
  result.status = String(outcome.status);
  if (!ok && body !== undefined) result.response = body;
  if (isJsonObject(body) && typeof body.id === 'string') result.id = body.id;
  return result;
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
