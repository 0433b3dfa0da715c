// Create, read, replace, patch and delete one resource (RFC 7644 §3.3–§3.6), each a unit of work
// over the write pipeline (write.ts).
import {
  ScimError,
  validateResource,
  type Projection,
  type ScimResource,
  type ScimResourceType,
  isJsonObject,
} from '@scim/core';
import { safeApplyPatch } from '@scim/patch';
import { notFound, storeContext, type Scope } from '../engine.js';
import { noteCompatibility } from '../observe.js';
import { noContent, scimJson, type Outcome } from '../http.js';
import { applyMembershipPatch, removeMemberships, type MembershipPatch } from './members.js';
import type { ResourceOperation } from '../parse.js';
import { present, storeAttributesOf } from '../present.js';
import { checkIfMatch, notModified } from './preconditions.js';
import { beforeWrite, commitWrite, record } from './write.js';
import { copyWith } from '../copy.js';

/** Location headers, and the ETag unless ETags are off (their versions are the stores' alone then). */
function resourceHeaders(scope: Scope, resource: ScimResource): Record<string, string> {
  const headers = etagHeader(scope, resource.meta?.version);
  if (resource.meta?.location !== undefined) {
    // Both headers carry meta.location for a single resource (checklist P-CRUD-20, D-13).
    headers.location = resource.meta.location;
    headers['content-location'] = resource.meta.location;
  }
  return headers;
}

/** The ETag header of a version, none when ETags are off or there is no version. */
function etagHeader(scope: Scope, version: string | undefined): Record<string, string> {
  return scope.engine.features.etag && version !== undefined ? { etag: version } : {};
}

async function respond(
  scope: Scope,
  resourceType: ScimResourceType,
  resource: ScimResource,
  status: number,
  projection: Projection,
  supplied?: readonly string[],
): Promise<Outcome> {
  const [body] = await present(scope, resourceType, [resource], { projection, supplied });
  return scimJson(status, body, resourceHeaders(scope, resource));
}

