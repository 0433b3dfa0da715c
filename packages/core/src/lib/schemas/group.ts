import { GROUP_SCHEMA_URN } from '../constants.js';
import { defineSchema } from './define.js';

/**
 * The core Group schema, as RFC 7643 §4.2 defines it, with the checklist's D-row corrections applied.
 * @example `GroupSchema.attributes.map((attribute) => attribute.name)`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-4.2
 */
export const GroupSchema = defineSchema({
  id: GROUP_SCHEMA_URN,
  name: 'Group',
  description: 'Group',
  attributes: [
    {
      name: 'displayName',
      description: 'A human-readable name for the Group. REQUIRED.',
      required: true,
    },
    {
      name: 'members',
      type: 'complex',
      multiValued: true,
      description: 'A list of members of the Group.',
      subAttributes: [
        {
          name: 'value',
          description: 'Identifier of the member of this Group.',
          mutability: 'immutable',
        },
        {
          name: '$ref',
          type: 'reference',
          description: 'The URI corresponding to a SCIM resource that is a member of this Group.',
          caseExact: true,
          mutability: 'immutable',
          referenceTypes: ['User', 'Group'],
        },
        {
          name: 'display',
          description: 'A human-readable name, primarily used for display purposes.  READ-ONLY.',
          mutability: 'readOnly',
        },
        {
          name: 'type',
          description: "A label indicating the type of resource, e.g., 'User' or 'Group'.",
          canonicalValues: ['User', 'Group'],
          mutability: 'immutable',
        },
      ],
    },
  ],
});
