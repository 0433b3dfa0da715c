// What the outbox records for a change, through the handler: every event of one write shares its
// changeId, and membership events carry the version (ETag) the write gave the group, whether the
// store applied the change as member rows (modifyMembers) or the server rewrote the group, and for a
// deleted user leaving its groups. RFC 9967 SETs take their `txn` and `version` from these.
import { describe, expect, it } from 'vitest';
import type { LifecycleEvent, ScimStore } from '@scim/server';
import { createMemoryStore } from '@scim/server/memory';
import { bj, G, PO, server } from './helpers.js';

/** A memory store without the membership operations, so the server rewrites whole groups. */
function withoutMembershipOperations(): ScimStore {
  const inner = createMemoryStore();
  return {
    get: (id, context) => inner.get(id, context),
    query: (query, context) => inner.query(query, context),
    create: (resource, context) => inner.create(resource, context),
    replace: (resource, context) => inner.replace(resource, context),
    delete: (id, context) => inner.delete(id, context),
  };
}

const paths = [
  ['member rows (modifyMembers)', () => createMemoryStore()],
  ['whole-group rewrites', withoutMembershipOperations],
] as const;

for (const [name, groupStore] of paths)
  describe(`lifecycle records over ${name}`, () => {
    const setup = () => {
      const events: LifecycleEvent[] = [];
      const { call } = server({
        stores: { User: createMemoryStore(), Group: groupStore() },
        delivery: { pollMs: 0 },
        hooks: { onEvent: (event: LifecycleEvent) => void events.push(event) },
      });
      return { call, events };
    };

    it('E-SET-07: a member added by PATCH is recorded with the ETag the PATCH answered', async () => {
      const { call, events } = setup();
      const user = await call('POST', '/Users', bj);
      const group = await call('POST', '/Groups', { schemas: [G], displayName: 'Tour Guides' });
      const patched = await call('PATCH', `/Groups/${group.body.id as string}`, {
        schemas: [PO],
        Operations: [{ op: 'add', path: 'members', value: [{ value: user.body.id }] }],
      });
      expect(patched.status).toBeLessThan(300);
      const after = await call('GET', `/Groups/${group.body.id as string}`);
      const added = events.filter((event) => event.type === 'membersAdded');
      expect(added).toHaveLength(1);
      expect(added[0]?.version).toBe(after.headers.get('etag'));
    });

    it('E-SET-06: a PATCH renaming a group and adding a member records both under one changeId', async () => {
      const { call, events } = setup();
      const user = await call('POST', '/Users', bj);
      const group = await call('POST', '/Groups', { schemas: [G], displayName: 'Tour Guides' });
      events.length = 0;
      await call('PATCH', `/Groups/${group.body.id as string}`, {
        schemas: [PO],
        Operations: [
          { op: 'replace', path: 'displayName', value: 'Guides' },
          { op: 'add', path: 'members', value: [{ value: user.body.id }] },
        ],
      });
      expect(events.map((event) => event.type).sort()).toEqual(['membersAdded', 'updated']);
      expect(new Set(events.map((event) => event.changeId)).size).toBe(1);
    });

    it('E-SET-07: a deleted user leaving its group is recorded with the group’s new ETag', async () => {
      const { call, events } = setup();
      const user = await call('POST', '/Users', bj);
      const group = await call('POST', '/Groups', {
        schemas: [G],
        displayName: 'Tour Guides',
        members: [{ value: user.body.id }],
      });
      expect((await call('DELETE', `/Users/${user.body.id as string}`)).status).toBe(204);
      const after = await call('GET', `/Groups/${group.body.id as string}`);
      const cascaded = events.filter((event) => event.operation === 'cascade');
      expect(cascaded).toHaveLength(1);
      expect(cascaded[0]?.version).toBe(after.headers.get('etag'));
    });
  });
