// `@scim/core/zod`, one rule per test: each names the RFC rule or checklist row the schemas apply
// as validateResource applies it.
import { describe, expect, it } from 'vitest';
import {
  COMPATIBILITY_PROFILES,
  defineResourceType,
  defineSchema,
  ENTERPRISE_USER_SCHEMA_URN,
  GroupResourceType,
  ServiceProviderConfigResourceType,
  SERVICE_PROVIDER_CONFIG_SCHEMA_URN,
  USER_SCHEMA_URN,
  UserResourceType,
  validateResource,
} from '@scim/core';
import { toZod } from '@scim/core/zod';
import { TestUserResourceType, TX_URN } from '../../../test/fixtures/checklist.js';

const EU = ENTERPRISE_USER_SCHEMA_URN;
const User = toZod(UserResourceType);
const TestUser = toZod(TestUserResourceType);

const user = (extra: Record<string, unknown> = {}) => ({
  schemas: [USER_SCHEMA_URN],
  userName: 'bjensen',
  ...extra,
});

/** The issues zod reports, as `path: message` lines. */
function problems(result: {
  success: boolean;
  error?: { issues: readonly { path: readonly PropertyKey[]; message: string }[] };
}): string[] {
  expect(result.success).toBe(false);
  return (result.error?.issues ?? []).map(
    (issue) => `${issue.path.map(String).join('.')}: ${issue.message}`,
  );
}

describe('schemas (RFC 7643 §3)', () => {
  it('S-COMMON-02: a body without schemas, or without the base URN, is refused', () => {
    expect(problems(User.create.safeParse({ userName: 'x' }))).toEqual([
      `schemas: 'schemas' must be a non-empty array of URN strings including '${USER_SCHEMA_URN}'`,
    ]);
    expect(
      problems(User.create.safeParse({ schemas: [GroupResourceType.schema.id], userName: 'x' })),
    ).toEqual([`schemas: 'schemas' must include the base schema '${USER_SCHEMA_URN}'`]);
  });

  it('S-COMMON-01: schema URNs match in any case; the output holds the base URN once', () => {
    const parsed = User.create.parse({
      schemas: [USER_SCHEMA_URN.toUpperCase(), USER_SCHEMA_URN, 'urn:example:unknown'],
      userName: 'x',
    });
    expect(parsed.schemas).toEqual([USER_SCHEMA_URN]);
  });

  it('S-EXT-02: extension data whose URN is not listed gets it added', () => {
    const parsed = User.create.parse(user({ [EU]: { department: 'D' } }));
    expect(parsed.schemas).toEqual([USER_SCHEMA_URN, EU]);
  });

  it('S-EXT-02: requireExtensionSchemas refuses extension data whose URN is not listed', () => {
    const strict = toZod(UserResourceType, { requireExtensionSchemas: true });
    expect(problems(strict.create.safeParse(user({ [EU]: { department: 'D' } })))).toEqual([
      `schemas: Extension data is present but '${EU}' is not listed in schemas`,
    ]);
  });

  it('S-EXT-03: an extension that assigns nothing is left out, and so is its URN', () => {
    const parsed = User.create.parse({
      schemas: [USER_SCHEMA_URN, EU],
      userName: 'x',
      [EU]: { department: null, manager: {} },
    });
    expect(parsed).toStrictEqual({ schemas: [USER_SCHEMA_URN], userName: 'x' });
  });

  it('S-EXT-01: an extension container must be an object', () => {
    expect(problems(User.create.safeParse(user({ [EU]: 'D' })))).toEqual([
      `${EU}: Extension '${EU}' must be an object`,
    ]);
  });
});

