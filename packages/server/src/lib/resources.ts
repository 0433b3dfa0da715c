// Create, read, replace, patch and delete one resource (RFC 7644 §3.3–§3.6).
import {
  computeETag,
  createMeta,
  ScimError,
  validateResource,
  type Projection,
  type ScimResource,
  type ScimResourceType,
  isJsonObject,
} from '@scim/core';
import { applyPatch, type ParsedPatch } from '@scim/patch';
import { locationOf, notFound, storeContext, type Engine, type Scope } from './engine.js';
import type { HookEvent } from './options.js';
import { noContent, scimJson } from './http.js';
import { groupTypeOf, memberOfFilter, present, readGroups } from './present.js';
import { checkIfMatch, notModified } from './preconditions.js';
import { retryConflicts } from './conflicts.js';
import { whenCommitted } from './transaction.js';

type Json = Record<string, unknown>;

function resourceHeaders(resource: ScimResource): Record<string, string> {
  const headers: Record<string, string> = {};
  if (resource.meta?.location !== undefined) {
    // Both headers carry meta.location for a single resource (checklist P-CRUD-20, D-13).
    headers.location = resource.meta.location;
    headers['content-location'] = resource.meta.location;
  }
  if (resource.meta?.version !== undefined) headers.etag = resource.meta.version;
  return headers;
}

async function respond(
  engine: Engine,
  scope: Scope,
  resourceType: ScimResourceType,
  resource: ScimResource,
  status: number,
  projection: Projection,
  supplied?: readonly string[],
): Promise<Response> {
  const [body] = await present(engine, scope, resourceType, [resource], { projection, supplied });
  return scimJson(status, body, resourceHeaders(resource));
}

