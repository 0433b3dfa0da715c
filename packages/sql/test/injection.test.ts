// Hostile input never reaches SQL as text: filter values, attribute names, sort keys, cursors and
// table prefixes are parameters or refused, so every answer is the memory storage's answer or a SCIM
// 400, no answer names a table or holds SQL, and every table is intact afterwards.
import { type StoreContext, type StoreQuery } from '@scim/server';
import { GroupResourceType, UserResourceType } from '@scim/core';
import { createSqlStorage, migrate } from '@scim/sql';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answerOf, namesOf, searchBoth } from './fixtures/compare-answers.js';
import { ENGINES, type TestDatabase } from './fixtures/databases.js';
import { loadDirectory, type Loaded } from './fixtures/directory.js';
import {
  GROUP_URN,
  openTwins,
  PATCH_URN,
  SEARCH_URN,
  USER_URN,
  type Reply,
  type Twins,
} from './fixtures/twin-handlers.js';

const TABLES = ['resources', 'members', 'emails', 'unique_values', 'outbox', 'migrations'] as const;

/** Strings a filter literal, a name or a key might carry to break out of SQL. */
const HOSTILE = [
  "'; DROP TABLE scim_resources; --",
  "' OR '1'='1",
  '" OR "1"="1',
  "\\'; DELETE FROM scim_members; --",
  '\\',
  '\\\\',
  "\\' OR 1=1 -- ",
  'a\u0000b',
  '\u0000',
  "'\u0000'; DROP TABLE x",
  '%',
  '%%',
  '_',
  '!%',
  '!',
  "!'",
  "%' ESCAPE '\\",
  '$1',
  '?',
  ':name',
  '*/ SELECT 1 /*',
  '\ud800',
  'x\udfff',
  '😀\ud83d',
  ');--',
  "' UNION SELECT document FROM scim_resources --",
  'x'.repeat(20_000),
  `${'%_'.repeat(5_000)}'`,
  // Past an index entry's size (PostgreSQL: 2,704 bytes) and a MySQL TEXT (65,535 bytes).
  noise(3_000, 1),
  noise(30_000, 2),
];

/** Words of SQL or our schema that an answer must never show. */
const LEAKS =
  /scim_|t[0-9a-z]+_[0-9a-z]+_[0-9a-z]+_(resources|members|emails|outbox)|\b(select|insert|delete|update|where|sqlite|postgres|mysql|syntax)\b|resource_seq|member_key|value_hash|SQLSTATE/i;

/** The error `detail` of an answer, less what the request itself said (which it may echo). */
function expectNoLeak(reply: Reply, what: string, said: readonly string[] = []): void {
  if (reply.status < 400) return;
  let detail = typeof reply.body.detail === 'string' ? reply.body.detail : '';
  for (const text of said)
    for (const form of [text, JSON.stringify(text), JSON.stringify(text).slice(1, -1)])
      detail = detail.split(form).join('');
  const leak = LEAKS.exec(detail);
  expect(leak?.[0], `${what} answered ${reply.text.slice(0, 300)}`).toBeUndefined();
}

/** A string no compressor shrinks, of `length` code points from a wide alphabet (deterministic). */
function noise(length: number, seed: number): string {
  let state = seed;
  let out = '';
  for (let i = 0; i < length; i++) {
    state = (state * 1103515245 + 12345) % 2147483648;
    const pick = (state >>> 16) % 4;
    const base = pick === 0 ? 0x61 : pick === 1 ? 0x430 : pick === 2 ? 0x4e00 : 0x1f600;
    out += String.fromCodePoint(base + ((state >>> 8) % 26));
  }
  return out;
}

/** Hostile strings in every place a filter takes a literal, on each operator. */
function hostileFilters(): string[] {
  const filters: string[] = [];
  for (const value of HOSTILE) {
    const literal = JSON.stringify(value);
    for (const operator of ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'le'])
      filters.push(`userName ${operator} ${literal}`, `externalId ${operator} ${literal}`);
    filters.push(
      `displayName co ${literal} or displayName eq ${literal}`,
      `emails[type eq ${literal} or value sw ${literal}]`,
      `emails.value ew ${literal}`,
      `not (id eq ${literal})`,
      `meta.lastModified gt ${literal}`,
    );
  }
  return filters;
}