describe('required attributes (RFC 7643 §7)', () => {
  it('S-CHAR-07: a missing required attribute is refused on create', () => {
    expect(problems(User.create.safeParse({ schemas: [USER_SCHEMA_URN] }))).toEqual([
      "userName: Attribute 'userName' is required",
    ]);
  });

  it('S-CHAR-08: a missing required attribute is refused on replace', () => {
    expect(problems(User.replace.safeParse({ schemas: [USER_SCHEMA_URN] }))).toEqual([
      "userName: Attribute 'userName' is required",
    ]);
  });

  it('S-CHAR-10: userName is non-empty', () => {
    expect(problems(User.create.safeParse(user({ userName: '' })))).toEqual([
      "userName: Attribute 'userName' is required and cannot be empty",
    ]);
  });

  it('S-COMMON-19: a required attribute given as null is missing', () => {
    expect(problems(User.create.safeParse(user({ userName: null })))).toEqual([
      "userName: Attribute 'userName' is required",
    ]);
  });

  const Device = defineResourceType({
    name: 'Device',
    endpoint: '/Devices',
    schema: defineSchema({
      id: 'urn:example:params:scim:schemas:core:2.0:Device',
      attributes: [
        {
          name: 'owner',
          type: 'complex',
          subAttributes: [{ name: 'value', required: true }, { name: 'display' }],
        },
      ],
    }),
    schemaExtensions: [
      {
        schema: defineSchema({
          id: 'urn:example:params:scim:schemas:extension:site:2.0:Device',
          attributes: [{ name: 'site', required: true }],
        }),
        required: true,
      },
    ],
  });
  const SITE = 'urn:example:params:scim:schemas:extension:site:2.0:Device';
  const device = (extra: Record<string, unknown>) => ({
    schemas: [Device.schema.id],
    [SITE]: { site: 'HQ' },
    ...extra,
  });

  it('S-CHAR-11: a required sub-attribute is enforced when its parent has a value', () => {
    const schemas = toZod(Device);
    expect(problems(schemas.create.safeParse(device({ owner: { display: 'x' } })))).toEqual([
      "owner.value: Attribute 'value' is required",
    ]);
    expect(schemas.create.safeParse(device({ owner: { value: null } })).success).toBe(true);
    expect(schemas.create.safeParse(device({})).success).toBe(true);
  });

  it('S-CHAR-12: a required extension must be there, with its required attributes', () => {
    const schemas = toZod(Device);
    expect(problems(schemas.create.safeParse({ schemas: [Device.schema.id] }))).toEqual([
      `${SITE}: Extension '${SITE}' is required for Device resources`,
    ]);
    expect(problems(schemas.create.safeParse(device({ [SITE]: { site: null } })))).toEqual([
      `${SITE}: Extension '${SITE}' is required for Device resources`,
    ]);
  });
});

describe('mutability and returned (RFC 7643 §7)', () => {
  it('S-CHAR-13, S-COMMON-05, S-COMMON-10: readOnly input in a create is ignored, whatever its type', () => {
    const parsed = User.create.parse(
      user({ id: 42, meta: { created: 'yesterday' }, groups: [{ value: 'g1' }] }),
    );
    expect(parsed).toStrictEqual(user());
  });

  it('S-CHAR-14: readOnly input in a replace is ignored', () => {
    expect(User.replace.parse(user({ id: 'client-1', meta: 'x' }))).toStrictEqual(user());
  });

  it('RFC 7644 §3.3: a readOnly sub-attribute is ignored (manager.displayName)', () => {
    const parsed = User.create.parse(user({ [EU]: { manager: { value: 'm', displayName: 7 } } }));
    expect(parsed[EU]).toStrictEqual({ manager: { value: 'm' } });
  });

  it('S-CHAR-16: an immutable value may be set by create and by replace (validateResource compares it with the stored one)', () => {
    const body = user({ [TX_URN]: { badge: 'A' } });
    expect(TestUser.create.parse(body)[TX_URN]).toEqual({ badge: 'A' });
    expect(TestUser.replace.parse(body)[TX_URN]).toEqual({ badge: 'A' });
  });

  it('S-CHAR-21: a writeOnly value is accepted on create', () => {
    expect(User.create.parse(user({ password: 't1meMa$heen' })).password).toBe('t1meMa$heen');
  });

  it('S-USER-04, S-CHAR-23: a read never holds a returned "never" value (password)', () => {
    const parsed = User.read.parse(user({ id: '1', password: 't1meMa$heen' }));
    expect(parsed).toStrictEqual(user({ id: '1' }));
  });

  it('S-COMMON-07: a read requires id and keeps readOnly attributes', () => {
    expect(problems(User.read.safeParse(user()))).toEqual(["id: Attribute 'id' is required"]);
    const read = {
      ...user({ id: '1' }),
      meta: { resourceType: 'User', created: '2026-01-01T00:00:00Z' },
      groups: [{ value: 'g1', display: 'Admins' }],
    };
    expect(User.read.parse(read)).toStrictEqual(read);
  });

  it('S-COMMON-18: a ServiceProviderConfig read may lack id', () => {
    const config = toZod(ServiceProviderConfigResourceType).read;
    const body = {
      schemas: [SERVICE_PROVIDER_CONFIG_SCHEMA_URN],
      patch: { supported: true },
      bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
      filter: { supported: true, maxResults: 100 },
      changePassword: { supported: false },
      sort: { supported: true },
      etag: { supported: true },
      authenticationSchemes: [
        { type: 'oauthbearertoken', name: 'OAuth Bearer Token', description: 'Bearer' },
      ],
    };
    const parsed = config.safeParse(body);
    expect(parsed.success).toBe(
      validateResource(body, ServiceProviderConfigResourceType, { mode: 'response' }).ok,
    );
    expect(parsed.success).toBe(true);
  });
});

