// Filters on a user's groups (RFC 7643 §4.1.2: `groups` is readOnly, computed from group membership)
// on every database: the same answers as the memory storage through the whole server, decided in
// the database for every shape a client sends (the member rows joined by tenant, nested groups
// walked by a recursive query), and a 10,000-member group answered through the member index.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type CompiledQuery, type Kysely } from 'kysely';
import { GroupResourceType, UserResourceType, type ScimResource } from '@scim/core';
import { bindFilter, parseFilter } from '@scim/filter';
import type { StoreContext, StoreQuery } from '@scim/server';
import { createSqlStorage } from '@scim/sql';
import { pushedDown, runsFromEnvironment, searchBoth } from './fixtures/compare-answers.js';
import { ENGINES, type TestDatabase } from './fixtures/databases.js';
import { loadDirectory, type Loaded } from './fixtures/directory.js';
import { explain, recorder } from './fixtures/plans.js';
import { groupOf, insertUsers, userNamed } from './fixtures/bulk-users.js';
import { PATCH_URN, openTwins, type Twins } from './fixtures/twin-handlers.js';

const RUNS = runsFromEnvironment(150);

/** Nesting on top of the directory's groups: 0 ∋ 2 ∋ 5 ∋ 0 (a loop), and 3 ∋ 1. */
const NESTING: readonly (readonly [parent: number, child: number])[] = [
  [0, 2],
  [2, 5],
  [5, 0],
  [3, 1],
];

const ELEMENT_OPERATORS = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'lt'] as const;

/** Filters naming groups: every sub-attribute, presence, value filters, with other terms around. */
function groupsFilter(groupIds: readonly string[]): fc.Arbitrary<string> {
  const quoted = (text: string) => JSON.stringify(text);
  const ids = fc.oneof(
    fc.constantFrom(...groupIds),
    fc.constantFrom(...groupIds).map((id) => id.toUpperCase()),
    fc.constantFrom('id-0', 'ID-000', 'zz', ''),
  );
  const names = fc.constantFrom(
    'Engineers',
    'ENGINEERS ',
    'straße',
    'STRASSE',
    '100%',
    'everyone',
    '😀 club',
    'e',
    's',
    '',
  );
  const types = fc.constantFrom('direct', 'indirect', 'DIRECT', 'other');
  const leaf = fc.oneof(
    fc
      .tuple(fc.constantFrom(...ELEMENT_OPERATORS), ids)
      .map(([op, id]) => `value ${op} ${quoted(id)}`),
    fc
      .tuple(fc.constantFrom(...ELEMENT_OPERATORS), names)
      .map(([op, name]) => `display ${op} ${quoted(name)}`),
    fc.tuple(fc.constantFrom('eq', 'ne'), types).map(([op, type]) => `type ${op} ${quoted(type)}`),
    fc.constantFrom('value pr', 'display pr', 'type pr', 'display eq null', 'display ne null'),
  );
  const element = fc.oneof(
    { weight: 3, arbitrary: leaf },
    { weight: 1, arbitrary: fc.tuple(leaf, leaf).map(([a, b]) => `${a} and ${b}`) },
    { weight: 1, arbitrary: fc.tuple(leaf, leaf).map(([a, b]) => `(${a} or ${b})`) },
    { weight: 1, arbitrary: leaf.map((a) => `not (${a})`) },
  );
  const top = fc.oneof(
    { weight: 3, arbitrary: element.map((inner) => `groups[${inner}]`) },
    { weight: 3, arbitrary: leaf.map((inner) => `groups.${inner}`) },
    { weight: 1, arbitrary: ids.map((id) => `groups eq ${quoted(id)}`) },
    {
      weight: 1,
      arbitrary: fc.constantFrom('groups pr', 'groups.value eq null', 'groups.display eq null'),
    },
  );
  return fc.oneof(
    { weight: 3, arbitrary: top },
    { weight: 1, arbitrary: top.map((a) => `not (${a})`) },
    { weight: 1, arbitrary: fc.tuple(top, top).map(([a, b]) => `${a} and ${b}`) },
    { weight: 1, arbitrary: fc.tuple(top, top).map(([a, b]) => `${a} or ${b}`) },
    { weight: 1, arbitrary: top.map((a) => `${a} and userName sw "a"`) },
    // `title` has no column: the store evaluates the filter itself, with each candidate's groups.
    { weight: 1, arbitrary: top.map((a) => `${a} or title pr`) },
  );
}

