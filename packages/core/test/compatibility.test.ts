// Client payloads that break RFC 7643 in known ways, each accepted only under a named option
// (../shared/spec/idp-quirks.md §3.1 and rfc-checklist.md X-ENTRA rows). The `default` profile takes
// every one of them, because none has another meaning under the RFC; `strict` takes none.
import { describe, expect, it } from 'vitest';
import {
  COMPATIBILITY_PROFILES,
  ENTERPRISE_USER_SCHEMA_URN,
  GROUP_SCHEMA_URN,
  GroupResourceType,
  USER_SCHEMA_URN,
  UserResourceType,
  validateResource,
} from '@scim/core';

const EU = ENTERPRISE_USER_SCHEMA_URN;
const entra = { mode: 'create', compatibility: COMPATIBILITY_PROFILES.entra } as const;
const strict = { mode: 'create' } as const;

describe('booleanStrings (Entra, X-ENTRA-03)', () => {
  // Microsoft's Postman collection, request P13: POST /Users with "active": "True".
  const body = { schemas: [USER_SCHEMA_URN], userName: 'Test_User_1', active: 'True' };

  it('coerces "True" and "false" in any case to booleans', () => {
    const result = validateResource(body, UserResourceType, entra);
    expect(result.ok && result.value.active).toBe(true);
    const lower = validateResource({ ...body, active: 'FALSE' }, UserResourceType, entra);
    expect(lower.ok && lower.value.active).toBe(false);
  });

  it('still rejects other strings', () => {
    expect(validateResource({ ...body, active: 'yes' }, UserResourceType, entra).ok).toBe(false);
  });

  it('is off in strict mode', () => {
    expect(validateResource(body, UserResourceType, strict).ok).toBe(false);
  });

  it('applies to boolean sub-attributes such as emails.primary', () => {
    const result = validateResource(
      { ...body, active: true, emails: [{ value: 'a@x', primary: 'true' }] },
      UserResourceType,
      entra,
    );
    expect(result.ok && result.value.emails).toEqual([{ value: 'a@x', primary: true }]);
  });
});

describe('stringAsComplexValue (Entra manager, X-ENTRA-06)', () => {
  const body = {
    schemas: [USER_SCHEMA_URN, EU],
    userName: 'u',
    [EU]: { manager: '26118915-6090-4610-87e4-49d8ca9f808d' },
  };

  it('reads a bare string as { value }', () => {
    const result = validateResource(body, UserResourceType, {
      ...entra,
      compatibility: { stringAsComplexValue: true },
    });
    expect(result.ok && result.value[EU]).toEqual({
      manager: { value: '26118915-6090-4610-87e4-49d8ca9f808d' },
    });
  });

  it('is off in strict mode', () => {
    const result = validateResource(body, UserResourceType, strict);
    expect(result.ok ? [] : result.issues.map((issue) => issue.path)).toEqual([[EU, 'manager']]);
  });

  it('reads an empty string as no value (Entra clears a manager with "")', () => {
    const result = validateResource(
      { ...body, [EU]: { manager: '', department: 'D' } },
      UserResourceType,
      { ...entra, compatibility: { stringAsComplexValue: true } },
    );
    expect(result.ok && result.value[EU]).toEqual({ department: 'D' });
  });

  it('does not apply to complex attributes without a value sub-attribute', () => {
    expect(
      validateResource(
        { schemas: [USER_SCHEMA_URN], userName: 'u', name: 'Babs' },
        UserResourceType,
        entra,
      ).ok,
    ).toBe(false);
  });
});

describe('singleElementArrays (Entra manager as a one-element array)', () => {
  // Entra tutorial, example 5: "manager": [{ "$ref": "...", "value": "x" }] on a single-valued attribute.
  const body = {
    schemas: [USER_SCHEMA_URN, EU],
    userName: 'u',
    [EU]: { manager: [{ $ref: '../Users/x', value: 'x' }] },
  };

  it('takes the one element', () => {
    const result = validateResource(body, UserResourceType, {
      mode: 'create',
      compatibility: { singleElementArrays: true },
    });
    expect(result.ok && result.value[EU]).toEqual({ manager: { value: 'x', $ref: '../Users/x' } });
  });

  it('still rejects an array of two', () => {
    const two = { ...body, [EU]: { manager: [{ value: 'x' }, { value: 'y' }] } };
    expect(validateResource(two, UserResourceType, entra).ok).toBe(false);
  });

  it('is off in strict mode', () => {
    expect(validateResource(body, UserResourceType, strict).ok).toBe(false);
  });
});

