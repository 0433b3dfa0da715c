// validateResource against the schemas (RFC 7643): the schemas attribute, attribute names, data
// types, required and null values, multi-valued attributes, and the core rows the server builds on.
// What each mode keeps and drops is in validate-modes.test.ts.
import { describe, expect, it } from 'vitest';
import {
  defineResourceType,
  defineSchema,
  ENTERPRISE_USER_SCHEMA_URN,
  GroupResourceType,
  USER_SCHEMA_URN,
  UserResourceType,
  UserSchema,
} from '@scim/core';
import { bj, TestUserResourceType, TX_URN } from '../../../test/fixtures/checklist.js';
import { issues, user, valid } from './fixtures/validation.js';

const EU = ENTERPRISE_USER_SCHEMA_URN;

describe('schemas (RFC 7643 §3)', () => {
  it('S-COMMON-02: a body without schemas, or without the base URN, is invalidValue', () => {
    expect(issues({ userName: 'x' })[0]).toMatchObject({
      code: 'schemas',
      scimType: 'invalidValue',
    });
    expect(
      issues({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], userName: 'x' })[0],
    ).toMatchObject({ code: 'schemas' });
    expect(
      issues({ schemas: 'urn:ietf:params:scim:schemas:core:2.0:User', userName: 'x' })[0],
    ).toMatchObject({ code: 'schemas' });
  });

  it('S-COMMON-03: output schemas hold the base and the extensions with data, once each', () => {
    const value = valid({
      schemas: [USER_SCHEMA_URN, USER_SCHEMA_URN, EU],
      userName: 'x',
      [EU]: { department: 'D' },
    });
    expect(value.schemas).toEqual([USER_SCHEMA_URN, EU]);
  });

  it('S-COMMON-01: schema URNs match case-insensitively', () => {
    expect(valid({ schemas: [USER_SCHEMA_URN.toUpperCase()], userName: 'x' }).schemas).toEqual([
      USER_SCHEMA_URN,
    ]);
  });

  it('S-EXT-02: an extension container whose URN is not listed gets it added', () => {
    expect(
      valid({ schemas: [USER_SCHEMA_URN], userName: 'x', [EU]: { department: 'D' } }).schemas,
    ).toEqual([USER_SCHEMA_URN, EU]);
  });

  it('S-EXT-02 (strict option): requireExtensionSchemas rejects the unlisted extension', () => {
    const found = issues(
      { schemas: [USER_SCHEMA_URN], userName: 'x', [EU]: { department: 'D' } },
      { mode: 'create', requireExtensionSchemas: true },
    );
    expect(found[0]).toMatchObject({ code: 'schemas', scimType: 'invalidValue' });
  });

  it('S-EXT-03: a listed extension that carries no data is dropped from schemas', () => {
    expect(
      valid({ schemas: [USER_SCHEMA_URN, EU], userName: 'x', [EU]: { department: null } }).schemas,
    ).toEqual([USER_SCHEMA_URN]);
  });

  it('X-ENTRA-07: unknown URNs in schemas are dropped, not rejected', () => {
    const group = valid(
      {
        schemas: [
          'urn:ietf:params:scim:schemas:core:2.0:Group',
          'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group',
        ],
        displayName: 'G',
      },
      { mode: 'create' },
      GroupResourceType,
    );
    expect(group.schemas).toEqual(['urn:ietf:params:scim:schemas:core:2.0:Group']);
  });

  it('S-EXT-01: extension data stays under its URN key', () => {
    const value = valid(user({ [EU]: { employeeNumber: '1' } }));
    expect(value[EU]).toEqual({ employeeNumber: '1' });
    expect(value).not.toHaveProperty('employeeNumber');
  });

  it('S-CHAR-12: a required extension must be present', () => {
    const Strict = defineResourceType({
      name: 'User',
      endpoint: '/Users',
      schema: UserSchema,
      schemaExtensions: [{ schema: UserResourceType.schemaExtensions[0].schema, required: true }],
    });
    expect(issues(user({}), { mode: 'create' }, Strict)[0]).toMatchObject({
      code: 'required',
      path: [EU],
    });
    expect(
      valid(user({ [EU]: { department: 'D' } }), { mode: 'create' }, Strict).schemas,
    ).toContain(EU);
  });
});

