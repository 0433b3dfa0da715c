// Which lifecycle events one committed write records. Pure: the write pipeline passes what it knows,
// this decides, so every request path (POST, PUT, PATCH, DELETE, bulk, a delete's clean-up) records
// the same events for the same change.
import type { AttributeDefinition, ScimResource, ScimResourceType } from '@scim/core';
import type { AttributeChange } from '@scim/patch';
import type { LifecycleEvent, LifecycleEventType } from './outbox.js';

/**
 * What the write pipeline knows of one write once it has succeeded.
 * @example `{ operation: 'patch', resourceType: UserResourceType, id: '2819c223', previous, next, changes }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface WriteFacts {
  readonly operation: LifecycleEvent['operation'];
  readonly resourceType: ScimResourceType;
  readonly id: string;
  /** Undefined for a create. */
  readonly previous: ScimResource | undefined;
  /** Undefined for a delete. */
  readonly next: ScimResource | undefined;
  /** What a PATCH changed; without it, `previous` and `next` are compared. */
  readonly changes?: readonly AttributeChange[];
  /** Member values added; without them, the `members` of `previous` and `next` are compared. */
  readonly membersAdded?: readonly string[];
  /** Member values removed; without them, the `members` of `previous` and `next` are compared. */
  readonly membersRemoved?: readonly string[];
  /** The version the write gave the resource, when `next` does not tell it (a member-row change). */
  readonly version?: string;
  /** The lastModified the write gave the resource, when `next` does not tell it (a member-row change). */
  readonly lastModified?: string;
}

/**
 * What every event of one write shares, and where its ids come from.
 * @example `{ tenant: 'acme', principal: 'entra', occurredAt: now.toISOString(), requestId, newId: () => crypto.randomUUID() }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface EventStamp {
  readonly tenant: string | undefined;
  readonly principal: unknown;
  readonly occurredAt: string;
  readonly requestId: string;
  /** Makes each event's id, which is also its idempotency key. */
  readonly newId: () => string;
  /**
   * The change's id, when the request named it: an asynchronous request's `Set-Txn`, so that its
   * events and its completion share the RFC 9967 `txn`. Default: the first event's id.
   */
  readonly changeId?: string;
}

/**
 * The lifecycle events of one write, in delivery order. A create records `created` only (a user
 * created inactive is not a deprovisioning). A PUT or PATCH records `updated` when anything but
 * `meta` and the members changed; then `deactivated` or `reactivated` when `active` flipped; then
 * `membersAdded` and `membersRemoved` when members changed, the only events a member-only change
 * records, whether the store applied it as rows or the server rewrote the group. A delete records `deleted` only, never also `deactivated`:
 * exactly one deprovisioning event per user switched off or removed. A delete's clean-up (`cascade`)
 * records `membersRemoved` on each group the deleted resource left. Events hold no secret: `password`
 * is left out of the states and its value redacted in `changes`.
 * @example
 * ```ts
 * eventsOf({ operation: 'patch', resourceType: UserResourceType, id, previous, next, changes }, stamp);
 * // → [{ type: 'updated', … }, { type: 'deactivated', … }]
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-4.1.1
 */
