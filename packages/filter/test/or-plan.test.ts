// An `or` is evaluated with a plan: `eq` terms on one string attribute, adjacent or not, as one set
// lookup, and value filters on one attribute as one value filter; and the terms of one filter share
// a normaliser per attribute that remembers the values it folded. None of it may change answers.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { USER_SCHEMA_URN, UserResourceType } from '@scim/core';
import { compileFilter } from '@scim/filter';

const word = fc.constantFrom('Ann', 'ann', 'ANN', 'bob', 'Straße', 'STRASSE', 'work', 'home', '');
const literal = word.map((w) => JSON.stringify(w));

const term = fc.oneof(
  fc
    .tuple(fc.constantFrom('userName', 'externalId', 'id', 'emails.value', 'emails'), literal)
    .map(([path, value]) => `${path} eq ${value}`),
  fc
    .tuple(fc.constantFrom('userName', 'emails.type'), fc.constantFrom('co', 'sw', 'ne'), literal)
    .map(([path, operator, value]) => `${path} ${operator} ${value}`),
  literal.map((value) => `emails[value eq ${value}]`),
  fc
    .tuple(literal, literal)
    .map(([type, value]) => `emails[type eq ${type} and value co ${value}]`),
  fc.tuple(literal, literal).map(([a, b]) => `emails[value eq ${a} or type eq ${b}]`),
  literal.map((value) => `not (userName eq ${value})`),
);

const user = fc
  .record({
    id: word,
    userName: word,
    externalId: word,
    // More values than a shared normaliser remembers (4).
    emails: fc.array(fc.record({ type: word, value: word }), { maxLength: 6 }),
  })
  .map((values) => ({ schemas: [USER_SCHEMA_URN], ...values }));

describe('P-FILTER-17/P-FILTER-18: an or matches exactly when one of its terms alone matches', () => {
  it('property: with eq terms on several attributes in any order, and value filters on one attribute', () => {
    fc.assert(
      fc.property(fc.array(term, { minLength: 2, maxLength: 14 }), user, (terms, resource) => {
        const options = { resourceType: UserResourceType, limits: { maxCost: Infinity } };
        const combined = compileFilter(terms.join(' or '), options);
        const alone = terms.some((text) => compileFilter(text, options)(resource));
        expect(combined(resource)).toBe(alone);
      }),
      { numRuns: 1_000 },
    );
  }, 30_000);

  it('property: an and matches exactly when every term alone matches', () => {
    fc.assert(
      fc.property(fc.array(term, { minLength: 2, maxLength: 8 }), user, (terms, resource) => {
        const options = { resourceType: UserResourceType, limits: { maxCost: Infinity } };
        const combined = compileFilter(terms.join(' and '), options);
        const each = terms.every((text) => compileFilter(text, options)(resource));
        expect(combined(resource)).toBe(each);
      }),
      { numRuns: 1_000 },
    );
  }, 30_000);

  it('a compiled filter answers each resource afresh, whatever it folded for the one before', () => {
    const matches = compileFilter('userName co "ß" or userName eq "ANN" or emails.value sw "b"', {
      resourceType: UserResourceType,
    });
    const answers = ['STRASSE', 'ann', 'x', 'Straße', 'ANN', 'bob'].map((name) =>
      matches({ userName: name, emails: [{ value: name }, { value: 'zz' }] }),
    );
    expect(answers).toEqual([true, true, false, true, true, true]);
  });

  it('S-TYPE-08: dateTime terms on one attribute share its parsed value, resource after resource', () => {
    const matches = compileFilter(
      'meta.lastModified gt "2011-05-13T04:42:34Z" and meta.lastModified lt "2011-05-13T06:00:00+01:00"',
      { resourceType: UserResourceType },
    );
    const at = (lastModified: unknown) => matches({ meta: { lastModified } });
    expect(
      [
        '2011-05-13T04:42:35Z',
        '2011-05-13T04:42:34Z',
        '2011-05-13T05:30:00+01:00', // 04:30Z
        'not a date',
        '2011-05-13T04:59:59.9999999Z',
        '2011-05-13T05:00:00Z',
        42,
        '2011-05-13T04:42:34.0000001Z',
      ].map(at),
    ).toEqual([true, false, false, false, true, false, false, true]);
  });

  it('interleaved eq terms on two attributes: each attribute is looked up in its own set', () => {
    const text = ['a', 'b', 'c', 'd']
      .flatMap((v) => [`userName eq "${v}"`, `externalId eq "x${v}"`])
      .join(' or ');
    const matches = compileFilter(text, { resourceType: UserResourceType });
    expect(matches({ userName: 'C', externalId: 'none' })).toBe(true); // userName is caseExact false
    expect(matches({ userName: 'none', externalId: 'xd' })).toBe(true);
    expect(matches({ userName: 'none', externalId: 'XD' })).toBe(false); // externalId is caseExact
  });

  it('merged value filters still test one value at a time', () => {
    const text =
      'emails[type eq "work" and value eq "a"] or emails[type eq "home" and value eq "b"]';
    const matches = compileFilter(text, { resourceType: UserResourceType });
    const crossed = {
      emails: [
        { type: 'work', value: 'b' },
        { type: 'home', value: 'a' },
      ],
    };
    expect(matches(crossed)).toBe(false);
    expect(matches({ emails: [{ type: 'home', value: 'b' }] })).toBe(true);
  });
});