for (const engine of ENGINES) {
  describe.skipIf(engine.skipped !== undefined)(`groups filters: ${engine.name}`, () => {
    let database: TestDatabase;
    let twins: Twins;
    let loaded: Loaded;
    beforeAll(async () => {
      database = await engine.open();
      twins = await openTwins(database);
      loaded = await loadDirectory(twins);
      let at = Date.parse('2024-04-01T00:00:00.000Z');
      for (const [parent, child] of NESTING) {
        const [memory, sql] = await twins.write(
          'PATCH',
          `/Groups/${loaded.groupIds[parent] as string}`,
          {
            schemas: [PATCH_URN],
            Operations: [
              { op: 'add', path: 'members', value: [{ value: loaded.groupIds[child] }] },
            ],
          },
          (at += 1000),
        );
        expect([memory.status, sql.status]).toEqual([204, 204]);
      }
    }, 120_000);
    afterAll(async () => {
      await twins?.close();
      await database?.close();
    });

    it(`S-USER-07, S-GROUP-04: ${RUNS} generated filters on groups, with and without a sort and a page, answer as the memory storage does`, async () => {
      twins.applied.length = 0;
      await fc.assert(
        fc.asyncProperty(
          groupsFilter(loaded.groupIds),
          fc.option(
            fc.record({ sortBy: fc.constant('userName'), count: fc.integer({ min: 0, max: 5 }) }),
            { nil: undefined },
          ),
          async (filter, page) => {
            const { memory, sql } = await searchBoth(twins, '/Users', { filter, ...page });
            expect(sql, `filter=${filter} ${JSON.stringify(page)}`).toEqual(memory);
          },
        ),
        { numRuns: RUNS, endOnFailure: true },
      );
      const decided = twins.applied.filter((applied) => applied.page).length;
      expect(decided / twins.applied.length).toBeGreaterThan(0.5);
    }, 300_000);

    it('the shapes clients send are decided in the database, and answer as the memory storage does', async () => {
      const [engineers, , strasse] = loaded.groupIds as [string, string, string];
      for (const filter of [
        `groups.value eq "${engineers}"`,
        `groups[value eq "${engineers}"]`,
        `groups eq "${engineers.toUpperCase()}"`,
        `groups[value eq "${strasse}" and type eq "indirect"]`,
        'groups.display eq "straße"',
        'groups pr',
        'not (groups pr)',
        `userName eq "alice" and groups.value eq "${engineers}"`,
        `groups.value eq "${engineers}" or groups.value eq "${strasse}"`,
      ]) {
        twins.applied.length = 0;
        const { memory, sql } = await searchBoth(twins, '/Users', { filter });
        expect(sql, filter).toEqual(memory);
        expect(pushedDown(twins), `${filter} must be decided in the database`).toBe(true);
        expect(memory.status).toBe(200);
      }
      const all = await searchBoth(twins, '/Users', { filter: 'groups pr or not (groups pr)' });
      expect(all.sql.totalResults).toBe(loaded.userIds.length);
    });

    it('a group id of another tenant never matches: the member rows are joined within the tenant', async () => {
      const storage = createSqlStorage({ db: database.db, tablePrefix: database.tablePrefix });
      const users = storage.stores.User;
      const groups = storage.stores.Group;
      if (users === undefined || groups === undefined) throw new Error('no stores');
      const [a, b] = ['iso-a', 'iso-b'];
      const ann = await users.create(userNamed('iso-ann'), context(UserResourceType, a));
      const bob = await users.create(userNamed('iso-bob'), context(UserResourceType, b));
      // Tenant B's group lists both ids, and shares its name with tenant A's.
      await groups.create(groupOf('Shared', [ann.id as string]), context(GroupResourceType, a));
      const inB = await groups.create(
        groupOf('Shared', [bob.id as string, ann.id as string]),
        context(GroupResourceType, b),
      );
      const ids = async (filter: string, tenant: string) =>
        (await users.query(queryOf(filter), context(UserResourceType, tenant))).resources.map(
          (resource) => resource.id,
        );
      expect(await ids(`groups.value eq "${inB.id as string}"`, a)).toEqual([]);
      expect(await ids(`groups.value eq "${inB.id as string}"`, b)).toEqual([bob.id]);
      expect(await ids('groups.display eq "shared"', a)).toEqual([ann.id]);
      expect(await ids('groups pr', b)).toEqual([bob.id]);
    });
  });
}

/** 10,000 members, in one group of ten in a tenant of 10,005 users. */
const BIG = 10_000;

