// What a patched resource must still satisfy, and the `schemas` it ends with.
import {
  COMMON_ATTRIBUTES,
  isJsonObject,
  ScimError,
  type AttributeDefinition,
  type ScimResource,
  type ScimResourceType,
} from '@scim/core';

type Json = Record<string, unknown>;

/** Removing or nulling a required attribute fails the whole request (checklist S-CHAR-09, P-PATCH-40). */
export function checkRequired(rt: ScimResourceType, resource: ScimResource): void {
  checkPresent(requiredAttributes(rt), resource, '');
  for (const extension of rt.schemaExtensions) {
    const data = resource[extension.schema.id];
    if (!isJsonObject(data)) {
      if (extension.required)
        throw ScimError.mutability(`Extension '${extension.schema.id}' is required`);
      continue;
    }
    checkPresent(requiredAttributes(extension.schema), data, `${extension.schema.id}:`);
  }
}

function checkPresent(
  attributes: readonly AttributeDefinition[],
  holder: Json,
  prefix: string,
): void {
  for (const attribute of attributes) {
    const value = holder[attribute.name];
    if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) {
      throw ScimError.mutability(`'${prefix}${attribute.name}' is required and cannot be removed`);
    }
  }
}

/** `schemas` follows the data: the base URN and each extension that holds a value (P-PATCH-15, S-EXT-03). */
export function schemasOf(rt: ScimResourceType, resource: ScimResource): string[] {
  const schemas = [rt.schema.id];
  for (const extension of rt.schemaExtensions) {
    const urn = extension.schema.id;
    const data = resource[urn];
    if (isJsonObject(data) && Object.keys(data).length > 0) schemas.push(urn);
  }
  return schemas;
}

// Schemas are immutable once defined: which attributes a PATCH must leave in place is worked out once
// per schema, keyed by its definition object.
const requiredCache = new WeakMap<object, readonly AttributeDefinition[]>();

/** The required attributes a client can write: the core schema's also include the common ones. */
function requiredAttributes(
  source: ScimResourceType | { readonly attributes: readonly AttributeDefinition[] },
): readonly AttributeDefinition[] {
  let required = requiredCache.get(source);
  if (required === undefined) {
    const attributes =
      'schema' in source ? [...COMMON_ATTRIBUTES, ...source.schema.attributes] : source.attributes;
    required = attributes.filter(
      (attribute) => attribute.required && attribute.mutability !== 'readOnly',
    );
    requiredCache.set(source, required);
  }
  return required;
}
