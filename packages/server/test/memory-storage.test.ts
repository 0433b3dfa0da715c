import { describe, expect, it } from 'vitest';
import {
  GroupResourceType,
  UserResourceType,
  type ScimResource,
  type ScimResourceType,
} from '@scim/core';
import { bindFilter, parseFilter } from '@scim/filter';
import type { LifecycleEvent } from '@scim/server';
import { createMemoryStorage, createMemoryStore, type MemoryStorage } from '@scim/server/memory';
import { createDeliverer } from '../src/lib/lifecycle/delivery.js';
import { G, server, U } from './helpers.js';

const signal = new AbortController().signal;
const context = (resourceType: ScimResourceType, transaction?: unknown) => ({
  resourceType,
  principal: undefined,
  tenant: undefined,
  signal,
  ...(transaction === undefined ? {} : { transaction }),
});
const users = (transaction?: unknown) => context(UserResourceType, transaction);
const groups = (transaction?: unknown) => context(GroupResourceType, transaction);
const replacing = (transaction?: unknown) => ({
  ...groups(transaction),
  expectedVersion: undefined,
});

const meta = (version: number) => ({
  version: `W/"${version}"`,
  lastModified: `2026-12-0${version}T00:00:00.000Z`,
});
const user = (id: string, userName: string): ScimResource => ({
  schemas: [U],
  id,
  userName,
  meta: meta(1),
});
const group = (id: string, displayName: string, members: readonly string[]): ScimResource => ({
  schemas: [G],
  id,
  displayName,
  members: members.map((value) => ({ value, type: 'User' })),
  meta: meta(1),
});
const event = (id: string): LifecycleEvent => ({
  id,
  type: 'created',
  resourceType: 'User',
  resourceId: 'u1',
  operation: 'create',
  tenant: undefined,
  principal: undefined,
  occurredAt: '2026-12-03T10:00:00.000Z',
  requestId: 'r1',
});
const soon = () => new Date(Date.now() + 60_000);

function stores(storage: MemoryStorage) {
  const { User, Group } = storage.stores;
  if (User === undefined || Group === undefined) throw new Error('no default stores');
  return { User, Group };
}

function everything(cursor?: object) {
  return {
    filter: undefined,
    bound: undefined,
    sort: undefined,
    startIndex: 1,
    count: 1000,
    limit: 1000,
    ...(cursor === undefined ? {} : { cursor, count: 2 }),
  };
}

function byUserName(userName: string) {
  const filter = parseFilter(`userName eq "${userName}"`);
  return { ...everything(), filter, bound: bindFilter(filter, UserResourceType) };
}

/** Three users, two groups and one outbox entry. */
async function seeded() {
  const storage = createMemoryStorage();
  const { User, Group } = stores(storage);
  for (const [id, name] of [
    ['u1', 'ann'],
    ['u2', 'bob'],
    ['u3', 'cy'],
  ] as const)
    await User.create(user(id, name), users());
  await Group.create(group('g1', 'staff', ['u1', 'u2', 'u3']), groups());
  await Group.create(group('g2', 'ops', ['u2']), groups());
  await storage.outbox.append([event('e0')], new Date(0), { tenant: undefined });
  return storage;
}

/**
 * What the storage answers: every resource whole in creation order, the first keyset page with its
 * positions (which carry creation sequence numbers), each user found by its unique userName, the
 * groups of every user, and the outbox.
 */
async function snapshot(storage: MemoryStorage, ids: readonly string[]) {
  const { User, Group } = stores(storage);
  const all = await User.query(everything(), users());
  const found: Record<string, unknown> = {};
  for (const resource of all.resources) {
    const name = resource.userName as string;
    found[name] = (await User.query(byUserName(name), users())).resources.map((r) => r.id);
  }
  return {
    users: all,
    usersPage: await User.query(everything({}), users()),
    groups: await Group.query(everything(), groups()),
    groupsPage: await Group.query(everything({}), groups()),
    found,
    groupsOf: await Group.groupsOf(ids, groups()),
    outbox: await storage.outbox.list(),
    sizes: [User.size(), Group.size(), storage.outbox.size()],
  };
}

