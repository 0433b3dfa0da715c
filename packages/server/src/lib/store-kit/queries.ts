// Query semantics, called on the store directly: filters of every operator and type, sorting,
// index paging and totals, cursor walks (for stores that page by position) and projection.
import type { ScimResource } from '@scim/core';
import type { ScimStore } from '../store.js';
import {
  answer,
  check,
  contextOf,
  idsOf,
  open,
  queryOf,
  sameList,
  sameSet,
  USER,
  user,
  type StoreCase,
  type StoreConformanceOptions,
} from './kit.js';

const ctx = contextOf(USER);

/** Four users with something to tell them apart for every operator, created in this order. */
async function people(kit: StoreConformanceOptions) {
  const { users } = await open(kit);
  const seed: ScimResource[] = [
    user(
      'alice',
      {
        displayName: 'Alice Archer',
        active: true,
        externalId: 'ext-a',
        title: 'Engineer',
        emails: [{ value: 'alice@work.example', type: 'work' }],
      },
      '2026-01-01T00:00:00.000Z',
    ),
    user(
      'bob',
      {
        displayName: 'bob builder',
        active: false,
        externalId: 'ext-b',
        emails: [{ value: 'bob@home.example', type: 'home' }],
      },
      '2026-02-01T00:00:00.000Z',
    ),
    user(
      'Carol',
      {
        active: true,
        title: 'Manager',
        emails: [
          { value: 'carol@work.example', type: 'work' },
          { value: 'carol@home.example', type: 'home' },
        ],
      },
      '2026-03-01T00:00:00.000Z',
    ),
    // externalId is caseExact (RFC 7643 §3.1): EXT-A is not ext-a.
    user(
      'dave',
      { displayName: 'Dave', active: true, externalId: 'EXT-A' },
      '2026-04-01T00:00:00.000Z',
    ),
  ];
  for (const resource of seed) await users.create(resource, ctx);
  const names = (filter: string) => idsOf(users, USER, { filter }, undefined, 'userName');
  const matches = async (filter: string, expected: readonly string[]) =>
    sameSet(await names(filter), expected, `filter ${filter}`);
  const idOf = (userName: string) =>
    seed.find((resource) => resource.userName === userName)?.id as string;
  return { users, matches, idOf };
}

/** Twenty-five users p01…p25, created in that order. */
async function many(kit: StoreConformanceOptions) {
  const { users } = await open(kit);
  const names = Array.from({ length: 25 }, (_, i) => `p${String(i + 1).padStart(2, '0')}`);
  const ids: string[] = [];
  for (const name of names) ids.push((await users.create(user(name), ctx)).id as string);
  return { users, names, ids };
}

async function page(users: ScimStore, options: Parameters<typeof queryOf>[1]) {
  const found = await answer(users, queryOf(USER, options), ctx);
  return { ...found, names: found.resources.map((resource) => String(resource.userName)) };
}

