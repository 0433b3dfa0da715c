// A user deleted while a client adds it to a group: the add waits for the delete and is refused, or
// the delete is refused and run again, so no deleted user stays listed as a member (docs/security.md,
// the deprovisioning guarantee).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GroupResourceType, UserResourceType } from '@scim/core';
import type { ScimStore } from '@scim/server';
import { ENGINES, type TestDatabase } from './fixtures/databases.js';
import { leaverAndGroup, raceContext, raceResource } from './fixtures/race-kit.js';

for (const engine of ENGINES) {
  describe.skipIf(engine.skipped !== undefined)(
    `delete racing a member add on ${engine.name}`,
    () => {
      let database: TestDatabase;
      beforeAll(async () => {
        database = await engine.open();
      }, 120_000);
      afterAll(async () => database?.close());

      it('a member add that starts after the delete read the user’s groups leaves no group listing the deleted user', async () => {
        const { storage, users, groups } = await leaverAndGroup(database);
        const { deletion, proceed } = await deletionAfterListing(storage, users, groups);
        // The server's own path: check the member exists, then add it, in one unit of work.
        const addition = storage.transaction(async (tx) => {
          if ((await users.get('u1', raceContext(UserResourceType, tx))) === undefined)
            throw new Error('Member u1 does not exist');
          return groups.modifyMembers!(
            'g1',
            {
              add: [{ value: 'u1', type: 'User' }],
              remove: [],
              meta: { version: 'W/"g1-2"', lastModified: '2026-01-02T00:00:00.000Z' },
            },
            raceContext(GroupResourceType, tx),
          );
        });
        const settled = Promise.allSettled([addition]);
        await new Promise((resolve) => setTimeout(resolve, 150));
        proceed();
        const deleted = await deletion.then(
          (result) => ({ result }),
          (error: unknown) => ({ error }),
        );
        // The add is refused (it waited for the delete), or it came first: then the delete, which
        // did not list that group, is refused as a write conflict rather than removing the row
        // behind the group's back, and the server runs it again from the start, as here.
        const [added] = await settled;
        if (added?.status === 'rejected') expect(String(added.reason)).toMatch(/u1 does not exist/);
        // An add that committed while the delete held its listing is never swept away unseen.
        if (added?.status === 'fulfilled') expect('error' in deleted).toBe(true);
        if ('error' in deleted) {
          expect(added?.status).toBe('fulfilled');
          expect(deleted.error).toMatchObject({ status: 412 });
          const again = await storage.transaction(async (tx) => {
            const memberships = await groups.groupsOf!(['u1'], raceContext(GroupResourceType, tx));
            expect(memberships).toMatchObject([{ group: 'g1', member: 'u1' }]);
            await groups.modifyMembers!(
              'g1',
              {
                add: [],
                remove: ['u1'],
                meta: { version: 'W/"g1-3"', lastModified: '2026-01-03T00:00:00.000Z' },
              },
              raceContext(GroupResourceType, tx),
            );
            return users.delete('u1', raceContext(UserResourceType, tx));
          });
          expect(again).toBe(true);
        } else expect(deleted.result).toBe(true);
        const group = await groups.get('g1', raceContext(GroupResourceType, undefined));
        expect(group?.members ?? []).toEqual([]);
      });

      it('a group made with the user as a member after the delete read its groups is no orphan: the delete is refused', async () => {
        const { storage, users, groups } = await leaverAndGroup(database);
        // On MySQL the listing fixes the transaction's snapshot, which never shows the new group:
        // only a locking read tells it from a row whose group is gone.
        const { deletion, proceed } = await deletionAfterListing(storage, users, groups);
        // The server's path for a POST of a group: check the member exists, then create.
        const creation = storage.transaction(async (tx) => {
          if ((await users.get('u1', raceContext(UserResourceType, tx))) === undefined)
            throw new Error('Member u1 does not exist');
          return groups.create(
            raceResource(
              'g2',
              { displayName: 'New team', members: [{ value: 'u1', type: 'User' }] },
              'Group',
            ),
            raceContext(GroupResourceType, tx),
          );
        });
        const settled = Promise.allSettled([creation]);
        await new Promise((resolve) => setTimeout(resolve, 150));
        proceed();
        const deleted = await deletion.then(
          (result) => ({ result }),
          (error: unknown) => ({ error }),
        );
        const [created] = await settled;
        if (created?.status === 'fulfilled')
          expect(deleted).toMatchObject({ error: { status: 412 } });
        else {
          // SQLite and PGlite: the creation waited for the delete, and found the user gone.
          expect(String(created?.reason)).toMatch(/u1 does not exist/);
          expect(deleted).toEqual({ result: true });
        }
      });
    },
  );
}

/**
 * The server's DELETE of `u1`, in a transaction: it lists the user's groups (none yet), then waits
 * for `proceed` before deleting, while another write runs. Resolves once the listing is done.
 */
async function deletionAfterListing(
  storage: { transaction: <T>(work: (tx: unknown) => Promise<T>) => Promise<T> },
  users: ScimStore,
  groups: ScimStore,
): Promise<{ deletion: Promise<boolean>; proceed: () => void }> {
  let listed!: () => void;
  const listing = new Promise<void>((resolve) => (listed = resolve));
  let proceed!: () => void;
  const mayProceed = new Promise<void>((resolve) => (proceed = resolve));
  const deletion = storage.transaction(async (tx) => {
    const memberships = await groups.groupsOf!(['u1'], raceContext(GroupResourceType, tx));
    expect(memberships).toEqual([]);
    listed();
    await mayProceed;
    return users.delete('u1', raceContext(UserResourceType, tx));
  });
  await listing;
  return { deletion, proceed };
}