describe('the memory storage runs units of work atomically (issue 12)', () => {
  it('a unit of work that throws leaves the stores, their indexes and the outbox exactly as before', async () => {
    const storage = await seeded();
    const { User, Group } = stores(storage);
    const ids = ['u1', 'u2', 'u3', 'u4'];
    const before = await snapshot(storage, ids);
    const failure = new Error('the commit hook failed');
    await expect(
      storage.transaction(async (tx) => {
        await User.create(user('u4', 'dee'), users(tx));
        await Group.replace(group('g1', 'staff!', ['u4', 'u1']), replacing(tx));
        // The delete and its cascade: bob leaves every group, then goes.
        await Group.modifyMembers(
          'g2',
          { add: [{ value: 'u4' }], remove: ['u2'], meta: meta(2) },
          replacing(tx),
        );
        await Group.modifyMembers(
          'g1',
          { add: [{ value: 'u3' }], remove: ['u1'], meta: meta(3) },
          replacing(tx),
        );
        await User.delete('u2', users(tx));
        await User.replace(user('u1', 'bob'), { ...users(tx), expectedVersion: undefined });
        await storage.outbox.append([event('e1'), event('e2')], soon(), {
          transaction: tx,
          tenant: undefined,
        });
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await snapshot(storage, ids)).toEqual(before);
    // The unique keys were given back and taken back: dee is free, bob is bob's again.
    await expect(User.create(user('u5', 'DEE'), users())).resolves.toMatchObject({ id: 'u5' });
    await expect(User.create(user('u6', 'bob'), users())).rejects.toMatchObject({
      scimType: 'uniqueness',
    });
    expect((await Group.groupsOf(['u2'], groups())).map((row) => row.group)).toEqual(['g1', 'g2']);
    expect((await storage.outbox.list()).map((entry) => entry.event.id)).toEqual(['e0']);
  });

  it('a rolled-back member removal puts the member back in its place', async () => {
    const storage = await seeded();
    const { Group } = stores(storage);
    await expect(
      storage.transaction(async (tx) => {
        await Group.modifyMembers(
          'g1',
          { add: [], remove: ['u2', 'u1'], meta: meta(2) },
          replacing(tx),
        );
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    const g1 = await Group.get('g1', groups());
    expect(g1?.members).toEqual(group('g1', 'staff', ['u1', 'u2', 'u3']).members);
    expect(g1?.meta).toEqual(meta(1));
  });

  it('a rollback of many deletes puts every resource back in its creation order and cursor position', async () => {
    const storage = createMemoryStorage();
    const { User } = stores(storage);
    for (let i = 0; i < 150; i++) await User.create(user(`u${i}`, `user${i}`), users());
    const walk = async () => {
      const pages = [await User.query(everything({}), users())];
      for (let i = 0; i < 3; i++) {
        const next = pages[pages.length - 1]?.positions?.next as string;
        pages.push(await User.query(everything({ after: next }), users()));
      }
      return { all: await User.query(everything(), users()), pages };
    };
    const before = await walk();
    await expect(
      storage.transaction(async (tx) => {
        // Enough deletes for the creation order to compact away their slots.
        for (let i = 0; i < 120; i++) await User.delete(`u${(i * 7) % 150}`, users(tx));
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await walk()).toEqual(before);
  });

  it('a unit of work that resolves keeps every write, and its result', async () => {
    const storage = await seeded();
    const { User, Group } = stores(storage);
    const result = await storage.transaction(async (tx) => {
      await User.create(user('u4', 'dee'), users(tx));
      await User.delete('u2', users(tx));
      await Group.modifyMembers(
        'g1',
        { add: [{ value: 'u4' }], remove: ['u2'], meta: meta(2) },
        replacing(tx),
      );
      await storage.outbox.append([event('e1')], soon(), { transaction: tx, tenant: undefined });
      return 'done';
    });
    expect(result).toBe('done');
    expect((await User.query(byUserName('dee'), users())).resources).toHaveLength(1);
    expect(await User.get('u2', users())).toBeUndefined();
    expect((await Group.groupsOf(['u4'], groups())).map((row) => row.group)).toEqual(['g1']);
    expect((await storage.outbox.list()).map((entry) => entry.event.id)).toEqual(['e0', 'e1']);
  });

  it('issue 12 (review): claim never takes an event of a running transaction, even past its lease; it does once committed', async () => {
    const storage = createMemoryStorage();
    const claim = () =>
      storage.outbox.claim({ limit: 10, now: new Date(), leaseUntil: soon() }).then((entries) => {
        return entries.map((entry) => entry.event.id);
      });
    // Another user's committed event, due: the claims below look at every resource.
    await storage.outbox.append([{ ...event('e0'), resourceId: 'u0' }], new Date(0), {
      tenant: undefined,
    });
    await storage.transaction(async (tx) => {
      // Its lease is over: a unit of work that has outlived it.
      await storage.outbox.append([event('e1')], new Date(0), {
        transaction: tx,
        tenant: undefined,
      });
      expect(await claim()).toEqual(['e0']);
    });
    expect(await claim()).toEqual(['e1']);
  });

  it('issue 12 (review): a unit of work that outlives its lease and rolls back has none of its hooks delivered', async () => {
    const storage = createMemoryStorage();
    const { User } = stores(storage);
    const created: string[] = [];
    const errors: unknown[] = [];
    const deliverer = createDeliverer({
      outbox: storage.outbox,
      hooks: { afterCreate: (e) => void created.push(e.resourceId) },
      resourceTypes: [UserResourceType, GroupResourceType],
      options: { pollMs: 0 },
      now: () => new Date(),
      onError: (error) => errors.push(error),
    });
    const ghost = user('u1', 'ghost');
    await expect(
      storage.transaction(async (tx) => {
        await User.create(ghost, users(tx));
        await storage.outbox.append([{ ...event('e1'), resource: ghost }], new Date(0), {
          transaction: tx,
          tenant: undefined,
        });
        // The poller runs while the bulk is still going, long after the event's lease.
        expect(await deliverer.deliverDue()).toBe(0);
        throw new Error('the bulk rolls back');
      }),
    ).rejects.toThrow('the bulk rolls back');
    expect(await deliverer.deliverDue()).toBe(0);
    await deliverer.close();
    expect(created).toEqual([]);
    expect(errors).toEqual([]);
    expect(await User.get('u1', users())).toBeUndefined();
  });

  it('a write without a transaction handle waits for the running transaction and lands after it', async () => {
    const storage = await seeded();
    const { User } = stores(storage);
    let finish = () => {};
    const finished = new Promise<void>((resolve) => (finish = resolve));
    const running = storage.transaction(async (tx) => {
      await User.create(user('u4', 'dee'), users(tx));
      await finished;
      throw new Error('rolled back');
    });
    await Promise.resolve();
    const waiting = User.create(user('u5', 'dee'), users());
    // Reads never wait: they see the running transaction's write, and not the waiting one.
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect((await User.query(byUserName('dee'), users())).resources.map((r) => r.id)).toEqual([
      'u4',
    ]);
    finish();
    await expect(running).rejects.toThrow('rolled back');
    // Had it interleaved, it would have met dee's uniqueness claim; it landed after the rollback.
    await expect(waiting).resolves.toMatchObject({ id: 'u5' });
    expect((await User.query(byUserName('dee'), users())).resources.map((r) => r.id)).toEqual([
      'u5',
    ]);
  });

  it('two transactions never interleave: the second starts when the first has ended', async () => {
    const storage = createMemoryStorage();
    const log: string[] = [];
    const unit = (name: string) => async () => {
      log.push(`${name} begins`);
      await new Promise((resolve) => setTimeout(resolve, 5));
      log.push(`${name} ends`);
    };
    await Promise.all([
      storage.transaction(unit('first')),
      storage.transaction(unit('second')).catch(() => {}),
      storage.transaction(unit('third')),
    ]);
    expect(log).toEqual([
      'first begins',
      'first ends',
      'second begins',
      'second ends',
      'third begins',
      'third ends',
    ]);
  });

  it('a write carrying an ended transaction or another storage’s transaction is a TypeError', async () => {
    const storage = createMemoryStorage();
    const other = createMemoryStorage();
    const { User } = stores(storage);
    const ended = await storage.transaction((tx) => Promise.resolve(tx));
    await expect(User.create(user('u1', 'ann'), users(ended))).rejects.toBeInstanceOf(TypeError);
    await other.transaction(async (tx) => {
      await expect(User.create(user('u1', 'ann'), users(tx))).rejects.toBeInstanceOf(TypeError);
      await expect(
        storage.outbox.append([event('e1')], soon(), { transaction: tx, tenant: undefined }),
      ).rejects.toBeInstanceOf(TypeError);
    });
    await expect(User.create(user('u1', 'ann'), users({ undo: [] }))).rejects.toBeInstanceOf(
      TypeError,
    );
    expect(User.size()).toBe(0);
  });

  it('a store created on its own keeps working without transactions, ignoring a handle', async () => {
    const store = createMemoryStore();
    await store.create(user('u1', 'ann'), users({ undo: [] }));
    expect(store.size()).toBe(1);
  });

  it('stores follow the resource types given, and clear() empties stores and outbox', async () => {
    const storage = await seeded();
    expect(Object.keys(storage.stores)).toEqual(['User', 'Group']);
    storage.clear();
    expect([
      stores(storage).User.size(),
      stores(storage).Group.size(),
      storage.outbox.size(),
    ]).toEqual([0, 0, 0]);
    expect(Object.keys(createMemoryStorage({ resourceTypes: [UserResourceType] }).stores)).toEqual([
      'User',
    ]);
  });

  it('spreads into createScimHandler: stores and transaction serve the handler', async () => {
    const storage = createMemoryStorage();
    const { call } = server({ ...storage });
    const created = await call('POST', '/Users', { schemas: [U], userName: 'ann' });
    expect(created.status).toBe(201);
    const team = await call('POST', '/Groups', {
      schemas: [G],
      displayName: 'team',
      members: [{ value: created.body.id }],
    });
    expect(team.status).toBe(201);
    expect(await stores(storage).Group.groupsOf([created.body.id as string], groups())).toEqual([
      { group: team.body.id, displayName: 'team', member: created.body.id },
    ]);
  });
});