for (const engine of ENGINES) {
  describe.skipIf(engine.skipped !== undefined)(`a ${BIG}-member group: ${engine.name}`, () => {
    let database: TestDatabase;
    const statements: CompiledQuery[] = [];
    let db: Kysely<Record<string, never>>;
    beforeAll(async () => {
      database = await engine.open();
      db = database.db.withPlugin(recorder(database.db, statements));
    }, 120_000);
    afterAll(async () => database?.close());

    it(`groups.value eq answers ${BIG} members from the member index, in the database, with the page and the count`, async () => {
      const storage = createSqlStorage({ db, tablePrefix: database.tablePrefix });
      await storage.clear();
      const users = storage.stores.User;
      const groups = storage.stores.Group;
      if (users === undefined || groups === undefined) throw new Error('no stores');
      const tenant = 'big';
      const started = Date.now();
      const members = await insertUsers(database, tenant, BIG + 5);
      members.length = BIG;
      for (let i = 0; i < 9; i++)
        await groups.create(
          groupOf(`small ${i}`, members.slice(i * 3, i * 3 + 3)),
          context(GroupResourceType, tenant),
        );
      console.info(`${engine.name}: ${BIG + 5} users in ${Date.now() - started} ms`);
      const big = await groups.create(
        groupOf('Everyone', members),
        context(GroupResourceType, tenant),
      );
      const parent = await groups.create(
        { ...groupOf('Parent', []), members: [{ value: big.id, type: 'Group' }] },
        context(GroupResourceType, tenant),
      );
      if (engine.name === 'postgres')
        await sql`ANALYZE ${sql.table(`${database.tablePrefix}members`)}`.execute(database.db);

      for (const id of [big.id as string, parent.id as string]) {
        statements.length = 0;
        const asked = Date.now();
        const result = await users.query(
          { ...queryOf(`groups.value eq "${id}"`), count: 10 },
          context(UserResourceType, tenant),
        );
        console.info(
          `${engine.name}: groups.value eq, ${BIG} members, in ${Date.now() - asked} ms`,
        );
        expect(result.applied).toEqual({ filter: true, sort: true, page: true });
        expect(result.totalResults).toBe(BIG);
        expect(result.resources.map((resource) => resource.userName)).toEqual(
          Array.from({ length: 10 }, (_, i) => `user${String(i).padStart(5, '0')}`),
        );
        // The unusual-id lookup, the group ids, a level of nesting each, the count and the page:
        // as many statements for 10,000 members as for one.
        expect(statements.length).toBeLessThanOrEqual(6);
      }

      // A small group of the same tenant is found through the member index, not a scan of it.
      const small = (
        await groups.query(
          { ...queryOf('displayName eq "small 4"'), groupType: undefined },
          context(GroupResourceType, tenant),
        )
      ).resources[0] as ScimResource;
      statements.length = 0;
      const found = await users.query(
        queryOf(`groups.value eq "${small.id as string}"`),
        context(UserResourceType, tenant),
      );
      expect(found.totalResults).toBe(3);
      const asked = [...statements];
      expect(asked.some((statement) => statement.sql.includes('r.document'))).toBe(true);
      for (const statement of asked) {
        const plan = await explain(database, statement);
        expect(scansOfMembers(engine.name, database.tablePrefix, plan), statement.sql).toEqual([]);
      }
    }, 600_000);
  });
}

function context(
  resourceType: StoreContext['resourceType'],
  tenant: string,
  transaction?: unknown,
): StoreContext {
  return {
    resourceType,
    principal: 'test',
    tenant,
    signal: new AbortController().signal,
    ...(transaction === undefined ? {} : { transaction }),
  };
}

function queryOf(filter: string): StoreQuery {
  const parsed = parseFilter(filter);
  return {
    filter: parsed,
    bound: bindFilter(parsed, UserResourceType),
    sort: undefined,
    startIndex: 1,
    count: 100,
    limit: 100_000,
    groupType: GroupResourceType,
  };
}

/** The steps that read every member row (aliases m, n and d), where an index seek was due. */
function scansOfMembers(
  engine: string,
  prefix: string,
  plan: readonly Record<string, unknown>[],
): string[] {
  const steps = plan.map((row) => Object.values(row).map(String).join(' '));
  if (engine === 'sqlite') return steps.filter((step) => /\bSCAN [mnd]\b/.test(step));
  if (engine === 'mysql')
    return plan
      .filter((row) => ['m', 'n', 'd'].includes(String(row.table)) && row.type === 'ALL')
      .map((row) => JSON.stringify(row));
  return steps.filter((step) => step.includes(`Seq Scan on ${prefix}members`));
}
