// Filters on a user's computed `groups` (RFC 7643 §4.1.2) in the memory storage: the store of users
// reads the memberships from the storage's store of groups, and tests each candidate with its
// groups as a read shows them (direct, then the groups those belong to as indirect), so a filter
// matches exactly what GET answers.
import { ScimError, type ScimResource } from '@scim/core';
import type { BoundFilterNode } from '@scim/filter';
import { forEachAttribute, isComputedGroups, namesGroups } from '../query/groups-filter.js';
import type { StoreQuery } from '../store.js';
import { copyWith } from '../copy.js';

/** What a memory store of groups lends the store of their members, for one tenant. */
export interface MembershipView {
  /** The ids of the groups listing `value` as a direct member. */
  containing(value: string): Iterable<string>;
  /** A group's displayName, as the group holds it. */
  displayName(group: string): unknown;
}

/** Reads a memory store's memberships for a tenant, without creating the tenant. */
export const MEMBERSHIPS: unique symbol = Symbol('scim.memoryStore.memberships');

/** A memory store that can lend its memberships. */
export interface MembershipSource {
  readonly [MEMBERSHIPS]: (tenant: string) => MembershipView | undefined;
}

/** The storage's other stores, by resource type name. */
export type Peers = (resourceType: string) => MembershipSource | undefined;

type Json = Record<string, unknown>;

const NONE: MembershipView = { containing: () => [], displayName: () => undefined };

/**
 * For a query whose filter names `groups`, a function giving a resource its groups as a read shows
 * them (without `$ref`, which the server refuses to filter on); undefined for any other query.
 */
export function groupsFor(
  peers: Peers | undefined,
  query: StoreQuery,
  tenant: string,
): ((resource: ScimResource) => ScimResource) | undefined {
  if (peers === undefined || !namesGroups(query.bound)) return undefined;
  refuseReference(query.bound as BoundFilterNode);
  const groupType = query.groupType;
  const view =
    (groupType === undefined ? undefined : peers(groupType.name)?.[MEMBERSHIPS](tenant)) ?? NONE;
  return (resource) => copyWith(resource, { groups: groupsOf(view, resource.id as string) });
}

/** `groups.$ref` is a URL the server makes; the store has none to compare (the server refuses it). */
function refuseReference(bound: BoundFilterNode): void {
  forEachAttribute(bound, (attribute) => {
    if (isComputedGroups(attribute) && attribute.subAttribute?.name === '$ref')
      throw ScimError.invalidFilter("'groups.$ref' cannot be filtered on; filter on groups.value");
  });
}

/**
 * A member's groups: those listing it ("direct"), then, level by level, the groups listing those
 * ("indirect"). A group reached both ways is direct; a cycle ends where a group was reached before.
 */
export function groupsOf(view: MembershipView, member: string): Json[] {
  const reached = new Map<string, Json>();
  let frontier: string[] = [];
  for (const group of view.containing(member)) {
    if (reached.has(group)) continue;
    reached.set(group, elementOf(view, group, 'direct'));
    frontier.push(group);
  }
  while (frontier.length > 0) {
    const next: string[] = [];
    for (const child of frontier)
      for (const group of view.containing(child)) {
        if (reached.has(group)) continue;
        reached.set(group, elementOf(view, group, 'indirect'));
        next.push(group);
      }
    frontier = next;
  }
  return [...reached.values()];
}

function elementOf(view: MembershipView, group: string, type: 'direct' | 'indirect'): Json {
  const displayName = view.displayName(group);
  return typeof displayName === 'string'
    ? { value: group, display: displayName, type }
    : { value: group, type };
}