describe('attribute names (RFC 7643 §2.1)', () => {
  it('S-EXT-04: names match in any case and come out in the schema case', () => {
    const parsed = User.create.parse({
      SCHEMAS: [USER_SCHEMA_URN],
      USERNAME: 'ci',
      NAME: { GIVENNAME: 'g' },
      Emails: [{ VALUE: 'a@example.com', Type: 'work' }],
      [EU.toUpperCase()]: { DEPARTMENT: 'D' },
    });
    expect(parsed).toStrictEqual({
      schemas: [USER_SCHEMA_URN, EU],
      userName: 'ci',
      name: { givenName: 'g' },
      emails: [{ value: 'a@example.com', type: 'work' }],
      [EU]: { department: 'D' },
    });
  });

  it('RFC 7643 §2.1: one attribute given twice in two cases is refused', () => {
    expect(problems(User.create.safeParse(user({ USERNAME: 'other' })))).toEqual([
      "userName: Attribute 'userName' is given twice",
    ]);
    expect(
      problems(User.create.safeParse(user({ name: { givenName: 'a', GivenName: 'b' } }))),
    ).toEqual(["name.givenName: Attribute 'givenName' is given twice"]);
  });

  it('S-EXT-12: an unknown attribute is dropped by default', () => {
    expect(
      User.create.parse(user({ foo: 'bar', name: { nick: 'x', givenName: 'g' } })),
    ).toStrictEqual(user({ name: { givenName: 'g' } }));
  });

  it("S-EXT-12: unknownAttributes 'reject' refuses an unknown attribute, at any level", () => {
    const strict = toZod(UserResourceType, { unknownAttributes: 'reject' });
    expect(problems(strict.create.safeParse(user({ foo: 'bar' })))).toEqual([
      "foo: The resource has no attribute 'foo'",
    ]);
    // Even in a complex value that assigns nothing else.
    expect(problems(strict.create.safeParse(user({ name: { nick: 'x' } })))).toEqual([
      "name.nick: 'name' has no attribute 'nick'",
    ]);
  });

  it('P-SEC: a __proto__ key neither pollutes nor survives', () => {
    const parsed = User.create.parse(
      JSON.parse(
        `{"schemas":["${USER_SCHEMA_URN}"],"userName":"x","__proto__":{"polluted":true},"name":{"__proto__":{"polluted":true}}}`,
      ),
    );
    expect(parsed).toStrictEqual({ schemas: [USER_SCHEMA_URN], userName: 'x' });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    const strict = toZod(UserResourceType, { unknownAttributes: 'reject' });
    expect(
      strict.create.safeParse(
        JSON.parse(`{"schemas":["${USER_SCHEMA_URN}"],"userName":"x","__proto__":{}}`),
      ).success,
    ).toBe(false);
  });
});

