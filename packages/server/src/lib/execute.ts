// Stage 3, execute: a parsed operation runs against the stores. Every write is one unit of work
// (transaction.ts); a write without If-Match that meets another writer's version is rerun whole.
import type { Scope } from './engine.js';
import { runBulk } from './bulk/bulk.js';
import { retryConflicts } from './write/conflicts.js';
import { resourceTypes, schemas, serviceProviderConfig } from './discovery.js';
import type { Outcome } from './http.js';
import type { Operation, Preconditions, ResourceOperation } from './parse.js';
import { queryAll, queryResourceType } from './query/query.js';
import {
  createResource,
  deleteResource,
  patchResource,
  readResource,
  replaceResource,
} from './write/resources.js';
import { inUnitOfWork } from './write/transaction.js';

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
      return retried(scope, operation.preconditions, () =>
        inUnitOfWork(scope, (unit) => replaceResource(unit, operation)),
      );
    case 'patch':
      return retried(scope, operation.preconditions, () =>
        inUnitOfWork(scope, (unit) => patchResource(unit, operation)),
      );
    case 'delete':
      return retried(scope, operation.preconditions, () =>
        inUnitOfWork(scope, (unit) => deleteResource(unit, operation)),
      );
  }
}

/**
 * A version conflict reruns the whole unit of work, its transaction included, with a fresh read,
 * unless the client sent If-Match: then it asked for the 412 (RFC 7644 §3.14). Inside a bulk
 * request's transaction a conflict cannot be rerun alone, so it fails the bulk instead.
 */
function retried<T>(
  scope: Scope,
  preconditions: Preconditions,
  work: () => Promise<T>,
): Promise<T> {
  // With ETags off, If-Match is ignored (RFC 7644 §3.14 makes versioning optional): no 412 asked.
  const askedFor412 = scope.engine.features.etag && preconditions.ifMatch !== undefined;
  if (askedFor412 || scope.events !== undefined) return work();
  return retryConflicts(scope.engine, work, () => scope.signal);
}
