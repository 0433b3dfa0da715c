import { RESOURCE_TYPE_SCHEMA_URN } from '../constants.js';
import { defineSchema } from './define.js';

/**
 * The ResourceType schema, as RFC 7643 §6 defines it, with the checklist's D-row corrections applied.
 * @example `ResourceTypeSchema.attributes.map((attribute) => attribute.name)`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-6
 */
export const ResourceTypeSchema = defineSchema({
  id: RESOURCE_TYPE_SCHEMA_URN,
  name: 'ResourceType',
  description: 'Specifies the schema that describes a SCIM resource type',
  attributes: [
    {
      name: 'id',
      description: "The resource type's server unique id. May be the same as the 'name' attribute.",
      mutability: 'readOnly',
    },
    {
      name: 'name',
      description:
        "The resource type name. When applicable, service providers MUST specify the name, e.g., 'User'.",
      required: true,
      mutability: 'readOnly',
    },
    {
      name: 'description',
      description:
        "The resource type's human-readable description. When applicable, service providers MUST specify the description.",
      mutability: 'readOnly',
    },
    {
      name: 'endpoint',
      type: 'reference',
      description:
        "The resource type's HTTP-addressable endpoint relative to the Base URL, e.g., '/Users'.",
      required: true,
      mutability: 'readOnly',
      referenceTypes: ['uri'],
    },
    {
      name: 'schema',
      type: 'reference',
      description: "The resource type's primary/base schema URI.",
      required: true,
      caseExact: true,
      mutability: 'readOnly',
      referenceTypes: ['uri'],
    },
    {
      name: 'schemaExtensions',
      type: 'complex',
      multiValued: true,
      description: "A list of URIs of the resource type's schema extensions.",
      mutability: 'readOnly',
      subAttributes: [
        {
          name: 'schema',
          type: 'reference',
          description: 'The URI of a schema extension.',
          required: true,
          caseExact: true,
          mutability: 'readOnly',
          referenceTypes: ['uri'],
        },
        {
          name: 'required',
          type: 'boolean',
          description:
            'A Boolean value that specifies whether or not the schema extension is required for the resource type. If true, a resource of this type MUST include this schema extension and also include any attributes declared as required in this schema extension. If false, a resource of this type MAY omit this schema extension.',
          required: true,
          mutability: 'readOnly',
        },
      ],
    },
  ],
});
