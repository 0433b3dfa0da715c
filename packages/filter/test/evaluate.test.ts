// compileFilter against a few stored users, row by row of the checklist (RFC 7644 §3.4.2.2):
// operators, precedence, paths, value filters and how each data type compares; then
// compileValuePathFilter, and what compileFilter takes and throws. Properties that hold for any
// resource are in evaluate-properties.test.ts.
import { describe, expect, it } from 'vitest';
import {
  ENTERPRISE_USER_SCHEMA_URN,
  GroupResourceType,
  isScimError,
  USER_SCHEMA_URN,
  UserResourceType,
  validateResource,
  type ScimResource,
} from '@scim/core';
import {
  compileFilter,
  compileValuePathFilter,
  parseFilter,
  safeCompileFilter,
  type CompileFilterOptions,
  type ValuePathNode,
} from '@scim/filter';
import { bj, TestUserResourceType, TX_URN } from '../../../test/fixtures/checklist.js';

const EU = ENTERPRISE_USER_SCHEMA_URN;

function stored(
  id: string,
  body: Record<string, unknown>,
  created = '2026-01-01T00:00:00Z',
): ScimResource {
  const result = validateResource({ schemas: [USER_SCHEMA_URN], ...body }, TestUserResourceType, {
    mode: 'create',
  });
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  return { ...result.value, id, meta: { resourceType: 'User', created, lastModified: created } };
}

const barbara = stored(
  '2819c223-7f76-453a-919d-413861904646',
  {
    ...bj,
    ims: [{ value: 'someaimhandle', type: 'aim' }],
    [EU]: { employeeNumber: '1', manager: { value: '26118915' } },
    [TX_URN]: {
      level: 0,
      score: 1.5,
      since: '2008-01-23T04:56:22Z',
      code: 'AbC',
      tags: ['a', 'b'],
      link: 'https://example.com/v2/Users/x',
    },
  },
  '2011-05-13T04:42:34Z',
);
const u1 = stored('u1', { userName: 'u1', displayName: 'b', [TX_URN]: { level: 9 } });
const u2 = stored(
  'u2',
  { userName: 'u2', title: 't', displayName: 'A', externalId: '701984X', [TX_URN]: { level: 10 } },
  '2026-06-01T00:00:00Z',
);
const u3 = stored('u3', {
  userName: 'u3',
  title: '',
  displayName: 'c',
  emails: [
    { value: 'a@other.com', type: 'work' },
    { value: 'b@example.com', type: 'home' },
  ],
});
const users = [barbara, u1, u2, u3];

function ids(filter: string, options: CompileFilterOptions = {}): string[] {
  const matches = compileFilter(filter, { resourceType: TestUserResourceType, ...options });
  return users.filter(matches).map((user) => user.id as string);
}

function invalid(filter: string, options: CompileFilterOptions = {}): string {
  const result = safeCompileFilter(filter, { resourceType: TestUserResourceType, ...options });
  expect(result.ok).toBe(false);
  if (result.ok) return '';
  expect(result.issues[0]).toMatchObject({ code: 'invalid_filter', scimType: 'invalidFilter' });
  return result.issues[0]?.message ?? '';
}

const B = barbara.id as string;

