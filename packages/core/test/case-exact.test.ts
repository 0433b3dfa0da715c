// One decision of case-exactness for every comparison (RFC 7643 §2.3.6: "A binary is case exact";
// §2.2/§7 caseExact for strings; checklist S-TYPE-01 "eq, co, sw and ew are case-sensitive iff
// caseExact"). isCaseExact is what patch, filter and the server's sort ask.
import { describe, expect, it } from 'vitest';
import {
  attributeValueKey,
  attributeValuesEqual,
  defineSchema,
  isCaseExact,
  UserSchema,
  type AttributeDefinition,
} from '@scim/core';

const schema = defineSchema({
  id: 'urn:example:test:2.0:Case',
  attributes: [
    { name: 'blob', type: 'binary' },
    { name: 'label' },
    { name: 'code', caseExact: true },
    { name: 'link', type: 'reference', referenceTypes: ['external'] },
  ],
});
function attribute(name: string): AttributeDefinition {
  const found = schema.attributes.find((candidate) => candidate.name === name);
  if (found === undefined) throw new Error(`no attribute ${name}`);
  return found;
}
const [blob, label, code, link] = ['blob', 'label', 'code', 'link'].map(attribute) as [
  AttributeDefinition,
  AttributeDefinition,
  AttributeDefinition,
  AttributeDefinition,
];

describe('isCaseExact', () => {
  it('RFC 7643 §2.3.6 "A binary is case exact": true for binary whatever caseExact says', () => {
    expect(blob.caseExact).toBe(false);
    expect(isCaseExact(blob)).toBe(true);
    expect(isCaseExact({ type: 'binary', caseExact: false })).toBe(true);
    const certificates = UserSchema.attributes.find((a) => a.name === 'x509Certificates');
    const value = certificates?.subAttributes.find((sub) => sub.name === 'value');
    expect(value !== undefined && isCaseExact(value)).toBe(true);
  });

  it('S-TYPE-01: a string is case exact iff its definition says caseExact; a reference always is', () => {
    expect(isCaseExact(label)).toBe(false);
    expect(isCaseExact(code)).toBe(true);
    expect(isCaseExact(link)).toBe(true);
  });

  it('attributeValuesEqual and attributeValueKey decide case the same way', () => {
    expect(attributeValuesEqual(blob, 'TUlJQ2Fq', 'tuLjq2FQ')).toBe(false);
    expect(attributeValuesEqual(label, 'Work', 'WORK')).toBe(true);
    expect(attributeValuesEqual(code, 'abc', 'ABC')).toBe(false);
    expect(attributeValueKey(blob, 'QQ==')).not.toBe(attributeValueKey(blob, 'qq=='));
  });
});
