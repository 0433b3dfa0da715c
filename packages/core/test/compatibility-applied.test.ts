// Which compatibility option read a client's body, reported as data beside the value (issue 17: the
// console shows the rule that applied). Each quirk is named as in ../shared/spec/idp-quirks.md §3.1.
import { describe, expect, it } from 'vitest';
import {
  COMPATIBILITY_PROFILES,
  ENTERPRISE_USER_SCHEMA_URN,
  USER_SCHEMA_URN,
  UserResourceType,
  validateAttributeValue,
  validateResource,
} from '@scim/core';

const EU = ENTERPRISE_USER_SCHEMA_URN;
const entra = { mode: 'create', compatibility: COMPATIBILITY_PROFILES.entra } as const;
const user = { schemas: [USER_SCHEMA_URN, EU], userName: 'bjensen' };

describe('validateResource reports the compatibility options it used', () => {
  it('§3.1 item 2, boolean as string (Postman P13 "active": "True"): booleanStrings at active', () => {
    const result = validateResource({ ...user, active: 'True' }, UserResourceType, entra);
    expect(result).toMatchObject({ ok: true, value: { active: true } });
    expect(result.applied).toEqual([{ rule: 'booleanStrings', path: ['active'] }]);
  });

  it('a boolean sub-attribute names its element: booleanStrings at emails[0].primary', () => {
    const result = validateResource(
      { ...user, emails: [{ value: 'a@example.com', primary: 'true' }] },
      UserResourceType,
      entra,
    );
    expect(result.applied).toEqual([{ rule: 'booleanStrings', path: ['emails', 0, 'primary'] }]);
  });

  it('§3.1 item 6, manager as a bare id: stringAsComplexValue at the enterprise manager', () => {
    const result = validateResource({ ...user, [EU]: { manager: '271' } }, UserResourceType, entra);
    expect(result).toMatchObject({ ok: true, value: { [EU]: { manager: { value: '271' } } } });
    expect(result.applied).toEqual([{ rule: 'stringAsComplexValue', path: [EU, 'manager'] }]);
  });

  it('§3.1 item 6, manager as a one-element array (Entra tutorial example 5): singleElementArrays', () => {
    const result = validateResource(
      { ...user, [EU]: { manager: [{ value: '271' }] } },
      UserResourceType,
      entra,
    );
    expect(result.applied).toEqual([{ rule: 'singleElementArrays', path: [EU, 'manager'] }]);
  });

  it('lists every rule in order, and keeps them beside the issues of a refused body', () => {
    const result = validateResource(
      { schemas: [USER_SCHEMA_URN], active: 'False', emails: [{ value: 'a@x', primary: 'TRUE' }] },
      UserResourceType,
      entra,
    );
    expect(result.ok).toBe(false);
    expect(result.applied?.map(({ rule }) => rule)).toEqual(['booleanStrings', 'booleanStrings']);
  });

  it('an RFC body under the entra profile reports nothing: no applied field at all', () => {
    const result = validateResource(
      { ...user, active: true, [EU]: { manager: { value: '271' } } },
      UserResourceType,
      entra,
    );
    expect(result.ok).toBe(true);
    expect('applied' in result).toBe(false);
  });

  it('the strict profile applies no rule: "True" is an issue, and nothing is reported as applied', () => {
    const result = validateResource({ ...user, active: 'True' }, UserResourceType, {
      mode: 'create',
      compatibility: COMPATIBILITY_PROFILES.strict,
    });
    expect(result.ok).toBe(false);
    expect(result.applied).toBeUndefined();
  });
});

describe('validateAttributeValue reports them under the path it is given', () => {
  const active = UserResourceType.schema.attributes.find((a) => a.name === 'active');

  it('§3.1 item 2 (PATCH "value": "False"): booleanStrings at the given path', () => {
    const result = validateAttributeValue(active!, 'False', {
      path: ['active'],
      compatibility: COMPATIBILITY_PROFILES.entra,
    });
    expect(result).toEqual({
      ok: true,
      value: false,
      applied: [{ rule: 'booleanStrings', path: ['active'] }],
    });
  });

  it('a real boolean reports nothing', () => {
    expect(
      validateAttributeValue(active!, false, { compatibility: COMPATIBILITY_PROFILES.entra }),
    ).toEqual({ ok: true, value: false });
  });
});
