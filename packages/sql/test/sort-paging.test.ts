// Sorting, index paging and RFC 9865 cursor paging in the database give the memory storage's answers:
// the same order (missing values, case folding, ties), the same totals, and page chains that cover
// every match once, for every sort key the SQL store pushes down and some it leaves to the server.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  namesOf,
  pushedDown,
  runsFromEnvironment,
  searchBoth,
} from './fixtures/compare-answers.js';
import { ENGINES, type TestDatabase } from './fixtures/databases.js';
import { loadDirectory, USERS } from './fixtures/directory.js';
import {
  openTwins,
  SEARCH_URN,
  USER_URN,
  type Call,
  type Twins,
} from './fixtures/twin-handlers.js';

const CHAIN_RUNS = Math.max(1, Math.round(runsFromEnvironment(350) / 10));

const SORTS = ['userName', 'displayName', 'externalId', 'meta.created', 'meta.lastModified', 'id'];
const FILTERS = [
  undefined,
  'userName sw "a"',
  'displayName pr',
  'active eq true or emails.type eq "work"',
  'title pr or nickName pr',
];

/** Every resource a walk of `startIndex` pages of `count` visits, and each page's totalResults. */
async function walkByIndex(call: Call, parameters: Record<string, unknown>, count: number) {
  const seen: string[] = [];
  const totals = new Set<unknown>();
  for (let startIndex = 1; startIndex < 200; startIndex += count) {
    const reply = await call('POST', '/Users/.search', {
      schemas: [SEARCH_URN],
      ...parameters,
      startIndex,
      count,
    });
    expect(reply.status, reply.text).toBe(200);
    totals.add(reply.body.totalResults);
    const page = (reply.body.Resources as { id: string }[]).map((resource) => resource.id);
    seen.push(...page);
    if (page.length < count) break;
  }
  return { seen, totals: [...totals] };
}

/** Every resource a walk of RFC 9865 cursor pages visits, following nextCursor to the end. */
async function walkByCursor(call: Call, parameters: Record<string, unknown>, count: number) {
  const seen: string[] = [];
  let cursor = '';
  for (let pages = 0; pages < 200; pages++) {
    const reply = await call('POST', '/Users/.search', {
      schemas: [SEARCH_URN],
      ...parameters,
      cursor,
      count,
    });
    expect(reply.status, reply.text).toBe(200);
    seen.push(...(reply.body.Resources as { id: string }[]).map((resource) => resource.id));
    if (typeof reply.body.nextCursor !== 'string') break;
    cursor = reply.body.nextCursor;
  }
  return seen;
}

