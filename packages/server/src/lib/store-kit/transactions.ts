// Transactions (when the storage has one): a unit of work over several stores and the outbox
// commits whole or leaves nothing, unique values and member lookups included.
import type { LifecycleEvent } from '../lifecycle/outbox.js';
import type { ScimStore } from '../store.js';
import { groupsListing } from './membership.js';
import {
  check,
  contextOf,
  GROUP,
  group,
  idsOf,
  open,
  revised,
  sameSet,
  snapshot,
  USER,
  user,
  writeContext,
  type StorageUnderTest,
  type StoreCase,
  type StoreConformanceOptions,
} from './kit.js';

/** An event as the server records it, for `resourceId`. */
export function eventFor(
  resourceId: string,
  type: LifecycleEvent['type'] = 'created',
): LifecycleEvent {
  return {
    id: crypto.randomUUID(),
    type,
    resourceType: 'User',
    resourceId,
    operation: 'create',
    tenant: undefined,
    principal: 'store-kit',
    occurredAt: '2026-07-01T00:00:00.000Z',
    requestId: 'store-kit',
  };
}

class Planned extends Error {
  constructor() {
    super('the unit of work failed on purpose');
  }
}

/** Runs `work` in the storage's transaction, expecting it to throw the Planned error back. */
async function rolledBack(storage: StorageUnderTest, work: (handle: unknown) => Promise<void>) {
  const transaction = storage.transaction;
  check(transaction !== undefined, 'no transaction');
  let thrown: unknown;
  try {
    await transaction(
      async (handle) => {
        await work(handle);
        throw new Planned();
      },
      { principal: 'store-kit', tenant: undefined, signal: new AbortController().signal },
    );
  } catch (error) {
    thrown = error;
  }
  check(
    thrown instanceof Planned,
    `the transaction must rethrow the work's error, got ${String(thrown)}`,
  );
}

async function outboxHas(storage: StorageUnderTest, eventId: string): Promise<boolean> {
  const entries = (await storage.outbox?.list()) ?? [];
  return entries.some((entry) => entry.event.id === eventId);
}

async function withTransaction(kit: StoreConformanceOptions) {
  const opened = await open(kit);
  return opened.storage.transaction === undefined ? undefined : opened;
}

const userNames = (users: ScimStore) => idsOf(users, USER, {}, undefined, 'userName');

export const transactionCases: readonly StoreCase[] = [
  [
    'SK-T-01',
    'a unit of work that writes to two stores and the outbox, then throws, leaves nothing (transaction: passes without one)',
    async (kit) => {
      const opened = await withTransaction(kit);
      if (opened === undefined) return;
      const { storage, users, groups } = opened;
      const ann = user('ann');
      const team = group('team', [ann.id as string]);
      const event = eventFor(ann.id as string);
      await rolledBack(storage, async (transaction) => {
        await users.create(ann, contextOf(USER, undefined, { transaction }));
        await groups.create(team, contextOf(GROUP, undefined, { transaction }));
        await storage.outbox?.append([event], new Date(), { transaction, tenant: undefined });
      });
      check(
        (await users.get(ann.id as string, contextOf(USER))) === undefined,
        'the user must be gone',
      );
      check(
        (await groups.get(team.id as string, contextOf(GROUP))) === undefined,
        'the group must be gone',
      );
      sameSet(
        await groupsListing(groups, ann.id as string),
        [],
        'the groups of the rolled-back user',
      );
      check(
        !(await outboxHas(storage, event.id)),
        'the rolled-back event must not be in the outbox',
      );
      // The unique key went with the write: the same userName can be taken again.
      await users.create(user('ANN'), contextOf(USER));
    },
  ],
  [
    'SK-T-02',
    'a unit of work that resolves commits every write and event (transaction: passes without one)',
    async (kit) => {
      const opened = await withTransaction(kit);
      if (opened === undefined) return;
      const { storage, users, groups } = opened;
      const ann = user('ann');
      const team = group('team', [ann.id as string]);
      const event = eventFor(ann.id as string);
      const transaction = storage.transaction;
      const result = await transaction?.(
        async (handle) => {
          await users.create(ann, contextOf(USER, undefined, { transaction: handle }));
          await groups.create(team, contextOf(GROUP, undefined, { transaction: handle }));
          await storage.outbox?.append([event], new Date(), {
            transaction: handle,
            tenant: undefined,
          });
          return 'done';
        },
        { principal: 'store-kit', tenant: undefined, signal: new AbortController().signal },
      );
      check(result === 'done', 'the transaction must resolve what the work resolved');
      check(
        snapshot(await users.get(ann.id as string, contextOf(USER))) === snapshot(ann),
        'the user must be stored',
      );
      sameSet(
        await groupsListing(groups, ann.id as string),
        [team.id as string],
        'the groups of the committed user',
      );
      if (storage.outbox !== undefined)
        check(await outboxHas(storage, event.id), 'the committed event must be in the outbox');
    },
  ],
  [
    'SK-T-03',
    'a rollback restores replaced, deleted and member-changed resources, with their unique values and lookups (transaction: passes without one)',
    async (kit) => {
      const opened = await withTransaction(kit);
      if (opened === undefined) return;
      const { storage, users, groups } = opened;
      const plain = contextOf(USER);
      const renamed = await users.create(user('renamed'), plain);
      const removed = await users.create(user('removed'), plain);
      const team = await groups.create(group('team', [removed.id as string]), contextOf(GROUP));
      const before = [renamed, removed, team].map(snapshot);
      await rolledBack(storage, async (transaction) => {
        await users.replace(
          revised(renamed, { userName: 'new-name' }),
          writeContext(USER, renamed.meta?.version, undefined, transaction),
        );
        await users.delete(removed.id as string, contextOf(USER, undefined, { transaction }));
        const change = {
          add: [{ value: renamed.id as string }],
          remove: [removed.id as string],
          meta: { version: 'W/"tx"', lastModified: '2026-07-01T00:00:00.000Z' },
        };
        if (groups.modifyMembers !== undefined)
          await groups.modifyMembers(
            team.id as string,
            change,
            writeContext(GROUP, undefined, undefined, transaction),
          );
        else
          await groups.replace(
            revised(team, { members: [{ value: renamed.id, type: 'User' }] }),
            writeContext(GROUP, undefined, undefined, transaction),
          );
      });
      const after = [
        await users.get(renamed.id as string, plain),
        await users.get(removed.id as string, plain),
        await groups.get(team.id as string, contextOf(GROUP)),
      ].map(snapshot);
      for (const [i, what] of ['the renamed user', 'the deleted user', 'the group'].entries())
        check(after[i] === before[i], `${what} must be as before the rollback`);
      sameSet(await userNames(users), ['renamed', 'removed'], 'the userNames after the rollback');
      sameSet(
        await idsOf(users, USER, { filter: 'userName eq "removed"' }),
        [removed.id as string],
        'userName eq "removed"',
      );
      sameSet(
        await groupsListing(groups, removed.id as string),
        [team.id as string],
        'the groups of the restored user',
      );
      sameSet(
        await groupsListing(groups, renamed.id as string),
        [],
        'the groups of the user the rollback took out',
      );
      await users.create(user('new-name'), plain);
    },
  ],
];
