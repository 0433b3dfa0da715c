// Group membership as data: member references checked and typed, member PATCHes applied as store
// operations without loading the group, and a deleted resource taken out of every group.
import {
  attributeValueKey,
  isJsonObject,
  ScimError,
  formatDateTime,
  type AttributeDefinition,
  type ScimMeta,
  type ScimResource,
  type ScimResourceType,
} from '@scim/core';
import type { PatchAppliedRule } from '@scim/patch';
import { storeContext, type Scope } from '../engine.js';
import { memberOfFilter, readGroups } from '../present.js';
import type { StoreMember } from '../store.js';
import { beforeWrite, record, stamp } from './write.js';
import { retryConflicts } from './conflicts.js';
import { copyWith } from '../copy.js';

type Json = Record<string, unknown>;

/** Group members must exist (checklist S-CHAR-36); their `type` is filled in from where they live. */
export async function resolveMembers(
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
  const added: { readonly value: string; readonly type: unknown; readonly at: number }[] = [];
  for (const member of resource.members as unknown[]) {
    if (!isJsonObject(member) || typeof member.value !== 'string') continue;
    const before = known.get(member.value);
    if (before !== undefined && (member.type === undefined || member.type === before.type)) {
      members.push(copyWith(member, { type: before.type }));
      continue;
    }
    added.push({ value: member.value, type: member.type, at: members.length });
    members.push(member);
  }
  const types = await typesOfMembers(scope, added);
  added.forEach(({ at }, index) => {
    members[at] = copyWith(members[at] as Json, { type: types[index] });
  });
  return copyWith(resource, { members });
}

/**
 * The resource type of each new member, which must exist and agree with any type the client
 * stated: the first member in order that does not is the error. Looked up in one call per resource
 * type where the store has `existing` (a `get` each otherwise), the stated type first, then the
 * others in the engine's order.
 */
async function typesOfMembers(
  scope: Scope,
  members: readonly { readonly value: string; readonly type: unknown }[],
): Promise<string[]> {
  const { engine } = scope;
  const stated = members.map(({ type }) =>
    typeof type === 'string' ? engine.byName(type)?.name : undefined,
  );
  // A member whose stated type is no resource type here is refused without a lookup.
  const looked = members.flatMap(({ value, type }, index) =>
    type === undefined || stated[index] !== undefined ? [{ value, stated: stated[index] }] : [],
  );
  const found = new Map<string, string>();
  // Each member's stated type is asked first, as a lookup of that member alone would ask it.
  const byStated = new Map<string, string[]>();
  members.forEach(({ value }, index) => {
    const name = stated[index];
    if (name === undefined) return;
    const values = byStated.get(name);
    if (values === undefined) byStated.set(name, [value]);
    else values.push(value);
  });
  for (const [name, values] of byStated)
    for (const value of await existingOf(scope, engine.byName(name) as ScimResourceType, values))
      found.set(value, name);
  for (const type of engine.resourceTypes) {
    const unknown = looked
      .filter(({ value, stated: name }) => !found.has(value) && name !== type.name)
      .map(({ value }) => value);
    if (unknown.length === 0) continue;
    for (const value of await existingOf(scope, type, unknown)) found.set(value, type.name);
  }
  return members.map(({ value, type: statedType }, index) => {
    const name = stated[index];
    if (statedType !== undefined && name === undefined)
      throw ScimError.invalidValue(
        `Member ${value} has type ${JSON.stringify(statedType)}, which is no resource type here`,
      );
    const type = found.get(value);
    if (type === undefined) throw ScimError.invalidValue(`Member ${value} does not exist`);
    // A label that disagrees with what the id refers to is the client's mistake; say which one.
    if (name !== undefined && type !== name)
      throw ScimError.invalidValue(`Member ${value} is a ${type}, but its type says ${name}`);
    return type;
  });
}

/** Which of `ids` the type's store holds: `existing` where it has it, a `get` each otherwise. */
async function existingOf(
  scope: Scope,
  type: ScimResourceType,
  ids: readonly string[],
): Promise<Iterable<string>> {
  const store = scope.engine.storeFor(type);
  const unique = [...new Set(ids)];
  if (store.existing !== undefined)
    return store.existing(unique, storeContext(scope, type, ONLY_ID));
  const held: string[] = [];
  for (const id of unique)
    if ((await store.get(id, storeContext(scope, type, ONLY_ID))) !== undefined) held.push(id);
  return held;
}

/** An existence check reads nothing but the id. */
const ONLY_ID = { attributes: { include: ['id'] } } as const;

/** A PATCH that only adds and removes members, reduced to the net change per member value. */
export interface MembershipPatch {
  readonly add: readonly Json[];
  readonly remove: readonly string[];
  /** The compatibility rules it relied on, as `applyPatch` would report them; absent for none. */
  readonly applied?: readonly PatchAppliedRule[];
}

