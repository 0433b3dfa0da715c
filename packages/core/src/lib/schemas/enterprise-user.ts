import { ENTERPRISE_USER_SCHEMA_URN } from '../constants.js';
import { defineSchema } from './define.js';

/**
 * The Enterprise User extension schema, as RFC 7643 §4.3 defines it, with the checklist's D-row corrections applied.
 * @example `EnterpriseUserSchema.attributes.map((attribute) => attribute.name)`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-4.3
 */
export const EnterpriseUserSchema = defineSchema({
  id: ENTERPRISE_USER_SCHEMA_URN,
  name: 'EnterpriseUser',
  description: 'Enterprise User',
  attributes: [
    {
      name: 'employeeNumber',
      description:
        'Numeric or alphanumeric identifier assigned to a person, typically based on order of hire or association with an organization.',
    },
    {
      name: 'costCenter',
      description: 'Identifies the name of a cost center.',
    },
    {
      name: 'organization',
      description: 'Identifies the name of an organization.',
    },
    {
      name: 'division',
      description: 'Identifies the name of a division.',
    },
    {
      name: 'department',
      description: 'Identifies the name of a department.',
    },
    {
      name: 'manager',
      type: 'complex',
      description:
        "The User's manager. A complex type that optionally allows service providers to represent organizational hierarchy by referencing the 'id' attribute of another User.",
      subAttributes: [
        {
          name: 'value',
          description: "The id of the SCIM resource representing the User's manager. REQUIRED.",
        },
        {
          name: '$ref',
          type: 'reference',
          description: "The URI of the SCIM resource representing the User's manager. REQUIRED.",
          caseExact: true,
          referenceTypes: ['User'],
        },
        {
          name: 'displayName',
          description: "The displayName of the User's manager. OPTIONAL and READ-ONLY.",
          mutability: 'readOnly',
        },
      ],
    },
  ],
});