/** Sets meta (created, lastModified, location, version) on a resource about to be stored. */
function stamp(
  engine: Engine,
  scope: Scope,
  resourceType: ScimResourceType,
  resource: ScimResource,
  created: string | undefined,
): ScimResource {
  const now = engine.now().toISOString();
  const versioned = engine.features.etag;
  const { meta: _old, ...data } = resource;
  const meta = createMeta({
    resourceType: resourceType.name,
    created: created ?? now,
    lastModified: now,
    location: locationOf(scope, resourceType, resource.id as string),
    version: versioned ? computeETag(data) : undefined,
  });
  return { ...data, schemas: data.schemas, meta };
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

async function hashNewPassword(
  engine: Engine,
  resource: ScimResource,
  previous: ScimResource | undefined,
): Promise<ScimResource> {
  if (typeof resource.password !== 'string' || resource.password === previous?.password)
    return resource;
  return { ...resource, password: await engine.hashPassword(resource.password) };
}

/** Group members must exist (checklist S-CHAR-36); their `type` is filled in from where they live. */
async function resolveMembers(
  engine: Engine,
  scope: Scope,
  resource: ScimResource,
  previous: ScimResource | undefined,
): Promise<ScimResource> {
  if (!Array.isArray(resource.members)) return resource;
  const known = new Map<string, Json>();
  if (Array.isArray(previous?.members))
    for (const member of previous.members as Json[])
      if (isJsonObject(member)) known.set(String(member.value), member);
  const members: Json[] = [];
  for (const member of resource.members as unknown[]) {
    if (!isJsonObject(member) || typeof member.value !== 'string') continue;
    const before = known.get(member.value);
    if (before !== undefined && (member.type === undefined || member.type === before.type)) {
      members.push({ ...member, type: before.type });
      continue;
    }
    const stated = typeof member.type === 'string' ? engine.byName(member.type)?.name : undefined;
    if (member.type !== undefined && stated === undefined)
      throw ScimError.invalidValue(
        `Member ${member.value} has type ${JSON.stringify(member.type)}, which is no resource type here`,
      );
    const type = await typeOfMember(engine, scope, member.value, stated);
    if (type === undefined) throw ScimError.invalidValue(`Member ${member.value} does not exist`);
    // A label that disagrees with what the id refers to is the client's mistake; say which one.
    if (stated !== undefined && type !== stated)
      throw ScimError.invalidValue(
        `Member ${member.value} is a ${type}, but its type says ${stated}`,
      );
    members.push({ ...member, type });
  }
  return { ...resource, members };
}

/** The resource type a member id belongs to, trying the type the client stated first. */
async function typeOfMember(
  engine: Engine,
  scope: Scope,
  id: string,
  stated: string | undefined,
): Promise<string | undefined> {
  const ordered = [...engine.resourceTypes].sort(
    (a, b) => Number(b.name === stated) - Number(a.name === stated),
  );
  for (const rt of ordered)
    if ((await engine.storeFor(rt).get(id, storeContext(scope, rt))) !== undefined) return rt.name;
  return undefined;
}

/** `manager.value` must name an existing user (checklist S-CHAR-36); its readOnly displayName is filled in (S-ENT-02). */
async function resolveManager(
  engine: Engine,
  scope: Scope,
  resourceType: ScimResourceType,
  resource: ScimResource,
): Promise<ScimResource> {
  for (const extension of resourceType.schemaExtensions) {
    const data = resource[extension.schema.id];
    const manager = isJsonObject(data) ? data.manager : undefined;
    if (!isJsonObject(manager) || typeof manager.value !== 'string') continue;
    const found = await engine
      .storeFor(resourceType)
      .get(manager.value, storeContext(scope, resourceType));
    if (found === undefined)
      throw ScimError.invalidValue(`Manager ${manager.value} does not exist`);
    const next: Json = { ...manager, $ref: locationOf(scope, resourceType, manager.value) };
    if (typeof found.displayName === 'string') next.displayName = found.displayName;
    else delete next.displayName;
    return { ...resource, [extension.schema.id]: { ...(data as Json), manager: next } };
  }
  return resource;
}

function hookEvent(
  scope: Scope,
  resourceType: ScimResourceType,
  resource: ScimResource,
  previous: ScimResource | undefined,
): HookEvent {
  return { resourceType, resource, previous, principal: scope.principal, tenant: scope.tenant };
}

async function afterWrite(
  engine: Engine,
  kind: 'afterCreate' | 'afterReplace' | 'afterPatch',
  event: HookEvent,
): Promise<void> {
  await engine.hooks[kind]?.(event);
  // Deprovisioning: tell the application the moment a user is switched off.
  if (isDeactivation(event.previous, event.resource)) await engine.hooks.onDeactivate?.(event);
}

/**
 * `active` stopped being true: set to false, removed (PATCH remove, or a PUT without it), or set to
 * false on a resource that never said. Any of them must end the user's access (RFC 7643 §4.1.1).
 */
export function isDeactivation(previous: ScimResource | undefined, next: ScimResource): boolean {
  if (previous === undefined || next.active === true) return false;
  return previous.active === true || (previous.active === undefined && next.active === false);
}

function afterCommitted(
  engine: Engine,
  scope: Scope,
  kind: 'afterCreate' | 'afterReplace' | 'afterPatch',
  event: HookEvent,
): Promise<void> {
  return whenCommitted(scope, () => afterWrite(engine, kind, event));
}

// eslint-disable-next-line no-control-regex -- control characters are exactly what is refused.
const CONTROL = /[\u0000-\u001f\u007f]/;

/**
 * Called before every store write: once the client has been answered (the deadline's 503) or has
 * gone away, nothing more is written, so a retry never meets a write it was told had failed.
 */
function beforeWrite(scope: Scope): void {
  scope.signal.throwIfAborted();
}

/** A fresh id, checked: never empty and never holding the reserved `bulkId` (RFC 7643 §3.1). */
function newId(engine: Engine): string {
  const id: unknown = engine.generateId();
  if (typeof id !== 'string' || id === '' || id.includes('bulkId') || CONTROL.test(id))
    throw new TypeError(
      `generateId returned ${JSON.stringify(id)}: ids are non-empty, without control characters, and never contain "bulkId"`,
    );
  return id;
}

export async function createResource(
  engine: Engine,
  scope: Scope,
  resourceType: ScimResourceType,
  body: unknown,
  projection: Projection,
): Promise<Response> {
  const result = validateResource(body, resourceType, { ...engine.validation, mode: 'create' });
  if (!result.ok) throw ScimError.fromIssues(result.issues);
  const id = newId(engine);
  let resource: ScimResource = { ...result.value, id };
  resource = await resolveMembers(engine, scope, resource, undefined);
  resource = await resolveManager(engine, scope, resourceType, resource);
  resource = await hashNewPassword(engine, resource, undefined);
  beforeWrite(scope);
  const stored = await engine
    .storeFor(resourceType)
    .create(
      stamp(engine, scope, resourceType, resource, undefined),
      storeContext(scope, resourceType),
    );
  await afterCommitted(
    engine,
    scope,
    'afterCreate',
    hookEvent(scope, resourceType, stored, undefined),
  );
  return respond(engine, scope, resourceType, stored, 201, projection, suppliedPaths(body));
}

export async function readResource(
  engine: Engine,
  scope: Scope,
  resourceType: ScimResourceType,
  id: string,
  projection: Projection,
): Promise<Response> {
  const found = await engine.storeFor(resourceType).get(id, storeContext(scope, resourceType));
  if (found === undefined) throw notFound(resourceType, id);
  if (notModified(engine, scope, found))
    return new Response(null, { status: 304, headers: resourceHeaders(found) });
  return respond(engine, scope, resourceType, found, 200, projection);
}

export async function replaceResource(
  engine: Engine,
  scope: Scope,
  resourceType: ScimResourceType,
  id: string,
  body: unknown,
  projection: Projection,
): Promise<Response> {
  const validation = { ...engine.validation, mode: 'replace' } as const;
  // What the body alone can tell is refused before any store call; immutables need the stored copy.
  const shape = validateResource(body, resourceType, validation);
  if (!shape.ok) throw ScimError.fromIssues(shape.issues);
  const store = engine.storeFor(resourceType);
  const context = storeContext(scope, resourceType);
  const existing = await store.get(id, context);
  checkIfMatch(engine, scope, existing);
  // PUT never creates (RFC 7644 §3.5.1).
  if (existing === undefined) throw notFound(resourceType, id);
  const result = validateResource(body, resourceType, { ...validation, existing });
  if (!result.ok) throw ScimError.fromIssues(result.issues);
  let resource: ScimResource = { ...result.value, id };
  resource = await resolveMembers(engine, scope, resource, existing);
  resource = await resolveManager(engine, scope, resourceType, resource);
  resource = await hashNewPassword(engine, resource, existing);
  beforeWrite(scope);
  const stored = await store.replace(
    stamp(engine, scope, resourceType, resource, existing.meta?.created),
    { ...context, expectedVersion: existing.meta?.version },
  );
  await afterCommitted(
    engine,
    scope,
    'afterReplace',
    hookEvent(scope, resourceType, stored, existing),
  );
  return respond(engine, scope, resourceType, stored, 200, projection, suppliedPaths(body));
}

export async function patchResource(
  engine: Engine,
  scope: Scope,
  resourceType: ScimResourceType,
  id: string,
  request: { readonly patch: ParsedPatch; readonly body: unknown },
  projection: Projection,
): Promise<Response> {
  const { patch, body } = request;
  const store = engine.storeFor(resourceType);
  const context = storeContext(scope, resourceType);
  const existing = await store.get(id, context);
  checkIfMatch(engine, scope, existing);
  if (existing === undefined) throw notFound(resourceType, id);
  const result = applyPatch(existing, patch, engine.patchOptions(resourceType));
  let stored = existing;
  if (result.changed) {
    let resource = await resolveMembers(engine, scope, result.resource, existing);
    resource = await resolveManager(engine, scope, resourceType, resource);
    resource = await hashNewPassword(engine, resource, existing);
    beforeWrite(scope);
    // A 412 here is another writer's change: the caller reruns this with a fresh read (conflicts.ts).
    stored = await store.replace(
      stamp(engine, scope, resourceType, resource, existing.meta?.created),
      { ...context, expectedVersion: existing.meta?.version },
    );
    await afterCommitted(
      engine,
      scope,
      'afterPatch',
      hookEvent(scope, resourceType, stored, existing),
    );
  }
  // A PATCH answers 200 with the resource, or 204 when so configured, unless a projection was asked for (P-PATCH-16).
  if (engine.patchAnswersNoContent(resourceType) && projection.kind === 'default')
    return noContent(resourceHeaders(stored));
  return respond(engine, scope, resourceType, stored, 200, projection, patchedPaths(body));
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
  engine: Engine,
  scope: Scope,
  resourceType: ScimResourceType,
  id: string,
): Promise<Response> {
  const store = engine.storeFor(resourceType);
  const context = storeContext(scope, resourceType);
  const existing = await store.get(id, context);
  checkIfMatch(engine, scope, existing);
  if (existing !== undefined) beforeWrite(scope);
  if (existing === undefined || !(await store.delete(id, context)))
    throw notFound(resourceType, id);
  await removeMemberships(engine, scope, id);
  const event = hookEvent(scope, resourceType, existing, existing);
  await whenCommitted(scope, async () => {
    await engine.hooks.afterDelete?.(event);
  });
  return noContent();
}

/** A deleted resource leaves every group it was a member of (checklist P-CRUD-17). */
async function removeMemberships(engine: Engine, scope: Scope, id: string): Promise<void> {
  const groupType = groupTypeOf(engine);
  if (groupType === undefined) return;
  const store = engine.storeFor(groupType);
  const context = storeContext(scope, groupType);
  const found = await readGroups(engine, scope, groupType, memberOfFilter([id]));
  for (const listed of found) {
    let group: ScimResource | undefined = listed;
    // A group written meanwhile (a member added by the identity provider) is read again and the
    // member removed from what is there now: the delete never leaves the user in a group. The user
    // is already deleted, so neither the deadline nor a client gone away cuts this short.
    await retryConflicts(engine, async () => {
      group ??= await store.get(listed.id as string, context);
      const current = group;
      group = undefined;
      if (current === undefined || !Array.isArray(current.members)) return;
      const members = (current.members as Json[]).filter((member) => member.value !== id);
      if (members.length === current.members.length) return;
      const next: ScimResource = { ...current, members };
      if (members.length === 0) delete next.members;
      await store.replace(stamp(engine, scope, groupType, next, current.meta?.created), {
        ...context,
        expectedVersion: current.meta?.version,
      });
    });
  }
}