const MEMBER_FILTER = /^members\[\s*value\s+eq\s+("(?:[^"\\]|\\.)*")\s*\]$/i;
const MEMBER_KEYS = new Set(['value', 'display', 'type', '$ref']);

/**
 * Reads a PATCH body that `parsePatch` accepted as a pure membership change (Entra ID's and Okta's
 * member add and remove: `add members [...]`, `remove members[value eq "x"]`, `remove members` with a
 * value list), or undefined for anything else, which takes the general path. The last operation on
 * a value wins, as applying them in order would have it.
 */
export function membershipPatchOf(
  body: unknown,
  groupType: ScimResourceType,
  maxStringLength: number,
): MembershipPatch | undefined {
  if (!isJsonObject(body) || !Array.isArray(body.Operations)) return undefined;
  const valueOf = memberValueAttribute(groupType);
  if (valueOf === undefined) return undefined;
  // Keyed as the store keys members (case-folded unless caseExact), so "ID1" and "id1" are one member.
  const net = new Map<string, { readonly value: string; readonly add: Json | undefined }>();
  const key = (value: string) => attributeValueKey(valueOf, value);
  let applied: PatchAppliedRule[] | undefined;
  const operations = body.Operations as unknown[];
  for (let index = 0; index < operations.length; index++) {
    const operation = operations[index];
    if (!isJsonObject(operation) || typeof operation.op !== 'string') return undefined;
    if (typeof operation.path !== 'string') return undefined;
    const op = operation.op.toLowerCase();
    // parsePatch read the same body first, so "Add" gets here only where caseInsensitiveOp is on.
    if (op !== operation.op)
      (applied ??= []).push({
        rule: 'caseInsensitiveOp',
        path: ['Operations', index, 'op'],
        layer: 'patch',
      });
    const path = operation.path.trim();
    const filtered = MEMBER_FILTER.exec(path);
    if (filtered !== null) {
      if (op !== 'remove' || operation.value !== undefined) return undefined;
      const value = JSON.parse(filtered[1] as string) as string;
      if (value === '' || value.length > maxStringLength) return undefined;
      net.delete(key(value));
      net.set(key(value), { value, add: undefined });
      continue;
    }
    if (path.toLowerCase() !== 'members' || (op !== 'add' && op !== 'remove')) return undefined;
    const values = operation.value;
    if (!Array.isArray(values) || values.length === 0) return undefined;
    if (op === 'remove')
      (applied ??= []).push({ rule: 'removeMembersByValue', path: ['members'], layer: 'patch' });
    for (const member of values as unknown[]) {
      if (!isPlainMember(member, maxStringLength)) return undefined;
      // Re-inserted, so the map's order is the order of the last operation on each member.
      net.delete(key(member.value));
      net.set(key(member.value), { value: member.value, add: op === 'add' ? member : undefined });
    }
  }
  if (net.size === 0) return undefined;
  const add: Json[] = [];
  const remove: string[] = [];
  for (const change of net.values()) {
    if (change.add === undefined) remove.push(change.value);
    else add.push(change.add);
  }
  return applied === undefined ? { add, remove } : { add, remove, applied };
}

/** The `value` sub-attribute of the group type's `members`, whose rules key a member. */
function memberValueAttribute(groupType: ScimResourceType): AttributeDefinition | undefined {
  const members = groupType.schema.attributes.find((attribute) => attribute.name === 'members');
  return members?.subAttributes.find((sub) => sub.name === 'value');
}

/**
 * A member the fast path can take as it is: a non-empty `value` within the string limit, `display`
 * (readOnly: dropped, as validation drops it) and `type` as strings or null, and `$ref` absent or
 * null, as Entra ID sends it. Anything else, a `$ref` to check included, takes the general path,
 * which validates it.
 */
function isPlainMember(
  member: unknown,
  maxStringLength: number,
): member is Json & { readonly value: string } {
  if (!isJsonObject(member) || typeof member.value !== 'string' || member.value === '')
    return false;
  if (member.value.length > maxStringLength) return false;
  for (const [key, value] of Object.entries(member)) {
    if (!MEMBER_KEYS.has(key)) return false;
    if (value === null) continue;
    if (key === '$ref' || typeof value !== 'string') return false;
  }
  return true;
}

/**
 * Applies a membership change through the store's `modifyMembers`: new members are checked and
 * typed, the group is neither read nor written whole, and concurrent member changes do not
 * conflict. Resolves false when the group does not exist.
 */
