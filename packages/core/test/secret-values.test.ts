// Issues reach error bodies and logs, so a secret never appears in one: for an attribute that is
// writeOnly or returned "never" (password, RFC 7643 §4.1.1: "the cleartext value ... MUST NOT be
// returned"; §7 writeOnly), an issue names the value's type only.
import { describe, expect, it } from 'vitest';
import {
  defineResourceType,
  defineSchema,
  USER_SCHEMA_URN,
  UserResourceType,
  validateAttributeValue,
  validateResource,
  type ScimIssue,
} from '@scim/core';

function issuesOf(result: { ok: boolean; issues?: readonly ScimIssue[] }): readonly ScimIssue[] {
  return result.ok ? [] : (result.issues ?? []);
}

describe('RFC 7643 §4.1.1, §7: a secret value is never echoed in an issue', () => {
  it('password: 123456789 is "must be a string, got a number", without the number', () => {
    const result = validateResource(
      { schemas: [USER_SCHEMA_URN], userName: 'u', password: 123456789 },
      UserResourceType,
      { mode: 'create' },
    );
    const issues = issuesOf(result);
    expect(issues).toMatchObject([
      { path: ['password'], message: "Attribute 'password' must be a string, got a number" },
    ]);
    expect(JSON.stringify(issues)).not.toContain('123456789');
  });

  it('the same through validateAttributeValue (a PATCH value), and for a too-long secret its length stays unsaid', () => {
    const password = UserResourceType.schema.attributes.find((a) => a.name === 'password');
    if (password === undefined) throw new Error('no password attribute');
    const number = validateAttributeValue(password, 123456789);
    expect(JSON.stringify(issuesOf(number))).not.toContain('123456789');
    const long = validateAttributeValue(password, 'x'.repeat(20), { maxStringLength: 8 });
    expect(issuesOf(long)).toMatchObject([
      { message: "Attribute 'password' is too long; the limit is 8 (maxStringLength)" },
    ]);
  });

  it('any writeOnly or returned "never" attribute, and the sub-attributes of a secret complex one', () => {
    const schema = defineSchema({
      id: 'urn:example:test:2.0:Secrets',
      attributes: [
        { name: 'pin', type: 'integer', mutability: 'writeOnly', returned: 'never' },
        { name: 'answer', returned: 'never', canonicalValues: ['yes', 'no'] },
        {
          name: 'key',
          type: 'complex',
          mutability: 'writeOnly',
          subAttributes: [{ name: 'created', type: 'dateTime' }],
        },
        { name: 'visible', type: 'integer' },
      ],
    });
    const type = defineResourceType({ name: 'Secret', endpoint: '/Secrets', schema });
    const result = validateResource(
      {
        schemas: [schema.id],
        pin: 1.5,
        answer: 'maybe-4711',
        key: { created: 'not-a-date-4711' },
        visible: 'shown-4711',
      },
      type,
      { mode: 'create', canonicalValues: 'strict' },
    );
    const messages = issuesOf(result).map((issue) => issue.message);
    expect(messages).toEqual([
      "Attribute 'pin' must be an integer without fraction, got a number",
      "Attribute 'answer' must be one of yes, no, got a string",
      "Attribute 'created' must be an xsd:dateTime such as 2008-01-23T04:56:22Z, got a string",
      `Attribute 'visible' must be an integer, got "shown-4711"`,
    ]);
  });
});
