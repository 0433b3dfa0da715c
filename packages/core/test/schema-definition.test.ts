import { describe, expect, it } from 'vitest';
import {
  checkSchemaDefinition,
  defineResourceType,
  defineSchema,
  EnterpriseUserSchema,
  GroupSchema,
  ResourceTypeSchema,
  SchemaDefinitionError,
  SchemaResourceType,
  ServiceProviderConfigSchema,
  SchemaSchema,
  toResourceTypeResource,
  toSchemaResource,
  UserResourceType,
  UserSchema,
  validateResource,
  type AttributeDefinition,
  type ScimSchema,
} from '@scim/core';

function attribute(schema: ScimSchema, path: string): AttributeDefinition {
  const [name, sub] = path.split('.');
  const top = schema.attributes.find((a) => a.name === name);
  const found = sub === undefined ? top : top?.subAttributes.find((a) => a.name === sub);
  if (found === undefined) throw new Error(`no attribute ${path} in ${schema.id}`);
  return found;
}

describe('defineSchema', () => {
  it('S-CHAR-01: fills in the RFC 7643 §2.2 defaults', () => {
    const schema = defineSchema({ id: 'urn:example:foo', attributes: [{ name: 'foo' }] });
    expect(schema.attributes[0]).toEqual({
      name: 'foo',
      type: 'string',
      multiValued: false,
      description: '',
      required: false,
      canonicalValues: [],
      caseExact: false,
      mutability: 'readWrite',
      returned: 'default',
      uniqueness: 'none',
      referenceTypes: [],
      subAttributes: [],
    });
    expect(schema.name).toBe('foo');
  });

  it.each(['1abc', 'a b', '', '$ref', 'a.b', '__proto__'])(
    'S-CHAR-02: rejects the attribute name %j',
    (name) => {
      expect(() => defineSchema({ id: 'urn:example:foo', attributes: [{ name }] })).toThrow(
        SchemaDefinitionError,
      );
    },
  );

  it('S-CHAR-02: accepts $ and - and _ after the first letter, and $ref as a sub-attribute', () => {
    const schema = defineSchema({
      id: 'urn:example:foo',
      attributes: [
        { name: 'a$b-c_d9' },
        {
          name: 'link',
          type: 'complex',
          subAttributes: [{ name: '$ref', type: 'reference' }, { name: 'value' }],
        },
      ],
    });
    expect(schema.attributes.map((a) => a.name)).toEqual(['a$b-c_d9', 'link']);
  });

  it('S-CHAR-03: rejects a complex sub-attribute of a complex attribute', () => {
    const result = checkSchemaDefinition({
      id: 'urn:example:foo',
      attributes: [
        {
          name: 'outer',
          type: 'complex',
          subAttributes: [{ name: 'inner', type: 'complex', subAttributes: [{ name: 'x' }] }],
        },
      ],
    });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues[0]?.message).toContain('complex sub-attributes');
  });

  it('S-EXT-13: rejects schema ids under the reserved urn:ietf:params:scim:api: prefix, and non-URNs', () => {
    expect(() =>
      defineSchema({ id: 'urn:ietf:params:scim:api:messages:2.0:Mine', attributes: [] }),
    ).toThrow(/reserved/);
    expect(() => defineSchema({ id: 'not-a-urn', attributes: [] })).toThrow(/URN/);
  });

  it('rejects names that differ only in case, unknown characteristic values and misplaced subAttributes', () => {
    const issues = (input: unknown) => {
      const result = checkSchemaDefinition(input as never);
      return result.ok ? [] : result.issues.map((issue) => issue.message);
    };
    expect(issues({ id: 'urn:x:y', attributes: [{ name: 'a' }, { name: 'A' }] })).toHaveLength(1);
    expect(issues({ id: 'urn:x:y', attributes: [{ name: 'a', type: 'text' }] })[0]).toContain(
      'type',
    );
    expect(
      issues({ id: 'urn:x:y', attributes: [{ name: 'a', mutability: 'sometimes' }] })[0],
    ).toContain('mutability');
    expect(
      issues({ id: 'urn:x:y', attributes: [{ name: 'a', subAttributes: [{ name: 'b' }] }] })[0],
    ).toContain('only complex');
    expect(issues({ id: 'urn:x:y', attributes: [{ name: 'a', type: 'complex' }] })[0]).toContain(
      'needs subAttributes',
    );
    expect(
      issues({ id: 'urn:x:y', attributes: [{ name: 'a', referenceTypes: ['User'] }] })[0],
    ).toContain('referenceTypes');
    expect(issues({ id: 'urn:x:y', attributes: 'nope' })[0]).toContain('array');
  });

  it('the thrown error lists every issue as data', () => {
    try {
      defineSchema({ id: 'urn:x:y', attributes: [{ name: '1a' }, { name: 'b c' }] });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(SchemaDefinitionError);
      expect((error as SchemaDefinitionError).issues.map((issue) => issue.path)).toEqual([
        ['attributes', 0],
        ['attributes', 1],
      ]);
    }
  });
});

