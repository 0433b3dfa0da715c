import { SCHEMA_SCHEMA_URN } from '../constants.js';
import {
  checkSchemaDefinition,
  unwrapDefinition,
  type AttributeDefinitionInput,
  type SchemaDefinitionInput,
} from './define.js';

// Complex attributes may not nest (RFC 7643 §2.3.8); the Schema resource is the one exception.
function defineNestedSchema<const TInput extends SchemaDefinitionInput>(input: TInput) {
  return unwrapDefinition(checkSchemaDefinition(input, { allowNestedComplex: true }));
}

// The characteristics every attribute definition has (RFC 7643 §7); `attributes` and
// `subAttributes` both list them.
const characteristics = [
  {
    name: 'name',
    description: "The attribute's name.",
    required: true,
    caseExact: true,
    mutability: 'readOnly',
  },
  {
    name: 'type',
    description:
      "The attribute's data type. Valid values include 'string', 'complex', 'boolean', 'decimal', 'integer', 'dateTime', 'reference'.",
    required: true,
    canonicalValues: [
      'string',
      'complex',
      'boolean',
      'decimal',
      'integer',
      'dateTime',
      'reference',
      'binary',
    ],
    mutability: 'readOnly',
  },
  {
    name: 'multiValued',
    type: 'boolean',
    description: "A Boolean value indicating an attribute's plurality.",
    required: true,
    mutability: 'readOnly',
  },
  {
    name: 'description',
    description: 'A human-readable description of the attribute.',
    caseExact: true,
    mutability: 'readOnly',
  },
  {
    name: 'required',
    type: 'boolean',
    description: 'A boolean value indicating whether or not the attribute is required.',
    mutability: 'readOnly',
  },
  {
    name: 'canonicalValues',
    multiValued: true,
    description:
      "A collection of canonical values. When applicable, service providers MUST specify the canonical types, e.g., 'work', 'home'.",
    caseExact: true,
    mutability: 'readOnly',
  },
  {
    name: 'caseExact',
    type: 'boolean',
    description: 'A Boolean value indicating whether or not a string attribute is case sensitive.',
    mutability: 'readOnly',
  },
  {
    name: 'mutability',
    description: 'Indicates whether or not an attribute is modifiable.',
    canonicalValues: ['readOnly', 'readWrite', 'immutable', 'writeOnly'],
    caseExact: true,
    mutability: 'readOnly',
  },
  {
    name: 'returned',
    description: 'Indicates when an attribute is returned in a response (e.g., to a query).',
    canonicalValues: ['always', 'never', 'default', 'request'],
    caseExact: true,
    mutability: 'readOnly',
  },
  {
    name: 'uniqueness',
    description: 'Indicates how unique a value must be.',
    canonicalValues: ['none', 'server', 'global'],
    caseExact: true,
    mutability: 'readOnly',
  },
  {
    name: 'referenceTypes',
    multiValued: true,
    description:
      "Used only with an attribute of type 'reference'. Specifies a SCIM resourceType that a reference attribute MAY refer to, e.g., 'User'.",
    caseExact: true,
    mutability: 'readOnly',
  },
] as const satisfies readonly AttributeDefinitionInput[];

/**
 * The Schema schema (the schema of schemas), as RFC 7643 §7 defines it, with the checklist's D-row corrections applied.
 * @example `SchemaSchema.attributes.map((attribute) => attribute.name)`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-7
 */
export const SchemaSchema = defineNestedSchema({
  id: SCHEMA_SCHEMA_URN,
  name: 'Schema',
  description: 'Specifies the schema that describes a SCIM schema',
  attributes: [
    {
      name: 'id',
      description:
        'The unique URI of the schema. When applicable, service providers MUST specify the URI.',
      required: true,
      mutability: 'readOnly',
    },
    {
      name: 'name',
      description:
        "The schema's human-readable name. When applicable, service providers MUST specify the name, e.g., 'User'.",
      required: true,
      mutability: 'readOnly',
    },
    {
      name: 'description',
      description:
        "The schema's human-readable name. When applicable, service providers MUST specify the name, e.g., 'User'.",
      mutability: 'readOnly',
    },
    {
      name: 'attributes',
      type: 'complex',
      multiValued: true,
      description: 'A complex attribute that includes the attributes of a schema.',
      required: true,
      mutability: 'readOnly',
      subAttributes: [
        ...characteristics,
        {
          name: 'subAttributes',
          type: 'complex',
          multiValued: true,
          description: 'Used to define the sub-attributes of a complex attribute.',
          mutability: 'readOnly',
          subAttributes: [
            ...characteristics,
            {
              // Not in RFC 7643 §8.7.2: one more level, so that the Schema resource can describe
              // itself (its `subAttributes` attribute has sub-attributes of its own).
              name: 'subAttributes',
              type: 'complex',
              multiValued: true,
              description: 'Used to define the sub-attributes of a complex attribute.',
              mutability: 'readOnly',
              subAttributes: characteristics,
            },
          ],
        },
      ],
    },
  ],
});
