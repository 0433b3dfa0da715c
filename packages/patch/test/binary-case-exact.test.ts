// RFC 7643 §2.3.6: "A binary is case exact". Base64 `TUlJQ2Fq` and `tuLjq2FQ` are different bytes,
// so two certificates that differ in case only are two values, whatever the schema's caseExact
// says (x509Certificates.value is binary with caseExact false in RFC 7643 §8.7.1).
import { describe, expect, it } from 'vitest';
import type { ScimResource } from '@scim/core';
import { applyPatch } from '@scim/patch';
import { TestUserResourceType } from '../../../test/fixtures/checklist.js';
import { barbara, ops } from './helpers.js';

const STORED = { value: 'TUlJQ2Fq' };

function withCertificate(): ScimResource {
  return { ...barbara(), x509Certificates: [STORED] };
}

function patch(...operations: unknown[]) {
  return applyPatch(withCertificate(), ops(...operations), { resourceType: TestUserResourceType });
}

describe('RFC 7643 §2.3.6 "A binary is case exact": PATCH tells certificates apart by exact value', () => {
  it('add of a certificate that differs in case only keeps the stored one (the review example)', () => {
    const { resource } = patch({
      op: 'add',
      path: 'x509Certificates',
      value: [{ value: 'tuLjq2FQ' }],
    });
    expect(resource.x509Certificates).toEqual([STORED, { value: 'tuLjq2FQ' }]);
  });

  it('a path-less add does the same', () => {
    const { resource } = patch({
      op: 'add',
      value: { x509Certificates: [{ value: 'tulJQ2Fq' }] },
    });
    expect(resource.x509Certificates).toEqual([STORED, { value: 'tulJQ2Fq' }]);
  });

  it('an add of the same certificate merges into it instead of duplicating it', () => {
    const { resource } = patch({
      op: 'add',
      path: 'x509Certificates',
      value: [{ value: 'TUlJQ2Fq', primary: true }],
    });
    expect(resource.x509Certificates).toEqual([{ value: 'TUlJQ2Fq', primary: true }]);
  });

  it('remove with a value list removes the exact certificate only', () => {
    const remove = (value: string) =>
      patch({ op: 'remove', path: 'x509Certificates', value: [{ value }] });
    expect(remove('tuljq2fq').changed).toBe(false);
    expect(remove('TUlJQ2Fq').resource).not.toHaveProperty('x509Certificates');
  });
});
