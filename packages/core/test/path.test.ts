import { describe, expect, it } from 'vitest';
import {
  defineResourceType,
  defineSchema,
  parseAttributePath,
  resolveAttributePath,
  UserResourceType,
  UserSchema,
  type ScimResourceType,
} from '@scim/core';
import { TestUserResourceType, TX_URN } from '../../../test/fixtures/checklist.js';

const EU = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

function resolved(text: string, type: ScimResourceType = TestUserResourceType) {
  const result = resolveAttributePath(type, text);
  if (!result.ok) throw new Error(result.issues[0]?.message);
  return result.value;
}

describe('resolveAttributePath (RFC 7644 §3.10)', () => {
  it('S-EXT-04: names resolve case-insensitively to canonical case', () => {
    expect(resolved('USERNAME').path).toBe('userName');
    expect(resolved('name.GIVENNAME').path).toBe('name.givenName');
  });

  it('S-EXT-05: every part of a qualified name is case-insensitive', () => {
    const value = resolved('URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:USERNAME');
    expect(value).toMatchObject({
      schema: 'urn:ietf:params:scim:schemas:core:2.0:User',
      path: 'userName',
      isExtension: false,
    });
  });

  it('S-EXT-06: a URN-qualified core name resolves like the plain one', () => {
    expect(resolved('urn:ietf:params:scim:schemas:core:2.0:User:userName').attribute).toBe(
      resolved('userName').attribute,
    );
  });

  it('S-EXT-07: extension attributes and sub-attributes resolve by URN prefix', () => {
    const value = resolved(`${EU}:manager.value`);
    expect(value).toMatchObject({ schema: EU, isExtension: true, path: `${EU}:manager.value` });
    expect(value.subAttribute?.name).toBe('value');
  });

  it('S-EXT-08: an unqualified name resolves to core first, then to the one extension that has it', () => {
    expect(resolved('employeeNumber').path).toBe(`${EU}:employeeNumber`);
    expect(resolved('badge').path).toBe(`${TX_URN}:badge`);
  });

  it('S-EXT-08: a name two extensions define is ambiguous', () => {
    const Other = defineSchema({ id: 'urn:example:other', attributes: [{ name: 'department' }] });
    const Type = defineResourceType({
      name: 'User',
      endpoint: '/Users',
      schema: UserSchema,
      schemaExtensions: [UserResourceType.schemaExtensions[0], { schema: Other, required: false }],
    });
    const result = resolveAttributePath(Type, 'department');
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.issues[0]?.code).toBe('ambiguous_attribute');
    expect(resolved('urn:example:other:department', Type).schema).toBe('urn:example:other');
  });

  it('S-EXT-09: the URN ends at the last colon before the attribute, not at a dot in 2.0', () => {
    const value = resolved('urn:ietf:params:scim:schemas:core:2.0:User:name.givenName');
    expect(value).toMatchObject({
      schema: 'urn:ietf:params:scim:schemas:core:2.0:User',
      path: 'name.givenName',
    });
  });

  it('a bare extension URN names the whole extension', () => {
    expect(resolved(EU)).toMatchObject({ schema: EU, attribute: undefined, path: EU });
  });

  it('common attributes resolve in the core namespace', () => {
    expect(resolved('meta.lastModified').subAttribute?.type).toBe('dateTime');
    expect(resolved('ID').path).toBe('id');
  });

  it('D-04: $ref is a valid sub-attribute name', () => {
    expect(resolved('groups.$ref').path).toBe('groups.$ref');
  });

  it('reports unknown names and schemas as unknown_attribute, malformed text as invalid_path', () => {
    const codes = ['nope', 'name.nope', 'urn:example:nope:x', 'userName.x'].map((text) => {
      const result = resolveAttributePath(TestUserResourceType, text);
      return result.ok ? 'ok' : result.issues[0]?.code;
    });
    expect(codes).toEqual([
      'unknown_attribute',
      'unknown_attribute',
      'unknown_attribute',
      'unknown_attribute',
    ]);
    for (const text of ['', 'a.b.c', '1abc', 'name..x', 'emails[type eq "work"]']) {
      const result = resolveAttributePath(TestUserResourceType, text);
      expect(result.ok ? 'ok' : result.issues[0]?.code).toBe('invalid_path');
    }
  });
});

describe('parseAttributePath', () => {
  it('splits an unknown URN at the last colon', () => {
    expect(parseAttributePath('urn:example:x:2.0:Thing:attr.sub')).toEqual({
      ok: true,
      value: { urn: 'urn:example:x:2.0:Thing', names: ['attr', 'sub'] },
    });
  });
});
