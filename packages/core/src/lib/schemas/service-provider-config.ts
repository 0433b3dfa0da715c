import { SERVICE_PROVIDER_CONFIG_SCHEMA_URN } from '../constants.js';
import { defineSchema } from './define.js';

// Every feature block (patch, bulk, filter, …) opens with the same flag.
const supported = {
  name: 'supported',
  type: 'boolean',
  description: 'A Boolean value specifying whether or not the operation is supported.',
  required: true,
  mutability: 'readOnly',
} as const;

/**
 * The ServiceProviderConfig schema, as RFC 7643 §5 defines it, with the checklist's D-row corrections applied.
 * @example `ServiceProviderConfigSchema.attributes.map((attribute) => attribute.name)`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-5
 */
export const ServiceProviderConfigSchema = defineSchema({
  id: SERVICE_PROVIDER_CONFIG_SCHEMA_URN,
  name: 'Service Provider Configuration',
  description: "Schema for representing the service provider's configuration",
  attributes: [
    {
      name: 'documentationUri',
      type: 'reference',
      description:
        "An HTTP-addressable URL pointing to the service provider's human-consumable help documentation.",
      mutability: 'readOnly',
      referenceTypes: ['external'],
    },
    {
      name: 'patch',
      type: 'complex',
      description: 'A complex type that specifies PATCH configuration options.',
      required: true,
      mutability: 'readOnly',
      subAttributes: [supported],
    },
    {
      name: 'bulk',
      type: 'complex',
      description: 'A complex type that specifies bulk configuration options.',
      required: true,
      mutability: 'readOnly',
      subAttributes: [
        supported,
        {
          name: 'maxOperations',
          type: 'integer',
          description: 'An integer value specifying the maximum number of operations.',
          required: true,
          mutability: 'readOnly',
        },
        {
          name: 'maxPayloadSize',
          type: 'integer',
          description: 'An integer value specifying the maximum payload size in bytes.',
          required: true,
          mutability: 'readOnly',
        },
      ],
    },
    {
      name: 'filter',
      type: 'complex',
      description: 'A complex type that specifies FILTER options.',
      required: true,
      mutability: 'readOnly',
      subAttributes: [
        supported,
        {
          name: 'maxResults',
          type: 'integer',
          description:
            'An integer value specifying the maximum number of resources returned in a response.',
          required: true,
          mutability: 'readOnly',
        },
      ],
    },
    {
      name: 'changePassword',
      type: 'complex',
      description:
        'A complex type that specifies configuration options related to changing a password.',
      required: true,
      mutability: 'readOnly',
      subAttributes: [supported],
    },
    {
      name: 'sort',
      type: 'complex',
      description: 'A complex type that specifies sort result options.',
      required: true,
      mutability: 'readOnly',
      subAttributes: [supported],
    },
    {
      name: 'etag',
      type: 'complex',
      description: 'A complex type that specifies ETag configuration options.',
      required: true,
      mutability: 'readOnly',
      subAttributes: [supported],
    },
    {
      name: 'authenticationSchemes',
      type: 'complex',
      multiValued: true,
      description: 'A complex type that specifies supported authentication scheme properties.',
      required: true,
      mutability: 'readOnly',
      subAttributes: [
        {
          name: 'type',
          description: 'The authentication scheme.',
          required: true,
          canonicalValues: ['oauth', 'oauth2', 'oauthbearertoken', 'httpbasic', 'httpdigest'],
          mutability: 'readOnly',
        },
        {
          name: 'name',
          description: 'The common authentication scheme name, e.g., HTTP Basic.',
          required: true,
          mutability: 'readOnly',
        },
        {
          name: 'description',
          description: 'A description of the authentication scheme.',
          required: true,
          mutability: 'readOnly',
        },
        {
          name: 'specUri',
          type: 'reference',
          description:
            "An HTTP-addressable URL pointing to the authentication scheme's specification.",
          mutability: 'readOnly',
          referenceTypes: ['external'],
        },
        {
          name: 'documentationUri',
          type: 'reference',
          description:
            "An HTTP-addressable URL pointing to the authentication scheme's usage documentation.",
          mutability: 'readOnly',
          referenceTypes: ['external'],
        },
        {
          name: 'primary',
          type: 'boolean',
          description:
            "A Boolean value indicating the 'primary' or preferred authentication scheme.",
          mutability: 'readOnly',
        },
      ],
    },
  ],
});
