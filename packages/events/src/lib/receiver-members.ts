// The `type` of group members on a replica. A server stores each member with the type of the
// resource it names (RFC 7643 §4.2), but a PatchOp that adds members names their values only, and
// SETs of different subjects may arrive in any order: a member can be added before its own create
// has reached this receiver. Such a member is typed as soon as either side finds the other: the
// group's write looks the member up (and again once written), the member's first write looks up the
// groups holding it.
import { isJsonObject, isScimError, type ScimResource, type ScimResourceType } from '@scim/core';
import type { ScimStore, StoreContext } from '@scim/server';

/** The stores and contexts typing members needs, as the receiver resolves them. */
export interface MemberTyping {
  readonly storeOf: (resourceType: ScimResourceType) => ScimStore;
  readonly contextOf: (resourceType: ScimResourceType, signal: AbortSignal) => StoreContext;
  readonly resourceTypes: readonly ScimResourceType[];
}

/** Whether a resource holds a member without its type. */
export function hasUntypedMembers(resource: ScimResource): boolean {
  return Array.isArray(resource.members) && resource.members.some(isUntyped);
}

/**
 * `resource` with its untyped members typed after the resource each names, where this receiver
 * holds it (`known` spares a look-up); the same object when none could be.
 */
export async function withMemberTypes(
  resource: ScimResource,
  typing: MemberTyping,
  signal: AbortSignal,
  known?: { readonly id: string; readonly type: string },
): Promise<ScimResource> {
  if (!hasUntypedMembers(resource)) return resource;
  let changed = false;
  const members: unknown[] = [];
  for (const member of resource.members as unknown[]) {
    if (!isUntyped(member)) {
      members.push(member);
      continue;
    }
    const type =
      known?.id === member.value ? known.type : await typeOf(member.value, typing, signal);
    changed ||= type !== undefined;
    members.push(type === undefined ? member : { ...member, type });
  }
  return changed ? { ...resource, members } : resource;
}

/**
 * Types the untyped members of the stored group `id` that can be typed now, keeping its `meta`:
 * the group is as the transmitter holds it, only its copy lacked what that server derived. A
 * version conflict is left alone: whoever wrote the group meanwhile looked the members up after
 * they were written.
 */
export async function typeMembersOf(
  groupType: ScimResourceType,
  id: string,
  typing: MemberTyping,
  signal: AbortSignal,
  known?: { readonly id: string; readonly type: string },
): Promise<void> {
  const store = typing.storeOf(groupType);
  const context = typing.contextOf(groupType, signal);
  const group = await store.get(id, context);
  if (group === undefined) return;
  const typed = await withMemberTypes(group, typing, signal, known);
  if (typed === group) return;
  try {
    await store.replace(typed, { ...context, expectedVersion: versionOf(group) });
  } catch (error) {
    if (!(isScimError(error) && error.status === 412)) throw error;
  }
}

/**
 * Types resource `id`, just written for the first time, where groups already hold it without a type:
 * their PatchOp came before its create. Stores without `groupsOf` are not searched.
 */
export async function typeMemberships(
  resourceType: ScimResourceType,
  id: string,
  typing: MemberTyping,
  signal: AbortSignal,
): Promise<void> {
  const known = { id, type: resourceType.name };
  for (const groupType of typing.resourceTypes) {
    if (!groupType.schema.attributes.some((attribute) => attribute.name === 'members')) continue;
    const store = typing.storeOf(groupType);
    if (store.groupsOf === undefined) continue;
    const rows = await store.groupsOf([id], typing.contextOf(groupType, signal));
    for (const group of new Set(rows.map((row) => row.group)))
      await typeMembersOf(groupType, group, typing, signal, known);
  }
}

/** The name of the resource type whose store holds `id`, if any does. */
async function typeOf(
  id: string,
  typing: MemberTyping,
  signal: AbortSignal,
): Promise<string | undefined> {
  for (const resourceType of typing.resourceTypes) {
    const context = { ...typing.contextOf(resourceType, signal), attributes: { include: ['id'] } };
    if ((await typing.storeOf(resourceType).get(id, context)) !== undefined)
      return resourceType.name;
  }
  return undefined;
}

function isUntyped(member: unknown): member is { readonly value: string } {
  return isJsonObject(member) && typeof member.value === 'string' && member.type === undefined;
}

function versionOf(resource: ScimResource): string | undefined {
  const version = isJsonObject(resource.meta) ? resource.meta.version : undefined;
  return typeof version === 'string' ? version : undefined;
}