/** The keys a client sent, for returning its "request" attributes (RFC 7643 §7). */
function suppliedPaths(body: unknown): string[] {
  if (!isJsonObject(body)) return [];
  return Object.entries(body).flatMap(([key, value]) =>
    key.toLowerCase().startsWith('urn:') && isJsonObject(value)
      ? Object.keys(value).map((sub) => `${key}:${sub}`)
      : [key],
  );
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused.
const CONTROL = /[\u0000-\u001f\u007f]/;

/** A fresh id, checked: never empty and never holding the reserved `bulkId` (RFC 7643 §3.1). */
export function newId(scope: Scope): string {
  const id: unknown = scope.engine.generateId();
  if (typeof id !== 'string' || id === '' || id.includes('bulkId') || CONTROL.test(id))
    throw new TypeError(
      `generateId returned ${JSON.stringify(id)}: ids are non-empty, without control characters, and never contain "bulkId"`,
    );
  return id;
}

type OperationOf<K extends ResourceOperation['kind']> = Extract<ResourceOperation, { kind: K }>;

export async function createResource(
  scope: Scope,
  operation: OperationOf<'create'>,
): Promise<Outcome> {
  const { resourceType, body, projection } = operation;
  const result = validateResource(
    body,
    resourceType,
    copyWith(scope.engine.validation, { mode: 'create' as const }),
  );
  noteCompatibility(scope, 'validation', result.applied);
  if (!result.ok) throw ScimError.fromIssues(result.issues);
  const stored = await commitWrite(scope, {
    operation: 'create',
    resourceType,
    resource: copyWith(result.value, { id: operation.id ?? newId(scope) }),
    previous: undefined,
  });
  return respond(scope, resourceType, stored, 201, projection, suppliedPaths(body));
}

export async function readResource(scope: Scope, operation: OperationOf<'read'>): Promise<Outcome> {
  const { resourceType, id, projection } = operation;
  const attributes = storeAttributesOf(projection);
  const found = await scope.engine
    .storeFor(resourceType)
    .get(id, storeContext(scope, resourceType, { attributes }));
  if (found === undefined) throw notFound(resourceType, id);
  if (notModified(scope.engine, operation.preconditions.ifNoneMatch, found))
    return noContent(resourceHeaders(scope, found), 304);
  return respond(scope, resourceType, found, 200, projection);
}

export async function replaceResource(
  scope: Scope,
  operation: OperationOf<'replace'>,
): Promise<Outcome> {
  const { resourceType, id, body, projection } = operation;
  const validation = copyWith(scope.engine.validation, { mode: 'replace' as const });
  // What the body alone can tell is refused before any store call; immutables need the stored copy.
  const shape = validateResource(body, resourceType, validation);
  if (!shape.ok) {
    noteCompatibility(scope, 'validation', shape.applied);
    throw ScimError.fromIssues(shape.issues);
  }
  const existing = await scope.engine
    .storeFor(resourceType)
    .get(id, storeContext(scope, resourceType));
  checkIfMatch(scope.engine, operation.preconditions.ifMatch, existing);
  // PUT never creates (RFC 7644 §3.5.1).
  if (existing === undefined) throw notFound(resourceType, id);
  const result = validateResource(body, resourceType, copyWith(validation, { existing }));
  // Noted from the second reading only: the first read the same body with the same rules.
  noteCompatibility(scope, 'validation', result.applied);
  if (!result.ok) throw ScimError.fromIssues(result.issues);
  const stored = await commitWrite(scope, {
    operation: 'replace',
    resourceType,
    resource: copyWith(result.value, { id }),
    previous: existing,
  });
  return respond(scope, resourceType, stored, 200, projection, suppliedPaths(body));
}

export async function patchResource(
  scope: Scope,
  operation: OperationOf<'patch'>,
): Promise<Outcome> {
  const { engine } = scope;
  const { resourceType, id, patch, body, projection, preconditions } = operation;
  const answer = engine.patchResponse(resourceType);
  if (takesMembershipPath(scope, operation)) {
    const membership = operation.membership as MembershipPatch;
    noteCompatibility(scope, 'patch', membership.applied);
    const done = await applyMembershipPatch(scope, resourceType, id, membership);
    if (done === undefined) throw notFound(resourceType, id);
    if (answer !== 'resource' && projection.kind === 'default')
      return noContent(etagHeader(scope, done.version));
    return readResource(scope, {
      kind: 'read',
      resourceType,
      id,
      projection,
      preconditions: { ifMatch: undefined, ifNoneMatch: undefined },
    });
  }
  const store = engine.storeFor(resourceType);
  const existing = await store.get(id, storeContext(scope, resourceType));
  checkIfMatch(engine, preconditions.ifMatch, existing);
  if (existing === undefined) throw notFound(resourceType, id);
  // The safe form: a refused PATCH still reports the rules its earlier operations relied on.
  const patched = safeApplyPatch(existing, patch, engine.patchOptions(resourceType));
  noteCompatibility(scope, 'patch', patched.applied);
  if (!patched.ok) throw ScimError.fromIssues(patched.issues);
  const result = patched.value;
  const stored = result.changed
    ? await commitWrite(scope, {
        operation: 'patch',
        resourceType,
        resource: result.resource,
        previous: existing,
        changes: result.changes,
      })
    : existing;
  // A projection asked for is always answered with the resource (P-PATCH-16).
  const brief =
    answer === 'noContent' || (answer === 'minimal' && touchesMembers(resourceType, body));
  if (brief && projection.kind === 'default') return noContent(resourceHeaders(scope, stored));
  return respond(scope, resourceType, stored, 200, projection, patchedPaths(body));
}

/**
 * A member-only PATCH of a group, without If-Match (a client that sent one compares against the
 * whole group), on a store that can change members alone; anything else goes the general way.
 */
function takesMembershipPath(scope: Scope, operation: OperationOf<'patch'>): boolean {
  const { engine } = scope;
  return (
    operation.membership !== undefined &&
    engine.storeFor(operation.resourceType).modifyMembers !== undefined &&
    !(engine.features.etag && operation.preconditions.ifMatch !== undefined)
  );
}

/** Whether a PATCH names the members of a group, whose full list `minimal` does not send back. */
function touchesMembers(resourceType: ScimResourceType, body: unknown): boolean {
  if (!resourceType.schema.attributes.some((attribute) => attribute.name === 'members'))
    return false;
  return (
    patchedPaths(body).some((path) => path.toLowerCase().startsWith('members')) ||
    pathlessMembers(body)
  );
}

function pathlessMembers(body: unknown): boolean {
  if (!isJsonObject(body) || !Array.isArray(body.Operations)) return false;
  return (body.Operations as unknown[]).some(
    (operation) =>
      isJsonObject(operation) &&
      operation.path === undefined &&
      isJsonObject(operation.value) &&
      Object.keys(operation.value).some((key) => key.toLowerCase() === 'members'),
  );
}

function patchedPaths(body: unknown): string[] {
  if (!isJsonObject(body) || !Array.isArray(body.Operations)) return [];
  return (body.Operations as unknown[]).flatMap((operation) =>
    isJsonObject(operation) && typeof operation.path === 'string'
      ? [operation.path.split('[')[0] ?? '']
      : [],
  );
}

export async function deleteResource(
  scope: Scope,
  operation: OperationOf<'delete'>,
): Promise<Outcome> {
  const { resourceType, id } = operation;
  const store = scope.engine.storeFor(resourceType);
  const existing = await store.get(id, storeContext(scope, resourceType));
  checkIfMatch(scope.engine, operation.preconditions.ifMatch, existing);
  if (existing === undefined) throw notFound(resourceType, id);
  // Memberships first: a clean-up that fails leaves the resource in place for the retry to finish.
  await removeMemberships(scope, resourceType, id);
  beforeWrite(scope);
  // At the version read: a write that landed since is a 412, which reruns this delete with a fresh
  // read (or answers a client that sent If-Match), so the check and `previous` are never stale.
  const deleted = await store.delete(
    id,
    storeContext(scope, resourceType, { expectedVersion: existing.meta?.version }),
  );
  if (!deleted) throw notFound(resourceType, id);
  await record(scope, {
    operation: 'delete',
    resourceType,
    id,
    previous: existing,
    next: undefined,
  });
  return noContent();
}
