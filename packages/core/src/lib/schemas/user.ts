import { USER_SCHEMA_URN } from '../constants.js';
import { defineSchema } from './define.js';

/**
 * The core User schema, as RFC 7643 §4.1 defines it, with the checklist's D-row corrections applied.
 * @example `UserSchema.attributes.map((attribute) => attribute.name)`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-4.1
 */
export const UserSchema = defineSchema({
  id: USER_SCHEMA_URN,
  name: 'User',
  description: 'User Account',
  attributes: [
    {
      name: 'userName',
      description:
        "Unique identifier for the User, typically used by the user to directly authenticate to the service provider. Each User MUST include a non-empty userName value. This identifier MUST be unique across the service provider's entire set of Users. REQUIRED.",
      required: true,
      uniqueness: 'server',
    },
    {
      name: 'name',
      type: 'complex',
      description:
        "The components of the user's real name. Providers MAY return just the full name as a single string in the formatted sub-attribute, or they MAY return just the individual component attributes using the other sub-attributes, or they MAY return both. If both variants are returned, they SHOULD be describing the same name, with the formatted name indicating how the component attributes should be combined.",
      subAttributes: [
        {
          name: 'formatted',
          description:
            "The full name, including all middle names, titles, and suffixes as appropriate, formatted for display (e.g., 'Ms. Barbara J Jensen, III').",
        },
        {
          name: 'familyName',
          description:
            "The family name of the User, or last name in most Western languages (e.g., 'Jensen' given the full name 'Ms. Barbara J Jensen, III').",
        },
        {
          name: 'givenName',
          description:
            "The given name of the User, or first name in most Western languages (e.g., 'Barbara' given the full name 'Ms. Barbara J Jensen, III').",
        },
        {
          name: 'middleName',
          description:
            "The middle name(s) of the User (e.g., 'Jane' given the full name 'Ms. Barbara J Jensen, III').",
        },
        {
          name: 'honorificPrefix',
          description:
            "The honorific prefix(es) of the User, or title in most Western languages (e.g., 'Ms.' given the full name 'Ms. Barbara J Jensen, III').",
        },
        {
          name: 'honorificSuffix',
          description:
            "The honorific suffix(es) of the User, or suffix in most Western languages (e.g., 'III' given the full name 'Ms. Barbara J Jensen, III').",
        },
      ],
    },
    {
      name: 'displayName',
      description:
        'The name of the User, suitable for display to end-users. The name SHOULD be the full name of the User being described, if known.',
    },
    {
      name: 'nickName',
      description:
        "The casual way to address the user in real life, e.g., 'Bob' or 'Bobby' instead of 'Robert'. This attribute SHOULD NOT be used to represent a User's username (e.g., 'bjensen' or 'mpepperidge').",
    },
    {
      name: 'profileUrl',
      type: 'reference',
      description:
        "A fully qualified URL pointing to a page representing the User's online profile.",
      caseExact: true,
      referenceTypes: ['external'],
    },
    {
      name: 'title',
      description: 'The user\'s title, such as "Vice President."',
    },
    {
      name: 'userType',
      description:
        "Used to identify the relationship between the organization and the user. Typical values used might be 'Contractor', 'Employee', 'Intern', 'Temp', 'External', and 'Unknown', but any value may be used.",
    },
    {
      name: 'preferredLanguage',
      description:
        "Indicates the User's preferred written or spoken language. Generally used for selecting a localized user interface; e.g., 'en_US' specifies the language English and country US.",
    },
    {
      name: 'locale',
      description:
        "Used to indicate the User's default location for purposes of localizing items such as currency, date time format, or numerical representations.",
    },
    {
      name: 'timezone',
      description:
        "The User's time zone in the 'Olson' time zone database format, e.g., 'America/Los_Angeles'.",
    },
    {
      name: 'active',
      type: 'boolean',
      description: "A Boolean value indicating the User's administrative status.",
    },
    {
      name: 'password',
      description:
        "The User's cleartext password. This attribute is intended to be used as a means to specify an initial password when creating a new User or to reset an existing User's password.",
      mutability: 'writeOnly',
      returned: 'never',
    },
    {
      name: 'emails',
      type: 'complex',
      multiValued: true,
      description:
        "Email addresses for the user. The value SHOULD be canonicalized by the service provider, e.g., 'bjensen@example.com' instead of 'bjensen@EXAMPLE.COM'. Canonical type values of 'work', 'home', and 'other'.",
      subAttributes: [
        {
          name: 'value',
          description:
            "Email addresses for the user. The value SHOULD be canonicalized by the service provider, e.g., 'bjensen@example.com' instead of 'bjensen@EXAMPLE.COM'. Canonical type values of 'work', 'home', and 'other'.",
        },
        {
          name: 'display',
          description: 'A human-readable name, primarily used for display purposes. READ-ONLY.',
        },
        {
          name: 'type',
          description: "A label indicating the attribute's function, e.g., 'work' or 'home'.",
          canonicalValues: ['work', 'home', 'other'],
        },
        {
          name: 'primary',
          type: 'boolean',
          description:
            "A Boolean value indicating the 'primary' or preferred attribute value for this attribute, e.g., the preferred mailing address or primary email address. The primary attribute value 'true' MUST appear no more than once.",
        },
      ],
    },
    {
      name: 'phoneNumbers',
      type: 'complex',
      multiValued: true,
      description:
        "Phone numbers for the User. The value SHOULD be canonicalized by the service provider according to the format specified in RFC 3966, e.g., 'tel:+1-201-555-0123'. Canonical type values of 'work', 'home', 'mobile', 'fax', 'pager', and 'other'.",
      subAttributes: [
        {
          name: 'value',
          description: 'Phone number of the User.',
        },
        {
          name: 'display',
          description: 'A human-readable name, primarily used for display purposes. READ-ONLY.',
        },
        {
          name: 'type',
          description:
            "A label indicating the attribute's function, e.g., 'work', 'home', 'mobile'.",
          canonicalValues: ['work', 'home', 'mobile', 'fax', 'pager', 'other'],
        },
        {
          name: 'primary',
          type: 'boolean',
          description:
            "A Boolean value indicating the 'primary' or preferred attribute value for this attribute, e.g., the preferred phone number or primary phone number. The primary attribute value 'true' MUST appear no more than once.",
        },
      ],
    },
    {
      name: 'ims',
      type: 'complex',
      multiValued: true,
      description: 'Instant messaging addresses for the User.',
      subAttributes: [
        {
          name: 'value',
          description: 'Instant messaging address for the User.',
        },
        {
          name: 'display',
          description: 'A human-readable name, primarily used for display purposes. READ-ONLY.',
        },
        {
          name: 'type',
          description: "A label indicating the attribute's function, e.g., 'aim', 'gtalk', 'xmpp'.",
          canonicalValues: ['aim', 'gtalk', 'icq', 'xmpp', 'msn', 'skype', 'qq', 'yahoo', 'other'],
        },
        {
          name: 'primary',
          type: 'boolean',
          description:
            "A Boolean value indicating the 'primary' or preferred attribute value for this attribute, e.g., the preferred messenger or primary messenger. The primary attribute value 'true' MUST appear no more than once.",
        },
      ],
    },
    {
      name: 'photos',
      type: 'complex',
      multiValued: true,
      description: 'URLs of photos of the User.',
      subAttributes: [
        {
          name: 'value',
          type: 'reference',
          description: 'URL of a photo of the User.',
          caseExact: true,
          referenceTypes: ['external'],
        },
        {
          name: 'display',
          description: 'A human-readable name, primarily used for display purposes. READ-ONLY.',
        },
        {
          name: 'type',
          description: "A label indicating the attribute's function, i.e., 'photo' or 'thumbnail'.",
          canonicalValues: ['photo', 'thumbnail'],
        },
        {
          name: 'primary',
          type: 'boolean',
          description:
            "A Boolean value indicating the 'primary' or preferred attribute value for this attribute, e.g., the preferred photo or thumbnail. The primary attribute value 'true' MUST appear no more than once.",
        },
      ],
    },
    {
      name: 'addresses',
      type: 'complex',
      multiValued: true,
      description:
        "A physical mailing address for this User. Canonical type values of 'work', 'home', and 'other'. This attribute is a complex type with the following sub-attributes.",
      subAttributes: [
        {
          name: 'formatted',
          description:
            'The full mailing address, formatted for display or use with a mailing label. This attribute MAY contain newlines.',
        },
        {
          name: 'streetAddress',
          description:
            'The full street address component, which may include house number, street name, P.O. box, and multi-line extended street address information. This attribute MAY contain newlines.',
        },
        {
          name: 'locality',
          description: 'The city or locality component.',
        },
        {
          name: 'region',
          description: 'The state or region component.',
        },
        {
          name: 'postalCode',
          description: 'The zip code or postal code component.',
        },
        {
          name: 'country',
          description: 'The country name component.',
        },
        {
          name: 'type',
          description: "A label indicating the attribute's function, e.g., 'work' or 'home'.",
          canonicalValues: ['work', 'home', 'other'],
        },
        {
          name: 'primary',
          type: 'boolean',
          description:
            "A Boolean value indicating the 'primary' or preferred attribute value for this attribute, e.g., the preferred mailing address or primary email address.  The primary attribute value 'true' MUST appear no more than once.",
        },
      ],
    },
    {
      name: 'groups',
      type: 'complex',
      multiValued: true,
      description:
        'A list of groups to which the user belongs, either through direct membership, through nested groups, or dynamically calculated.',
      mutability: 'readOnly',
      subAttributes: [
        {
          name: 'value',
          description: "The identifier of the User's group.",
          mutability: 'readOnly',
        },
        {
          name: '$ref',
          type: 'reference',
          description: "The URI of the corresponding 'Group' resource to which the user belongs.",
          caseExact: true,
          mutability: 'readOnly',
          referenceTypes: ['User', 'Group'],
        },
        {
          name: 'display',
          description: 'A human-readable name, primarily used for display purposes. READ-ONLY.',
          mutability: 'readOnly',
        },
        {
          name: 'type',
          description: "A label indicating the attribute's function, e.g., 'direct' or 'indirect'.",
          canonicalValues: ['direct', 'indirect'],
          mutability: 'readOnly',
        },
      ],
    },
    {
      name: 'entitlements',
      type: 'complex',
      multiValued: true,
      description: 'A list of entitlements for the User that represent a thing the User has.',
      subAttributes: [
        {
          name: 'value',
          description: 'The value of an entitlement.',
        },
        {
          name: 'display',
          description: 'A human-readable name, primarily used for display purposes. READ-ONLY.',
        },
        {
          name: 'type',
          description: "A label indicating the attribute's function.",
        },
        {
          name: 'primary',
          type: 'boolean',
          description:
            "A Boolean value indicating the 'primary' or preferred attribute value for this attribute. The primary attribute value 'true' MUST appear no more than once.",
        },
      ],
    },
    {
      name: 'roles',
      type: 'complex',
      multiValued: true,
      description:
        "A list of roles for the User that collectively represent who the User is, e.g., 'Student', 'Faculty'.",
      subAttributes: [
        {
          name: 'value',
          description: 'The value of a role.',
        },
        {
          name: 'display',
          description: 'A human-readable name, primarily used for display purposes. READ-ONLY.',
        },
        {
          name: 'type',
          description: "A label indicating the attribute's function.",
        },
        {
          name: 'primary',
          type: 'boolean',
          description:
            "A Boolean value indicating the 'primary' or preferred attribute value for this attribute. The primary attribute value 'true' MUST appear no more than once.",
        },
      ],
    },
    {
      name: 'x509Certificates',
      type: 'complex',
      multiValued: true,
      description: 'A list of certificates issued to the User.',
      subAttributes: [
        {
          name: 'value',
          type: 'binary',
          description: 'The value of an X.509 certificate.',
        },
        {
          name: 'display',
          description: 'A human-readable name, primarily used for display purposes. READ-ONLY.',
        },
        {
          name: 'type',
          description: "A label indicating the attribute's function.",
        },
        {
          name: 'primary',
          type: 'boolean',
          description:
            "A Boolean value indicating the 'primary' or preferred attribute value for this attribute. The primary attribute value 'true' MUST appear no more than once.",
        },
      ],
    },
  ],
});
