// The memory store's uniqueness indexes: one map per unique single-valued attribute, from the value's
// comparison key to the id holding it.
import {
  attributeValueKey,
  ScimError,
  uniqueAttributesOf,
  type AttributeDefinition,
  type ScimResource,
  type ScimResourceType,
  type UniqueAttribute,
} from '@scim/core';

export interface UniqueIndex extends UniqueAttribute {
  readonly keys: Map<string, string>;
}

export function uniqueIndexes(resourceType: ScimResourceType): UniqueIndex[] {
  return uniqueAttributesOf(resourceType).map((unique) => ({ ...unique, keys: new Map() }));
}

function indexedValue(resource: ScimResource, index: UniqueIndex): unknown {
  const holder = index.urn === undefined ? resource : resource[index.urn];
  if (typeof holder !== 'object' || holder === null) return undefined;
  return (holder as Record<string, unknown>)[index.attribute.name];
}

/**
 * Takes the unique values of `resource` for its id, giving up those of `previous` (the version it
 * replaces); throws `uniqueness`, changing nothing, when another resource holds one of them.
 */
export function claimUnique(
  indexes: readonly UniqueIndex[],
  resource: ScimResource,
  previous: ScimResource | undefined,
): void {
  const id = resource.id as string;
  const claims: [UniqueIndex, string][] = [];
  for (const index of indexes) {
    const value = indexedValue(resource, index);
    if (value === undefined || value === null) continue;
    const key = attributeValueKey(index.attribute, value);
    const owner = index.keys.get(key);
    if (owner !== undefined && owner !== id)
      throw ScimError.uniqueness(`'${index.path}' ${JSON.stringify(value)} is already in use`);
    claims.push([index, key]);
  }
  if (previous !== undefined) releaseUnique(indexes, previous);
  for (const [index, key] of claims) index.keys.set(key, id);
}

export function releaseUnique(indexes: readonly UniqueIndex[], resource: ScimResource): void {
  for (const index of indexes) {
    const value = indexedValue(resource, index);
    if (value === undefined || value === null) continue;
    const key = attributeValueKey(index.attribute, value);
    if (index.keys.get(key) === resource.id) index.keys.delete(key);
  }
}

/** The id holding `value` of a uniquely indexed attribute, if any. */
export function uniqueOwner(
  indexes: readonly UniqueIndex[],
  attribute: AttributeDefinition,
  value: string,
): string | undefined {
  const index = indexes.find((candidate) => candidate.attribute === attribute);
  return index?.keys.get(attributeValueKey(attribute, value));
}