describe('defineResourceType', () => {
  const Extension = defineSchema({
    id: 'urn:example:ext',
    attributes: [{ name: 'userName' }, { name: 'extra' }],
  });

  it('S-EXT-10: warns when an extension redefines a core attribute', () => {
    const resourceType = defineResourceType({
      name: 'User',
      endpoint: '/Users',
      schema: UserSchema,
      schemaExtensions: [{ schema: Extension, required: false }],
    });
    expect(resourceType.warnings).toHaveLength(1);
    expect(resourceType.warnings[0]?.message).toContain("'userName'");
  });

  it('rejects an endpoint without a leading slash and an extension attached twice', () => {
    expect(() => defineResourceType({ name: 'X', endpoint: 'X', schema: UserSchema })).toThrow(
      SchemaDefinitionError,
    );
    expect(() =>
      defineResourceType({
        name: 'X',
        endpoint: '/X',
        schema: UserSchema,
        schemaExtensions: [
          { schema: Extension, required: false },
          { schema: Extension, required: true },
        ],
      }),
    ).toThrow(/twice/);
  });

  it('P-DISC-09: renders the RFC 7643 §6 ResourceType representation', () => {
    expect(
      toResourceTypeResource(UserResourceType, {
        location: 'https://example.com/v2/ResourceTypes/User',
      }),
    ).toEqual({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:ResourceType'],
      id: 'User',
      name: 'User',
      description: 'User Account',
      endpoint: '/Users',
      schema: 'urn:ietf:params:scim:schemas:core:2.0:User',
      schemaExtensions: [
        { schema: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', required: false },
      ],
      meta: { resourceType: 'ResourceType', location: 'https://example.com/v2/ResourceTypes/User' },
    });
  });
});

describe('built-in schemas (RFC 7643 §4, §5, §6, §7, §8.7)', () => {
  it('S-USER-01: the User schema has every attribute of RFC 7643 §4.1', () => {
    expect(UserSchema.attributes.map((a) => a.name)).toEqual([
      'userName',
      'name',
      'displayName',
      'nickName',
      'profileUrl',
      'title',
      'userType',
      'preferredLanguage',
      'locale',
      'timezone',
      'active',
      'password',
      'emails',
      'phoneNumbers',
      'ims',
      'photos',
      'addresses',
      'groups',
      'entitlements',
      'roles',
      'x509Certificates',
    ]);
    expect(attribute(UserSchema, 'userName')).toMatchObject({
      required: true,
      uniqueness: 'server',
      caseExact: false,
    });
    expect(attribute(UserSchema, 'password')).toMatchObject({
      mutability: 'writeOnly',
      returned: 'never',
    });
    expect(attribute(UserSchema, 'groups')).toMatchObject({
      mutability: 'readOnly',
      multiValued: true,
    });
    expect(attribute(UserSchema, 'emails.type').canonicalValues).toEqual(['work', 'home', 'other']);
    expect(attribute(UserSchema, 'phoneNumbers.type').canonicalValues).toEqual([
      'work',
      'home',
      'mobile',
      'fax',
      'pager',
      'other',
    ]);
  });

  it('D-02/P-DISC-14: x509Certificates.value is binary, and the Schema schema lists binary as a type', () => {
    expect(attribute(UserSchema, 'x509Certificates.value').type).toBe('binary');
    expect(attribute(SchemaSchema, 'attributes.type').canonicalValues).toContain('binary');
  });

  it('D-15: reference attributes are caseExact', () => {
    expect(attribute(UserSchema, 'profileUrl').caseExact).toBe(true);
    expect(attribute(UserSchema, 'photos.value').caseExact).toBe(true);
    expect(attribute(GroupSchema, 'members.$ref').caseExact).toBe(true);
  });

  it('D-18: ims.type includes other, addresses has primary', () => {
    expect(attribute(UserSchema, 'ims.type').canonicalValues).toContain('other');
    expect(attribute(UserSchema, 'addresses.primary').type).toBe('boolean');
  });

  it('S-GROUP-01/D-01: Group displayName is required', () => {
    expect(attribute(GroupSchema, 'displayName').required).toBe(true);
  });

  it('S-CHAR-20/D-16/D-18: members sub-attributes are immutable, and members.display exists and is readOnly', () => {
    for (const sub of ['value', '$ref', 'type'])
      expect(attribute(GroupSchema, `members.${sub}`).mutability).toBe('immutable');
    expect(attribute(GroupSchema, 'members.display').mutability).toBe('readOnly');
  });

  it('S-ENT-01/S-ENT-02: the Enterprise User extension, with a readOnly manager.displayName', () => {
    expect(EnterpriseUserSchema.attributes.map((a) => a.name)).toEqual([
      'employeeNumber',
      'costCenter',
      'organization',
      'division',
      'department',
      'manager',
    ]);
    expect(attribute(EnterpriseUserSchema, 'manager.displayName').mutability).toBe('readOnly');
  });

  it('D-03/P-DISC-02: ServiceProviderConfig has etag and authenticationSchemes.type', () => {
    expect(ServiceProviderConfigSchema.attributes.map((a) => a.name)).toEqual([
      'documentationUri',
      'patch',
      'bulk',
      'filter',
      'changePassword',
      'sort',
      'etag',
      'authenticationSchemes',
    ]);
    expect(attribute(ServiceProviderConfigSchema, 'authenticationSchemes.type')).toMatchObject({
      required: true,
      canonicalValues: ['oauth', 'oauth2', 'oauthbearertoken', 'httpbasic', 'httpdigest'],
    });
  });

  it('D-19: ResourceType.schemaExtensions is multi-valued', () => {
    expect(attribute(ResourceTypeSchema, 'schemaExtensions').multiValued).toBe(true);
  });

  it('P-DISC-13: every built-in schema renders as a Schema resource that validates against the Schema schema', () => {
    for (const schema of [
      UserSchema,
      GroupSchema,
      EnterpriseUserSchema,
      ServiceProviderConfigSchema,
      ResourceTypeSchema,
    ]) {
      const resource = toSchemaResource(schema, {
        location: `https://example.com/v2/Schemas/${schema.id}`,
      });
      const result = validateResource(resource, SchemaResourceType, {
        mode: 'response',
        unknownAttributes: 'reject',
      });
      expect(result.ok ? [] : result.issues).toEqual([]);
      expect(resource).toMatchObject({ id: schema.id, meta: { resourceType: 'Schema' } });
    }
  });

  it('S-COMMON-20: rendered schemas carry no empty lists', () => {
    const text = JSON.stringify(toSchemaResource(UserSchema));
    expect(text).not.toContain('[]');
    expect(text).not.toContain('null');
  });
});
