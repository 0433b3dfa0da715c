// validateAttributeValue: one attribute's value checked and normalised on its own, as PATCH values
// are, with the same rules, names and compatibility options as a whole resource.
import { describe, expect, it } from 'vitest';
import { defineSchema, UserSchema, validateAttributeValue } from '@scim/core';

describe('validateAttributeValue', () => {
  const emails = UserSchema.attributes.find((a) => a.name === 'emails');
  const active = UserSchema.attributes.find((a) => a.name === 'active');

  it('normalises one value with canonical names and reports issues with the given path', () => {
    expect(validateAttributeValue(emails!, [{ Value: 'a@x', TYPE: 'work' }, null])).toEqual({
      ok: true,
      value: [{ value: 'a@x', type: 'work' }],
    });
    expect(validateAttributeValue(emails!, [])).toEqual({ ok: true, value: undefined });
    const result = validateAttributeValue(active!, 'maybe', { path: ['active'] });
    expect(result.ok ? undefined : result.issues[0]).toMatchObject({
      code: 'invalid_type',
      path: ['active'],
      scimType: 'invalidValue',
    });
  });

  it('partial: a value that only picks stored values out (a PATCH remove list) may lack required sub-attributes', () => {
    const schema = defineSchema({
      id: 'urn:example:test:2.0:Keys',
      attributes: [
        {
          name: 'key',
          type: 'complex',
          subAttributes: [{ name: 'value', required: true }, { name: 'type' }],
        },
      ],
    });
    const key = schema.attributes[0];
    if (key === undefined) throw new Error('no key attribute');
    expect(validateAttributeValue(key, { type: 'old' })).toMatchObject({
      ok: false,
      issues: [{ code: 'required', path: ['key', 'value'] }],
    });
    expect(validateAttributeValue(key, { TYPE: 'old' }, { partial: true })).toEqual({
      ok: true,
      value: { type: 'old' },
    });
    expect(validateAttributeValue(key, { nope: 1 }, { partial: true })).toEqual({
      ok: true,
      value: undefined,
    });
  });

  it('X-ENTRA-03: takes the compatibility options', () => {
    expect(
      validateAttributeValue(active!, 'False', { compatibility: { booleanStrings: true } }),
    ).toEqual({ ok: true, value: false, applied: [{ rule: 'booleanStrings', path: ['active'] }] });
  });
});
