// The one write pipeline behind create, replace and patch, for single requests and bulk operations
// alike: resolve references, hash the password, stamp, store, record the lifecycle events.
import {
  createMeta,
  isJsonObject,
  nextLastModified,
  ScimError,
  formatDateTime,
  randomUuid,
  type ScimResource,
  type ScimResourceType,
} from '@scim/core';
import type { AttributeChange } from '@scim/patch';
import { locationOf, storeContext, type Scope } from '../engine.js';
import { eventsOf, type WriteFacts } from '../lifecycle/events.js';
import { resolveMembers } from './members.js';
import type { LifecycleEvent } from '../lifecycle/outbox.js';
import { recordEvents } from './transaction.js';
import { copyWith } from '../copy.js';
import { notBefore } from '../last-modified.js';

type Json = Record<string, unknown>;

/** A validated resource on its way to the store, and what it replaces. */
export interface PendingWrite {
  readonly operation: 'create' | 'replace' | 'patch';
  readonly resourceType: ScimResourceType;
  /** The validated resource, with its id; meta is set here. */
  readonly resource: ScimResource;
  /** The stored resource it replaces; undefined for a create. */
  readonly previous: ScimResource | undefined;
  /** What a PATCH changed, for the `updated` event. */
  readonly changes?: readonly AttributeChange[];
}

/**
 * Called before every store write: once the client has been answered (the deadline's 503) or has
 * gone away, nothing more is written, so a retry never meets a write it was told had failed.
 */
export function beforeWrite(scope: Scope): void {
  scope.throwIfAborted();
}

/** Resolves, stamps and stores one resource, and records its events in the same unit of work. */
export async function commitWrite(scope: Scope, write: PendingWrite): Promise<ScimResource> {
  const { engine } = scope;
  const { resourceType, previous, operation } = write;
  let resource = await resolveMembers(scope, write.resource, previous);
  resource = await resolveManager(scope, resourceType, resource);
  resource = await hashNewPassword(scope, resource, previous);
  resource = stamp(scope, resourceType, resource, previous);
  beforeWrite(scope);
  const store = engine.storeFor(resourceType);
  const context = storeContext(scope, resourceType);
  const stored =
    previous === undefined
      ? await store.create(resource, context)
      : await store.replace(
          resource,
          storeContext(scope, resourceType, { expectedVersion: previous.meta?.version }),
        );
  await record(scope, {
    operation,
    resourceType,
    id: stored.id as string,
    previous,
    next: stored,
    ...(write.changes === undefined ? {} : { changes: write.changes }),
  });
  return stored;
}

/** Records the events a write's facts imply, stamped with the request's caller and time. */
export function record(scope: Scope, facts: WriteFacts): Promise<void> {
  return recordEvents(scope, eventsFor(scope, facts));
}

function eventsFor(scope: Scope, facts: WriteFacts): LifecycleEvent[] {
  return eventsOf(facts, {
    tenant: scope.tenant,
    principal: scope.principal,
    occurredAt: occurredAt(scope, facts),
    requestId: scope.requestId,
    newId: randomUuid,
    ...(scope.txn === undefined ? {} : { changeId: scope.txn }),
  });
}

/**
 * When a write happened: now, but never before the `lastModified` it gave the resource, nor, for a
 * delete, before the resource's last change, so an event's time (an RFC 9967 SET's `toe`) never
 * precedes the change it tells of when this instance's clock is behind another's.
 */
function occurredAt(scope: Scope, facts: WriteFacts): string {
  const now = formatDateTime(scope.engine.now());
  const written = facts.next?.meta?.lastModified ?? facts.lastModified;
  if (written !== undefined) return notBefore(now, written);
  return nextLastModified(now, facts.previous?.meta?.lastModified);
}

/**
 * Sets meta (created, lastModified, location, a new version) on a resource about to be stored over
 * `previous` (undefined for a create): `created` is kept, and `lastModified` is now or, when this
 * instance's clock is behind the one that wrote `previous`, 1 ms after it, so it never goes back.
 */
export function stamp(
  scope: Scope,
  resourceType: ScimResourceType,
  resource: ScimResource,
  previous: ScimResource | undefined,
): ScimResource {
  const now = formatDateTime(scope.engine.now());
  const meta = createMeta({
    resourceType: resourceType.name,
    created: previous?.meta?.created ?? now,
    lastModified: nextLastModified(now, previous?.meta?.lastModified),
    location: locationOf(scope, resourceType, resource.id as string),
    version: scope.engine.newVersion(),
  });
  // A resource that had `meta` (stored ones have it last) keeps it in its place.
  return copyWith(resource, { meta });
}

async function hashNewPassword(
  scope: Scope,
  resource: ScimResource,
  previous: ScimResource | undefined,
): Promise<ScimResource> {
  if (typeof resource.password !== 'string' || resource.password === previous?.password)
    return resource;
  return copyWith(resource, { password: await scope.engine.hashPassword(resource.password) });
}

/** `manager.value` must name an existing user (checklist S-CHAR-36); its readOnly displayName is filled in (S-ENT-02). */
async function resolveManager(
  scope: Scope,
  resourceType: ScimResourceType,
  resource: ScimResource,
): Promise<ScimResource> {
  for (const extension of resourceType.schemaExtensions) {
    const data = resource[extension.schema.id];
    const manager = isJsonObject(data) ? data.manager : undefined;
    if (!isJsonObject(manager) || typeof manager.value !== 'string') continue;
    const found = await scope.engine
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
