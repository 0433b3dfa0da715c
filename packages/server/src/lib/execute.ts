// Stage 3, execute: a parsed operation runs against the stores. Every write is one unit of work
// (transaction.ts); a write without If-Match that meets another writer's version is rerun whole.
import { isScimError } from '@scim/core';
import { storeContext, type Scope } from './engine.js';
import { runBulk } from './bulk/bulk.js';
import { retryConflicts } from './write/conflicts.js';
import { resourceTypes, schemas, serviceProviderConfig } from './discovery.js';
import type { Outcome } from './http.js';
import type { Operation, ResourceOperation } from './parse.js';
import { queryAll, queryResourceType } from './query/query.js';
import {
  createResource,
  deleteResource,
  patchResource,
  readResource,
  replaceResource,
} from './write/resources.js';
import { matchesTags } from './write/preconditions.js';
import { inUnitOfWork } from './write/transaction.js';

type OperationOf<K extends ResourceOperation['kind']> = Extract<ResourceOperation, { kind: K }>;

/** Runs any operation, including a bulk request, whose operations come back through {@link executeResourceOperation}. */
export function execute(scope: Scope, operation: Operation): Promise<Outcome> {
  const { engine } = scope;
  switch (operation.kind) {
    case 'listAll':
      return queryAll(scope, operation.query);
    case 'list':
      return queryResourceType(scope, operation.query);
    case 'bulk':
      return runBulk(scope, operation.payload);
    case 'serviceProviderConfig':
      return Promise.resolve(serviceProviderConfig(engine, scope));
    case 'resourceTypes':
      return Promise.resolve(resourceTypes(engine, scope, operation.id));
    case 'schemas':
      return Promise.resolve(schemas(engine, scope, operation.id));
    default:
      return executeResourceOperation(scope, operation);
  }
}

/** Runs an operation on one resource: a request of its own, or one operation of a bulk request. */
export function executeResourceOperation(
  scope: Scope,
  operation: ResourceOperation,
): Promise<Outcome> {
  switch (operation.kind) {
    case 'read':
      return readResource(scope, operation);
    case 'create':
      return inUnitOfWork(scope, (unit) => createResource(unit, operation));
    case 'replace':
      return retried(scope, operation, () =>
        inUnitOfWork(scope, (unit) => replaceResource(unit, operation)),
      );
    case 'patch':
      return retried(scope, operation, () =>
        inUnitOfWork(scope, (unit) => patchResource(unit, operation)),
      );
    case 'delete':
      return retried(scope, operation, () =>
        inUnitOfWork(scope, (unit) => deleteResource(unit, operation)),
      );
  }
}

/**
 * A version conflict reruns the whole unit of work, its transaction included, with a fresh read,
 * unless the client sent If-Match and the resource no longer has that version: then it asked for
 * the 412 (RFC 7644 §3.14). A conflict while it still has it was about something else (a store
 * refusing a delete because a group listing the user changed meanwhile), so it is rerun too. Inside
 * a bulk request's transaction a conflict cannot be rerun alone, so it fails the bulk instead.
 */
function retried<T>(
  scope: Scope,
  operation: OperationOf<'replace' | 'patch' | 'delete'>,
  work: () => Promise<T>,
): Promise<T> {
  const { engine } = scope;
  if (scope.events !== undefined) return work();
  const { ifMatch } = operation.preconditions;
  // With ETags off, If-Match is ignored (RFC 7644 §3.14 makes versioning optional): no 412 asked.
  if (!engine.features.etag || ifMatch === undefined)
    return retryConflicts(engine, work, () => scope.signal);
  const stillMatches = async (): Promise<boolean> => {
    const { resourceType, id } = operation;
    const current = await engine.storeFor(resourceType).get(id, storeContext(scope, resourceType));
    return matchesTags(ifMatch, current);
  };
  return retryConflicts(
    engine,
    () =>
      work().catch(async (error: unknown) => {
        // A read that fails here leaves the 412 as the answer, as before this look.
        if (isScimError(error) && error.status === 412 && !(await stillMatches().catch(no)))
          throw new AskedFor(error);
        throw error;
      }),
    () => scope.signal,
  ).catch((error: unknown) => {
    throw error instanceof AskedFor ? error.conflict : error;
  });
}

const no = (): boolean => false;

/** A 412 the client asked for with If-Match: answered as it is, never rerun. */
class AskedFor extends Error {
  constructor(readonly conflict: unknown) {
    super('The client asked for this 412 with If-Match');
  }
}
