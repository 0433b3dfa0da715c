// String values have a length limit, and identifiers refuse control characters, in every body and
// every PATCH value alike (issue 11: "String values have a configurable maximum length").
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  DEFAULT_MAX_STRING_LENGTH,
  USER_SCHEMA_URN,
  UserResourceType,
  UserSchema,
  validateAttributeValue,
  validateResource,
  type ValidationOptions,
} from '@scim/core';

const create: ValidationOptions = { mode: 'create' };

function problems(body: Record<string, unknown>, options = create): [string, string][] {
  const result = validateResource(
    { schemas: [USER_SCHEMA_URN], userName: 'bjensen', ...body },
    UserResourceType,
    options,
  );
  if (result.ok) return [];
  // A refused required value is also reported missing; one entry per path is enough here.
  const seen = new Map<string, string>();
  for (const issue of result.issues) {
    const path = issue.path.join('.');
    if (!seen.has(path)) seen.set(path, issue.scimType);
  }
  return [...seen];
}

const attribute = (name: string) => {
  const found = UserSchema.attributes.find((candidate) => candidate.name === name);
  if (found === undefined) throw new Error(name);
  return found;
};

describe('maxStringLength', () => {
  it('accepts a string of exactly the default limit and refuses one character more, with its path', () => {
    expect(DEFAULT_MAX_STRING_LENGTH).toBe(65_536);
    expect(problems({ displayName: 'x'.repeat(DEFAULT_MAX_STRING_LENGTH) })).toEqual([]);
    expect(problems({ displayName: 'x'.repeat(DEFAULT_MAX_STRING_LENGTH + 1) })).toEqual([
      ['displayName', 'invalidValue'],
    ]);
  });

  it('applies to every string value: sub-attributes, multi-valued elements, references and binary', () => {
    const long = 'a'.repeat(11);
    const options = { mode: 'create', maxStringLength: 10 } as const;
    expect(
      problems(
        {
          name: { givenName: long },
          emails: [{ value: 'a@x' }, { value: `${long}@x` }],
          profileUrl: `https://x/${long}`,
          x509Certificates: [{ value: 'QUJD'.repeat(3) }],
        },
        options,
      ),
    ).toEqual([
      ['name.givenName', 'invalidValue'],
      ['profileUrl', 'invalidValue'],
      ['emails.1.value', 'invalidValue'],
      ['x509Certificates.0.value', 'invalidValue'],
    ]);
  });

  it('keeps a certificate of several KB under the default (S-USER-10 x509Certificates are base64 DER)', () => {
    const certificate = 'MIIB'.repeat(2_000); // 8,000 characters, a large RSA certificate
    expect(problems({ x509Certificates: [{ value: certificate }] })).toEqual([]);
  });

  it('is configurable, and applies to PATCH values through validateAttributeValue', () => {
    expect(
      problems({ userName: 'bj', title: 'abcdef' }, { mode: 'create', maxStringLength: 5 }),
    ).toEqual([['title', 'invalidValue']]);
    const result = validateAttributeValue(attribute('title'), 'abcdef', { maxStringLength: 5 });
    expect(result.ok ? [] : result.issues.map((issue) => issue.message)).toEqual([
      "Attribute 'title' is 6 characters long; the limit is 5 (maxStringLength)",
    ]);
    expect(validateAttributeValue(attribute('title'), 'x'.repeat(65_537)).ok).toBe(false);
  });

  it('is not applied to a resource a service provider returns (response mode)', () => {
    const result = validateResource(
      { schemas: [USER_SCHEMA_URN], id: '1', userName: 'u', title: 'abcdef' },
      UserResourceType,
      { mode: 'response', maxStringLength: 5 },
    );
    expect(result.ok).toBe(true);
  });
});

describe('control characters in identifiers (userName, externalId)', () => {
  it('refuses U+0000 to U+001F and U+007F in userName and externalId, with invalidValue and the path', () => {
    for (const character of ['\u0000', '\u0001', '\r', '\u001b', '\u001f', '\u007f']) {
      expect(problems({ userName: `bj${character}ensen` })).toEqual([['userName', 'invalidValue']]);
      expect(problems({ externalId: `70${character}1984` })).toEqual([
        ['externalId', 'invalidValue'],
      ]);
    }
  });

  it('accepts tab and newline, and control characters in other attributes', () => {
    expect(problems({ userName: 'bj\tensen', externalId: 'a\nb' })).toEqual([]);
    expect(problems({ displayName: 'Babs\u0001', title: 'x\r\ny' })).toEqual([]);
  });

  it('applies to PATCH values (validateAttributeValue), in a replace too', () => {
    expect(validateAttributeValue(attribute('userName'), 'a\u0000b').ok).toBe(false);
    const stored = { schemas: [USER_SCHEMA_URN], id: '1', userName: 'bjensen' };
    expect(problems({ userName: 'b\u007f' }, { mode: 'replace', existing: stored })).toEqual([
      ['userName', 'invalidValue'],
    ]);
  });

  it('property: a userName is refused exactly when it holds a control character other than tab and newline', () => {
    // eslint-disable-next-line no-control-regex -- the oracle the property compares against
    const control = /[\u0000-\u0008\u000b-\u001f\u007f]/;
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 12, unit: 'binary' }), (name) => {
        const refused = problems({ userName: name }).some(([path]) => path === 'userName');
        expect(refused).toBe(control.test(name));
      }),
      { numRuns: 500 },
    );
  });
});