/** Attribute names and filter texts that are no filter at all. */
const HOSTILE_SYNTAX = [
  'userName\'; DROP TABLE scim_resources; -- eq "x"',
  'userName eq "x"; DROP TABLE scim_resources',
  'userName eq "x" or 1=1',
  "userName eq 'x' OR '1'='1'",
  'scim_resources.document co "x"',
  'r.document co "x"',
  'document co "x"',
  '"userName" eq "x"',
  'userName[value eq "x"]',
  'emails[value eq "x"] or (SELECT 1) pr',
  `urn:x';DROP TABLE t:userName eq "x"`,
  'userName eq "x" --',
  `${'('.repeat(200)}userName eq "x"${')'.repeat(200)}`,
  'userName eq "unterminated',
];

type Counts = Record<(typeof TABLES)[number], number>;

async function tableCounts(database: TestDatabase): Promise<Counts> {
  const counts = {} as Counts;
  for (const table of TABLES) {
    const result = await sql<{
      total: unknown;
    }>`SELECT COUNT(*) AS total FROM ${sql.table(`${database.tablePrefix}${table}`)}`.execute(
      database.db,
    );
    counts[table] = Number(result.rows[0]?.total);
  }
  return counts;
}

for (const engine of ENGINES) {
  describe.skipIf(engine.skipped !== undefined)(`injection: ${engine.name}`, () => {
    let database: TestDatabase;
    let twins: Twins;
    let intact: Counts;
    let loaded: Loaded;
    beforeAll(async () => {
      database = await engine.open();
      twins = await openTwins(database, { pagination: { cursor: true } });
      loaded = await loadDirectory(twins);
      intact = await tableCounts(database);
      expect(intact.resources).toBeGreaterThan(30);
    }, 120_000);
    afterAll(async () => {
      await twins?.close();
      await database?.close();
    });

    it('P-SEC-08, P-FILTER-04: hostile filter literals on every operator answer as the memory storage does, or 400, and every table is intact', async () => {
      for (const filter of hostileFilters()) {
        const { memory, sql: answer } = await searchBoth(twins, '/Users', { filter });
        if (answer.status === 400) expect(memory.status, filter).toBe(400);
        else expect(answer, filter.slice(0, 200)).toEqual(memory);
      }
      expect(await tableCounts(database)).toEqual(intact);
    }, 120_000);

    it('P-SEC-08, P-FILTER-04: a literal no column can hold (U+0000, an unpaired surrogate) is answered exactly, as the memory storage answers it', async () => {
      const cases: readonly (readonly [string, string[]])[] = [
        ['userName eq "a\\u0000b"', []],
        ['userName ne "\\u0000" and userName sw "ali"', ['alice', 'ALICE.SMITH']],
        ['externalId eq "\\ud800"', []],
        ['emails[value eq "\\u0000"] or userName eq "zed"', ['zed']],
        ['displayName sw "\\ud83d"', ['😀smile']],
        ['externalId gt "\\ud83d" and externalId lt "\\ud83e"', ['😀smile']],
      ];
      for (const [filter, expected] of cases) {
        const { memory, sql: answer } = await searchBoth(twins, '/Users', { filter });
        expect(answer, filter).toEqual(memory);
        expect(namesOf(answer)).toEqual(expected);
      }
    });

    it('P-SEC-08, P-FILTER-01, P-FILTER-29: hostile attribute names and filter syntax are 400 from both, and touch nothing', async () => {
      for (const filter of HOSTILE_SYNTAX) {
        const { memory, sql: answer } = await searchBoth(twins, '/Users', { filter });
        expect(answer, filter.slice(0, 120)).toEqual(memory);
        expect(answer.status).toBe(400);
      }
      expect(await tableCounts(database)).toEqual(intact);
    });

    it('P-SEC-08, P-SORT-10: hostile sortBy and sortOrder are 400 invalidValue, and touch nothing', async () => {
      for (const sortBy of [
        'userName; DROP TABLE scim_resources; --',
        'userName DESC, (SELECT 1)',
        'r.document',
        'user_name',
        'seq',
        "urn:ietf:params:scim:schemas:core:2.0:User:userName'",
        'userName\u0000',
      ]) {
        const { memory, sql: answer } = await searchBoth(twins, '/Users', { sortBy });
        expect(answer, sortBy).toEqual(memory);
        expect(answer).toMatchObject({ status: 400, scimType: 'invalidValue' });
      }
      for (const sortOrder of ['DESC; DROP TABLE scim_resources', "ascending'"]) {
        const { sql: answer } = await searchBoth(twins, '/Users', {
          sortBy: 'userName',
          sortOrder,
        });
        expect(answer).toMatchObject({ status: 400, scimType: 'invalidValue' });
      }
      expect(await tableCounts(database)).toEqual(intact);
    });

    it('P-SEC-08, C-CUR-10: forged cursors are 400 invalidCursor and name nothing of the database', async () => {
      const first = await twins.sql('POST', '/Users/.search', {
        schemas: [SEARCH_URN],
        cursor: '',
        count: 2,
      });
      const real = first.body.nextCursor as string;
      expect(typeof real).toBe('string');
      for (const cursor of [
        '1; DROP TABLE scim_resources; --',
        "' OR 1=1 --",
        `${real.slice(0, -2)}xx`,
        `${real}' OR '1'='1`,
        Buffer.from('{"after":"1 OR 1=1"}').toString('base64url'),
        '\u0000',
        'x'.repeat(5_000),
      ]) {
        const reply = await twins.sql('POST', '/Users/.search', {
          schemas: [SEARCH_URN],
          cursor,
          count: 2,
        });
        expect(answerOf(reply), cursor.slice(0, 60)).toMatchObject({
          status: 400,
          scimType: 'invalidCursor',
        });
        expectNoLeak(reply, 'a forged cursor');
      }
      expect(await tableCounts(database)).toEqual(intact);
    });

    it('P-SEC-08, C-CUR-10: a store position that is not one the store issued is 400 invalidCursor, never spliced into SQL', async () => {
      const store = twins.storage.stores.User;
      const context: StoreContext = {
        resourceType: UserResourceType,
        principal: undefined,
        tenant: undefined,
        signal: new AbortController().signal,
      };
      for (const after of [
        '1 OR 1=1',
        '0; DROP TABLE scim_resources',
        '-1',
        '1e3',
        '9'.repeat(40),
      ]) {
        const query: StoreQuery = {
          filter: undefined,
          bound: undefined,
          sort: undefined,
          startIndex: 1,
          count: 5,
          limit: 1000,
          cursor: { after },
        };
        await expect(store?.query(query, context)).rejects.toMatchObject({
          status: 400,
          scimType: 'invalidCursor',
        });
      }
      expect(await tableCounts(database)).toEqual(intact);
    });

    it('P-SEC-08, S-CHAR-32: hostile values are stored as data and read back as sent, or refused with 400', async () => {
      let at = Date.parse('2024-06-01T00:00:00.000Z');
      const before = await tableCounts(database);
      let stored = 0;
      for (const [index, value] of HOSTILE.entries()) {
        const user = {
          schemas: [USER_URN],
          userName: `hostile-${index}`,
          displayName: value,
          externalId: value,
          title: value,
          emails: [{ value, type: value }],
        };
        const [memory, answer] = await twins.write('POST', '/Users', user, (at += 1000));
        expectNoLeak(answer, `POST of ${JSON.stringify(value.slice(0, 40))}`, [value]);
        if (answer.status === 400 && memory.status !== 400) {
          // Only what no column can hold or index is refused (U+0000, an unpaired surrogate, over
          // 2,000 bytes of UTF-8); the memory storage takes it.
          const unstorable =
            value.includes('\u0000') ||
            /[\ud800-\udfff]/u.test(value) ||
            Buffer.byteLength(value) > 2_000;
          expect(unstorable, JSON.stringify(value.slice(0, 40))).toBe(true);
          expect(answer.body.scimType).toBe('invalidValue');
          continue;
        }
        expect(answer.status, String(twins.errors.at(-1))).toBe(memory.status);
        if (answer.status !== 201) continue;
        stored++;
        const read = await twins.sql('GET', `/Users/${answer.body.id as string}`);
        expect(read.body.displayName).toBe(value);
        expect(read.body.externalId).toBe(value);
        // A long literal is over the filter's length limit: look it up by a prefix instead.
        const literal = JSON.stringify(
          value.length > 500 ? [...value].slice(0, 60).join('') : value,
        );
        const operator = value.length > 500 ? 'sw' : 'eq';
        const found = await searchBoth(twins, '/Users', {
          filter: `externalId ${operator} ${literal} and displayName ${operator} ${literal}`,
        });
        expect(found.sql).toEqual(found.memory);
        expect(found.sql.resources, JSON.stringify(found.sql)).toContainEqual(
          `${answer.body.id as string} ${JSON.stringify(user.userName)}`,
        );
      }
      expect(stored).toBeGreaterThan(HOSTILE.length / 2);
      const after = await tableCounts(database);
      expect(after.resources).toBe(before.resources + stored);
      expect(after.migrations).toBe(before.migrations);
    });

    it('P-SEC-08, S-CHAR-36: hostile member values are refused or taken as data by both storages alike, and no member row is lost', async () => {
      const before = await tableCounts(database);
      const group = loaded.groupIds[0] as string;
      let at = Date.parse('2024-06-02T00:00:00.000Z');
      for (const value of ["'; DELETE FROM scim_members; --", 'a\u0000b', '\ud800', '%']) {
        const created = await twins.write(
          'POST',
          '/Groups',
          { schemas: [GROUP_URN], displayName: `hostile ${value}`, members: [{ value }] },
          (at += 1000),
        );
        const removed = await twins.write(
          'PATCH',
          `/Groups/${group}`,
          {
            schemas: [PATCH_URN],
            Operations: [{ op: 'remove', path: `members[value eq ${JSON.stringify(value)}]` }],
          },
          (at += 1000),
        );
        for (const [memory, answer] of [created, removed]) {
          expectNoLeak(answer, 'a member write', [value]);
          expect(answer.status, (twins.errors.at(-1) as Error | undefined)?.stack).toBe(
            memory.status,
          );
        }
        for (const filter of [
          `members[value eq ${JSON.stringify(value)}]`,
          `members.value eq ${JSON.stringify(value)} or displayName eq "Engineers"`,
        ]) {
          const { memory, sql: answer } = await searchBoth(twins, '/Groups', { filter });
          expect(answer, filter).toEqual(memory);
        }
      }
      const members = await twins.sql('GET', `/Groups/${group}`);
      expect(members.body.members).toEqual(
        (await twins.memory('GET', `/Groups/${group}`)).body.members,
      );
      expect((await tableCounts(database)).members).toBe(before.members);
    });

    it('P-ERR-01, P-SEC-08: no error answer names a table, a column or the database, and none is a 500', async () => {
      const search = (body: Record<string, unknown>) =>
        twins.sql('POST', '/Users/.search', { schemas: [SEARCH_URN], ...body });
      const hostileId = "'; DROP TABLE scim_resources; --";
      const answers: (readonly [Reply, readonly string[]])[] = [
        [await search({ filter: 'meta.created co "2024"' }), []],
        [await search({ filter: 'userName\'; DROP TABLE x eq "y"' }), ["userName'; DROP TABLE x"]],
        [await search({ sortBy: 'user_name' }), ['user_name']],
        [await search({ cursor: "1' OR '1'='1" }), []],
        [await twins.sql('POST', '/Users', { schemas: [USER_URN], userName: 'alice' }), []],
        [
          await twins.sql('POST', '/Users', {
            schemas: [USER_URN],
            userName: 'nul-holder',
            displayName: 'a\u0000b',
          }),
          [],
        ],
        [await twins.sql('GET', `/Users/${encodeURIComponent(hostileId)}`), [hostileId]],
        [await twins.sql('GET', '/Users/a%00b'), []],
        [await twins.sql('DELETE', '/Groups/a%00b'), []],
        [
          await twins.sql('PATCH', '/Groups/%00', {
            schemas: [PATCH_URN],
            Operations: [{ op: 'add', path: 'members', value: [{ value: 'x' }] }],
          }),
          [],
        ],
        [await twins.sql('PUT', '/Users/\ud800', { schemas: [USER_URN], userName: 'x' }), []],
        [await twins.sql('DELETE', `/Users/${encodeURIComponent(hostileId)}`), [hostileId]],
      ];
      for (const [reply, said] of answers) {
        expect(reply.status, reply.text).toBeGreaterThanOrEqual(400);
        expect(reply.status, (twins.errors.at(-1) as Error | undefined)?.stack).toBeLessThan(500);
        expectNoLeak(reply, 'an error', said);
      }
      expect(await tableCounts(database)).toMatchObject({ migrations: intact.migrations });
    });

    it('P-SEC-08: a table prefix that is not a plain name is refused before any SQL runs', async () => {
      for (const tablePrefix of ['scim_; DROP TABLE x; --', 'Scim', 'a b', '"x"', 'x'.repeat(40)]) {
        expect(() =>
          createSqlStorage({ db: database.db, tablePrefix, resourceTypes: [GroupResourceType] }),
        ).toThrow(TypeError);
        await expect(migrate(database.db, { tablePrefix })).rejects.toThrow(TypeError);
      }
      expect(await tableCounts(database)).toMatchObject({ migrations: intact.migrations });
    });
  });
}
