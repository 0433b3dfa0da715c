// A user deleted while a PUT, POST or PATCH writes a group listing it: the group write takes a
// shared lock on each new member, so the delete waits for it, or the write waits for the delete and
// is refused. A row the delete's listing of the user's groups missed makes it run again, so the
// group leaves it with a new version and an event (P-CRUD-17). No group lists a deleted user.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attributeValueKey, GroupResourceType, UserResourceType } from '@scim/core';
import { sql } from 'kysely';
import { createScimHandler, type ScimStore } from '@scim/server';
import { createSqlStorage } from '@scim/sql';
import { callerOf } from './fixtures/call.js';
import { ENGINES, type TestDatabase } from './fixtures/databases.js';
import { leaverAndGroup, raceContext, raceResource } from './fixtures/race-kit.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
/** How a group's member rows key a member value. */
const MEMBER_VALUE = (() => {
  const members = GroupResourceType.schema.attributes.find((one) => one.name === 'members');
  const value = members?.subAttributes?.find((one) => one.name === 'value');
  if (value === undefined) throw new Error('Group has no members.value');
  return value;
})();

for (const engine of ENGINES) {
  describe.skipIf(engine.skipped !== undefined)(
    `delete racing a group write on ${engine.name}`,
    () => {
      let database: TestDatabase;
      beforeAll(async () => {
        database = await engine.open();
      }, 120_000);
      afterAll(async () => database?.close());

      it('a delete that commits while a replace holds the new member row waits for it, and removes the row', async () => {
        const { storage, users, groups } = await leaverAndGroup(database);

        let written!: () => void;
        const memberWritten = new Promise<void>((resolve) => (written = resolve));
        let proceed!: () => void;
        const mayCommit = new Promise<void>((resolve) => (proceed = resolve));
        // The server's own path for a PUT: check the new member exists, then replace the group.
        const replacing = storage.transaction(async (tx) => {
          if ((await users.get('u1', raceContext(UserResourceType, tx))) === undefined)
            throw new Error('Member u1 does not exist');
          await groups.replace(
            raceResource(
              'g1',
              { displayName: 'Staff', members: [{ value: 'u1', type: 'User' }] },
              'Group',
            ),
            raceContext(GroupResourceType, tx, 'W/"g1"'),
          );
          written();
          await mayCommit;
        });
        const settled = Promise.allSettled([replacing]);
        await memberWritten;
        let deleted = false;
        const deletion = users
          .delete('u1', raceContext(UserResourceType, undefined))
          .then((result) => ((deleted = true), result));
        await new Promise((resolve) => setTimeout(resolve, 150));
        const finishedEarly = deleted;
        proceed();
        // The member row is not committed: a delete that finished now could not have removed it.
        expect(finishedEarly).toBe(false);
        expect(await deletion).toBe(true);
        await settled;
        const group = await groups.get('g1', raceContext(GroupResourceType, undefined));
        expect(group?.members ?? []).toEqual([]);
      });

      for (const ifMatch of [false, true])
        it(`P-CRUD-17: a member add that commits while DELETE${ifMatch ? ' (with If-Match)' : ''} waits for the user gives the group a new version and a cascade event`, async () => {
          const storage = createSqlStorage({ db: database.db, tablePrefix: database.tablePrefix });
          await storage.clear();
          const groups = storage.stores.Group!;
          // The identity provider's member PATCH writes its row, then holds its transaction open
          // (and with it the shared lock on the user) until the DELETE has started.
          let added!: () => void;
          const rowWritten = new Promise<void>((resolve) => (added = resolve));
          let release!: () => void;
          const mayCommit = new Promise<void>((resolve) => (release = resolve));
          // The DELETE's listings of the user's groups: one, and one more for each rerun.
          let deleting = false;
          let listings = 0;
          let listed!: () => void;
          const firstListing = new Promise<void>((resolve) => (listed = resolve));
          const holding: ScimStore = {
            ...groups,
            modifyMembers: async (id, change, context) => {
              const result = await groups.modifyMembers!(id, change, context);
              if (change.add.length > 0) {
                added();
                await mayCommit;
              }
              return result;
            },
            groupsOf: async (memberIds, context) => {
              const found = await groups.groupsOf!(memberIds, context);
              if (deleting) {
                listings += 1;
                listed();
              }
              return found;
            },
          };
          // SQLite and PGlite run one write at a time: their DELETE starts once the PATCH commits.
          const concurrent = engine.name === 'postgres' || engine.name === 'mysql';
          const handler = createScimHandler({
            ...storage,
            stores: { ...storage.stores, Group: holding },
            authenticate: 'anonymous',
          });
          const call = callerOf(handler);
          try {
            const leaver = await call('POST', '/Users', { schemas: [USER], userName: 'leaver' });
            const user = leaver.body.id as string;
            const group = (
              await call('POST', '/Groups', { schemas: [GROUP], displayName: 'Staff' })
            ).body.id as string;
            const adding = call('PATCH', `/Groups/${group}`, {
              schemas: [PATCH],
              Operations: [{ op: 'add', path: 'members', value: [{ value: user }] }],
            });
            await rowWritten;
            deleting = true;
            // RFC 7644 §3.14: the user's version is unchanged, so If-Match still holds: a group
            // that changed meanwhile is no reason for a 412.
            const deletion = call(
              'DELETE',
              `/Users/${user}`,
              undefined,
              ifMatch ? { 'if-match': leaver.etag ?? '' } : {},
            );
            // On PostgreSQL and MySQL the delete lists no group (the row is not committed yet), then
            // waits for the user's lock; SQLite and PGlite run it after the PATCH commits.
            if (concurrent) await firstListing;
            else await new Promise((resolve) => setTimeout(resolve, 50));
            release();
            const patched = await adding;
            expect(patched.status).toBeLessThan(300);
            expect((await deletion).status).toBe(204);
            // The first attempt found the late row and was refused; the rerun listed the group.
            expect(listings).toBe(concurrent ? 2 : 1);

            const read = await call('GET', `/Groups/${group}`);
            expect(read.body.members).toBeUndefined();
            // The representation changed, so its version did (RFC 7644 §3.14).
            expect(read.etag).not.toBe(patched.etag);
            const removals = (await storage.outbox.list())
              .map(({ event }) => event)
              .filter((event) => event.type === 'membersRemoved' && event.resourceId === group);
            expect(removals).toMatchObject([
              { operation: 'cascade', members: [user], version: read.etag },
            ]);
          } finally {
            await handler.close?.();
          }
        });

      it('P-CRUD-17: a member row of a group that no longer exists does not stop the DELETE', async () => {
        const { storage } = await leaverAndGroup(database);
        // The tables have no foreign keys: a restore or a hand edit can leave such a row, which no
        // listing finds (it joins the group's row), so no rerun would ever remove it.
        await sql`INSERT INTO ${sql.table(`${database.tablePrefix}members`)} (tenant, resource_type, group_id, member_key, member_type, element) VALUES ('', 'Group', 'gone', ${attributeValueKey(MEMBER_VALUE, 'u1')}, 'User', ${JSON.stringify({ value: 'u1', type: 'User' })})`.execute(
          database.db,
        );
        const handler = createScimHandler({
          ...storage,
          authenticate: 'anonymous',
          conflictRetryMs: 500,
        });
        try {
          const answer = await handler.fetch(
            new Request('https://scim.test/scim/v2/Users/u1', { method: 'DELETE' }),
          );
          expect(answer.status).toBe(204);
          const left = await sql<{
            n: unknown;
          }>`SELECT COUNT(*) AS n FROM ${sql.table(`${database.tablePrefix}members`)}`.execute(
            database.db,
          );
          expect(Number(left.rows[0]?.n)).toBe(0);
        } finally {
          await handler.close?.();
        }
      });

      it('P-CRUD-17: a user given the id of a group leaves that group when deleted', async () => {
        const storage = createSqlStorage({ db: database.db, tablePrefix: database.tablePrefix });
        await storage.clear();
        // RFC 7643 §3.1 makes ids unique across resources; a generateId per table does not.
        const ids = ['1', '1'];
        const handler = createScimHandler({
          ...storage,
          authenticate: 'anonymous',
          conflictRetryMs: 500,
          generateId: () => ids.shift() ?? crypto.randomUUID(),
        });
        const call = callerOf(handler);
        try {
          expect((await call('POST', '/Users', { schemas: [USER], userName: 'one' })).status).toBe(
            201,
          );
          const group = await call('POST', '/Groups', {
            schemas: [GROUP],
            displayName: 'Ones',
            members: [{ value: '1', type: 'User' }],
          });
          expect(group.body.id).toBe('1');
          expect((await call('DELETE', '/Users/1')).status).toBe(204);
          expect((await call('GET', '/Groups/1')).body.members).toBeUndefined();
        } finally {
          await handler.close?.();
        }
      });

      it('P-CRUD-17: a group listed among its own members is deleted', async () => {
        const storage = createSqlStorage({ db: database.db, tablePrefix: database.tablePrefix });
        await storage.clear();
        const handler = createScimHandler({
          ...storage,
          authenticate: 'anonymous',
          conflictRetryMs: 500,
        });
        const send = (method: string, path: string, body?: unknown) =>
          handler.fetch(
            new Request(`https://scim.test/scim/v2${path}`, {
              method,
              headers: { 'content-type': 'application/scim+json' },
              ...(body === undefined ? {} : { body: JSON.stringify(body) }),
            }),
          );
        try {
          const created = (await (
            await send('POST', '/Groups', { schemas: [GROUP], displayName: 'Loop' })
          ).json()) as { readonly id: string };
          const added = await send('PATCH', `/Groups/${created.id}`, {
            schemas: [PATCH],
            Operations: [{ op: 'add', path: 'members', value: [{ value: created.id }] }],
          });
          expect(added.status).toBeLessThan(300);
          expect((await send('DELETE', `/Groups/${created.id}`)).status).toBe(204);
          expect((await send('GET', `/Groups/${created.id}`)).status).toBe(404);
        } finally {
          await handler.close?.();
        }
      });

      it('PUT, POST and a general PATCH racing DELETE never leave a deleted user in a group', async () => {
        const storage = createSqlStorage({ db: database.db, tablePrefix: database.tablePrefix });
        await storage.clear();
        const handler = createScimHandler({ ...storage, authenticate: 'anonymous' });
        const call = callerOf(handler);
        try {
          const group = (await call('POST', '/Groups', { schemas: [GROUP], displayName: 'Staff' }))
            .body?.id as string;
          const dangling: string[] = [];
          for (let round = 0; round < 36; round++) {
            const user = (await call('POST', '/Users', { schemas: [USER], userName: `u${round}` }))
              .body?.id as string;
            const kind = round % 3;
            const write =
              kind === 0
                ? call('PUT', `/Groups/${group}`, {
                    schemas: [GROUP],
                    displayName: 'Staff',
                    members: [{ value: user }],
                  })
                : kind === 1
                  ? call('PATCH', `/Groups/${group}`, {
                      schemas: [PATCH],
                      Operations: [
                        { op: 'add', path: 'members', value: [{ value: user }] },
                        { op: 'replace', path: 'displayName', value: `Staff ${round}` },
                      ],
                    })
                  : call('POST', '/Groups', {
                      schemas: [GROUP],
                      displayName: `Team ${round}`,
                      members: [{ value: user }],
                    });
            const removal = new Promise((resolve) => setTimeout(resolve, Math.random() * 6)).then(
              () => call('DELETE', `/Users/${user}`),
            );
            const [written, removed] = await Promise.all([write, removal]);
            expect(removed.status).toBe(204);
            // Refused, the write says the member does not exist, as a member PATCH does.
            if (written.status === 400)
              expect(JSON.stringify(written.body)).toMatch(/does not exist/);
            else expect(written.status).toBeLessThan(300);
            const listed = await call(
              'GET',
              `/Groups?filter=${encodeURIComponent(`members.value eq "${user}"`)}`,
            );
            if (Number(listed.body.totalResults ?? 0) > 0) dangling.push(`${kind}:${user}`);
          }
          expect(dangling).toEqual([]);
        } finally {
          await handler.close?.();
        }
      }, 120_000);
    },
  );
}