export const queryCases: readonly StoreCase[] = [
  [
    'SK-Q-01',
    'eq on userName compares case-insensitively (caseExact false, RFC 7643 §2.2)',
    async (kit) => {
      const { matches } = await people(kit);
      await matches('userName eq "ALICE"', ['alice']);
      await matches('userName eq "carol"', ['Carol']);
      await matches('userName eq "nobody"', []);
    },
  ],
  [
    'SK-Q-02',
    'co, sw and ew match substrings, case-insensitively, also on a multi-valued sub-attribute',
    async (kit) => {
      const { matches } = await people(kit);
      await matches('displayName co "B"', ['bob']);
      await matches('userName sw "c"', ['Carol']);
      await matches('emails.value ew "@WORK.example"', ['alice', 'Carol']);
    },
  ],
  [
    'SK-Q-03',
    'pr matches attributes that have a value, and not pr those that have none',
    async (kit) => {
      const { matches } = await people(kit);
      await matches('title pr', ['alice', 'Carol']);
      await matches('displayName pr', ['alice', 'bob', 'dave']);
      await matches('not (title pr)', ['bob', 'dave']);
    },
  ],
  [
    'SK-Q-04',
    'booleans compare with eq and ne',
    async (kit) => {
      const { matches } = await people(kit);
      await matches('active eq false', ['bob']);
      await matches('active eq true', ['alice', 'Carol', 'dave']);
      await matches('active ne true', ['bob']);
    },
  ],
  [
    'SK-Q-05',
    'dateTimes compare as instants with gt, ge, lt and le, whatever their text form',
    async (kit) => {
      const { matches } = await people(kit);
      await matches('meta.created gt "2026-02-15T00:00:00Z"', ['Carol', 'dave']);
      await matches('meta.created le "2026-02-01T00:00:00Z"', ['alice', 'bob']);
      await matches('meta.created ge "2026-03-01T01:00:00+01:00"', ['Carol', 'dave']);
      await matches('meta.created lt "2026-01-01T00:00:00.001Z"', ['alice']);
    },
  ],
  [
    'SK-Q-06',
    'a value filter (emails[type eq "work"]) matches when one element meets the whole filter',
    async (kit) => {
      const { matches } = await people(kit);
      await matches('emails[type eq "work"]', ['alice', 'Carol']);
      await matches('emails[type eq "home" and value co "carol"]', ['Carol']);
      // The two conditions must hold for the same element: bob has a home email only.
      await matches('emails[type eq "work" and value co "bob"]', []);
    },
  ],
  [
    'SK-Q-07',
    'and, or and not combine filters, with not binding its parenthesised filter',
    async (kit) => {
      const { matches } = await people(kit);
      await matches('title pr and active eq true', ['alice', 'Carol']);
      await matches('userName eq "bob" or userName eq "dave"', ['bob', 'dave']);
      await matches('not (active eq true) or title eq "manager"', ['bob', 'Carol']);
      await matches('not (userName eq "alice" or userName eq "bob")', ['Carol', 'dave']);
    },
  ],
  [
    'SK-Q-08',
    'externalId eq finds the resource the client knows by its own id, case-exactly (RFC 7643 §3.1)',
    async (kit) => {
      const { matches } = await people(kit);
      await matches('externalId eq "ext-a"', ['alice']);
      await matches('externalId eq "EXT-A"', ['dave']);
      await matches('externalId eq "ext-b" and active eq false', ['bob']);
      await matches('externalId eq "unknown"', []);
    },
  ],
  [
    'SK-Q-09',
    'id eq finds exactly one resource, and an unknown id none',
    async (kit) => {
      const { matches, idOf } = await people(kit);
      await matches(`id eq "${idOf('bob')}"`, ['bob']);
      await matches(`id eq "${crypto.randomUUID()}"`, []);
    },
  ],
  [
    'SK-Q-10',
    'sortBy orders ascending and descending, strings case-insensitively and dateTimes in time (RFC 7644 §3.4.2.3)',
    async (kit) => {
      const { users } = await people(kit);
      const by = async (sortBy: string, sortOrder: 'ascending' | 'descending') =>
        (await page(users, { sortBy, sortOrder })).names;
      sameList(
        await by('userName', 'ascending'),
        ['alice', 'bob', 'Carol', 'dave'],
        'userName ascending',
      );
      sameList(
        await by('userName', 'descending'),
        ['dave', 'Carol', 'bob', 'alice'],
        'userName descending',
      );
      sameList(
        await by('meta.created', 'descending'),
        ['dave', 'Carol', 'bob', 'alice'],
        'meta.created descending',
      );
    },
  ],
  [
    'SK-Q-11',
    'resources without the sort value come last ascending and first descending (P-SORT-06, RFC 7644 §3.4.2.3)',
    async (kit) => {
      const { users } = await people(kit);
      const by = async (sortOrder: 'ascending' | 'descending') =>
        (await page(users, { sortBy: 'displayName', sortOrder })).names;
      sameList(await by('ascending'), ['alice', 'bob', 'dave', 'Carol'], 'displayName ascending');
      sameList(await by('descending'), ['Carol', 'dave', 'bob', 'alice'], 'displayName descending');
    },
  ],
  [
    'SK-Q-12',
    'startIndex and count cut pages that chain without duplicates or gaps, each with the whole totalResults (RFC 7644 §3.4.2.4)',
    async (kit) => {
      const { users, names } = await many(kit);
      const seen: string[] = [];
      for (const startIndex of [1, 11, 21]) {
        const found = await page(users, { startIndex, count: 10 });
        check(
          found.totalResults === 25,
          `totalResults must be 25 on every page, got ${found.totalResults}`,
        );
        check(
          found.names.length === (startIndex === 21 ? 5 : 10),
          `startIndex ${startIndex} count 10 must hold ${startIndex === 21 ? 5 : 10} resources, got ${found.names.length}`,
        );
        seen.push(...found.names);
      }
      check(new Set(seen).size === seen.length, `pages repeat resources: ${seen.join(', ')}`);
      sameSet(seen, names, 'three pages of 10');
    },
  ],
  [
    'SK-Q-13',
    'the sort applies to all matches before the page is cut (P-SORT-09)',
    async (kit) => {
      const { users } = await many(kit);
      const found = await page(users, {
        sortBy: 'userName',
        sortOrder: 'descending',
        startIndex: 11,
        count: 10,
      });
      sameList(
        found.names,
        ['p15', 'p14', 'p13', 'p12', 'p11', 'p10', 'p09', 'p08', 'p07', 'p06'],
        'sortBy userName descending, startIndex 11, count 10',
      );
      check(found.totalResults === 25, `totalResults must be 25, got ${found.totalResults}`);
    },
  ],
  [
    'SK-Q-14',
    'totalResults counts every match: with a filter, with count 0 and past the last page',
    async (kit) => {
      const { users } = await many(kit);
      const filtered = await page(users, { filter: 'userName sw "p1"', count: 3 });
      check(
        filtered.totalResults === 10,
        `userName sw "p1" matches 10, got totalResults ${filtered.totalResults}`,
      );
      check(
        filtered.names.length === 3,
        `count 3 must give 3 resources, got ${filtered.names.length}`,
      );
      const none = await page(users, { count: 0 });
      check(
        none.names.length === 0 && none.totalResults === 25,
        'count 0: no resources, totalResults 25',
      );
      const past = await page(users, { startIndex: 1000, count: 10 });
      check(
        past.names.length === 0 && past.totalResults === 25,
        'startIndex past the end: no resources, totalResults 25',
      );
    },
  ],
  [
    'SK-Q-15',
    'cursor pages by position (when the store returns positions) see every resource once while others are deleted (RFC 9865 §2)',
    async (kit) => {
      for (const sortBy of [undefined, 'userName']) {
        const { users, ids } = await many(kit);
        const deletedUnseen = new Set<string>();
        const seen: string[] = [];
        let after: string | undefined;
        for (let round = 0; round < 30; round++) {
          const cursor = after === undefined ? {} : { after };
          const found = await answer(users, queryOf(USER, { sortBy, count: 5, cursor }), ctx);
          // A store that ignores the cursor is paged by startIndex; SK-Q-12 covers it.
          if (found.positions === undefined) return;
          const pageIds = found.resources.map((resource) => resource.id as string);
          seen.push(...pageIds);
          // Deleting what was read and what is still to come must not make the walk skip or repeat.
          if (pageIds[0] !== undefined) await users.delete(pageIds[0], ctx);
          const last = [...ids]
            .reverse()
            .find((id) => !seen.includes(id) && !deletedUnseen.has(id));
          if (last !== undefined && round % 2 === 0) {
            deletedUnseen.add(last);
            await users.delete(last, ctx);
          }
          after = found.positions.next;
          if (after === undefined) break;
        }
        check(
          new Set(seen).size === seen.length,
          `a cursor walk repeated resources (sortBy ${sortBy ?? 'none'})`,
        );
        sameSet(
          seen,
          ids.filter((id) => !deletedUnseen.has(id)),
          `a cursor walk (sortBy ${sortBy ?? 'none'})`,
        );
      }
    },
  ],
  [
    'SK-Q-16',
    'a projection hint may be ignored but never drops id, schemas, meta or the attributes asked for (RFC 7644 §3.9)',
    async (kit) => {
      const { users, idOf } = await people(kit);
      const needed = (
        resource: ScimResource | undefined,
        names: readonly string[],
        what: string,
      ) => {
        check(resource !== undefined, `${what}: the resource must be found`);
        for (const name of ['id', 'schemas', 'meta', ...names])
          check(resource[name] !== undefined, `${what}: ${name} must be returned`);
      };
      const include = contextOf(USER, undefined, {
        attributes: { include: ['USERNAME', 'emails'] },
      });
      needed(await users.get(idOf('alice'), include), ['userName', 'emails'], 'get with include');
      const exclude = contextOf(USER, undefined, { attributes: { exclude: ['emails', 'title'] } });
      needed(
        await users.get(idOf('alice'), exclude),
        ['userName', 'displayName', 'active'],
        'get with exclude',
      );
      const listed = await answer(users, queryOf(USER, { filter: 'userName eq "carol"' }), include);
      needed(listed.resources[0], ['userName', 'emails'], 'query with include');
    },
  ],
];
