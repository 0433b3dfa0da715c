// createEventReceiver's apply rules (RFC 9967 §2): idempotent by txn and version, never back in
// time, deletes final, and notice events read from the source. The SETs are made by hand, so each
// test says exactly when and in which transaction its changes happened.
import {
  PROV_CREATE_NOTICE_EVENT_URI,
  PROV_DEACTIVATE_EVENT_URI,
  PROV_DELETE_EVENT_URI,
  PROV_PATCH_FULL_EVENT_URI,
  PROV_PATCH_NOTICE_EVENT_URI,
  PROV_PUT_FULL_EVENT_URI,
} from '@scim/core';
import { createMemoryStorage } from '@scim/server/memory';
import { describe, expect, it } from 'vitest';
import { createMemoryReplayCache, type ReplayCache } from '../src/lib/replay.ts';
import {
  B_BASE,
  created,
  fakeSource,
  group,
  patchOp,
  setOf,
  T0,
  testReceiver,
  user,
} from './fixtures/received-sets.ts';

const MS = T0 * 1000;

describe('applying full events', () => {
  it('create:full writes the resource with the transmitter’s id, version and times, and this server’s location', async () => {
    const { receiver, copy } = await testReceiver();
    const result = await receiver.receive(await setOf('/Users/u1', created(user('u1', MS))));
    expect(result).toMatchObject({ status: 'applied', action: 'create', from: 'data' });
    const { meta, ...rest } = user('u1', MS);
    expect(await copy('User', 'u1')).toEqual({
      ...rest,
      meta: { ...meta, location: `${B_BASE}/Users/u1` },
    });
  });

  it('E-SET-06 (txn stays the same across retransmissions): the same SET delivered twice is applied once', async () => {
    const { receiver, copy } = await testReceiver();
    const token = await setOf('/Users/u1', created(user('u1', MS)));
    await receiver.receive(token);
    const stored = await copy('User', 'u1');
    expect(await receiver.receive(token)).toMatchObject({
      status: 'skipped',
      reason: 'duplicate',
    });
    expect(await copy('User', 'u1')).toBe(stored);
  });

  it('E-SET-06 (the same txn on every receiver’s copy): the change again under a new jti, as another stream sends it, is a duplicate by its txn', async () => {
    const { receiver } = await testReceiver();
    const events = created(user('u1', MS));
    await receiver.receive(await setOf('/Users/u1', events, { txn: 'change-1' }));
    expect(
      await receiver.receive(await setOf('/Users/u1', events, { txn: 'change-1' })),
    ).toMatchObject({
      status: 'skipped',
      reason: 'duplicate',
      txn: 'change-1',
    });
  });

  it('SETs of one txn telling different parts of one change (an update, then the members it added) are each applied', async () => {
    const { receiver, copy } = await testReceiver();
    await receiver.receive(await setOf('/Groups/g1', created(group('g1', MS, []))));
    const version = 'W/"g1-2"';
    const rename = patchOp({ op: 'replace', path: 'displayName', value: 'Leads' });
    const add = patchOp({ op: 'add', path: 'members', value: [{ value: 'u9' }] });
    for (const data of [rename, add])
      expect(
        await receiver.receive(
          await setOf(
            '/Groups/g1',
            { [PROV_PATCH_FULL_EVENT_URI]: { version, data } },
            {
              txn: 'one-write',
              toe: T0 + 1,
            },
          ),
        ),
      ).toMatchObject({ status: 'applied', action: 'replace' });
    expect(await copy('Group', 'g1')).toMatchObject({
      displayName: 'Leads',
      members: [{ value: 'u9' }],
      meta: { version },
    });
  });

  it('E-SET-07 (version is the ETag after the change): a patched copy takes the SET’s version, and its lastModified from toe', async () => {
    const { receiver, copy } = await testReceiver();
    await receiver.receive(await setOf('/Users/u1', created(user('u1', MS))));
    await receiver.receive(
      await setOf(
        '/Users/u1',
        {
          [PROV_PATCH_FULL_EVENT_URI]: {
            version: 'W/"u1-next"',
            data: patchOp({ op: 'replace', path: 'active', value: false }),
          },
          [PROV_DEACTIVATE_EVENT_URI]: {},
        },
        { toe: T0 + 5 },
      ),
    );
    expect(await copy('User', 'u1')).toMatchObject({
      active: false,
      meta: { version: 'W/"u1-next"', lastModified: new Date(MS + 5_000).toISOString() },
    });
  });

  it('patch:full members get the type of the resource they name, as the transmitter stored them', async () => {
    const { receiver, copy } = await testReceiver();
    await receiver.receive(await setOf('/Users/u1', created(user('u1', MS))));
    await receiver.receive(await setOf('/Groups/g2', created(group('g2', MS, []))));
    await receiver.receive(await setOf('/Groups/g1', created(group('g1', MS, []))));
    await receiver.receive(
      await setOf(
        '/Groups/g1',
        {
          [PROV_PATCH_FULL_EVENT_URI]: {
            version: 'W/"2"',
            data: patchOp({
              op: 'add',
              path: 'members',
              value: [{ value: 'u1' }, { value: 'g2' }],
            }),
          },
        },
        { toe: T0 + 1 },
      ),
    );
    expect((await copy('Group', 'g1'))?.members).toEqual([
      { value: 'u1', type: 'User' },
      { value: 'g2', type: 'Group' },
    ]);
  });

  it('a put:full delivered after a later put:full is stale: the later change stays (by meta.lastModified)', async () => {
    const { receiver, copy } = await testReceiver();
    const put = (at: number, title: string) =>
      setOf('/Users/u1', {
        [PROV_PUT_FULL_EVENT_URI]: { version: `W/"${at}"`, data: user('u1', at, { title }) },
      });
    await receiver.receive(await setOf('/Users/u1', created(user('u1', MS))));
    await receiver.receive(await put(MS + 20, 'newer'));
    expect(await receiver.receive(await put(MS + 10, 'older'))).toMatchObject({
      status: 'skipped',
      reason: 'stale',
    });
    expect(await copy('User', 'u1')).toMatchObject({ title: 'newer' });
  });

  it('a patch whose toe is seconds before the change applied last is stale', async () => {
    const { receiver, copy } = await testReceiver();
    await receiver.receive(await setOf('/Users/u1', created(user('u1', MS + 9_000))));
    const late = await setOf(
      '/Users/u1',
      {
        [PROV_PATCH_FULL_EVENT_URI]: {
          version: 'W/"old"',
          data: patchOp({ op: 'replace', path: 'title', value: 'old' }),
        },
      },
      { toe: T0 + 3 },
    );
    expect(await receiver.receive(late)).toMatchObject({ status: 'skipped', reason: 'stale' });
    expect(await copy('User', 'u1')).not.toHaveProperty('title');
  });

  it('within the same second, the transmitter’s order is kept: a later SET of that second is applied', async () => {
    const { receiver, copy } = await testReceiver();
    await receiver.receive(await setOf('/Users/u1', created(user('u1', MS + 900))));
    const patch = await setOf(
      '/Users/u1',
      {
        [PROV_PATCH_FULL_EVENT_URI]: {
          version: 'W/"2"',
          data: patchOp({ op: 'replace', path: 'title', value: 'x' }),
        },
      },
      { toe: T0 },
    );
    expect(await receiver.receive(patch)).toMatchObject({ status: 'applied' });
    expect(await copy('User', 'u1')).toMatchObject({
      title: 'x',
      meta: { lastModified: new Date(MS + 900).toISOString() },
    });
  });

  it('with the subjects’ state lost (a restart over the same storage), an older put:full still does not overwrite the newer copy', async () => {
    const first = await testReceiver();
    await first.receiver.receive(
      await setOf('/Users/u1', created(user('u1', MS + 20, { title: 'newer' }))),
    );
    const restarted = await testReceiver({}, first.storage);
    const older = {
      [PROV_PUT_FULL_EVENT_URI]: {
        version: 'W/"old"',
        data: user('u1', MS + 10, { title: 'older' }),
      },
    };
    expect(await restarted.receiver.receive(await setOf('/Users/u1', older))).toMatchObject({
      status: 'skipped',
      reason: 'stale',
    });
    expect(await restarted.copy('User', 'u1')).toMatchObject({ title: 'newer' });
  });

  it('with the subjects’ state lost, a PatchOp whose toe is before the copy’s lastModified is stale', async () => {
    const first = await testReceiver();
    await first.receiver.receive(await setOf('/Users/u1', created(user('u1', MS + 9_000))));
    const restarted = await testReceiver({}, first.storage);
    const late = {
      [PROV_PATCH_FULL_EVENT_URI]: {
        data: patchOp({ op: 'replace', path: 'title', value: 'old' }),
      },
    };
    expect(
      await restarted.receiver.receive(await setOf('/Users/u1', late, { toe: T0 + 3 })),
    ).toMatchObject({
      status: 'skipped',
      reason: 'stale',
    });
  });

  it('a delete then a late patch or create does not bring the subject back (ids are never reassigned)', async () => {
    const { receiver, copy } = await testReceiver();
    const create = created(user('u1', MS));
    await receiver.receive(await setOf('/Users/u1', create));
    expect(
      await receiver.receive(
        await setOf('/Users/u1', { [PROV_DELETE_EVENT_URI]: {} }, { toe: T0 + 1 }),
      ),
    ).toMatchObject({ status: 'applied', action: 'delete' });
    const patch = {
      [PROV_PATCH_FULL_EVENT_URI]: { data: patchOp({ op: 'replace', path: 'title', value: 'x' }) },
    };
    for (const events of [patch, create])
      expect(
        await receiver.receive(await setOf('/Users/u1', events, { toe: T0 + 2 })),
      ).toMatchObject({
        status: 'skipped',
        reason: 'deleted',
      });
    expect(await copy('User', 'u1')).toBeUndefined();
  });

  it('without a base URI of its own, a copy has no meta.location rather than the transmitter’s', async () => {
    const storage = createMemoryStorage();
    const { receiver, copy } = await testReceiver({ target: { stores: storage.stores } }, storage);
    await receiver.receive(await setOf('/Users/u1', created(user('u1', MS))));
    expect((await copy('User', 'u1'))?.meta).not.toHaveProperty('location');
  });

  it('the data never writes a password or a user’s groups, which a server derives on every read', async () => {
    const { receiver, copy } = await testReceiver();
    const data = user('u1', MS, {
      password: 't1meMa$heen',
      groups: [{ value: 'g1', display: 'Admins' }],
    });
    await receiver.receive(await setOf('/Users/u1', created(data)));
    const stored = await copy('User', 'u1');
    expect(stored).not.toHaveProperty('password');
    expect(stored).not.toHaveProperty('groups');
  });
});

