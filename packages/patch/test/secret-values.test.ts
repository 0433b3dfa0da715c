// A refused PATCH value lands in the error's detail, which the client and the request log see: for
// a secret (writeOnly or returned "never", such as password, RFC 7643 §4.1.1 and §7) the detail names
// the value's type only, never the value.
import { describe, expect, it } from 'vitest';
import { isScimError } from '@scim/core';
import { applyPatch } from '@scim/patch';
import { TestUserResourceType } from '../../../test/fixtures/checklist.js';
import { barbara, ops } from './helpers.js';

function detailOf(...operations: unknown[]): string {
  try {
    applyPatch(barbara(), ops(...operations), { resourceType: TestUserResourceType });
  } catch (error) {
    if (isScimError(error)) return `${error.scimType ?? ''} ${error.detail ?? ''}`;
    throw error;
  }
  throw new Error('the PATCH was accepted');
}

describe('RFC 7643 §4.1.1, §7: a password a PATCH refuses is not echoed in the error', () => {
  it('replace path password with 123456789 says "got a number"', () => {
    const detail = detailOf({ op: 'replace', path: 'password', value: 123456789 });
    expect(detail).toBe(
      "invalidValue Operations[0]: password: Attribute 'password' must be a string, got a number",
    );
  });

  it('the same in a path-less value, with an operation before it', () => {
    const detail = detailOf(
      { op: 'replace', path: 'title', value: 'T' },
      { op: 'replace', value: { password: 123456789 } },
    );
    expect(detail).toContain('got a number');
    expect(detail).not.toContain('123456789');
  });

  it('a value of another attribute is still shown, to help the client', () => {
    expect(detailOf({ op: 'replace', path: 'title', value: 123456789 })).toContain(
      'got number 123456789',
    );
  });
});
