// The memory store's member references (Group.members) kept as data: each group's members in an
// ordered map beside the group, and an index of which groups list a given member, so adding a member,
// removing one and "the groups of this user" are lookups rather than rewrites or scans of the list.
import {
  attributeValueKey,
  isJsonObject,
  type AttributeDefinition,
  type ScimResource,
  type ScimResourceType,
} from '@scim/core';
import type { BoundFilterNode } from '@scim/filter';

/** One member as stored, with the sequence that puts it back in its place after a rollback. */
export interface MemberEntry {
  readonly element: object;
  readonly sequence: number;
}

/**
 * One group's members, in the order they were added, keyed by their folded value (elements without
 * a string value, which no lookup can name, under a symbol of their own).
 */
export type MemberList = Map<string | symbol, MemberEntry>;

export interface MemberIndex {
  /** The multi-valued complex attribute, such as `members`. */
  readonly attribute: AttributeDefinition;
  /** Its string `value` sub-attribute, the key. */
  readonly value: AttributeDefinition;
  /** The ids of the resources listing each member key. */
  readonly byValue: Map<string, Set<string>>;
  /** The members of each resource that has any. */
  readonly lists: Map<string, MemberList>;
}

/**
 * How many member entries the store has copied, indexed or visited, per tenant: what the membership
 * tests count to show a member change costs the size of the change, not the size of the group.
 */
export interface MemberWork {
  count: number;
  /** The next member sequence number. */
  sequence: number;
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
    indexes.push({ attribute, value, byValue: new Map(), lists: new Map() });
  }
  return indexes;
}

/** The key a member value is listed and looked up under (case-folded unless caseExact). */
export function memberKey(index: MemberIndex, value: string): string {
  return attributeValueKey(index.value, value);
}

/**
 * Takes a resource apart: the resource without its member attributes, and each attribute's
 * elements as a member list (a repeated value is kept once, as a member add would keep it).
 */
export function splitMembers(
  indexes: readonly MemberIndex[],
  resource: ScimResource,
  work: MemberWork,
): { readonly bare: ScimResource; readonly lists: readonly (MemberList | undefined)[] } {
  if (indexes.length === 0) return { bare: resource, lists: [] };
  const bare: ScimResource = { ...resource };
  const lists = indexes.map((index) => {
    const elements = resource[index.attribute.name];
    delete bare[index.attribute.name];
    if (!Array.isArray(elements) || elements.length === 0) return undefined;
    const list: MemberList = new Map();
    for (const element of elements as unknown[]) {
      work.count++;
      if (!isJsonObject(element)) continue;
      const key = typeof element.value === 'string' ? memberKey(index, element.value) : Symbol();
      if (!list.has(key)) list.set(key, { element, sequence: work.sequence++ });
    }
    return list.size === 0 ? undefined : list;
  });
  return { bare, lists };
}

/** Lists a resource's members (from {@link splitMembers} or {@link detachMembers}) and indexes them. */
export function attachMembers(
  indexes: readonly MemberIndex[],
  id: string,
  lists: readonly (MemberList | undefined)[],
  work: MemberWork,
): void {
  indexes.forEach((index, i) => {
    const list = lists[i];
    if (list === undefined) return;
    index.lists.set(id, list);
    for (const key of list.keys()) {
      work.count++;
      if (typeof key === 'string') indexMember(index, key, id);
    }
  });
}

/** Removes a resource's members from the indexes and hands back its lists, untouched. */
export function detachMembers(
  indexes: readonly MemberIndex[],
  id: string,
  work: MemberWork,
): (MemberList | undefined)[] {
  return indexes.map((index) => {
    const list = index.lists.get(id);
    if (list === undefined) return undefined;
    index.lists.delete(id);
    for (const key of list.keys()) {
      work.count++;
      if (typeof key === 'string') unindexMember(index, key, id);
    }
    return list;
  });
}

/** The resource with its member attributes put back, or the resource itself when it has none. */
export function materialise(
  indexes: readonly MemberIndex[],
  bare: ScimResource,
  work: MemberWork,
): ScimResource {
  let whole: ScimResource | undefined;
  for (const index of indexes) {
    const list = index.lists.get(bare.id as string);
    if (list === undefined || list.size === 0) continue;
    const elements: object[] = [];
    for (const entry of list.values()) elements.push(entry.element);
    work.count += elements.length;
    whole ??= { ...bare };
    whole[index.attribute.name] = elements;
  }
  return whole ?? bare;
}

export function indexMember(index: MemberIndex, key: string, id: string): void {
  let ids = index.byValue.get(key);
  if (ids === undefined) index.byValue.set(key, (ids = new Set()));
  ids.add(id);
}

export function unindexMember(index: MemberIndex, key: string, id: string): void {
  const ids = index.byValue.get(key);
  ids?.delete(id);
  if (ids?.size === 0) index.byValue.delete(key);
}

/** Puts a list back in sequence order, in place (a rollback re-adds removed members at the end). */
export function resequence(list: MemberList): void {
  const entries = [...list].sort(([, a], [, b]) => a.sequence - b.sequence);
  list.clear();
  for (const [key, entry] of entries) list.set(key, entry);
}

/** Whether a filter tests a member attribute, so its candidates must be read with their members. */
export function filterReadsMembers(
  indexes: readonly MemberIndex[],
  node: BoundFilterNode | undefined,
): boolean {
  if (node === undefined || indexes.length === 0) return false;
  switch (node.type) {
    case 'and':
    case 'or':
      return node.filters.some((child) => filterReadsMembers(indexes, child));
    case 'not':
      return filterReadsMembers(indexes, node.filter);
    default:
      return indexes.some((index) => index.attribute === node.attribute.attribute);
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
      for (const id of index.byValue.get(memberKey(index, value)) ?? []) ids.add(id);
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