describe('data types (RFC 7643 §2.3, §2.4)', () => {
  it('S-CHAR-04: the JSON type must match the attribute type', () => {
    expect(problems(User.create.safeParse(user({ active: 'yes' })))).toEqual([
      "active: Attribute 'active' must be a boolean",
    ]);
  });

  it('S-CHAR-05: a multi-valued attribute takes an array, a single-valued one refuses it', () => {
    expect(problems(User.create.safeParse(user({ emails: { value: 'a@b.c' } })))).toEqual([
      "emails: Attribute 'emails' must be an array (it is multi-valued)",
    ]);
    expect(problems(User.create.safeParse(user({ userName: ['a'] })))).toEqual([
      "userName: Attribute 'userName' must be a string",
    ]);
  });

  it('S-CHAR-06: a complex attribute takes an object', () => {
    expect(problems(User.create.safeParse(user({ name: 'Barbara' })))).toEqual([
      "name: Attribute 'name' must be an object",
    ]);
  });

  it('S-TYPE-06: an integer has no fraction', () => {
    expect(problems(TestUser.create.safeParse(user({ [TX_URN]: { level: 1.5 } })))).toEqual([
      `${TX_URN}.level: Attribute 'level' must be an integer without fraction`,
    ]);
  });

  it('S-TYPE-07: a dateTime has both date and time', () => {
    expect(
      problems(TestUser.create.safeParse(user({ [TX_URN]: { since: '2008-01-23' } }))),
    ).toEqual([
      `${TX_URN}.since: Attribute 'since' must be an xsd:dateTime such as 2008-01-23T04:56:22Z`,
    ]);
    expect(
      TestUser.create.safeParse(user({ [TX_URN]: { since: '2008-01-23T04:56:22Z' } })).success,
    ).toBe(true);
  });

  it('S-TYPE-09: a binary value is base64, padding optional', () => {
    expect(TestUser.create.safeParse(user({ [TX_URN]: { blob: 'aGk' } })).success).toBe(true);
    expect(problems(TestUser.create.safeParse(user({ [TX_URN]: { blob: '!!!' } })))).toEqual([
      `${TX_URN}.blob: Attribute 'blob' must be base64 encoded (RFC 4648 §4)`,
    ]);
  });

  it('S-CHAR-35: a reference is a URI', () => {
    expect(problems(TestUser.create.safeParse(user({ [TX_URN]: { link: 'not a uri' } })))).toEqual([
      `${TX_URN}.link: Attribute 'link' must be a URI`,
    ]);
  });

  it('S-COMMON-19: null and [] are unassigned and leave no key', () => {
    const parsed = User.create.parse(
      user({ nickName: null, emails: [], phoneNumbers: [null], name: { givenName: null } }),
    );
    expect(parsed).toStrictEqual(user());
  });

  it('S-CHAR-38: at most one value is primary', () => {
    const emails = [
      { value: 'a@example.com', primary: true },
      { value: 'b@example.com', primary: true },
    ];
    expect(problems(User.create.safeParse(user({ emails })))).toEqual([
      "emails: At most one value of 'emails' may have primary true (RFC 7643 §2.4)",
    ]);
  });

  it('S-CHAR-40: the same value twice is written once, compared as the schema says', () => {
    const emails = [
      { value: 'a@example.com', type: 'work' },
      { VALUE: 'A@EXAMPLE.COM', type: 'WORK' },
    ];
    expect(User.create.parse(user({ emails })).emails).toEqual([emails[0]]);
    // A read reports what it is given.
    expect(User.read.parse(user({ id: '1', emails })).emails).toHaveLength(2);
  });
});

describe('canonicalValues (RFC 7643 §2.3.1)', () => {
  it('S-CHAR-34: values outside canonicalValues are accepted by default', () => {
    expect(User.create.parse(user({ emails: [{ value: 'a', type: 'custom' }] })).emails).toEqual([
      { value: 'a', type: 'custom' },
    ]);
  });

  it("S-CHAR-34: canonicalValues 'strict' refuses them, and matches caseExact false values in any case", () => {
    const strict = toZod(UserResourceType, { canonicalValues: 'strict' });
    expect(
      problems(strict.create.safeParse(user({ emails: [{ value: 'a', type: 'custom' }] }))),
    ).toEqual(["emails.0.type: Attribute 'emails.type' must be one of work, home, other"]);
    expect(strict.create.safeParse(user({ emails: [{ value: 'a', type: 'Work' }] })).success).toBe(
      true,
    );
  });

  it("S-USER-09: canonicalValues 'strict' wants an ISO 3166-1 alpha-2 addresses.country", () => {
    const strict = toZod(UserResourceType, { canonicalValues: 'strict' });
    expect(strict.create.safeParse(user({ addresses: [{ country: 'de' }] })).success).toBe(true);
    expect(problems(strict.create.safeParse(user({ addresses: [{ country: 'USA' }] })))).toEqual([
      "addresses.0.country: Attribute 'addresses.country' must be one of the ISO 3166-1 alpha-2 codes such as US or DE",
    ]);
    expect(User.create.safeParse(user({ addresses: [{ country: 'USA' }] })).success).toBe(true);
  });
});

