// Filters and sorts naming a user's `groups`, which no store holds: the server computes them from
// group membership on every read (RFC 7643 §4.1.2). A store decides such a filter only when it
// declares that it reads memberships (`filtersGroups`); otherwise the filter is refused before the
// first store call, never answered by comparing the stored user, which has no groups, and so
// matching nothing.
import { ScimError, type AttributeDefinition, type ScimResourceType } from '@scim/core';
import type { BoundAttribute, BoundFilterNode } from '@scim/filter';
import type { Engine } from '../engine.js';

/** Calls `visit` with every attribute a bound filter names, a value filter's own and its inner ones. */
export function forEachAttribute(
  node: BoundFilterNode,
  visit: (attribute: BoundAttribute) => void,
): void {
  // Recursion is bounded: filters are depth-limited when parsed.
  switch (node.type) {
    case 'and':
    case 'or':
      for (const child of node.filters) forEachAttribute(child, visit);
      return;
    case 'not':
      forEachAttribute(node.filter, visit);
      return;
    case 'valuePath':
      visit(node.attribute);
      forEachAttribute(node.filter, visit);
      return;
    default:
      visit(node.attribute);
  }
}

/** Whether a bound attribute is the computed `groups`: the core schema's, not an extension's. */
export function isComputedGroups(attribute: BoundAttribute): boolean {
  return (
    attribute.kind === 'attribute' &&
    !attribute.isExtension &&
    attribute.attribute?.name.toLowerCase() === 'groups'
  );
}

/** Whether a filter names the computed `groups` anywhere. */
export function namesGroups(bound: BoundFilterNode | undefined): boolean {
  if (bound === undefined) return false;
  let found = false;
  forEachAttribute(bound, (attribute) => {
    if (isComputedGroups(attribute)) found = true;
  });
  return found;
}

/**
 * Refuses, before any store call, a filter naming `groups` that the store cannot decide: one naming
 * `groups.$ref` (a URL the server makes up on the way out; `groups.value` is the group's id), and
 * any when the store does not declare `filtersGroups`.
 */
export function checkGroupsFilter(
  engine: Engine,
  resourceType: ScimResourceType,
  bound: BoundFilterNode,
): void {
  let names = false;
  forEachAttribute(bound, (attribute) => {
    if (!isComputedGroups(attribute)) return;
    names = true;
    if (attribute.subAttribute?.name === '$ref')
      throw ScimError.invalidFilter(
        "'groups.$ref' cannot be filtered on; filter on groups.value, the group's id",
      );
  });
  if (!names || engine.storeFor(resourceType).filtersGroups === true) return;
  const groups = engine.groupType;
  const instead =
    groups === undefined
      ? ''
      : `; to find the groups of a member, query ${groups.endpoint} with members[value eq "<id>"]`;
  throw ScimError.invalidFilter(
    `Filtering ${resourceType.name} resources on 'groups' is not supported by this service provider: ` +
      `groups are computed from group membership (RFC 7643 §4.1.2), and its ${resourceType.name} ` +
      `storage cannot filter on them${instead}`,
  );
}

/**
 * Refuses `sortBy` on `groups.…`: the order of computed memberships is no property of the stored
 * resource, so a store would sort every user as if it had none (RFC 7644 §3.4.2.3 leaves the sort
 * order of multi-valued attributes to the service provider, and sorting is optional).
 */
export function checkGroupsSort(
  attribute: AttributeDefinition,
  isExtension: boolean,
  path: string,
): void {
  if (isExtension || attribute.name.toLowerCase() !== 'groups') return;
  throw ScimError.invalidValue(
    `'${path}' cannot be sorted on: groups are computed from group membership (RFC 7643 §4.1.2)`,
  );
}
