// Fault injection through a handler: each write fails at each of its store calls in turn (N = 1,
// 2, … until it completes), and after every failure the storage holds the write whole or not at
// all, with its event recorded exactly when the write is.
import type { LifecycleEventType } from '../lifecycle/outbox.js';
import type { ScimStore } from '../store.js';
import {
  expectStatus,
  handlerOver,
  patchOp,
  postGroup,
  postUser,
  type Call,
  type Reply,
} from './client.js';
import { injectFaults } from './faults.js';
import { groupsListing } from './membership.js';
import {
  check,
  contextOf,
  sameSet,
  GROUP,
  idsOf,
  open,
  snapshot,
  USER,
  type StorageUnderTest,
  type StoreCase,
  type StoreConformanceOptions,
} from './kit.js';

/** More store calls than any single write makes; a write still failing past it never completes. */
const MAX_POSITIONS = 60;

interface Seeded {
  readonly user: string;
  readonly groups: readonly string[];
}

interface Stores {
  readonly users: ScimStore;
  readonly groups: ScimStore;
}

/** One kind of write: its seed, the request, what its result looks like, and its event. */
interface WriteKind {
  seed(call: Call): Promise<Seeded>;
  request(call: Call, seeded: Seeded): Promise<Reply>;
  readonly success: readonly number[];
  /** Throws unless the write is wholly in the storage; resolves the id its event is about. */
  done(stores: Stores, seeded: Seeded): Promise<string>;
  readonly event: LifecycleEventType;
}

/** What a write may touch: the seeded user and groups, read whole, and the users by name. */
async function observe(stores: Stores, seeded: Seeded): Promise<string> {
  const parts = [
    snapshot(await stores.users.get(seeded.user, contextOf(USER))),
    ...(await Promise.all(
      seeded.groups.map(async (id) => snapshot(await stores.groups.get(id, contextOf(GROUP)))),
    )),
    (await groupsListing(stores.groups, seeded.user)).sort().join(','),
    (await idsOf(stores.users, USER, { sortBy: 'userName' }, undefined, 'userName')).join(','),
  ];
  return parts.join('\n');
}

async function events(storage: StorageUnderTest, type: LifecycleEventType, resourceId: string) {
  const entries = (await storage.outbox?.list()) ?? [];
  return entries.filter(
    (entry) => entry.event.type === type && entry.event.resourceId === resourceId,
  ).length;
}

async function eventCount(storage: StorageUnderTest) {
  return ((await storage.outbox?.list()) ?? []).length;
}

/** The write's outcome is whole: the data (`done`) and exactly one event, when there is an outbox. */
async function whole(
  storage: StorageUnderTest,
  stores: Stores,
  kind: WriteKind,
  seeded: Seeded,
  at: string,
) {
  let target: string;
  try {
    target = await kind.done(stores, seeded);
  } catch (error) {
    throw new Error(`${at}: ${error instanceof Error ? error.message : String(error)}`, {
      cause: error,
    });
  }
  if (storage.outbox !== undefined) {
    const recorded = await events(storage, kind.event, target);
    check(
      recorded === 1,
      `${at}: the write must record one ${kind.event} event, found ${recorded}`,
    );
  }
}

/** Runs one write with a fault at each position until it completes, checking every outcome. */
async function everyPosition(kit: StoreConformanceOptions, kind: WriteKind): Promise<void> {
  for (let position = 1; position <= MAX_POSITIONS; position++) {
    const { storage, users, groups } = await open(kit);
    // Without a transaction a failed write may leave part of itself: nothing to check.
    if (storage.transaction === undefined) return;
    const stores = { users, groups };
    const faults = injectFaults(storage);
    const { call, close } = handlerOver(faults.storage, faults.storage.stores);
    try {
      const seeded = await kind.seed(call);
      const before = await observe(stores, seeded);
      const eventsBefore = await eventCount(storage);
      faults.arm(position);
      const reply = await kind.request(call, seeded);
      faults.disarm();
      if (!faults.fired) {
        expectStatus(
          reply,
          kind.success,
          `the write without a fault (${position - 1} store calls)`,
        );
        await whole(storage, stores, kind, seeded, 'the write without a fault');
        return;
      }
      const at = `with a fault at store call ${position} of ${faults.calls.join(', ')}`;
      check(
        reply.status >= 500,
        `${at}: expected a 5xx answer, got ${reply.status} ${reply.text.slice(0, 200)}`,
      );
      const after = await observe(stores, seeded);
      if (after !== before) {
        // Only a fault after the commit (reading the answer back) may leave the write, and whole.
        await whole(
          storage,
          stores,
          kind,
          seeded,
          `${at}, the storage holds part of the write.\nbefore:\n${before}\nafter:\n${after}\n`,
        );
        continue;
      }
      check(
        (await eventCount(storage)) === eventsBefore,
        `${at}: a write that left nothing must record no event`,
      );
      // Nothing of the failed write lingers (a unique key, an index entry): the client's retry works.
      const retry = await kind.request(call, seeded);
      expectStatus(retry, kind.success, `${at}: the client's retry`);
      await whole(storage, stores, kind, seeded, `${at}: the client's retry`);
    } finally {
      faults.disarm();
      await close();
    }
  }
  throw new Error(`the write still failed after ${MAX_POSITIONS} store calls`);
}

