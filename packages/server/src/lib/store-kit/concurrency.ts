// The races identity providers cause, through a handler over the storage with every store call
// delayed as a database delays it: they send no If-Match and count a 412 as a failed push.
import type { ScimStore } from '../store.js';
import { expectStatus, handlerOver, patchOp, postGroup, postUser, type Call } from './client.js';
import { groupsListing } from './membership.js';
import { withLatency } from './latency.js';
import { check, open, sameSet, type StoreCase, type StoreConformanceOptions } from './kit.js';

/** Runs `race` against a handler whose stores all take `latencyMs` per call. */
async function slow(
  kit: StoreConformanceOptions,
  race: (call: Call, groups: ScimStore) => Promise<void>,
) {
  const { storage } = await open(kit);
  const ms = kit.latencyMs ?? 3;
  const stores = Object.fromEntries(
    Object.entries(storage.stores).map(([name, store]) => [name, withLatency(store, ms)]),
  );
  const { call, close } = handlerOver(storage, stores);
  try {
    await race(call, storage.stores.Group as ScimStore);
  } finally {
    await close();
  }
}

export const concurrencyCases: readonly StoreCase[] = [
  [
    'SK-C-01',
    '50 concurrent add-member PATCHes to one group without If-Match all succeed, and all 50 members are there',
    (kit) =>
      slow(kit, async (call, groups) => {
        const ids = await Promise.all(
          Array.from({ length: 50 }, (_, i) => postUser(call, `member-${i}`)),
        );
        const group = await postGroup(call, 'busy');
        const replies = await Promise.all(
          ids.map((value) =>
            call(
              'PATCH',
              `/Groups/${group}`,
              patchOp({ op: 'add', path: 'members', value: [{ value }] }),
            ),
          ),
        );
        for (const reply of replies)
          expectStatus(reply, [200, 204], 'a concurrent add-member PATCH');
        const read = await call('GET', `/Groups/${group}`);
        expectStatus(read, [200], 'GET the group');
        const members = (read.body.members ?? []) as { value: string }[];
        sameSet(
          members.map((member) => member.value),
          ids,
          'the members after 50 concurrent adds',
        );
        sameSet(
          await groupsListing(groups, ids[0] as string),
          [group],
          'the groups of the first member',
        );
      }),
  ],
  [
    'SK-C-02',
    'a deactivation PATCH racing 10 other PATCHes of the same user never gets 412, and the user ends inactive',
    (kit) =>
      slow(kit, async (call) => {
        const id = await postUser(call, 'leaver');
        const others = Array.from({ length: 10 }, (_, i) =>
          call(
            'PATCH',
            `/Users/${id}`,
            patchOp({ op: 'replace', path: 'title', value: `title ${i}` }),
          ),
        );
        const deactivation = call(
          'PATCH',
          `/Users/${id}`,
          patchOp({ op: 'replace', path: 'active', value: false }),
        );
        const replies = await Promise.all([deactivation, ...others]);
        for (const reply of replies) expectStatus(reply, [200, 204], 'a racing PATCH');
        const read = await call('GET', `/Users/${id}`);
        check(
          read.body.active === false,
          `the user must end inactive, got active ${String(read.body.active)}`,
        );
      }),
  ],
  [
    'SK-C-03',
    'concurrent creates of one userName: exactly one is 201, the others 409 uniqueness',
    (kit) =>
      slow(kit, async (call) => {
        const replies = await Promise.all(
          Array.from({ length: 10 }, (_, i) =>
            call('POST', '/Users', {
              schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
              userName: i % 2 === 0 ? 'twin' : 'TWIN',
            }),
          ),
        );
        const statuses = replies.map((reply) => reply.status).sort();
        check(
          statuses.filter((status) => status === 201).length === 1 &&
            statuses.filter((status) => status === 409).length === 9,
          `expected one 201 and nine 409, got ${statuses.join(', ')}`,
        );
      }),
  ],
];
