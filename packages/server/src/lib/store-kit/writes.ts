// Writes, called on the store directly: unique values (RFC 7644 §3.3) and versions (RFC 7644 §3.14),
// which the store enforces because only it sees every writer.
import {
  check,
  contextOf,
  idsOf,
  open,
  rejection,
  revised,
  snapshot,
  USER,
  user,
  writeContext,
  type StoreCase,
} from './kit.js';

const ctx = contextOf(USER);

export const writeCases: readonly StoreCase[] = [
  [
    'SK-U-01',
    'a userName taken in any case is 409 uniqueness on create (S-CHAR-26: userName is unique, caseExact false)',
    async (kit) => {
      const { users } = await open(kit);
      await users.create(user('Bjensen'), ctx);
      await rejection(users.create(user('BJENSEN'), ctx), 409, 'create a second BJENSEN');
      const names = await idsOf(users, USER, {}, undefined, 'userName');
      check(names.length === 1, `the refused create must store nothing, found ${names.join(', ')}`);
    },
  ],
  [
    'SK-U-02',
    'a replace onto a userName another resource holds is 409 and changes nothing (S-CHAR-27)',
    async (kit) => {
      const { users } = await open(kit);
      await users.create(user('ann'), ctx);
      const bob = await users.create(user('bob'), ctx);
      const clash = revised(bob, { userName: 'ANN' });
      await rejection(
        users.replace(clash, writeContext(USER, undefined)),
        409,
        'rename bob to ANN',
      );
      check(
        snapshot(await users.get(bob.id as string, ctx)) === snapshot(bob),
        'the refused replace must leave bob as he was',
      );
    },
  ],
  [
    'SK-U-03',
    'a deleted resource frees its userName (P-CRUD-16)',
    async (kit) => {
      const { users } = await open(kit);
      const first = await users.create(user('reused'), ctx);
      check(await users.delete(first.id as string, ctx), 'delete must return true');
      await users.create(user('REUSED'), ctx);
    },
  ],
  [
    'SK-U-04',
    'a rename frees the old userName and takes the new one',
    async (kit) => {
      const { users } = await open(kit);
      const renamed = await users.create(user('before'), ctx);
      await users.replace(revised(renamed, { userName: 'after' }), writeContext(USER, undefined));
      await users.create(user('Before'), ctx);
      await rejection(users.create(user('AFTER'), ctx), 409, 'create AFTER after the rename');
    },
  ],
  [
    'SK-U-05',
    'externalId and other uniqueness-none values may repeat (S-COMMON-09, S-CHAR-30)',
    async (kit) => {
      const { users } = await open(kit);
      await users.create(user('one', { externalId: 'same', displayName: 'Same' }), ctx);
      await users.create(user('two', { externalId: 'same', displayName: 'Same' }), ctx);
      const found = await idsOf(
        users,
        USER,
        { filter: 'externalId eq "same"' },
        undefined,
        'userName',
      );
      check(found.length === 2, `both users share externalId "same", found ${found.length}`);
    },
  ],
  [
    'SK-V-01',
    'a replace with a stale expectedVersion is 412 and changes nothing (RFC 7644 §3.14)',
    async (kit) => {
      const { users } = await open(kit);
      const read = await users.create(user('versioned'), ctx);
      const current = await users.replace(
        revised(read, { title: 'first' }),
        writeContext(USER, read.meta?.version),
      );
      await rejection(
        users.replace(revised(read, { title: 'second' }), writeContext(USER, read.meta?.version)),
        412,
        'replace at the version read before the first replace',
      );
      const stored = await users.get(read.id as string, ctx);
      check(
        stored?.title === 'first',
        `the stale replace must not be stored, title is ${String(stored?.title)}`,
      );
      check(
        stored.meta?.version === current.meta?.version,
        'the stored version must be the one the first replace wrote',
      );
    },
  ],
  [
    'SK-V-02',
    'a replace at the current version, or with none, succeeds and stores the new version',
    async (kit) => {
      const { users } = await open(kit);
      const read = await users.create(user('fresh'), ctx);
      const next = revised(read, { title: 'a' });
      await users.replace(next, writeContext(USER, read.meta?.version));
      check(
        (await users.get(read.id as string, ctx))?.meta?.version === next.meta?.version,
        'the new version must be stored',
      );
      const blind = revised(next, { title: 'b' });
      await users.replace(blind, writeContext(USER, undefined));
      check(
        (await users.get(read.id as string, ctx))?.title === 'b',
        'a replace without expectedVersion must be stored',
      );
    },
  ],
  [
    'SK-V-03',
    'delete answers false for an unknown id and for a second delete; get then finds nothing',
    async (kit) => {
      const { users } = await open(kit);
      check(
        !(await users.delete(crypto.randomUUID(), ctx)),
        'deleting an unknown id must return false',
      );
      const gone = await users.create(user('gone'), ctx);
      check(await users.delete(gone.id as string, ctx), 'the first delete must return true');
      check(!(await users.delete(gone.id as string, ctx)), 'a second delete must return false');
      check(
        (await users.get(gone.id as string, ctx)) === undefined,
        'get after delete must find nothing',
      );
      const names = await idsOf(users, USER, { filter: 'userName eq "gone"' });
      check(names.length === 0, 'a query after delete must find nothing');
    },
  ],
  [
    'SK-V-04',
    'a delete at a stale expectedVersion is 412 and deletes nothing; at the current one it deletes (RFC 7644 §3.14)',
    async (kit) => {
      const { users } = await open(kit);
      const read = await users.create(user('leaver'), ctx);
      const changed = revised(read, { title: 'changed after the read' });
      await users.replace(changed, writeContext(USER, read.meta?.version));
      await rejection(
        users.delete(read.id as string, writeContext(USER, read.meta?.version)),
        412,
        'delete at the version read before the replace',
      );
      check(
        (await users.get(read.id as string, ctx))?.title === 'changed after the read',
        'the refused delete must leave the resource as the replace stored it',
      );
      check(
        await users.delete(read.id as string, writeContext(USER, changed.meta?.version)),
        'a delete at the current version must return true',
      );
      check((await users.get(read.id as string, ctx)) === undefined, 'get must then find nothing');
    },
  ],
];