describe('attribute names (RFC 7643 §2.1)', () => {
  it('S-EXT-04: names are case-insensitive on input and canonical on output', () => {
    const value = valid({
      schemas: [USER_SCHEMA_URN],
      USERNAME: 'ci',
      NAME: { GIVENNAME: 'g' },
      [EU.toUpperCase()]: { DEPARTMENT: 'd' },
    });
    expect(value).toEqual({
      schemas: [USER_SCHEMA_URN, EU],
      userName: 'ci',
      name: { givenName: 'g' },
      [EU]: { department: 'd' },
    });
  });

  it('rejects one attribute given twice under names that differ in case', () => {
    expect(issues({ schemas: [USER_SCHEMA_URN], userName: 'a', USERNAME: 'b' })[0]).toMatchObject({
      code: 'duplicate_attribute',
      scimType: 'invalidSyntax',
    });
  });

  it('S-EXT-12/P-SEC-09: unknown attributes are dropped by default', () => {
    expect(valid(user({ foo: 'bar', name: { nickname: 'x', givenName: 'g' } }))).toEqual(
      user({ name: { givenName: 'g' } }),
    );
  });

  it('S-EXT-12 (strict option): unknownAttributes "reject" answers invalidSyntax', () => {
    const found = issues(user({ foo: 'bar' }), { mode: 'create', unknownAttributes: 'reject' });
    expect(found[0]).toMatchObject({
      code: 'unknown_attribute',
      path: ['foo'],
      scimType: 'invalidSyntax',
    });
  });
});

describe('data types (RFC 7643 §2.3)', () => {
  it('S-CHAR-04: a boolean attribute rejects the string "yes"', () => {
    expect(issues(user({ active: 'yes' }))[0]).toMatchObject({
      code: 'invalid_type',
      path: ['active'],
      scimType: 'invalidValue',
    });
  });

  it('S-TYPE-02: a boolean attribute rejects "true" unless booleanStrings is on', () => {
    expect(issues(user({ active: 'true' }))[0]).toMatchObject({ code: 'invalid_type' });
  });

  it('S-CHAR-05: a multi-valued attribute needs an array, a single-valued one refuses it', () => {
    expect(issues(user({ emails: { value: 'a@b.c' } }))[0]).toMatchObject({
      path: ['emails'],
      code: 'invalid_type',
    });
    expect(issues({ schemas: [USER_SCHEMA_URN], userName: ['a'] })[0]).toMatchObject({
      path: ['userName'],
      code: 'invalid_type',
    });
  });

  it('S-CHAR-06: a complex attribute needs an object', () => {
    expect(issues(user({ name: 'Barbara' }))[0]).toMatchObject({
      path: ['name'],
      code: 'invalid_type',
    });
  });

  it('S-TYPE-05: decimal takes any finite number', () => {
    expect(valid(user({ [TX_URN]: { score: 1.5 } }))[TX_URN]).toEqual({ score: 1.5 });
    expect(issues(user({ [TX_URN]: { score: '1.5' } }))[0]).toMatchObject({ code: 'invalid_type' });
  });

  it('S-TYPE-06: integer refuses a fraction', () => {
    expect(issues(user({ [TX_URN]: { level: 1.5 } }))[0]).toMatchObject({
      path: [TX_URN, 'level'],
      code: 'invalid_value',
    });
    expect(valid(user({ [TX_URN]: { level: -3 } }))[TX_URN]).toEqual({ level: -3 });
  });

  it('S-TYPE-12: 1.0 is accepted as an integer (JSON.parse cannot tell it from 1)', () => {
    expect(valid(user({ [TX_URN]: { level: JSON.parse('1.0') as number } }))[TX_URN]).toEqual({
      level: 1,
    });
  });

  it('S-TYPE-07: dateTime needs both date and time', () => {
    expect(issues(user({ [TX_URN]: { since: '2008-01-23' } }))[0]).toMatchObject({
      code: 'invalid_value',
    });
    expect(valid(user({ [TX_URN]: { since: '2008-01-23T04:56:22Z' } }))[TX_URN]).toEqual({
      since: '2008-01-23T04:56:22Z',
    });
  });

  it('S-TYPE-09: binary is base64 with optional padding', () => {
    expect(issues(user({ [TX_URN]: { blob: '!!!' } }))[0]).toMatchObject({ code: 'invalid_value' });
    expect(valid(user({ [TX_URN]: { blob: 'aGk' } }))[TX_URN]).toEqual({ blob: 'aGk' });
  });

  it('S-USER-10: an x509Certificates value that is not base64 is rejected', () => {
    expect(issues(user({ x509Certificates: [{ value: '!!' }] }))[0]).toMatchObject({
      path: ['x509Certificates', 0, 'value'],
    });
  });

  it('S-CHAR-35: a reference must be a URI', () => {
    expect(issues(user({ [TX_URN]: { link: 'not a uri' } }))[0]).toMatchObject({
      code: 'invalid_value',
    });
    expect(valid(user({ [TX_URN]: { link: '/Users/2819c223' } }))[TX_URN]).toEqual({
      link: '/Users/2819c223',
    });
  });

  it('S-TYPE-11: sub-attribute order is irrelevant', () => {
    const a = valid(user({ name: { givenName: 'B', familyName: 'J' } }));
    const b = valid(user({ name: { familyName: 'J', givenName: 'B' } }));
    expect(a).toEqual(b);
  });
});