describe('Entra create payloads (Entra tutorial E1, E9)', () => {
  it('E1: the Entra create-user body validates, ignoring meta and empty roles', () => {
    const body = {
      schemas: [USER_SCHEMA_URN, EU],
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName: 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1',
      active: true,
      emails: [
        {
          primary: true,
          type: 'work',
          value: 'Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com',
        },
      ],
      meta: { resourceType: 'User' },
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      roles: [],
    };
    const result = validateResource(body, UserResourceType, entra);
    expect(result.ok ? [] : result.issues).toEqual([]);
    expect(result.ok && result.value).not.toHaveProperty('meta');
    expect(result.ok && result.value).not.toHaveProperty('roles');
    expect(result.ok && result.value.schemas).toEqual([USER_SCHEMA_URN]);
  });

  it('E9/X-ENTRA-07: the Entra create-group body with its extra schema URN and $ref: null validates', () => {
    const body = {
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      id: 'c4d56e31-ab95-4a31-bab6-7d2c2b4b3c1a',
      displayName: 'displayName',
      meta: { resourceType: 'Group' },
      members: [{ $ref: null, value: 'f648f8d5ea4e4cd38e9c' }],
      schemas: [
        GROUP_SCHEMA_URN,
        'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group',
      ],
    };
    // `$ref: null` needs no option: null is "unassigned" everywhere (RFC 7643 §2.5).
    for (const options of [entra, strict]) {
      const result = validateResource(body, GroupResourceType, options);
      expect(result.ok ? [] : result.issues).toEqual([]);
      expect(result.ok && result.value).toEqual({
        schemas: [GROUP_SCHEMA_URN],
        externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
        displayName: 'displayName',
        members: [{ value: 'f648f8d5ea4e4cd38e9c' }],
      });
    }
  });

  it('quirk 3.1.12: Postman P5 attribute names in any case (emails[].Primary, Manager.Value)', () => {
    const body = {
      schemas: [USER_SCHEMA_URN, EU],
      UserName: 'UserName123',
      Active: true,
      emails: [{ Primary: true, type: 'work', value: 'a@x' }],
      [EU]: { Department: 'Tour Operations', Manager: { Value: '123' } },
    };
    const result = validateResource(body, UserResourceType, strict);
    expect(result.ok && result.value).toEqual({
      schemas: [USER_SCHEMA_URN, EU],
      userName: 'UserName123',
      active: true,
      emails: [{ value: 'a@x', type: 'work', primary: true }],
      [EU]: { department: 'Tour Operations', manager: { value: '123' } },
    });
  });

  it('Okta 3.2.2: a create with password and groups: [] keeps the password and ignores groups', () => {
    const body = {
      schemas: [USER_SCHEMA_URN],
      userName: 'a@okta.local',
      password: '1mz050nq',
      groups: [],
    };
    const result = validateResource(body, UserResourceType, strict);
    expect(result.ok && result.value).toEqual({
      schemas: [USER_SCHEMA_URN],
      userName: 'a@okta.local',
      password: '1mz050nq',
    });
  });
});

describe('COMPATIBILITY_PROFILES.default: every harmless quirk, so Entra ID needs no setting', () => {
  const byDefault = { mode: 'create', compatibility: COMPATIBILITY_PROFILES.default } as const;
  const base = { schemas: [USER_SCHEMA_URN, EU], userName: 'u' };

  it('X-ENTRA-03: "True" and "False" in any case are booleans, other strings stay invalidValue', () => {
    for (const [text, expected] of [
      ['True', true],
      ['False', false],
      ['tRUE', true],
      ['FALSE', false],
    ] as const) {
      const result = validateResource({ ...base, active: text }, UserResourceType, byDefault);
      expect(result).toMatchObject({ ok: true, value: { active: expected } });
    }
    for (const text of ['yes', '1', 'on', ' true', 'Truee']) {
      const result = validateResource({ ...base, active: text }, UserResourceType, byDefault);
      expect(result.ok ? [] : result.issues.map((issue) => [issue.path, issue.scimType])).toEqual([
        [['active'], 'invalidValue'],
      ]);
    }
  });

  it('X-ENTRA-06: manager as a bare id string, or as a one-element array, is { value }', () => {
    const bare = validateResource(
      { ...base, [EU]: { manager: '271' } },
      UserResourceType,
      byDefault,
    );
    expect(bare.ok && bare.value[EU]).toEqual({ manager: { value: '271' } });
    const array = validateResource(
      { ...base, [EU]: { manager: [{ value: '271', $ref: '../Users/271' }] } },
      UserResourceType,
      byDefault,
    );
    expect(array.ok && array.value[EU]).toEqual({
      manager: { value: '271', $ref: '../Users/271' },
    });
  });

  it('Entra Postman P13: the create body with "active": "True" validates', () => {
    const result = validateResource(
      { schemas: [USER_SCHEMA_URN], userName: 'Test_User_1', active: 'True', meta: {} },
      UserResourceType,
      byDefault,
    );
    expect(result.ok && result.value.active).toBe(true);
  });

  it('the strict profile still refuses each of them', () => {
    for (const body of [
      { ...base, active: 'True' },
      { ...base, [EU]: { manager: '271' } },
      { ...base, [EU]: { manager: [{ value: '271' }] } },
    ]) {
      expect(
        validateResource(body, UserResourceType, {
          mode: 'create',
          compatibility: COMPATIBILITY_PROFILES.strict,
        }).ok,
      ).toBe(false);
    }
  });
});