describe('limits and secrets', () => {
  it('RFC 7644 §7: a string longer than maxStringLength is refused on writes, not on reads', () => {
    const short = toZod(UserResourceType, { maxStringLength: 8 });
    expect(problems(short.create.safeParse(user({ displayName: 'x'.repeat(9) })))).toEqual([
      "displayName: Attribute 'displayName' is too long; the limit is 8 characters (maxStringLength)",
    ]);
    expect(short.read.safeParse(user({ id: '1', displayName: 'x'.repeat(9) })).success).toBe(true);
  });

  it('userName and externalId refuse control characters other than tab and newline', () => {
    expect(problems(User.create.safeParse(user({ userName: 'a\u001bb' })))).toEqual([
      "userName: Attribute 'userName' must not contain control characters (U+0000 to U+001F and U+007F, other than tab and newline)",
    ]);
    expect(User.create.safeParse(user({ userName: 'a\tb' })).success).toBe(true);
  });

  it('RFC 7643 §7: an issue about a writeOnly value never holds the value', () => {
    const wrongType = User.create.safeParse(user({ password: 123456789 }));
    expect(JSON.stringify(wrongType.error?.issues)).not.toContain('123456789');
    const tooLong = toZod(UserResourceType, { maxStringLength: 8 }).create.safeParse(
      user({ password: 't1meMa$heen' }),
    );
    expect(tooLong.success).toBe(false);
    expect(JSON.stringify(tooLong.error?.issues)).not.toContain('t1meMa$heen');
  });
});

describe('compatibility (client quirks)', () => {
  const entra = toZod(UserResourceType, { compatibility: COMPATIBILITY_PROFILES.entra });

  it('X-ENTRA-03: "True" and "False" are booleans only with booleanStrings', () => {
    expect(entra.create.parse(user({ active: 'False' })).active).toBe(false);
    expect(User.create.safeParse(user({ active: 'False' })).success).toBe(false);
  });

  it('X-ENTRA-06: a bare string manager is { value } only with stringAsComplexValue; "" is no manager', () => {
    expect(entra.create.parse(user({ [EU]: { manager: '26118915' } }))[EU]).toEqual({
      manager: { value: '26118915' },
    });
    expect(entra.create.parse(user({ [EU]: { manager: '' } }))).toStrictEqual(user());
    expect(User.create.safeParse(user({ [EU]: { manager: '26118915' } })).success).toBe(false);
  });

  it('Entra: a one-element array for a single-valued complex attribute only with singleElementArrays', () => {
    expect(entra.create.parse(user({ [EU]: { manager: [{ value: 'm' }] } }))[EU]).toEqual({
      manager: { value: 'm' },
    });
    expect(User.create.safeParse(user({ [EU]: { manager: [{ value: 'm' }] } })).success).toBe(
      false,
    );
  });
});

describe('toZod', () => {
  it('builds each shape once, when first read', () => {
    const schemas = toZod(GroupResourceType);
    expect(schemas.create).toBe(schemas.create);
    expect(schemas.create).not.toBe(schemas.replace);
  });

  it('gives the value validateResource gives for the checklist fixture bj', () => {
    const bj = user({
      externalId: '701984',
      name: { givenName: 'Barbara', familyName: 'Jensen' },
      emails: [{ value: 'bjensen@example.com', type: 'work', primary: true }],
      password: 't1meMa$heen',
    });
    const core = validateResource(bj, UserResourceType, { mode: 'create' });
    expect(core.ok && core.value).toStrictEqual(User.create.parse(bj));
  });
});
