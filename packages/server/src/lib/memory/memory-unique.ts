// The memory store's uniqueness indexes: one map per unique single-valued attribute, from the value's
// comparison key to the id holding it.
import {
  attributeValueKey,
  COMMON_ATTRIBUTES,
  ScimError,
  type AttributeDefinition,
  type ScimResource,
  type ScimResourceType,
} from '@scim/core';

export interface UniqueIndex {
  readonly attribute: AttributeDefinition;
  /** The extension URN holding the attribute, or undefined for the core schema. */
  readonly urn: string | undefined;
  readonly path: string;
  readonly keys: Map<string, string>;
}

export function uniqueIndexes(resourceType: ScimResourceType): UniqueIndex[] {
  const indexes: UniqueIndex[] = [];
  const add = (attributes: readonly AttributeDefinition[], urn: string | undefined) => {
    for (const attribute of attributes) {
      // `id` is the map key itself; multi-valued and complex unique attributes are not indexed.
      if (
        attribute.uniqueness === 'none' ||
        attribute.multiValued ||
        attribute.type === 'complex' ||
        attribute.name === 'id'
      )
        continue;
      indexes.push({
        attribute,
        urn,
        path: urn === undefined ? attribute.name : `${urn}:${attribute.name}`,
        keys: new Map(),
      });
    }
  };
  add([...COMMON_ATTRIBUTES, ...resourceType.schema.attributes], undefined);
  for (const extension of resourceType.schemaExtensions)
    add(extension.schema.attributes, extension.schema.id);
  return indexes;
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
