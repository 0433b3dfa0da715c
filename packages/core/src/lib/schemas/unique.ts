// Which attributes of a resource type must be unique: what every store's uniqueness check indexes.
import { COMMON_ATTRIBUTES } from './common.js';
import type { AttributeDefinition } from './define.js';
import type { ScimResourceType } from './resource-type.js';

/**
 * A single-valued attribute whose schema declares `uniqueness` other than `none`, and where a
 * resource holds it.
 * @example `{ attribute: userNameDefinition, urn: undefined, path: 'userName' }`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-2.2
 */
export interface UniqueAttribute {
  readonly attribute: AttributeDefinition;
  /** The extension URN holding the attribute, or undefined for the core schema. */
  readonly urn: string | undefined;
  /** The attribute's name, URN-qualified for an extension's. */
  readonly path: string;
}

const cache = new WeakMap<ScimResourceType, readonly UniqueAttribute[]>();

/**
 * The attributes of a resource type a store keeps unique: single-valued, simple, `uniqueness`
 * `server` or `global`, in the core schema (common attributes included) or an extension. `id` is
 * left out: it is every store's key. Multi-valued and complex unique attributes are not indexed.
 * @example `uniqueAttributesOf(UserResourceType).map((u) => u.path) // ['userName']`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-2.2
 */
export function uniqueAttributesOf(resourceType: ScimResourceType): readonly UniqueAttribute[] {
  const cached = cache.get(resourceType);
  if (cached !== undefined) return cached;
  const found: UniqueAttribute[] = [];
  const add = (attributes: readonly AttributeDefinition[], urn: string | undefined) => {
    for (const attribute of attributes) {
      if (
        attribute.uniqueness === 'none' ||
        attribute.multiValued ||
        attribute.type === 'complex' ||
        attribute.name === 'id'
      )
        continue;
      found.push({
        attribute,
        urn,
        path: urn === undefined ? attribute.name : `${urn}:${attribute.name}`,
      });
    }
  };
  add([...COMMON_ATTRIBUTES, ...resourceType.schema.attributes], undefined);
  for (const extension of resourceType.schemaExtensions)
    add(extension.schema.attributes, extension.schema.id);
  cache.set(resourceType, found);
  return found;
}
