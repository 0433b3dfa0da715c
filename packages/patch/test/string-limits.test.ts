// Every string a PATCH writes is held to the same limits as a POST or PUT body: a maximum length
// (limits.maxStringLength, default 65,536) and no control characters in userName or externalId.
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_STRING_LENGTH, isScimError, type ScimResource } from '@scim/core';
import { applyPatch, DEFAULT_PATCH_LIMITS, type PatchLimits } from '@scim/patch';
import { TestUserResourceType } from '../../../test/fixtures/checklist.js';
import { barbara, EU, ops } from './helpers.js';

function refusal(
  body: unknown,
  limits?: PatchLimits,
  resource: ScimResource = barbara(),
): { scimType: string | undefined; detail: string } | undefined {
  try {
    applyPatch(resource, body, {
      resourceType: TestUserResourceType,
      ...(limits === undefined ? {} : { limits }),
    });
  } catch (error) {
    if (!isScimError(error)) throw error;
    return { scimType: error.scimType, detail: error.detail ?? '' };
  }
  return undefined;
}

describe('limits.maxStringLength', () => {
  it('defaults to the core limit, 65,536 characters', () => {
    expect(DEFAULT_PATCH_LIMITS.maxStringLength).toBe(DEFAULT_MAX_STRING_LENGTH);
    const at = 'x'.repeat(DEFAULT_MAX_STRING_LENGTH);
    expect(refusal(ops({ op: 'replace', path: 'title', value: at }))).toBeUndefined();
    const refused = refusal(ops({ op: 'replace', path: 'title', value: `${at}x` }));
    expect(refused?.scimType).toBe('invalidValue');
    expect(refused?.detail).toMatch(
      /^Operations\[0\]: title: .*65537 characters long; the limit is 65536/,
    );
  });

  it('applies to every string value, with the path: sub-attributes, filters, path-less values and extension containers', () => {
    const limits = { maxStringLength: 8 };
    const long = 'abcdefghi';
    const bodies = [
      ops({ op: 'add', path: 'name.givenName', value: long }),
      ops({ op: 'add', path: 'emails', value: [{ value: long }] }),
      ops({ op: 'replace', path: 'emails[type eq "work"].display', value: long }),
      ops({ op: 'add', path: 'phoneNumbers[type eq "work"].value', value: long }),
      ops({ op: 'replace', value: { nickName: long } }),
      ops({ op: 'replace', value: { 'name.familyName': long } }),
      ops({ op: 'add', value: { [EU]: { department: long } } }),
      ops({ op: 'add', path: `${EU}:manager`, value: long }),
      ops({ op: 'remove', path: 'emails', value: [{ value: long }] }),
    ];
    for (const body of bodies) {
      const refused = refusal(body, limits);
      expect(refused?.scimType).toBe('invalidValue');
      expect(refused?.detail).toContain('the limit is 8 (maxStringLength)');
    }
    expect(
      refusal(ops({ op: 'add', path: 'nickName', value: 'abcdefgh' }), limits),
    ).toBeUndefined();
  });

  it('a limit given as undefined keeps its default (a server passes its optional settings on)', () => {
    const many = ops(
      ...Array.from({ length: 1_001 }, () => ({ op: 'add', path: 'title', value: 'x' })),
    );
    const limits = {
      maxOperations: undefined,
      maxStringLength: undefined,
    } as unknown as PatchLimits;
    expect(refusal(many, limits)?.detail).toMatch(/at most 1000 operations/);
    expect(
      refusal(ops({ op: 'add', path: 'title', value: 'x'.repeat(65_537) }), limits)?.scimType,
    ).toBe('invalidValue');
  });
});

describe('control characters in userName and externalId', () => {
  for (const [path, value] of [
    ['userName', 'bjensen\u0000'],
    ['userName', 'b\rjensen'],
    ['externalId', '7019\u001b84'],
    ['externalId', '\u007f'],
  ] as const) {
    it(`refuses ${JSON.stringify(value)} in ${path}, with a path, a path-less value or a URN-qualified key`, () => {
      for (const body of [
        ops({ op: 'replace', path, value }),
        ops({ op: 'add', value: { [path]: value } }),
        ops({
          op: 'Replace',
          value: { [`urn:ietf:params:scim:schemas:core:2.0:User:${path}`]: value },
        }),
      ]) {
        const refused = refusal(body);
        expect(refused?.scimType).toBe('invalidValue');
        expect(refused?.detail).toContain(
          `${path}: Attribute '${path}' must not contain control characters`,
        );
      }
    });
  }

  it('accepts tab and newline, and control characters elsewhere', () => {
    expect(refusal(ops({ op: 'replace', path: 'userName', value: 'b\tj' }))).toBeUndefined();
    expect(refusal(ops({ op: 'replace', path: 'externalId', value: 'a\nb' }))).toBeUndefined();
    expect(refusal(ops({ op: 'replace', path: 'displayName', value: 'a\u0001' }))).toBeUndefined();
  });
});
