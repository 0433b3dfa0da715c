// The `asyncCompleted` lifecycle event: how an asynchronous request, or one operation of an
// asynchronous bulk request, ended, as the Bulk response operation RFC 9967 §2.5.1.3 puts in the
// `misc:asyncresp` SET, with the subject and txn that SET carries.
import { isJsonObject, type ScimResourceType } from '@scim/core';
import type { Engine, Scope } from '../engine.js';
import type { Outcome } from '../http.js';
import type { AsyncResponseOperation, LifecycleEvent } from '../lifecycle/outbox.js';
import type { AppliedCompatibility } from '../observe.js';
import { decodedSegments } from '../route.js';

type Json = Record<string, unknown>;

/** The resource an operation is about: its type, and its id when it has one. */
export interface Target {
  readonly resourceType: ScimResourceType | undefined;
  readonly id: string | undefined;
}

/** What a completion event is made of. */
export interface Finished {
  /** The client's `Set-Txn`, or `<Set-Txn>:<index>` for a bulk operation. */
  readonly txn: string;
  /** The Bulk response operation (RFC 7644 §3.7.3) the request or operation ended with. */
  readonly result: Readonly<Json>;
  readonly target: Target;
  /** The rules the work relied on, as its log record would list them; undefined or empty for none. */
  readonly compatibility?: readonly AppliedCompatibility[] | undefined;
}

/**
 * A Bulk response operation from the outcome of one write, as a bulk response lists it: `location`
 * (`fallbackLocation` when the outcome has none, except for a POST that failed), `version`, the
 * status as a string, and the error body of a failure. `id` is the new resource's, for the caller.
 */
export function operationResult(
  method: string,
  bulkId: string | undefined,
  outcome: Outcome,
  fallbackLocation: string | undefined,
): Json {
  const result: Json = { method };
  if (bulkId !== undefined) result.bulkId = bulkId;
  const ok = outcome.status >= 200 && outcome.status < 300;
  const location = outcome.headers.location ?? (method === 'POST' ? undefined : fallbackLocation);
  if (location !== undefined && (ok || method !== 'POST')) result.location = location;
  const version = outcome.headers.etag;
  if (version !== undefined) result.version = version;
  result.status = String(outcome.status);
  const body = outcome.body;
  if (!ok && body !== undefined) result.response = body;
  if (isJsonObject(body) && typeof body.id === 'string') result.id = body.id;
  return result;
}

/**
 * The resource a bulk operation's path names: `/Users/{id}` a resource, `/Users` none yet (a POST),
 * anything else (no resource type, an unresolved `bulkId:` reference) no resource.
 */
export function targetOfPath(engine: Engine, path: string | undefined): Target {
  if (path === undefined) return { resourceType: undefined, id: undefined };
  const query = path.indexOf('?');
  let segments: string[];
  try {
    segments = decodedSegments(query === -1 ? path : path.slice(0, query));
  } catch {
    return { resourceType: undefined, id: undefined };
  }
  const [first, second] = segments;
  const resourceType = first === undefined ? undefined : engine.byEndpoint(first);
  const named = segments.length === 2 && second !== undefined && !second.startsWith('bulkId:');
  return { resourceType, id: resourceType !== undefined && named ? second : undefined };
}

/**
 * The `asyncCompleted` event of a finished request or operation. Its `changeId` is the txn; its
 * subject the resource (a POST's only once created), else the endpoint, else `/Bulk`. It is keyed
 * in the outbox by the resource, so it is delivered after the events of the write it reports; one
 * with no resource is keyed by its txn, and ordered after nothing else. The rules are copied: the
 * work may note more after a completion recorded at its commit.
 */
export function completionEvent(scope: Scope, finished: Finished): LifecycleEvent {
  const { txn, result, target, compatibility } = finished;
  const method = typeof result.method === 'string' ? result.method : undefined;
  const ok = typeof result.status === 'string' && result.status.startsWith('2');
  const created = method === 'POST' && ok && typeof result.id === 'string' ? result.id : undefined;
  const id = method === 'POST' ? created : target.id;
  const endpoint =
    target.resourceType === undefined
      ? undefined
      : `/${target.resourceType.endpoint.replace(/^\/+|\/+$/g, '')}`;
  const subjectUri =
    endpoint === undefined
      ? '/Bulk'
      : id === undefined
        ? endpoint
        : `${endpoint}/${encodeURIComponent(id)}`;
  const asyncResponse = asyncResponseOf(result);
  return {
    id: crypto.randomUUID(),
    changeId: txn,
    type: 'asyncCompleted',
    resourceType: target.resourceType?.name ?? '',
    resourceId: id ?? txn,
    operation: OPERATIONS[method ?? ''] ?? 'bulk',
    tenant: scope.tenant,
    principal: scope.principal,
    occurredAt: scope.engine.now().toISOString(),
    requestId: scope.requestId,
    ...(asyncResponse.version === undefined ? {} : { version: asyncResponse.version }),
    asyncResponse,
    subjectUri,
    ...(compatibility !== undefined &&
      compatibility.length > 0 && { compatibility: compatibility.slice() }),
  };
}

const OPERATIONS: Readonly<Record<string, LifecycleEvent['operation']>> = {
  POST: 'create',
  PUT: 'replace',
  PATCH: 'patch',
  DELETE: 'delete',
};

/** The wire fields of a Bulk response operation, and nothing else (not the internal `id`). */
function asyncResponseOf(result: Readonly<Json>): AsyncResponseOperation {
  const { method, bulkId, version, location, status, response } = result;
  return {
    ...(typeof method === 'string' && { method }),
    ...(typeof bulkId === 'string' && { bulkId }),
    ...(typeof version === 'string' && { version }),
    ...(typeof location === 'string' && { location }),
    status: typeof status === 'string' ? status : String(status),
    ...(isJsonObject(response) && { response }),
  };
}
