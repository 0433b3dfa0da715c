// Filter parsing and evaluation: @scim/filter against scim2-parse-filter, scim-query-filter-parser
// and scimmy, on the same inputs in one process.
import Scimmy from 'scimmy';
import scim2 from 'scim2-parse-filter';
import queryFilterParser from 'scim-query-filter-parser';
import { bench, describe } from 'vitest';
import { UserResourceType, USER_SCHEMA_URN } from '@scim/core';
import { compileFilter, parseFilter } from '@scim/filter';

// Filters identity providers send (idp-quirks.md) and that every library here can parse.
const realistic = [
  'userName eq "bjensen@example.com"',
  'externalId eq "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"',
  'userName eq "Test_User_ab6490ee" and externalId eq "701984"',
  'displayName eq "Tour Guides"',
  'emails[type eq "work" and value co "@example.com"]',
  'meta.lastModified gt "2011-05-13T04:42:34Z"',
  'title pr and (userName sw "bj" or emails.value ew "example.org")',
  'name.familyName co "Jen" and active eq true',
];
// scim-query-filter-parser cannot parse URN-qualified paths (RFC 7644 §3.10), so they stay out of
// the shared mix; @scim/filter parses them at the same speed as plain ones.

describe('parse a mix of realistic filters', () => {
  bench('@scim/filter parseFilter', () => {
    for (const text of realistic) parseFilter(text);
  });
  bench('scim2-parse-filter parse', () => {
    for (const text of realistic) scim2.parse(text);
  });
  bench('scim-query-filter-parser compileFilter', () => {
    for (const text of realistic) queryFilterParser.compileFilter(text);
  });
  bench('scimmy new Types.Filter', () => {
    for (const text of realistic) new Scimmy.Types.Filter(text);
  });
});

const titles = ['Engineer', 'Tour Guide', 'Manager', 'Designer'];
const users = Array.from({ length: 100_000 }, (_, i) => ({
  schemas: [USER_SCHEMA_URN],
  id: `id-${i}`,
  userName: `user${i}`,
  title: titles[i % titles.length],
  active: i % 3 !== 0,
  name: { givenName: `Given${i}`, familyName: `Family${i % 1000}` },
  emails: [
    {
      type: 'work',
      value: `user${i}@${i % 7 === 0 ? 'example.org' : 'example.com'}`,
      primary: true,
    },
    { type: 'home', value: `u${i}@home.example.net` },
  ],
  meta: {
    resourceType: 'User',
    created: '2026-01-01T00:00:00Z',
    lastModified: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
  },
}));

const evaluated =
  'title eq "Engineer" and active eq true and emails[type eq "work" and value co "@example.org"]';
const ours = compileFilter(evaluated, { resourceType: UserResourceType });
const theirs2 = scim2.filter(scim2.parse(evaluated));
const theirsQuery = queryFilterParser.compileFilter(evaluated);
const theirsScimmy = new Scimmy.Types.Filter(evaluated);

// The libraries must agree here (where they are right) for the ratio to mean anything.
const expected = users.filter(ours).length;
const counts = {
  'scim2-parse-filter': users.filter(theirs2).length,
  'scim-query-filter-parser': users.filter(theirsQuery).length,
  scimmy: theirsScimmy.match(users).length,
};
console.log(
  `evaluation: @scim/filter matches ${expected} of ${users.length} users; peers: ${JSON.stringify(counts)}`,
);

describe(`evaluate one filter over ${users.length} users`, () => {
  bench('@scim/filter compileFilter', () => {
    users.filter(ours);
  });
  bench('scim2-parse-filter filter', () => {
    users.filter(theirs2);
  });
  bench('scim-query-filter-parser compileFilter', () => {
    users.filter(theirsQuery);
  });
  bench('scimmy Filter.match', () => {
    theirsScimmy.match(users);
  });
});
