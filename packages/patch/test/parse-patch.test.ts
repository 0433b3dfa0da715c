// parsePatch reads a PatchOp request before any resource is at hand, so a server can refuse a bad
// request before its first store call (issue 11); applyPatch then takes the parsed request.
import { describe, expect, it } from 'vitest';
import { PATCH_OP_URN, UserResourceType, isScimError } from '@scim/core';
import { applyPatch, parsePatch } from '@scim/patch';

const options = { resourceType: UserResourceType };
const user = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  id: '1',
  userName: 'bjensen',
};

function refusal(body: unknown): { scimType: string | undefined; detail: string | undefined } {
  try {
    parsePatch(body, options);
  } catch (error) {
    if (isScimError(error)) return { scimType: error.scimType, detail: error.detail };
    throw error;
  }
  throw new Error('parsePatch accepted the request');
}

describe('parsePatch (RFC 7644 §3.5.2)', () => {
  it('P-PATCH-01: a body without the PatchOp schema is invalidSyntax', () => {
    expect(refusal({ Operations: [{ op: 'remove', path: 'title' }] }).scimType).toBe(
      'invalidSyntax',
    );
  });

  it('P-PATCH-03: an unknown op is invalidSyntax, naming the operation', () => {
    expect(
      refusal({ schemas: [PATCH_OP_URN], Operations: [{ op: 'move', path: 'title' }] }),
    ).toEqual({
      scimType: 'invalidSyntax',
      detail: expect.stringContaining('Operations[0]') as string,
    });
  });

  it('a path that does not parse, or names no attribute, is invalidPath before the resource is read', () => {
    for (const path of ['emails[type eq', 'name.givenName.first', 'nosuch.attribute'])
      expect(
        refusal({
          schemas: [PATCH_OP_URN],
          Operations: [
            { op: 'replace', path: 'title', value: 'x' },
            { op: 'replace', path, value: 'x' },
          ],
        }),
      ).toEqual({
        scimType: 'invalidPath',
        detail: expect.stringContaining('Operations[1]') as string,
      });
  });

  it('a parsed request applies like the request itself, as often as needed (a retry after a conflict)', () => {
    const body = {
      schemas: [PATCH_OP_URN],
      Operations: [
        { op: 'replace', path: 'title', value: 'Tour Guide' },
        { op: 'add', path: 'emails', value: [{ value: 'b@example.com', type: 'work' }] },
      ],
    };
    const parsed = parsePatch(body, options);
    const direct = applyPatch(user, body, options);
    expect(applyPatch(user, parsed, options)).toEqual(direct);
    expect(applyPatch({ ...user, userName: 'other' }, parsed, options).resource.title).toBe(
      'Tour Guide',
    );
    expect(parsePatch(parsed, options)).toBe(parsed);
  });

  it('what depends on the stored values is left to applyPatch: a filter that matches nothing is noTarget then', () => {
    const parsed = parsePatch(
      {
        schemas: [PATCH_OP_URN],
        Operations: [{ op: 'replace', path: 'emails[type eq "pager"].value', value: 'x' }],
      },
      { ...options, compatibility: { createFromFilter: 'never' } },
    );
    expect(() =>
      applyPatch(user, parsed, { ...options, compatibility: { createFromFilter: 'never' } }),
    ).toThrow(expect.objectContaining({ scimType: 'noTarget' }) as Error);
  });
});
