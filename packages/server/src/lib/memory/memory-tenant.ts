// One tenant's data in a memory store, and the lookups that read it: index narrowing for filters and
// the epoch-stamped positions of keyset pages.
import type { AttributeDefinition, ScimResource, ScimResourceType } from '@scim/core';
import type { BoundFilterNode } from '@scim/filter';
import { CreationOrder } from './creation-order.js';
import { invalidCursor } from '../query/cursor.js';
import {
  memberCandidates,
  memberIndexes,
  type MemberIndex,
  type MemberWork,
} from './member-index.js';
import { uniqueIndexes, uniqueOwner, type UniqueIndex } from './memory-unique.js';
import type { StoreCursor, StorePositions } from '../store.js';

export interface Tenant {
  /**
   * Stamped on every position this tenant's data hands out, so a cursor that outlived it (a restart
   * with the same cursor secret, `clear()`) is refused instead of read against other data.
   */
  readonly epoch: string;
  /** Resources as stored: without their member attributes, which live in `members`. */
  readonly byId: Map<string, ScimResource>;
  readonly order: CreationOrder;
  readonly members: readonly MemberIndex[];
  readonly unique: readonly UniqueIndex[];
  /** Resources with their members put back, built on first read and dropped by the next write. */
  readonly views: Map<string, ScimResource>;
  readonly work: MemberWork;
}

export function newTenant(resourceType: ScimResourceType): Tenant {
  return {
    epoch: crypto.randomUUID().replace(/-/g, '').slice(0, 12),
    byId: new Map(),
    order: new CreationOrder(),
    members: memberIndexes(resourceType),
    unique: uniqueIndexes(resourceType),
    views: new Map(),
    work: { count: 0, sequence: 1 },
  };
}

/**
 * The few resources an index names for the filter (an `eq` on `id` or on a unique attribute names
 * at most one), or undefined when no index applies and every resource is a candidate. `exact`
 * says the index answered the whole filter, so there is nothing left to test.
 */
export function narrowedBy(
  tenant: Tenant,
  bound: BoundFilterNode | undefined,
): { readonly resources: readonly ScimResource[]; readonly exact: boolean } | undefined {
  if (bound === undefined) return undefined;
  const terms = bound.type === 'and' ? bound.filters : [bound];
  // A member lookup (the groups of a user) names a few resources through the member index.
  for (const node of terms) {
    const ids = memberCandidates(tenant.members, node);
    if (ids === undefined) continue;
    // In creation order, as a scan would have found them.
    const resources = [...ids]
      .sort((a, b) => (tenant.order.sequence(a) ?? 0) - (tenant.order.sequence(b) ?? 0))
      .map((id) => tenant.byId.get(id) as ScimResource);
    return { resources, exact: node === bound };
  }
  const term = terms.find(isIndexable(tenant));
  if (term === undefined || term.type !== 'compare' || typeof term.value !== 'string')
    return undefined;
  const attribute = term.attribute.attribute as AttributeDefinition;
  // The index keys compare strings as the filter does (case-folded unless isCaseExact).
  const exact = term === bound && attribute.type === 'string';
  if (attribute.name === 'id' && !term.attribute.isExtension) {
    const found = tenant.byId.get(term.value);
    return { resources: found === undefined ? [] : [found], exact };
  }
  const id = uniqueOwner(tenant.unique, attribute, term.value);
  const found = id === undefined ? undefined : tenant.byId.get(id);
  return { resources: found === undefined ? [] : [found], exact };
}

/** Position strings are `<epoch>.<keyset position>`; another epoch's are refused (RFC 9865 §2.1). */
export function openPositions(tenant: Tenant, cursor: StoreCursor): StoreCursor {
  const open = (position: string): string => {
    const prefix = `${tenant.epoch}.`;
    if (!position.startsWith(prefix)) throw invalidCursor();
    return position.slice(prefix.length);
  };
  if (cursor.before !== undefined) return { before: open(cursor.before) };
  if (cursor.after !== undefined) return { after: open(cursor.after) };
  return {};
}

export function stampPositions(tenant: Tenant, positions: StorePositions): StorePositions {
  const stamped: { -readonly [K in keyof StorePositions]: StorePositions[K] } = {};
  if (positions.next !== undefined) stamped.next = `${tenant.epoch}.${positions.next}`;
  if (positions.previous !== undefined) stamped.previous = `${tenant.epoch}.${positions.previous}`;
  return stamped;
}

function isIndexable(tenant: Tenant): (node: BoundFilterNode) => boolean {
  return (node) => {
    if (node.type !== 'compare' || node.operator !== 'eq' || typeof node.value !== 'string')
      return false;
    const { attribute } = node.attribute;
    if (
      node.attribute.kind !== 'attribute' ||
      attribute === undefined ||
      node.attribute.subAttribute !== undefined
    )
      return false;
    if (attribute.name === 'id' && !node.attribute.isExtension) return true;
    return tenant.unique.some((index) => index.attribute === attribute);
  };
}