const U = 'urn:ietf:params:scim:schemas:core:2.0:User';

async function userOf(users: ScimStore, id: string) {
  const found = await users.get(id, contextOf(USER));
  check(found !== undefined, `user ${id} must be stored`);
  return found;
}

async function membersOf(groups: ScimStore, id: string): Promise<string[]> {
  const found = await groups.get(id, contextOf(GROUP));
  check(found !== undefined, `group ${id} must be stored`);
  return ((found.members ?? []) as { value: string }[]).map((member) => member.value);
}

/** A user, and `count` groups listing it beside a bystander. */
async function inGroups(call: Call, count: number): Promise<Seeded> {
  const user = await postUser(call, 'subject');
  const bystander = await postUser(call, 'bystander');
  const groups: string[] = [];
  for (let i = 0; i < count; i++)
    groups.push(await postGroup(call, `group ${i}`, [user, bystander]));
  return { user, groups };
}

export const faultCases: readonly StoreCase[] = [
  [
    'SK-F-01',
    'POST /Users failing at any store call stores the user whole or not at all, with its created event (transaction: passes without one)',
    (kit) =>
      everyPosition(kit, {
        seed: async (call) => ({ user: await postUser(call, 'bystander'), groups: [] }),
        request: (call) => call('POST', '/Users', { schemas: [U], userName: 'newcomer' }),
        success: [201],
        async done({ users }) {
          const found = await idsOf(users, USER, { filter: 'userName eq "newcomer"' });
          check(found.length === 1, `newcomer must be stored once, found ${found.length}`);
          return found[0] as string;
        },
        event: 'created',
      }),
  ],
  [
    'SK-F-02',
    'PUT /Users failing at any store call replaces the user whole or not at all, with its updated event (transaction: passes without one)',
    (kit) =>
      everyPosition(kit, {
        seed: async (call) => ({ user: await postUser(call, 'subject'), groups: [] }),
        request: (call, { user }) =>
          call('PUT', `/Users/${user}`, {
            schemas: [U],
            userName: 'renamed',
            title: 'after',
            active: true,
          }),
        success: [200],
        async done({ users }, { user }) {
          const found = await userOf(users, user);
          check(
            found.userName === 'renamed' && found.title === 'after',
            'the user must hold the PUT body',
          );
          check(
            (await idsOf(users, USER, { filter: 'userName eq "subject"' })).length === 0,
            'the old userName must be free',
          );
          return user;
        },
        event: 'updated',
      }),
  ],
  [
    'SK-F-03',
    'PATCH active=false failing at any store call deactivates whole or not at all, with its deactivated event (transaction: passes without one)',
    (kit) =>
      everyPosition(kit, {
        seed: async (call) => ({ user: await postUser(call, 'subject'), groups: [] }),
        request: (call, { user }) =>
          call('PATCH', `/Users/${user}`, patchOp({ op: 'replace', path: 'active', value: false })),
        success: [200, 204],
        async done({ users }, { user }) {
          check((await userOf(users, user)).active === false, 'the user must be inactive');
          return user;
        },
        event: 'deactivated',
      }),
  ],
  [
    'SK-F-04',
    'PATCH add member failing at any store call adds the member whole or not at all, with its membersAdded event (transaction: passes without one)',
    (kit) =>
      everyPosition(kit, {
        async seed(call) {
          const bystander = await postUser(call, 'bystander');
          return {
            user: await postUser(call, 'subject'),
            groups: [await postGroup(call, 'team', [bystander])],
          };
        },
        request: (call, { user, groups }) =>
          call(
            'PATCH',
            `/Groups/${groups[0] as string}`,
            patchOp({ op: 'add', path: 'members', value: [{ value: user }] }),
          ),
        success: [200, 204],
        async done(stores, { user, groups }) {
          const group = groups[0] as string;
          check(
            (await membersOf(stores.groups, group)).includes(user),
            'the group must list the member',
          );
          sameSet(
            await groupsListing(stores.groups, user),
            [group],
            'the groups of the new member',
          );
          return group;
        },
        event: 'membersAdded',
      }),
  ],
  [
    'SK-F-05',
    'DELETE of a user in 3 groups failing at any store call leaves the user with every membership, or gone from every group, with its deleted event (transaction: passes without one)',
    (kit) =>
      everyPosition(kit, {
        seed: (call) => inGroups(call, 3),
        request: (call, { user }) => call('DELETE', `/Users/${user}`),
        success: [204],
        async done(stores, { user, groups }) {
          check(
            (await stores.users.get(user, contextOf(USER))) === undefined,
            'the user must be gone',
          );
          sameSet(await groupsListing(stores.groups, user), [], 'the groups of the deleted user');
          for (const group of groups)
            check(
              !(await membersOf(stores.groups, group)).includes(user),
              `group ${group} must not list the deleted user`,
            );
          return user;
        },
        event: 'deleted',
      }),
  ],
];
