// The memory store's index of member references (Group.members.value): which resources list a given
// member, so "the groups of this user" is a lookup rather than a scan of every member of every group.
import {
  attributeValueKey,
  isJsonObject,
  type AttributeDefinition,
  type ScimResource,
  type ScimResourceType,
} from '@scim/core';
import type { BoundFilterNode } from '@scim/filter';

export interface MemberIndex {
  /** The multi-valued complex attribute, such as `members`. */
  readonly attribute: AttributeDefinition;
  /** Its string `value` sub-attribute, the key. */
  readonly value: AttributeDefinition;
  readonly byValue: Map<string, Set<string>>;
}

/**
 * Every core multi-valued complex attribute whose elements point at resources: a string `value` and
 * a `$ref` to resource types (Group.members).
 */
export function memberIndexes(resourceType: ScimResourceType): MemberIndex[] {
  const indexes: MemberIndex[] = [];
  for (const attribute of resourceType.schema.attributes) {
    // readOnly attributes (User.groups) are computed by the server, never stored.
    if (
      !attribute.multiValued ||
      attribute.type !== 'complex' ||
      attribute.mutability === 'readOnly'
    )
      continue;
    const value = attribute.subAttributes.find((sub) => sub.name === 'value');
    const reference = attribute.subAttributes.find((sub) => sub.name === '$ref');
    if (value?.type !== 'string' || reference === undefined) continue;
    if (!reference.referenceTypes.some((type) => type !== 'external' && type !== 'uri')) continue;
    indexes.push({ attribute, value, byValue: new Map() });
  }
  return indexes;
}

function keysOf(index: MemberIndex, resource: ScimResource): Set<string> {
  const keys = new Set<string>();
  const elements = resource[index.attribute.name];
  if (!Array.isArray(elements)) return keys;
  for (const element of elements as unknown[]) {
    if (isJsonObject(element) && typeof element.value === 'string')
      keys.add(attributeValueKey(index.value, element.value));
  }
  return keys;
}

/** Moves a resource's entries from what `previous` listed to what `next` lists. */
export function reindexMembers(
  indexes: readonly MemberIndex[],
  previous: ScimResource | undefined,
  next: ScimResource | undefined,
): void {
  for (const index of indexes) {
    const before = previous === undefined ? new Set<string>() : keysOf(index, previous);
    const after = next === undefined ? new Set<string>() : keysOf(index, next);
    const id = (next ?? previous)?.id as string;
    for (const key of before) {
      if (after.has(key)) continue;
      const ids = index.byValue.get(key);
      ids?.delete(id);
      if (ids?.size === 0) index.byValue.delete(key);
    }
    for (const key of after) {
      if (before.has(key)) continue;
      let ids = index.byValue.get(key);
      if (ids === undefined) index.byValue.set(key, (ids = new Set()));
      ids.add(id);
    }
  }
}

/**
 * The ids that can match a member lookup (`members[value eq "x"]`, with `or` between values, or
 * `members.value eq "x"`), or undefined when the node is not one. A superset is fine: the store
 * still applies the whole filter to each candidate.
 */
export function memberCandidates(
  indexes: readonly MemberIndex[],
  node: BoundFilterNode,
): Set<string> | undefined {
  for (const index of indexes) {
    const values = lookupValues(index, node);
    if (values === undefined) continue;
    const ids = new Set<string>();
    for (const value of values)
      for (const id of index.byValue.get(attributeValueKey(index.value, value)) ?? []) ids.add(id);
    return ids;
  }
  return undefined;
}

function lookupValues(index: MemberIndex, node: BoundFilterNode): string[] | undefined {
  if (node.type === 'valuePath') {
    if (node.attribute.attribute !== index.attribute || node.attribute.subAttribute !== undefined)
      return undefined;
    return lookupValues(index, node.filter);
  }
  if (node.type === 'or') {
    const values: string[] = [];
    for (const child of node.filters) {
      const found = lookupValues(index, child);
      if (found === undefined) return undefined;
      values.push(...found);
    }
    return values;
  }
  if (
    node.type === 'compare' &&
    node.operator === 'eq' &&
    typeof node.value === 'string' &&
    node.attribute.kind === 'attribute' &&
    node.attribute.attribute === index.attribute &&
    node.attribute.subAttribute === index.value
  )
    return [node.value];
  return undefined;
}
