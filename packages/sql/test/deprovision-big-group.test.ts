// Deprovisioning a member of a 10,000-member group on every database, through the handler (issue
// 12, checklist P-CRUD-17): `active=false` and DELETE send the same statements for a member of a
// big group as for a member of a small one, none of them reads every member row, and the user
// leaves the big group with a new group version and a cascade event.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql, type CompiledQuery } from 'kysely';
import { GroupResourceType, type ScimResourceType } from '@scim/core';
import { createScimHandler, type StoreContext } from '@scim/server';
import { createSqlStorage } from '@scim/sql';
import { groupOf, insertUsers } from './fixtures/bulk-users.js';
import { callerOf } from './fixtures/call.js';
import { ENGINES, type TestDatabase } from './fixtures/databases.js';
import { explain, recorder } from './fixtures/plans.js';

const BIG = 10_000;
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

const storeContext = (resourceType: ScimResourceType): StoreContext => ({
  resourceType,
  principal: 'test',
  tenant: undefined,
  signal: new AbortController().signal,
});

for (const engine of ENGINES) {
  describe.skipIf(engine.skipped !== undefined)(
    `deprovisioning a member of a ${BIG}-member group: ${engine.name}`,
    () => {
      let database: TestDatabase;
      beforeAll(async () => {
        database = await engine.open();
      }, 120_000);
      afterAll(async () => database?.close());

      it('active=false and DELETE cost a member of a big group what they cost a member of a small one', async () => {
        const statements: CompiledQuery[] = [];
        const storage = createSqlStorage({
          db: database.db.withPlugin(recorder(database.db, statements)),
          tablePrefix: database.tablePrefix,
        });
        await storage.clear();
        // The default tenant, as the handler below writes it.
        const users = await insertUsers(database, '', BIG + 3);
        const groups = storage.stores.Group!;
        const big = await groups.create(
          groupOf('Everyone', users.slice(0, BIG)),
          storeContext(GroupResourceType),
        );
        await groups.create(groupOf('Few', users.slice(BIG)), storeContext(GroupResourceType));
        if (engine.name === 'postgres')
          for (const table of ['members', 'resources'])
            await sql`ANALYZE ${sql.table(`${database.tablePrefix}${table}`)}`.execute(database.db);
        // No poller: the statements of each request are its own.
        const handler = createScimHandler({
          ...storage,
          authenticate: 'anonymous',
          delivery: { pollMs: 0 },
        });
        const call = callerOf(handler);
        /** Deactivates, then deletes the user; the statements each request sent. */
        const deprovision = async (id: string) => {
          statements.length = 0;
          const deactivated = await call('PATCH', `/Users/${id}`, {
            schemas: [PATCH],
            Operations: [{ op: 'replace', path: 'active', value: false }],
          });
          expect(deactivated.status).toBe(200);
          expect(deactivated.body.active).toBe(false);
          const deactivating = statements.splice(0);
          expect((await call('DELETE', `/Users/${id}`)).status).toBe(204);
          return { deactivating, deleting: statements.splice(0) };
        };
        try {
          // The drain a handler runs when it starts, done before anything is counted.
          expect((await call('GET', '/ServiceProviderConfig')).status).toBe(200);
          await handler.deliverDue();
          const leaver = users[BIG / 2] as string;
          const inBig = await deprovision(leaver);
          const inSmall = await deprovision(users[BIG + 1] as string);
          const shapes = (sent: readonly CompiledQuery[]) => sent.map((statement) => statement.sql);
          expect(shapes(inBig.deactivating)).toEqual(shapes(inSmall.deactivating));
          expect(shapes(inBig.deleting)).toEqual(shapes(inSmall.deleting));

          const membersTable = `${database.tablePrefix}members`;
          let planned = 0;
          for (const statement of [...inBig.deactivating, ...inBig.deleting]) {
            if (!/^\s*(SELECT|UPDATE|DELETE|WITH)\b/i.test(statement.sql)) continue;
            if (!statement.sql.includes(membersTable)) continue;
            const plan = await explain(database, statement);
            planned += 1;
            expect(fullReadsOfMembers(engine.name, membersTable, plan), statement.sql).toEqual([]);
          }

          // The big group's row lookups: the user's groups, for the PATCH's answer and the
          // DELETE's clean-up, and the removal of its member row.
          expect(planned).toBeGreaterThanOrEqual(3);
          expect((await call('GET', `/Users/${leaver}`)).status).toBe(404);
          const listing = await call(
            'GET',
            `/Groups?filter=${encodeURIComponent(`members.value eq "${leaver}"`)}&attributes=id`,
          );
          expect(listing.body.totalResults).toBe(0);
          const read = await call(
            'GET',
            `/Groups?filter=${encodeURIComponent(`id eq "${big.id as string}"`)}&attributes=meta`,
          );
          const [group] = read.body.Resources as { readonly meta: { readonly version: string } }[];
          expect(group?.meta.version).not.toBe(big.meta?.version);
          const left = (await storage.outbox.list())
            .map(({ event }) => event)
            .filter((event) => event.type === 'membersRemoved' && event.resourceId === big.id);
          expect(left).toMatchObject([
            { operation: 'cascade', members: [leaver], version: group?.meta.version },
          ]);
        } finally {
          await handler.close?.();
        }
      }, 600_000);
    },
  );
}

/** The steps of a plan that read the member table whole, where an index seek was due. */
function fullReadsOfMembers(
  engine: string,
  table: string,
  plan: readonly Record<string, unknown>[],
): string[] {
  const steps = plan.map((row) => Object.values(row).map(String).join(' '));
  if (engine === 'sqlite')
    return steps.filter((step) => new RegExp(`\\bSCAN (${table}|m|n|d)\\b`).test(step));
  if (engine === 'mysql')
    return plan
      .filter(
        (row) =>
          [table, 'm', 'n', 'd'].includes(String(row.table)) &&
          (row.type === 'ALL' || row.type === 'index'),
      )
      .map((row) => JSON.stringify(row));
  return steps.filter((step) => step.includes(`Seq Scan on ${table}`));
}