describe('reading from the source', () => {
  it('a notice event is applied by reading the resource, without members’ $ref and with this server’s location', async () => {
    const { source, answer, reads } = fakeSource();
    const { receiver, copy } = await testReceiver({ source });
    const g1 = group('g1', MS, ['u1']);
    answer('/Groups/g1', { status: 'found', resource: g1 });
    const result = await receiver.receive(
      await setOf('/Groups/g1', {
        [PROV_CREATE_NOTICE_EVENT_URI]: { attributes: ['displayName', 'members'] },
      }),
    );
    expect(result).toMatchObject({ status: 'applied', action: 'create', from: 'source' });
    expect(reads.map((read) => read.uri)).toEqual(['/Groups/g1']);
    expect(await copy('Group', 'g1')).toEqual({
      ...g1,
      members: [{ value: 'u1', type: 'User' }],
      meta: { ...g1.meta, location: `${B_BASE}/Groups/g1` },
    });
  });

  it('E-SET-07: a notice event whose version the copy already has needs no read', async () => {
    const { source, answer, reads } = fakeSource();
    const { receiver } = await testReceiver({ source });
    const g1 = group('g1', MS, []);
    answer('/Groups/g1', { status: 'found', resource: g1 });
    const notice = (txn: string) =>
      setOf(
        '/Groups/g1',
        {
          [PROV_PATCH_NOTICE_EVENT_URI]: {
            version: String(g1.meta?.version),
            attributes: ['members'],
          },
        },
        { txn },
      );
    await receiver.receive(await notice('first'));
    expect(await receiver.receive(await notice('second'))).toMatchObject({
      status: 'skipped',
      reason: 'duplicate',
    });
    expect(reads).toHaveLength(1);
  });

  it('a notice event older than the copy the source gave is stale, and needs no read', async () => {
    const { source, answer, reads } = fakeSource();
    const { receiver } = await testReceiver({ source });
    answer('/Users/u1', { status: 'found', resource: user('u1', MS + 9_000) });
    const notice = { [PROV_PATCH_NOTICE_EVENT_URI]: { version: 'W/"old"', attributes: ['title'] } };
    await receiver.receive(await setOf('/Users/u1', notice, { toe: T0 + 9 }));
    expect(await receiver.receive(await setOf('/Users/u1', notice, { toe: T0 + 2 }))).toMatchObject(
      {
        status: 'skipped',
        reason: 'stale',
      },
    );
    expect(reads).toHaveLength(1);
  });

  it('a source that answers 404 leaves the copy, and the subject, to the transmitter’s delete that follows', async () => {
    const { source } = fakeSource();
    const { receiver, copy } = await testReceiver({ source, refresh: 'notice' });
    await receiver.receive(await setOf('/Users/u1', created(user('u1', MS))));
    const notice = { [PROV_PATCH_NOTICE_EVENT_URI]: { attributes: ['title'] } };
    expect(await receiver.receive(await setOf('/Users/u1', notice, { toe: T0 + 1 }))).toMatchObject(
      { status: 'skipped', reason: 'stale' },
    );
    expect(await copy('User', 'u1')).toBeDefined();
    expect(
      await receiver.receive(
        await setOf('/Users/u1', { [PROV_DELETE_EVENT_URI]: {} }, { toe: T0 + 1 }),
      ),
    ).toMatchObject({ status: 'applied', action: 'delete', from: 'data' });
    expect(await copy('User', 'u1')).toBeUndefined();
  });

  it('with a source, refresh "always" reads even a full event, so the copy is what the source has now', async () => {
    const { source, answer } = fakeSource();
    const { receiver, copy } = await testReceiver({ source });
    answer('/Users/u1', { status: 'found', resource: user('u1', MS + 50, { title: 'now' }) });
    await receiver.receive(await setOf('/Users/u1', created(user('u1', MS))));
    expect(await copy('User', 'u1')).toMatchObject({ title: 'now' });
  });

  it('a source that fails gives failed and releases the jti: the transmitter’s retry of the same SET is applied', async () => {
    const { source, answer } = fakeSource();
    const errors: unknown[] = [];
    const { receiver, copy } = await testReceiver({
      source,
      onError: (error) => errors.push(error),
    });
    answer('/Users/u1', { status: 'unavailable', description: 'the source answered 503' });
    const token = await setOf('/Users/u1', {
      [PROV_CREATE_NOTICE_EVENT_URI]: { attributes: ['userName'] },
    });
    expect(await receiver.receive(token)).toEqual({
      status: 'failed',
      description: '/Users/u1: the source answered 503',
      jti: expect.any(String) as string,
    });
    answer('/Users/u1', { status: 'found', resource: user('u1', MS) });
    expect(await receiver.receive(token)).toMatchObject({ status: 'applied' });
    expect(await copy('User', 'u1')).toBeDefined();
  });

  it('a retry that arrives while the first delivery is still being applied answers as that delivery does', async () => {
    const { source, answer } = fakeSource();
    const cache = createMemoryReplayCache();
    let replayed = (): void => undefined;
    const retryVerified = new Promise<void>((resolve) => (replayed = resolve));
    const replayCache: ReplayCache = {
      remember(key, expiresAt) {
        const fresh = cache.remember(key, expiresAt);
        if (!fresh) replayed();
        return fresh;
      },
      release: (key) => cache.release(key),
    };
    const { receiver } = await testReceiver({ source, replayCache });
    let reached = (): void => undefined;
    const atSource = new Promise<void>((resolve) => (reached = resolve));
    let fail = (): void => undefined;
    let reads = 0;
    answer('/Users/u1', () => {
      reads += 1;
      // A retry that read the source itself would find the user, and be applied.
      if (reads > 1) return Promise.resolve({ status: 'found', resource: user('u1', MS) });
      reached();
      return new Promise((resolve) => {
        fail = () => resolve({ status: 'unavailable', description: 'down' });
      });
    });
    const token = await setOf('/Users/u1', {
      [PROV_CREATE_NOTICE_EVENT_URI]: { attributes: ['userName'] },
    });
    const first = receiver.receive(token);
    await atSource;
    const retry = receiver.receive(token);
    await retryVerified;
    // The retry goes on in microtasks from its replay check to the first delivery's promise; a
    // macrotask begins once they have all run.
    await new Promise((settle) => setImmediate(settle));
    fail();
    expect((await first).status).toBe('failed');
    expect((await retry).status).toBe('failed');
  });
});
