// The known failures of the npm filter libraries, each pinned as a regression test of ours.
// Observed with scim2-parse-filter 0.2.10, scim-query-filter-parser 2.0.4 and scimmy 1.3.5.
import { describe, expect, it } from 'vitest';
import { UserResourceType } from '@scim/core';
import { compileFilter, safeParseFilter } from '@scim/filter';

const user = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  id: '1',
  userName: 'bjensen',
  title: 't',
  active: true,
  emails: [
    { type: 'work', value: 'a@other.com' },
    { type: 'home', value: 'b@example.com' },
  ],
};

const matches = (filter: string) => compileFilter(filter, { resourceType: UserResourceType })(user);

describe('scim2-parse-filter', () => {
  it('P-FILTER-18: a value filter does not match across two elements (it answers true)', () => {
    expect(matches('emails[type eq "work" and value co "example.com"]')).toBe(false);
  });

  it('P-FILTER-08/P-FILTER-26: names and caseExact-false values are case-insensitive (it answers false)', () => {
    expect(matches('USERNAME eq "BJENSEN"')).toBe(true);
  });
});

describe('scim-query-filter-parser', () => {
  it('P-FILTER-10: a chain of and is false when any term is (it answers true)', () => {
    expect(matches('userName eq "bjensen" and title eq "t" and active eq false')).toBe(false);
    expect(matches('userName eq "x" and title eq "t" and active eq true')).toBe(false);
    expect(matches('userName eq "bjensen" and title eq "t" and active eq true')).toBe(true);
  });
});

describe('scimmy', () => {
  it('not (A or B) is (not A) and (not B), not (not A) or (not B)', () => {
    expect(matches('not (userName eq "x" or title eq "t")')).toBe(false);
    expect(matches('not (userName eq "x" or title eq "y")')).toBe(true);
  });

  it('a resource without the parent attribute does not crash the evaluator (it throws a TypeError)', () => {
    expect(matches('name.givenName eq "x"')).toBe(false);
    expect(matches('not (name.givenName eq "x")')).toBe(true);
  });

  it('P-FILTER-01/P-FILTER-03: invalid filters are rejected, not silently accepted', () => {
    expect(safeParseFilter('userName eq').ok).toBe(false);
    expect(safeParseFilter('userName eq bjensen').ok).toBe(false);
  });
});
