// Evaluation held to properties rather than to fixed users: any resource shape, hostile ones
// included, gives a boolean; without a schema names and strings compare case-insensitively and values
// by their JSON type, with or and and as RFC 7644 §3.4.2.2 defines them; and the set lookup for an
// or of eq terms agrees with the terms one by one.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ENTERPRISE_USER_SCHEMA_URN,
  GroupResourceType,
  USER_SCHEMA_URN,
  UserResourceType,
  type ScimResource,
} from '@scim/core';
import { compileFilter } from '@scim/filter';
import { TestUserResourceType } from '../../../test/fixtures/checklist.js';

const EU = ENTERPRISE_USER_SCHEMA_URN;

describe('hostile resources', () => {
  it('missing parents, wrong types and null never crash', () => {
    const strange: ScimResource[] = [
      { schemas: [USER_SCHEMA_URN] },
      {
        schemas: [USER_SCHEMA_URN],
        name: 'x',
        emails: 'a',
        [EU]: 5,
        meta: null,
      } as unknown as ScimResource,
      {
        schemas: [USER_SCHEMA_URN],
        name: [1, null],
        emails: [null, 3, { value: null }, [{ value: 'x' }]],
        [EU]: { manager: [] },
      },
      JSON.parse('{"schemas":[],"__proto__":{"userName":"x"}}') as ScimResource,
    ];
    const filters = [
      'name.givenName eq "x"',
      'emails[type eq "work"]',
      'emails co "x"',
      `${EU}:manager.value pr`,
      'not (meta.created gt "2011-01-01T00:00:00Z")',
      'userName eq "x"',
      'schemas eq "x"',
      'emails.value ne "x"',
      'name pr',
    ];
    for (const filter of filters) {
      const matches = compileFilter(filter, { resourceType: TestUserResourceType });
      for (const resource of strange) expect(typeof matches(resource)).toBe('boolean');
    }
    expect(
      compileFilter('userName eq "x"', { resourceType: TestUserResourceType })(
        strange[3] as ScimResource,
      ),
    ).toBe(false);
  });
});

describe('without a schema', () => {
  const match = (filter: string, resource: Record<string, unknown>) =>
    compileFilter(filter)(resource);

  it('names match case-insensitively and strings compare case-insensitively', () => {
    expect(match('USERNAME eq "BJENSEN"', { userName: 'bjensen' })).toBe(true);
    expect(match('name.GIVENNAME sw "bar"', { name: { givenName: 'Barbara' } })).toBe(true);
  });

  it('values compare by their JSON type', () => {
    expect(match('level gt 9', { level: 10 })).toBe(true);
    expect(match('level gt "9"', { level: 10 })).toBe(false);
    expect(match('active eq true', { active: true })).toBe(true);
    expect(
      match('emails[type eq "work" and value co "x"]', {
        emails: [
          { type: 'work', value: 'a' },
          { type: 'home', value: 'x' },
        ],
      }),
    ).toBe(false);
  });

  it('URN-qualified names read the extension container', () => {
    expect(match(`${EU}:department eq "D"`, { [EU]: { department: 'd' } })).toBe(true);
  });

  it('RFC 7644 §3.4.2.2: or is "a match if either expression evaluates to true", and "only … if both", not "if the expression evaluates to false"', () => {
    const word = fc.constantFrom('ann', 'ANN', 'bob', 'work', '');
    const literal = word.map((w) => JSON.stringify(w));
    const term = fc.oneof(
      fc
        .tuple(fc.constantFrom('userName', 'emails.value', 'emails.type'), literal)
        .map(([path, value]) => `${path} eq ${value}`),
      literal.map((value) => `userName co ${value}`),
      fc.integer({ min: 0, max: 3 }).map((level) => `level gt ${level}`),
      literal.map((value) => `emails[type eq ${value}]`),
      fc.constant('title pr'),
    );
    const resource = fc.record(
      {
        userName: word,
        level: fc.integer({ min: 0, max: 3 }),
        title: word,
        emails: fc.array(fc.record({ type: word, value: word }), { maxLength: 3 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.array(term, { minLength: 2, maxLength: 8 }), resource, (terms, values) => {
        const alone = terms.map((text) => match(text, values));
        expect(match(terms.join(' or '), values)).toBe(alone.some(Boolean));
        expect(match(terms.join(' and '), values)).toBe(alone.every(Boolean));
        expect(match(`not (${terms.join(' or ')})`, values)).toBe(!alone.some(Boolean));
      }),
      { numRuns: 300 },
    );
  });
});

describe('an or of eq terms on one attribute (tested as a set lookup)', () => {
  const word = fc.constantFrom('Ann', 'ann', 'ANN', 'bob', 'Straße', 'STRASSE', 'x/v2/y', '');
  const user = (values: Record<string, string>) => ({
    schemas: [USER_SCHEMA_URN],
    id: values.id,
    userName: values.userName,
    externalId: values.externalId,
    name: { familyName: values.familyName },
    emails: [{ value: values.email1 }, { value: values.email2, primary: true }],
  });
  const group = (values: Record<string, string>) => ({
    schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
    id: 'g',
    displayName: 'G',
    members: [
      { value: values.id, $ref: `https://h/scim/v2/Users/${values.userName}` },
      { value: values.externalId, $ref: `https://h/scim/Users/${values.familyName}` },
    ],
  });

  it('P-FILTER-17: matches exactly when one of the terms alone matches, for every attribute kind, multi-valued ones included', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(
          ['User', 'userName'],
          ['User', 'externalId'],
          ['User', 'id'],
          ['User', 'name.familyName'],
          ['User', 'emails.value'],
          ['Group', 'members.value'],
          ['Group', 'members.$ref'],
        ),
        fc.array(
          fc.oneof(
            word,
            word.map((w) => `https://h/scim/v2/Users/${w}`),
          ),
          { minLength: 4, maxLength: 7 },
        ),
        fc.record({
          id: word,
          userName: word,
          externalId: word,
          familyName: word,
          email1: word,
          email2: word,
        }),
        ([type, path], literals, values) => {
          const resourceType = type === 'User' ? UserResourceType : GroupResourceType;
          const resource = type === 'User' ? user(values) : group(values);
          const term = (literal: string) => `${path} eq ${JSON.stringify(literal)}`;
          const combined = compileFilter(literals.map(term).join(' or '), { resourceType });
          const alone = literals.some((literal) =>
            compileFilter(term(literal), { resourceType })(resource),
          );
          expect(combined(resource)).toBe(alone);
        },
      ),
      { numRuns: 1_000 },
    );
  });

  it('keeps the general path when the terms name different attributes or other operators', () => {
    const matches = compileFilter(
      'userName eq "a" or userName eq "b" or externalId eq "x" or userName eq "c"',
      { resourceType: UserResourceType },
    );
    expect(matches({ schemas: [USER_SCHEMA_URN], userName: 'z', externalId: 'x' })).toBe(true);
    const mixed = compileFilter(
      'userName eq "a" or userName eq "b" or userName sw "q" or userName eq "c"',
      { resourceType: UserResourceType },
    );
    expect(mixed({ schemas: [USER_SCHEMA_URN], userName: 'Quinn' })).toBe(true);
  });
});