export async function applyMembershipPatch(
  scope: Scope,
  groupType: ScimResourceType,
  id: string,
  change: MembershipPatch,
): Promise<{ readonly version: string | undefined } | undefined> {
  const { engine } = scope;
  const store = engine.storeFor(groupType);
  if (store.modifyMembers === undefined) throw new TypeError('modifyMembers is not implemented');
  let types: string[];
  try {
    types = await typesOfMembers(
      scope,
      change.add.map((member) => ({
        value: member.value as string,
        type: member.type ?? undefined,
      })),
    );
  } catch (error) {
    // A missing group is a 404 whatever its members, as the general path, which reads it first, says.
    if ((await store.get(id, storeContext(scope, groupType, ONLY_ID))) === undefined)
      return undefined;
    throw error;
  }
  // `display` is readOnly (RFC 7643 §4.2): what a client sends is not stored.
  const add: StoreMember[] = change.add.map((member, index) => ({
    value: member.value as string,
    type: types[index] as string,
  }));
  beforeWrite(scope);
  const result = await store.modifyMembers(
    id,
    {
      add,
      remove: change.remove,
      meta: { version: engine.newVersion(), lastModified: formatDateTime(engine.now()) },
    },
    storeContext(scope, groupType, { expectedVersion: undefined }),
  );
  if (result === undefined) return undefined;
  await record(scope, {
    operation: 'patch',
    resourceType: groupType,
    id,
    previous: undefined,
    next: undefined,
    membersAdded: result.added,
    membersRemoved: result.removed,
    ...writtenMeta(result.meta.version, result.meta.lastModified),
  });
  return { version: result.meta.version };
}

/**
 * A deleted resource leaves every group it was a member of (checklist P-CRUD-17), before it is
 * deleted: if this fails the resource is still there, so the client's retry finds it and finishes.
 */
export async function removeMemberships(
  scope: Scope,
  resourceType: ScimResourceType,
  id: string,
): Promise<void> {
  const { engine } = scope;
  const groupType = engine.groupType;
  if (groupType === undefined) return;
  const store = engine.storeFor(groupType);
  const context = storeContext(scope, groupType);
  // A group listed among its own members goes with its member rows: removing it from itself first
  // would give it a version the delete then refuses as changed, on every rerun. (A user given the
  // id of a group, against RFC 7643 §3.1, is not that group: it leaves it like any other.)
  const isSelf = (group: unknown) => resourceType.name === groupType.name && group === id;
  if (store.modifyMembers !== undefined && store.groupsOf !== undefined) {
    for (const row of await store.groupsOf([id], context)) {
      if (isSelf(row.group)) continue;
      beforeWrite(scope);
      const result = await store.modifyMembers(
        row.group,
        {
          add: [],
          remove: [id],
          meta: { version: engine.newVersion(), lastModified: formatDateTime(engine.now()) },
        },
        storeContext(scope, groupType, { expectedVersion: undefined }),
      );
      if (result !== undefined && result.removed.length > 0)
        await cascaded(scope, groupType, row.group, result.removed, result.meta);
    }
    return;
  }
  for (const listed of await readGroups(scope, groupType, memberOfFilter([id]))) {
    if (isSelf(listed.id)) continue;
    let group: ScimResource | undefined = listed;
    // A group written meanwhile (a member added by the identity provider) is read again and the
    // member removed from what is there now.
    await retryConflicts(engine, async () => {
      group ??= await store.get(listed.id as string, context);
      const current = group;
      group = undefined;
      if (current === undefined || !Array.isArray(current.members)) return;
      const members = (current.members as Json[]).filter((member) => member.value !== id);
      if (members.length === current.members.length) return;
      const next: ScimResource = copyWith(current, { members });
      if (members.length === 0) delete next.members;
      beforeWrite(scope);
      const stamped = stamp(scope, groupType, next, current);
      await store.replace(
        stamped,
        storeContext(scope, groupType, { expectedVersion: current.meta?.version }),
      );
      await cascaded(scope, groupType, current.id as string, [id], stamped.meta);
    });
  }
}

function cascaded(
  scope: Scope,
  groupType: ScimResourceType,
  group: string,
  removed: readonly string[],
  meta: ScimMeta | undefined,
): Promise<void> {
  return record(scope, {
    operation: 'cascade',
    resourceType: groupType,
    id: group,
    previous: undefined,
    next: undefined,
    membersRemoved: removed,
    ...writtenMeta(meta?.version, meta?.lastModified),
  });
}

/** The version and lastModified a member-row write gave the group, for its events. */
function writtenMeta(
  version: string | undefined,
  lastModified: string | undefined,
): { version?: string; lastModified?: string } {
  return {
    ...(version === undefined ? {} : { version }),
    ...(lastModified === undefined ? {} : { lastModified }),
  };
}