for (const engine of ENGINES) {
  describe.skipIf(engine.skipped !== undefined)(`sort and paging: ${engine.name}`, () => {
    let database: TestDatabase;
    let twins: Twins;
    beforeAll(async () => {
      database = await engine.open();
      twins = await openTwins(database, { pagination: { cursor: true, secret: 'twin-secret' } });
      await loadDirectory(twins);
    }, 120_000);
    afterAll(async () => {
      await twins?.close();
      await database?.close();
    });

    for (const sortBy of SORTS)
      for (const sortOrder of ['ascending', 'descending'])
        it(`P-SORT-01, P-SORT-03, P-SORT-06, P-SORT-07: sortBy=${sortBy} ${sortOrder} is done in the database, in the memory storage's order`, async () => {
          const { memory, sql } = await searchBoth(twins, '/Users', { sortBy, sortOrder });
          expect(sql).toEqual(memory);
          expect(pushedDown(twins)).toBe(true);
          expect(sql.resources).toHaveLength(USERS.length);
        });

    it('P-SORT-02, P-SORT-06: displayName ascending puts the users without one last, in id order', async () => {
      const { memory, sql } = await searchBoth(twins, '/Users', { sortBy: 'displayName' });
      expect(sql).toEqual(memory);
      expect(namesOf(sql).at(-1)).toBe('dave');
      const descending = await searchBoth(twins, '/Users', {
        sortBy: 'displayName',
        sortOrder: 'descending',
      });
      expect(namesOf(descending.sql)[0]).toBe('dave');
    });

    it('P-SORT-07: externalId (caseExact) sorts by code point, userName (not caseExact) by its case fold', async () => {
      const exact = await searchBoth(twins, '/Users', {
        filter: 'externalId eq "EXT-1" or externalId eq "ext-1" or externalId eq "Ext_1"',
        sortBy: 'externalId',
      });
      expect(exact.sql).toEqual(exact.memory);
      expect(namesOf(exact.sql)).toEqual(['alice', 'bob', 'ALICE.SMITH']);
      const folded = await searchBoth(twins, '/Users', {
        filter: 'userName sw "a"',
        sortBy: 'userName',
      });
      expect(folded.sql).toEqual(folded.memory);
      expect(namesOf(folded.sql)).toEqual(['a_b', 'alice', 'ALICE.SMITH', '𝒜lpha', 'axb']);
    });

    it('P-SORT-05, P-SORT-10: a sortBy naming a complex attribute or nothing is 400 invalidValue from both', async () => {
      for (const sortBy of ['name', 'nope', 'emails[type eq "work"]', "userName'; --"]) {
        const { memory, sql } = await searchBoth(twins, '/Users', { sortBy });
        expect(sql).toEqual(memory);
        expect(sql).toMatchObject({ status: 400, scimType: 'invalidValue' });
      }
    });

    it('P-PAGE-02, P-PAGE-03, P-PAGE-04, P-PAGE-11: startIndex below 1, count below 1 and startIndex past the end answer alike', async () => {
      for (const page of [
        { startIndex: 0, count: 3 },
        { startIndex: -5, count: 3 },
        { count: -1 },
        { count: 0, filter: 'userName sw "a"' },
        { startIndex: 1000, sortBy: 'userName' },
      ]) {
        const { memory, sql } = await searchBoth(twins, '/Users', page);
        expect(sql, JSON.stringify(page)).toEqual(memory);
        expect(sql.totalResults).toBeGreaterThan(0);
      }
    });

    it(`P-PAGE-12, P-SORT-09, C-CUR-06, C-CUR-14: ${CHAIN_RUNS} generated page chains by startIndex and by cursor cover every match once, in the memory storage's order`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.record({
            filter: fc.constantFrom(...FILTERS),
            sortBy: fc.option(fc.constantFrom(...SORTS, 'title'), { nil: undefined }),
            sortOrder: fc.constantFrom('ascending', 'descending'),
            count: fc.integer({ min: 1, max: 7 }),
          }),
          async ({ filter, sortBy, sortOrder, count }) => {
            const parameters = {
              ...(filter === undefined ? {} : { filter }),
              ...(sortBy === undefined ? {} : { sortBy, sortOrder }),
            };
            const memory = await walkByIndex(twins.memory, parameters, count);
            const sql = await walkByIndex(twins.sql, parameters, count);
            expect(sql).toEqual(memory);
            expect(new Set(sql.seen).size).toBe(sql.seen.length);
            expect(sql.totals).toEqual([sql.seen.length]);
            const memoryCursor = await walkByCursor(twins.memory, parameters, count);
            const sqlCursor = await walkByCursor(twins.sql, parameters, count);
            expect(sqlCursor).toEqual(memoryCursor);
            expect(sqlCursor).toEqual(sql.seen);
          },
        ),
        { numRuns: CHAIN_RUNS, endOnFailure: true },
      );
    }, 120_000);

    it('C-CUR-03, C-CUR-06: cursor pages without a sort are keyset pages the database cuts', async () => {
      twins.applied.length = 0;
      const seen = await walkByCursor(twins.sql, { filter: 'userName pr' }, 4);
      expect(seen).toEqual(await walkByCursor(twins.memory, { filter: 'userName pr' }, 4));
      expect(seen).toHaveLength(USERS.length);
      expect(twins.applied.every((applied) => applied.page)).toBe(true);
    });
  });

  describe.skipIf(engine.skipped !== undefined)(`code point order: ${engine.name}`, () => {
    let database: TestDatabase;
    let twins: Twins;
    beforeAll(async () => {
      database = await engine.open();
      twins = await openTwins(database);
      let at = Date.parse('2024-05-01T00:00:00.000Z');
      // U+E000 (private use) and U+FFFD sort before a surrogate pair by code point, after it by
      // UTF-16 unit; only the code point order is the checklist's (S-TYPE-01, P-SORT-07). Both are
      // their own case fold and NFKC form, so folded and caseExact columns order them alike.
      for (const [userName, externalId] of [
        ['\ue000-user', '\ue000'],
        ['😀-user', '😀'],
        ['\ufffd-user', '\ufffd'],
        ['z-user', 'z'],
      ] as const) {
        const [memory, sql] = await twins.write(
          'POST',
          '/Users',
          { schemas: [USER_URN], userName, externalId, displayName: externalId },
          (at += 1000),
        );
        expect([memory.status, sql.status]).toEqual([201, 201]);
      }
    }, 120_000);
    afterAll(async () => {
      await twins?.close();
      await database?.close();
    });

    it('S-TYPE-01: filters order by code point in both storages', async () => {
      const { memory, sql } = await searchBoth(twins, '/Users', {
        filter: 'externalId gt "\ue000"',
      });
      expect(sql).toEqual(memory);
      expect(namesOf(sql)).toEqual(['😀-user', '\ufffd-user']);
    });

    for (const sortBy of ['userName', 'displayName', 'externalId'])
      it(`P-SORT-07: sortBy=${sortBy} orders by code point, in both storages`, async () => {
        const { memory, sql } = await searchBoth(twins, '/Users', { sortBy });
        expect(namesOf(sql)).toEqual(['z-user', '\ue000-user', '\ufffd-user', '😀-user']);
        expect(sql).toEqual(memory);
      });
  });
}