describe('required, null and empty (RFC 7643 §2.5, §7)', () => {
  it('S-CHAR-07: a missing required attribute fails a create', () => {
    expect(issues({ schemas: [USER_SCHEMA_URN] })[0]).toMatchObject({
      code: 'required',
      path: ['userName'],
      scimType: 'invalidValue',
    });
  });

  it('S-CHAR-10: userName cannot be empty', () => {
    expect(issues({ schemas: [USER_SCHEMA_URN], userName: '' })[0]).toMatchObject({
      code: 'invalid_value',
      path: ['userName'],
    });
  });

  it('S-GROUP-01: a group without displayName fails', () => {
    expect(
      issues(
        { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'] },
        { mode: 'create' },
        GroupResourceType,
      )[0],
    ).toMatchObject({ code: 'required', path: ['displayName'] });
  });

  it('S-GROUP-05: a group may have empty or absent members', () => {
    const group = valid(
      { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'E', members: [] },
      { mode: 'create' },
      GroupResourceType,
    );
    expect(group).not.toHaveProperty('members');
  });

  it('S-COMMON-19/S-COMMON-20: null and [] are unassigned and leave no key', () => {
    const value = valid(
      user({ nickName: null, emails: [], name: { givenName: null }, addresses: [null] }),
    );
    expect(value).toEqual(user({}));
  });

  it('S-CHAR-11: a required sub-attribute is enforced when its parent has a value', () => {
    const Schema = defineSchema({
      id: 'urn:example:team',
      attributes: [
        {
          name: 'members',
          type: 'complex',
          multiValued: true,
          subAttributes: [{ name: 'value', required: true }, { name: 'display' }],
        },
      ],
    });
    const Team = defineResourceType({ name: 'Team', endpoint: '/Teams', schema: Schema });
    const found = issues(
      { schemas: ['urn:example:team'], members: [{ display: 'x' }] },
      { mode: 'create' },
      Team,
    );
    expect(found[0]).toMatchObject({ code: 'required', path: ['members', 0, 'value'] });
  });
});

describe('multi-valued attributes (RFC 7643 §2.4)', () => {
  it('S-CHAR-38: two primary values are rejected', () => {
    const found = issues(
      user({
        emails: [
          { value: 'a@x', primary: true },
          { value: 'b@x', primary: true },
        ],
      }),
    );
    expect(found[0]).toMatchObject({
      code: 'multiple_primary',
      path: ['emails'],
      scimType: 'invalidValue',
    });
  });

  it('S-CHAR-40: the same (type, value) pair is stored once', () => {
    const value = valid(
      user({
        emails: [
          { type: 'work', value: 'a@x' },
          { value: 'a@x', type: 'work' },
        ],
      }),
    );
    expect(value.emails).toEqual([{ value: 'a@x', type: 'work' }]);
  });

  it('S-CHAR-34: canonicalValues are lenient by default and enforced in strict mode', () => {
    expect(valid(user({ emails: [{ value: 'a@x', type: 'custom' }] })).emails).toEqual([
      { value: 'a@x', type: 'custom' },
    ]);
    const found = issues(user({ emails: [{ value: 'a@x', type: 'custom' }] }), {
      mode: 'create',
      canonicalValues: 'strict',
    });
    expect(found[0]).toMatchObject({ code: 'canonical_value', path: ['emails', 0, 'type'] });
    expect(
      valid(user({ emails: [{ value: 'a@x', type: 'WORK' }] }), {
        mode: 'create',
        canonicalValues: 'strict',
      }).emails,
    ).toHaveLength(1);
  });

  it('S-USER-09/D-17: addresses.country is any text by default, and an ISO 3166-1 alpha-2 code in strict mode', () => {
    const strict = { mode: 'create', canonicalValues: 'strict' } as const;
    // The RFC's own example user sends "USA".
    expect(valid(user({ addresses: [{ country: 'USA' }] })).addresses).toEqual([
      { country: 'USA' },
    ]);
    expect(issues(user({ addresses: [{ country: 'USA' }] }), strict)[0]).toMatchObject({
      code: 'canonical_value',
      path: ['addresses', 0, 'country'],
      scimType: 'invalidValue',
    });
    expect(issues(user({ addresses: [{ country: 'UK' }] }), strict)).toHaveLength(1);
    for (const country of ['US', 'de', 'GB', 'AX'])
      expect(valid(user({ addresses: [{ country }] }), strict).addresses).toHaveLength(1);
  });

  it('S-CHAR-32/S-CHAR-33/S-USER-08: values are stored exactly as sent', () => {
    const value = valid(
      user({ userName: 'BJensen', externalId: 'AbC', emails: [{ value: 'bjensen@EXAMPLE.COM' }] }),
    );
    expect(value).toMatchObject({
      userName: 'BJensen',
      externalId: 'AbC',
      emails: [{ value: 'bjensen@EXAMPLE.COM' }],
    });
  });

  it('S-USER-11: locale, timezone and preferredLanguage are not validated', () => {
    expect(
      valid(user({ locale: 'en_US', timezone: 'Mars/Olympus', preferredLanguage: 'x' })).locale,
    ).toBe('en_US');
  });
});

describe('core rows the server builds on', () => {
  it('S-COMMON-08: validation never invents an externalId', () => {
    expect(valid(user({}))).not.toHaveProperty('externalId');
  });

  it('S-EXT-11: output schemas only ever name schemas of the resource type', () => {
    const known = [
      TestUserResourceType.schema.id,
      ...TestUserResourceType.schemaExtensions.map((e) => e.schema.id),
    ];
    const value = valid({
      schemas: [USER_SCHEMA_URN, 'urn:example:unknown', EU],
      userName: 'x',
      [EU]: { department: 'D' },
      [TX_URN]: { level: 1 },
    });
    for (const urn of value.schemas) expect(known).toContain(urn);
  });

  it('S-USER-03: name may carry only formatted', () => {
    expect(valid(user({ name: { formatted: 'X Y' } })).name).toEqual({ formatted: 'X Y' });
  });

  it('S-GROUP-02: a group may have a group as a member', () => {
    const group = valid(
      {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: 'Outer',
        members: [{ value: 'g-inner', type: 'Group' }],
      },
      { mode: 'create' },
      GroupResourceType,
    );
    expect(group.members).toEqual([{ value: 'g-inner', type: 'Group' }]);
  });
});

describe('the checklist fixture bj', () => {
  it('P-CRUD-01/S-USER-04: validates for create and keeps the password for the store to hash', () => {
    const value = valid(bj);
    expect(value).toMatchObject({
      userName: 'bjensen',
      password: 't1meMa$heen',
      externalId: '701984',
    });
  });
});