describe('evaluation (RFC 7644 §3.4.2.2)', () => {
  it('P-FILTER-04: escaped quotes match', () => {
    const bob = stored('bob', { userName: 'bob', displayName: 'Bob "B" Smith' });
    expect(
      compileFilter(String.raw`displayName eq "Bob \"B\" Smith"`, {
        resourceType: TestUserResourceType,
      })(bob),
    ).toBe(true);
  });

  it('P-FILTER-05/S-TYPE-06: numbers compare numerically, not lexicographically', () => {
    expect(ids(`${TX_URN}:level gt -1.5e0`)).toEqual([B, 'u1', 'u2']);
    expect(ids(`${TX_URN}:level gt 9`)).toEqual(['u2']);
  });

  it('S-TYPE-05: decimals compare numerically', () => {
    expect(ids(`${TX_URN}:score gt 1.25`)).toEqual([B]);
  });

  it('P-FILTER-07/P-FILTER-08/S-EXT-05: operators, keywords, names and URNs in any case', () => {
    expect(ids('userName EQ "bjensen" AND title PR')).toEqual([B]);
    expect(ids('USERNAME eq "bjensen"')).toEqual([B]);
    expect(ids('URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:USERNAME eq "bjensen"')).toEqual([B]);
  });

  it('P-FILTER-10: and binds tighter than or', () => {
    expect(ids('userName eq "u1" or userName eq "u2" and title eq "zz"')).toEqual(['u1']);
  });

  it('P-FILTER-11: parentheses override precedence', () => {
    expect(ids('(userName eq "u1" or userName eq "u2") and title eq "t"')).toEqual(['u2']);
  });

  it('P-FILTER-12: not negates a parenthesised filter', () => {
    expect(ids('not (userName eq "u1") and userName sw "u"')).toEqual(['u2', 'u3']);
  });

  it('not is exact negation, also of or (the scimmy bug)', () => {
    expect(ids('not (userName eq "u1" or userName eq "u2")')).toEqual([B, 'u3']);
    expect(ids('not (not (userName eq "u1"))')).toEqual(['u1']);
  });

  it('P-FILTER-14: sub-attributes', () => {
    expect(ids('name.givenName eq "Barbara"')).toEqual([B]);
  });

  it('P-FILTER-15/S-EXT-06/S-EXT-07: URN-prefixed core and extension paths', () => {
    expect(ids('urn:ietf:params:scim:schemas:core:2.0:User:userName sw "bj"')).toEqual([B]);
    expect(ids(`${EU}:manager.value eq "26118915"`)).toEqual([B]);
  });

  it('S-EXT-08: an unqualified extension name resolves when unique', () => {
    expect(ids('employeeNumber eq "1"')).toEqual([B]);
  });

  it('P-FILTER-16: a bare complex attribute with a value sub-attribute means .value; others are invalid', () => {
    expect(ids('emails co "example.com"')).toEqual([B, 'u3']);
    expect(ids(`${EU}:manager eq "26118915"`)).toEqual([B]);
    expect(invalid('name eq "x"')).toMatch(/complex/);
  });

  it('P-FILTER-17: a multi-valued attribute matches when any value does', () => {
    expect(ids('emails.value eq "babs@jensen.org"')).toEqual([B]);
    expect(ids(`${TX_URN}:tags eq "b"`)).toEqual([B]);
  });

  it('P-FILTER-18: a value filter applies its whole expression to one element', () => {
    expect(ids('emails[type eq "work" and value co "example.com"]')).toEqual([B]);
    expect(ids('emails.type eq "work" and emails.value co "example.com"')).toEqual([B, 'u3']);
  });

  it('P-FILTER-19: value filters combine with logical operators', () => {
    expect(
      ids('emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp"]'),
    ).toEqual([B]);
    expect(ids('ims[type eq "aim"] and not (emails[type eq "home"])')).toEqual([]);
  });

  it('P-FILTER-21: a value filter on a non-complex or unknown attribute is invalidFilter', () => {
    expect(invalid('userName[value eq "x"]')).toMatch(/not a complex attribute/);
    expect(invalid('nope[value eq "x"]')).toMatch(/nope/);
    expect(invalid('emails[nope eq "x"]')).toMatch(/no sub-attribute 'nope'/);
    expect(invalid('emails[name.givenName eq "x"]')).toMatch(/must be a sub-attribute name/);
  });

  it('P-FILTER-22: ne matches when any value differs', () => {
    expect(ids('emails.value ne "bjensen@example.com"')).toEqual([B, 'u3']);
  });

  it('P-FILTER-23: co, sw and ew, each holding for identical strings', () => {
    expect(ids('userName sw "bjensen"')).toEqual([B]);
    expect(ids('userName ew "sen"')).toEqual([B]);
    expect(ids('userName co "jens"')).toEqual([B]);
    expect(ids('userName ew "bjensen"')).toEqual([B]);
  });

  it('P-FILTER-24: pr is false for "", null, [] and absent', () => {
    expect(ids('title pr')).toEqual([B, 'u2']);
    expect(ids('emails pr')).toEqual([B, 'u3']);
    expect(ids('name pr')).toEqual([B]);
  });

  it('S-TYPE-01/P-FILTER-25: strings order by code point, case-folded when caseExact is false', () => {
    expect(ids('displayName gt "a"')).toEqual([B, 'u1', 'u3']);
    expect(ids('displayName lt "B"')).toEqual(['u2']);
  });

  it('S-TYPE-08: dateTimes compare as instants, honouring offsets', () => {
    expect(ids('meta.created ge "2011-05-13T06:42:34+02:00"')).toEqual([B, 'u1', 'u2', 'u3']);
    expect(ids('meta.created eq "2011-05-13T06:42:34+02:00"')).toEqual([B]);
    expect(ids('meta.created gt "2011-05-13T04:42:34.0000001Z"')).toEqual(['u1', 'u2', 'u3']);
  });

  it('P-FILTER-32: meta sub-attributes are filterable', () => {
    expect(ids('meta.lastModified gt "2011-05-13T04:42:34Z"')).toEqual(['u1', 'u2', 'u3']);
  });

  it('P-FILTER-26: string comparisons honour caseExact', () => {
    expect(ids('userName eq "BJENSEN"')).toEqual([B]);
    expect(ids('externalId eq "701984x"')).toEqual([]);
    expect(ids(`${TX_URN}:code eq "abc"`)).toEqual([]);
    expect(ids(`${TX_URN}:code eq "AbC"`)).toEqual([B]);
  });

  it('P-FILTER-27: id is caseExact', () => {
    expect(ids(`id eq "${B.toUpperCase()}"`)).toEqual([]);
    expect(ids(`id eq "${B}"`)).toEqual([B]);
  });

  it('S-TYPE-10: references compare case-exactly', () => {
    expect(ids(`${TX_URN}:link eq "HTTPS://EXAMPLE.COM/v2/Users/x"`)).toEqual([]);
  });

  it('S-CHAR-37: a $ref with or without the version segment names the same resource', () => {
    const group = {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      id: 'g',
      displayName: 'G',
      members: [{ value: 'x', $ref: 'https://h/v2/Users/x' }],
    };
    expect(
      compileFilter('members.$ref eq "https://h/Users/x"', { resourceType: GroupResourceType })(
        group,
      ),
    ).toBe(true);
    expect(
      compileFilter('members.$ref eq "https://h/Users/y"', { resourceType: GroupResourceType })(
        group,
      ),
    ).toBe(false);
  });

  it('S-CHAR-39: an absent primary counts as false', () => {
    expect(ids('emails[primary eq false]')).toEqual([B, 'u3']);
    expect(ids('emails[primary eq true]')).toEqual([B]);
  });

  it('P-FILTER-28: unknown attributes read as absent when asked (multi-type queries)', () => {
    expect(ids('foo pr', { unknownAttributes: 'absent' })).toEqual([]);
    expect(ids('not (foo eq "x")', { unknownAttributes: 'absent' })).toEqual([B, 'u1', 'u2', 'u3']);
    const group = {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      id: 'g',
      displayName: 'G',
    };
    expect(
      compileFilter('userName pr', {
        resourceType: GroupResourceType,
        unknownAttributes: 'absent',
      })(group),
    ).toBe(false);
  });

  it('P-FILTER-29: an unknown attribute is invalidFilter by default', () => {
    expect(invalid('foo eq "x"')).toMatch(/foo/);
  });

  it('P-FILTER-31: filtering on schemas', () => {
    expect(ids(`schemas eq "${EU}"`)).toEqual([B]);
    expect(ids(`schemas eq "${EU.toUpperCase()}"`)).toEqual([B]);
  });

  it('P-FILTER-33/S-USER-06: returned "never" attributes cannot be filtered (no oracle on passwords)', () => {
    expect(invalid('password eq "t1meMa$heen"')).toMatch(/never returned/);
    expect(invalid('password sw "t"')).toMatch(/never returned/);
  });

  it('P-FILTER-34: eq null is "not present", ne null is "present"', () => {
    expect(ids('title eq null')).toEqual(['u1', 'u3']);
    expect(ids('title ne null')).toEqual([B, 'u2']);
  });

  it('P-FILTER-35: ne and gt on an absent attribute are false', () => {
    expect(ids('title ne "x"')).toEqual([B, 'u2', 'u3']);
    expect(ids('nickName ne "x"')).toEqual([]);
    expect(ids('nickName gt "a"')).toEqual([]);
  });

  it('P-FILTER-30: a filter reads the stored representation, so a value defaulted at create time matches', () => {
    // A store that defaults `active` to true on create stores and returns it; the filter sees the same.
    const defaulted = { ...stored('d', { userName: 'd' }), active: true };
    expect(compileFilter('active eq true', { resourceType: TestUserResourceType })(defaulted)).toBe(
      true,
    );
  });

  it('S-TYPE-02: booleans with eq and ne', () => {
    const active = stored('act', { userName: 'act', active: true });
    const matches = compileFilter('active eq true', { resourceType: TestUserResourceType });
    expect([active, ...users].filter(matches).map((u) => u.id)).toEqual(['act']);
  });

  it('S-TYPE-03: gt and friends on a boolean or binary attribute are invalidFilter', () => {
    expect(invalid('active gt false')).toMatch(/booleans support only eq, ne and pr/);
    expect(invalid(`${TX_URN}:blob lt "aGk"`)).toMatch(/binary values cannot be ordered/);
  });

  it('S-TYPE-04: co, sw and ew on booleans, numbers and dateTimes are invalidFilter', () => {
    expect(invalid('active co "t"')).toMatch(/booleans/);
    expect(invalid(`${TX_URN}:level sw 1`)).toMatch(/numbers/);
    expect(invalid('meta.created co "2011"')).toMatch(/dateTimes/);
  });

  it('rejects literals of the wrong type', () => {
    expect(invalid('userName eq 5')).toMatch(/needs a string/);
    expect(invalid('active eq "true"')).toMatch(/needs true or false/);
    expect(invalid(`${TX_URN}:level eq "9"`)).toMatch(/needs a number/);
    expect(invalid('meta.created gt "yesterday"')).toMatch(/xsd:dateTime/);
    expect(invalid('title gt null')).toMatch(/null/);
  });

  it('U-02/X-ENTRA-10: lookups by externalId and userName with eq and and', () => {
    expect(ids('externalId eq "701984"')).toEqual([B]);
    expect(ids('externalId eq "701984" and userName eq "bjensen"')).toEqual([B]);
  });

  it('X-ENTRA-09: the Test Connection probe matches nothing', () => {
    expect(ids('userName eq "3a4d5b12-0e4e-4f1a-9c5d-1b2c3d4e5f60"')).toEqual([]);
  });

  it('X-ENTRA-05 (lenient): emails[type eq "work"].value eq …', () => {
    expect(
      ids('emails[type eq "work"].value eq "bjensen@example.com"', {
        lenient: { valuePathSubAttribute: true },
      }),
    ).toEqual([B]);
  });
});

describe('compileValuePathFilter', () => {
  it('tests one element with the same semantics as the whole filter', () => {
    const node = parseFilter('EMAILS[TYPE eq "WORK" and primary eq false]') as ValuePathNode;
    const test = compileValuePathFilter(node, { resourceType: TestUserResourceType });
    expect((barbara.emails as Record<string, unknown>[]).map(test)).toEqual([false, false]);
    expect((u3.emails as Record<string, unknown>[]).map(test)).toEqual([true, false]);
  });
});

describe('compileFilter input', () => {
  it('takes a parsed AST as well as text', () => {
    const node = parseFilter('userName eq "u1"');
    expect(
      users.filter(compileFilter(node, { resourceType: UserResourceType })).map((u) => u.id),
    ).toEqual(['u1']);
  });

  it('throws a 400 invalidFilter ScimError', () => {
    try {
      compileFilter('foo eq 1', { resourceType: UserResourceType });
      expect.unreachable();
    } catch (error) {
      expect(isScimError(error) && error.scimType).toBe('invalidFilter');
    }
  });
});
