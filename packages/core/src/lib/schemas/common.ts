import { defineAttributes } from './define.js';

/**
 * The common attributes every resource carries besides its schemas' own: `id`, `externalId` and
 * `meta` (RFC 7643 §3.1). They sit at the top level and resolve in the core schema's namespace.
 * @example `COMMON_ATTRIBUTES.find((attribute) => attribute.name === 'id')?.returned // 'always'`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-3.1
 */
export const COMMON_ATTRIBUTES = defineAttributes([
  {
    name: 'id',
    description: 'A unique identifier for a SCIM resource as defined by the service provider.',
    caseExact: true,
    mutability: 'readOnly',
    returned: 'always',
    uniqueness: 'server',
  },
  {
    name: 'externalId',
    description:
      'A String that is an identifier for the resource as defined by the provisioning client.',
    caseExact: true,
  },
  {
    name: 'meta',
    type: 'complex',
    description: 'A complex attribute containing resource metadata.',
    mutability: 'readOnly',
    subAttributes: [
      {
        name: 'resourceType',
        description: 'The name of the resource type of the resource.',
        caseExact: true,
        mutability: 'readOnly',
      },
      {
        name: 'created',
        type: 'dateTime',
        description: 'The "DateTime" that the resource was added to the service provider.',
        mutability: 'readOnly',
      },
      {
        name: 'lastModified',
        type: 'dateTime',
        description:
          'The most recent DateTime that the details of this resource were updated at the service provider.',
        mutability: 'readOnly',
      },
      {
        name: 'location',
        type: 'reference',
        referenceTypes: ['uri'],
        description: 'The URI of the resource being returned.',
        mutability: 'readOnly',
      },
      {
        name: 'version',
        description: 'The version of the resource being returned.',
        caseExact: true,
        mutability: 'readOnly',
      },
    ],
  },
]);