export function eventsOf(facts: WriteFacts, stamp: EventStamp): LifecycleEvent[] {
  const { operation } = facts;
  // Events are stored and handed on: a secret (password) never travels in them, neither the
  // cleartext a PATCH carried nor the stored hash (RFC 7643 §4.1.1, §7).
  const secrets = secretsOf(facts.resourceType);
  const previous = facts.previous && withoutSecrets(facts.previous, secrets);
  const next = facts.next && withoutSecrets(facts.next, secrets);
  const changes = facts.changes?.map((change) => redactChange(change, secrets));
  const written = next?.meta?.version ?? facts.version;
  const version = typeof written === 'string' ? { version: written } : {};
  // The write's first event names the change: a write of one event has changeId === id.
  let changeId: string | undefined = stamp.changeId;
  const event = (type: LifecycleEventType, details: EventDetails): LifecycleEvent => {
    const id = stamp.newId();
    changeId ??= id;
    return {
      id,
      changeId,
      type,
      resourceType: facts.resourceType.name,
      resourceId: facts.id,
      operation,
      tenant: stamp.tenant,
      principal: stamp.principal,
      occurredAt: stamp.occurredAt,
      requestId: stamp.requestId,
      ...(type === 'deleted' ? {} : version),
      ...details,
    };
  };
  if (operation === 'create')
    return next === undefined ? [] : [event('created', { resource: next })];
  if (operation === 'delete') {
    const last = previous ?? next;
    return last === undefined ? [] : [event('deleted', { resource: last, previous: last })];
  }
  const events: LifecycleEvent[] = [];
  if (operation !== 'cascade' && next !== undefined && previous !== undefined) {
    // Compared as stored: a new password is a change even though the event does not show it.
    if (hasChanged(facts))
      events.push(
        event('updated', {
          resource: next,
          previous,
          ...(changes !== undefined && { changes }),
        }),
      );
    if (isDeactivation(previous, next))
      events.push(event('deactivated', { resource: next, previous }));
    else if (isReactivation(previous, next))
      events.push(event('reactivated', { resource: next, previous }));
  }
  // Membership events name the members only: the group itself can be large, and a hook that needs it
  // reads it by id.
  const added = facts.membersAdded ?? difference(memberValues(next), memberValues(previous));
  const removed = facts.membersRemoved ?? difference(memberValues(previous), memberValues(next));
  if (added.length > 0) events.push(event('membersAdded', { members: added }));
  if (removed.length > 0) events.push(event('membersRemoved', { members: removed }));
  return events;
}

/**
 * `active` stopped being true: set to false, removed (PATCH remove, or a PUT without it), or set to
 * false on a resource that never said. Any of them must end the user's access (RFC 7643 §4.1.1).
 * @example `isDeactivation({ active: true, … }, { active: false, … }) // true`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-4.1.1
 */
export function isDeactivation(previous: ScimResource | undefined, next: ScimResource): boolean {
  if (previous === undefined || next.active === true) return false;
  return previous.active === true || (previous.active === undefined && next.active === false);
}

/**
 * `active` became true on a resource that was not: set to false before, or without `active`. An
 * absent `active` counts as off because removing it is a deactivation ({@link isDeactivation}) and
 * this rule cannot see how it came to be absent: a user who never said and now says true gets a
 * `reactivated` it can ignore, while one switched off by removal is never left locked out.
 * @example `isReactivation({ active: false, … }, { active: true, … }) // true`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-4.1.1
 */
export function isReactivation(previous: ScimResource | undefined, next: ScimResource): boolean {
  return previous !== undefined && previous.active !== true && next.active === true;
}

type EventDetails = Pick<LifecycleEvent, 'resource' | 'previous' | 'changes' | 'members'>;

/**
 * Whether anything but `meta` and the members changed. Member changes are told by `membersAdded` and
 * `membersRemoved` alone, so a member PATCH records the same events whether the store applied it as
 * rows (modifyMembers) or the server rewrote the group.
 */
function hasChanged({ changes, previous, next }: WriteFacts): boolean {
  if (changes !== undefined) return changes.some((change) => change.path.toLowerCase() !== MEMBERS);
  if (previous === undefined || next === undefined) return true;
  // `meta` (version, lastModified) changes on every write, so it says nothing about the resource.
  const { meta: _before, members: _beforeMembers, ...before } = previous;
  const { meta: _after, members: _afterMembers, ...after } = next;
  return !sameJson(before, after);
}

const MEMBERS = 'members';

const REDACTED = '[redacted]';

/** A resource type's attributes by change path (`name`, or `urn:name` in an extension), lower-cased. */
type Secrets = ReadonlyMap<string, AttributeDefinition>;

