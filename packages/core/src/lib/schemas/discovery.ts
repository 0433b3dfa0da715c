import { RESOURCE_TYPE_SCHEMA_URN, SCHEMA_SCHEMA_URN } from '../constants.js';
import type { ScimResource } from './infer.js';
import type { AttributeDefinition, ScimSchema } from './define.js';
import type { ScimResourceType } from './resource-type.js';

/**
 * Renders a schema as the Schema resource served at `/Schemas/{urn}` (RFC 7643 §7): every
 * characteristic of every attribute, and `meta` when a location is given. Empty lists are omitted.
 * @example `toSchemaResource(UserSchema, { location: 'https://example.com/scim/v2/Schemas/' + UserSchema.id })`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-7
 */
export function toSchemaResource(
  schema: ScimSchema,
  options: { readonly location?: string } = {},
): ScimResource {
  return {
    schemas: [SCHEMA_SCHEMA_URN],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes.map(renderAttribute),
    ...(options.location === undefined
      ? {}
      : { meta: { resourceType: 'Schema', location: options.location } }),
  };
}

/**
 * Renders a resource type as the ResourceType resource served at `/ResourceTypes/{id}` (RFC 7643 §6).
 * @example `toResourceTypeResource(UserResourceType).endpoint // '/Users'`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-6
 */
export function toResourceTypeResource(
  resourceType: ScimResourceType,
  options: { readonly location?: string } = {},
): ScimResource {
  return {
    schemas: [RESOURCE_TYPE_SCHEMA_URN],
    id: resourceType.id,
    name: resourceType.name,
    ...(resourceType.description === '' ? {} : { description: resourceType.description }),
    endpoint: resourceType.endpoint,
    schema: resourceType.schema.id,
    ...(resourceType.schemaExtensions.length === 0
      ? {}
      : {
          schemaExtensions: resourceType.schemaExtensions.map((extension) => ({
            schema: extension.schema.id,
            required: extension.required,
          })),
        }),
    ...(options.location === undefined
      ? {}
      : { meta: { resourceType: 'ResourceType', location: options.location } }),
  };
}

function renderAttribute(attribute: AttributeDefinition): Record<string, unknown> {
  return {
    name: attribute.name,
    type: attribute.type,
    multiValued: attribute.multiValued,
    description: attribute.description,
    required: attribute.required,
    ...(attribute.canonicalValues.length === 0
      ? {}
      : { canonicalValues: [...attribute.canonicalValues] }),
    caseExact: attribute.caseExact,
    mutability: attribute.mutability,
    returned: attribute.returned,
    uniqueness: attribute.uniqueness,
    ...(attribute.referenceTypes.length === 0
      ? {}
      : { referenceTypes: [...attribute.referenceTypes] }),
    ...(attribute.subAttributes.length === 0
      ? {}
      : { subAttributes: attribute.subAttributes.map(renderAttribute) }),
  };
}
