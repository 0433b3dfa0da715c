import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { USER_SCHEMA_URN, UserResourceType, type ScimResource } from '@scim/core';
import { compileFilter, safeCompileFilter } from '@scim/filter';

// The built-in User schema declares x509Certificates.value as binary without caseExact, so the
// definition alone says "case-insensitive"; RFC 7643 §2.3.6 says otherwise for every binary.
const CERTIFICATE = 'TUlJQ2Fq';
const OTHER_CASE = 'tuLjq2FQ';

function holder(value: string): ScimResource {
  return {
    schemas: [USER_SCHEMA_URN],
    id: 'u',
    userName: 'u',
    x509Certificates: [{ value }],
  };
}

function matches(filter: string, resource: ScimResource): boolean {
  return compileFilter(filter, { resourceType: UserResourceType })(resource);
}

describe('S-TYPE-09 (RFC 7643 §2.3.6): "A binary is case exact", whatever the schema says', () => {
  const user = holder(CERTIFICATE);

  it('the User schema leaves x509Certificates.value at caseExact false, so the filter must not rely on it', () => {
    const certificates = UserResourceType.schema.attributes.find(
      (attribute) => attribute.name === 'x509Certificates',
    );
    const value = certificates?.subAttributes.find((sub) => sub.name === 'value');
    expect(value).toMatchObject({ type: 'binary', caseExact: false });
  });

  it('eq and ne: a value in another case is a different value', () => {
    expect(matches(`x509Certificates.value eq "${CERTIFICATE}"`, user)).toBe(true);
    expect(matches(`x509Certificates.value eq "${OTHER_CASE}"`, user)).toBe(false);
    expect(matches(`x509Certificates.value ne "${OTHER_CASE}"`, user)).toBe(true);
    expect(matches(`x509Certificates.value ne "${CERTIFICATE}"`, user)).toBe(false);
  });

  it('co, sw and ew match only in the same case', () => {
    expect(matches('x509Certificates.value co "Q2Fq"', user)).toBe(true);
    expect(matches('x509Certificates.value co "q2fQ"', user)).toBe(false);
    expect(matches('x509Certificates.value sw "TUlJ"', user)).toBe(true);
    expect(matches('x509Certificates.value sw "tulj"', user)).toBe(false);
    expect(matches('x509Certificates.value ew "Fq"', user)).toBe(true);
    expect(matches('x509Certificates.value ew "fQ"', user)).toBe(false);
  });

  it('in a value filter and in an or of eq terms too', () => {
    expect(matches(`x509Certificates[value eq "${OTHER_CASE}"]`, user)).toBe(false);
    expect(matches(`x509Certificates[value eq "${CERTIFICATE}"]`, user)).toBe(true);
    const chain = (last: string) =>
      ['AAAA', 'BBBB', 'CCCC', last].map((v) => `x509Certificates.value eq "${v}"`).join(' or ');
    expect(matches(chain(OTHER_CASE), user)).toBe(false);
    expect(matches(chain(CERTIFICATE), user)).toBe(true);
  });

  it('gt, ge, lt and le stay invalidFilter (S-TYPE-03)', () => {
    for (const operator of ['gt', 'ge', 'lt', 'le']) {
      const result = safeCompileFilter(`x509Certificates.value ${operator} "${CERTIFICATE}"`, {
        resourceType: UserResourceType,
      });
      expect(result.ok).toBe(false);
    }
  });

  it('property: eq matches a base64 value exactly when the literal is the same string', () => {
    fc.assert(
      fc.property(fc.base64String({ minLength: 4, maxLength: 24 }), fc.nat(), (value, seed) => {
        // Flip the case of one letter, if there is one.
        const letters = [...value].flatMap((c, i) => (/[a-z]/i.test(c) ? [i] : []));
        const at = letters.length === 0 ? -1 : (letters[seed % letters.length] as number);
        const flip = (c: string) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase());
        const other =
          at < 0 ? value : value.slice(0, at) + flip(value[at] as string) + value.slice(at + 1);
        const resource = holder(value);
        expect(matches(`x509Certificates.value eq "${other}"`, resource)).toBe(other === value);
        expect(matches(`x509Certificates.value ne "${other}"`, resource)).toBe(other !== value);
      }),
      { numRuns: 300 },
    );
  });
});
