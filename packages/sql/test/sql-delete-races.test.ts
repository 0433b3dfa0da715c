// A user deleted while a PUT or POST writes a group listing it: the group write takes the same
// shared lock on each new member as a member PATCH does, so the delete waits for it and removes the
// member row, or the write waits for the delete and is refused. No group lists a deleted user.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroupResourceType, UserResourceType } from '@scim/core';
import { createScimHandler, type ScimStore } from '@scim/server';
import { createSqlStorage } from '@scim/sql';
import { ENGINES, type TestDatabase } from './fixtures/databases.js';
import { leaverAndGroup, raceContext, raceResource } from './fixtures/race-kit.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

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

      it('P-CRUD-17: a member add that commits while DELETE waits for the user gives the group a new version and a cascade event', async () => {
        const storage = createSqlStorage({ db: database.db, tablePrefix: database.tablePrefix });
        await storage.clear();
        const groups = storage.stores.Group!;
        // The identity provider's member PATCH writes its row, then holds its transaction open
        // (and with it the shared lock on the user) until the DELETE has started.
        let added!: () => void;
        const rowWritten = new Promise<void>((resolve) => (added = resolve));
        let release!: () => void;
        const mayCommit = new Promise<void>((resolve) => (release = resolve));
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
        };
        const handler = createScimHandler({
          ...storage,
          stores: { ...storage.stores, Group: holding },
          authenticate: 'anonymous',
        });
        const call = async (method: string, path: string, body?: unknown) => {
          const answer = await handler.fetch(
            new Request(`https://scim.test/scim/v2${path}`, {
              method,
              headers: { 'content-type': 'application/scim+json' },
              ...(body === undefined ? {} : { body: JSON.stringify(body) }),
            }),
          );
          return {
            status: answer.status,
            etag: answer.headers.get('etag'),
            text: await answer.text(),
          };
        };
        try {
          const idOf = (text: string) => (JSON.parse(text) as { readonly id: string }).id;
          const user = idOf(
            (await call('POST', '/Users', { schemas: [USER], userName: 'leaver' })).text,
          );
          const group = idOf(
            (await call('POST', '/Groups', { schemas: [GROUP], displayName: 'Staff' })).text,
          );
          const adding = call('PATCH', `/Groups/${group}`, {
            schemas: [PATCH],
            Operations: [{ op: 'add', path: 'members', value: [{ value: user }] }],
          });
          await rowWritten;
          const deleting = call('DELETE', `/Users/${user}`);
          // On PostgreSQL and MySQL the delete lists no group (the row is not committed) and waits
          // for the user's lock; SQLite and PGlite run it after the PATCH commits.
          await new Promise((resolve) => setTimeout(resolve, 150));
          release();
          const patched = await adding;
          expect(patched.status).toBeLessThan(300);
          expect((await deleting).status).toBe(204);

          const read = await call('GET', `/Groups/${group}`);
          expect((JSON.parse(read.text) as { readonly members?: unknown }).members).toBeUndefined();
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

      it('PUT, POST and a general PATCH racing DELETE never leave a deleted user in a group', async () => {
        const storage = createSqlStorage({ db: database.db, tablePrefix: database.tablePrefix });
        await storage.clear();
        const handler = createScimHandler({ ...storage, authenticate: 'anonymous' });
        const call = async (method: string, path: string, body?: unknown) => {
          const answer = await handler.fetch(
            new Request(`https://scim.test/scim/v2${path}`, {
              method,
              headers: { 'content-type': 'application/scim+json' },
              ...(body === undefined ? {} : { body: JSON.stringify(body) }),
            }),
          );
          const text = await answer.text();
          return {
            status: answer.status,
            body:
              text === ''
                ? undefined
                : (JSON.parse(text) as { readonly id: string; readonly totalResults: number }),
          };
        };
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
            if ((listed.body?.totalResults ?? 0) > 0) dangling.push(`${kind}:${user}`);
          }
          expect(dangling).toEqual([]);
        } finally {
          await handler.close?.();
        }
      }, 120_000);
    },
  );
}