/** Secret attributes, and complex ones holding a secret, of a resource type. */
function secretsOf(resourceType: ScimResourceType): Secrets {
  const found = new Map<string, AttributeDefinition>();
  const schemas = [
    { urn: undefined, schema: resourceType.schema },
    ...resourceType.schemaExtensions.map(({ schema }) => ({ urn: schema.id, schema })),
  ];
  for (const { urn, schema } of schemas)
    for (const attribute of schema.attributes)
      if (isSecret(attribute) || attribute.subAttributes.some(isSecret))
        found.set(
          (urn === undefined ? attribute.name : `${urn}:${attribute.name}`).toLowerCase(),
          attribute,
        );
  return found;
}

/** Writable but never returned: `password` (RFC 7643 §4.1.1), or anything defined like it. */
function isSecret(attribute: AttributeDefinition): boolean {
  return attribute.mutability === 'writeOnly' || attribute.returned === 'never';
}

/** A value of an attribute with its secrets replaced: the whole value, or secret sub-attributes. */
function redactValue(value: unknown, attribute: AttributeDefinition): unknown {
  if (isSecret(attribute)) return REDACTED;
  if (Array.isArray(value)) return value.map((item: unknown) => redactValue(item, attribute));
  if (typeof value !== 'object' || value === null) return value;
  const copy: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const key of Object.keys(copy)) {
    const sub = attribute.subAttributes.find((s) => s.name.toLowerCase() === key.toLowerCase());
    if (sub !== undefined && isSecret(sub)) copy[key] = REDACTED;
  }
  return copy;
}

function redactChange(change: AttributeChange, secrets: Secrets): AttributeChange {
  const attribute = secrets.get(change.path.toLowerCase());
  if (attribute === undefined || change.kind === 'cleared') return change;
  if (change.kind === 'set') return { ...change, value: redactValue(change.value, attribute) };
  return {
    ...change,
    added: change.added.map((value) => redactValue(value, attribute)),
    removed: change.removed.map((value) => redactValue(value, attribute)),
  };
}

/** A resource without its secrets: secret attributes left out, as a response leaves them out. */
function withoutSecrets(resource: ScimResource, secrets: Secrets): ScimResource {
  if (secrets.size === 0) return resource;
  const strip = (data: Record<string, unknown>, urn: string | undefined) => {
    let copy: Record<string, unknown> | undefined;
    for (const key of Object.keys(data)) {
      const attribute = secrets.get((urn === undefined ? key : `${urn}:${key}`).toLowerCase());
      if (attribute === undefined) continue;
      copy ??= { ...data };
      if (isSecret(attribute)) delete copy[key];
      else copy[key] = redactValue(data[key], attribute);
    }
    return copy ?? data;
  };
  const result = strip(resource, undefined) as ScimResource;
  let copy: ScimResource | undefined;
  for (const key of Object.keys(result)) {
    const data = result[key];
    if (!key.includes(':') || typeof data !== 'object' || data === null || Array.isArray(data))
      continue;
    const stripped = strip(data as Record<string, unknown>, key);
    if (stripped === data) continue;
    copy ??= { ...result };
    copy[key] = stripped;
  }
  return copy ?? result;
}

function memberValues(resource: ScimResource | undefined): string[] {
  if (resource === undefined || !Array.isArray(resource.members)) return [];
  return (resource.members as unknown[]).flatMap((member) =>
    typeof member === 'object' &&
    member !== null &&
    typeof (member as { value?: unknown }).value === 'string'
      ? [(member as { value: string }).value]
      : [],
  );
}

function difference(values: readonly string[], minus: readonly string[]): string[] {
  const taken = new Set(minus);
  return [...new Set(values)].filter((value) => !taken.has(value));
}

/** Deep equality of JSON values, key order ignored. */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((value, index) => sameJson(value, b[index]));
  }
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(left);
  return (
    keys.length === Object.keys(right).length &&
    keys.every((key) => Object.hasOwn(right, key) && sameJson(left[key], right[key]))
  );
}
