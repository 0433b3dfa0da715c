// A receiver reading changes back from a source that lags (a read replica of the transmitter): a
// deactivation is never acknowledged while the copy stays active (RFC 9967 §2.4.5, §2.4.6), and a
// 404 from a source that does not have the resource yet loses no create (it fails while the source
// may lag) and no deactivation, and plants nothing the SET carries.
import {
  PROV_ACTIVATE_EVENT_URI,
  PROV_DEACTIVATE_EVENT_URI,
  PROV_DELETE_EVENT_URI,
  PROV_PATCH_FULL_EVENT_URI,
  PROV_PATCH_NOTICE_EVENT_URI,
} from '@scim/core';
import { describe, expect, it } from 'vitest';
import {
  created,
  fakeSource,
  patchOp,
  setOf,
  T0,
  testReceiver,
  user,
} from './fixtures/received-sets.ts';

const MS = T0 * 1000;
const U1 = '/Users/u1';
const deactivation = { [PROV_DEACTIVATE_EVENT_URI]: {} };

/** A receiver reading from a source that answers `u1` as given, holding the copy it read. */
async function replicaOf(u1: ReturnType<typeof user>) {
  const { source, answer } = fakeSource();
  const replica = await testReceiver({ source });
  answer(U1, { status: 'found', resource: u1 });
  expect(await replica.receiver.receive(await setOf(U1, created(u1)))).toMatchObject({
    status: 'applied',
  });
  return { ...replica, answer };
}

/** A PatchOp setting `active` to false, with the deactivation, as the transmitter tells it. */
const patchDeactivating = (version: string) => ({
  [PROV_PATCH_FULL_EVENT_URI]: {
    version,
    data: patchOp({ op: 'replace', path: 'active', value: false }),
  },
  ...deactivation,
});

describe('a source that still shows the user active after a deactivation', () => {
  it('a lone prov:deactivate without a version fails until the source shows it, so the user never stays active on the replica', async () => {
    const { receiver, copy, answer } = await replicaOf(user('u1', MS));
    const token = await setOf(U1, deactivation, { toe: T0 + 5 });
    expect(await receiver.receive(token)).toMatchObject({
      status: 'failed',
      description: expect.stringContaining('does not show change') as unknown,
    });
    // The source catches up; the transmitter's retry is applied.
    answer(U1, { status: 'found', resource: user('u1', MS + 5_000, { active: false }) });
    expect(await receiver.receive(token)).toMatchObject({ status: 'applied', from: 'source' });
    expect(await copy('User', 'u1')).toMatchObject({ active: false });
  });

  it('a deactivation along a patch, its version stamped in the same second as the source’s lastModified (toe in whole seconds), fails', async () => {
    const { receiver, copy, answer } = await replicaOf(user('u1', MS + 100));
    // Deactivated at MS + 400: a toe in whole seconds says T0, the second the source's copy is of.
    const version = `W/"u1-${MS + 400}"`;
    const token = await setOf(U1, patchDeactivating(version), { toe: T0 });
    expect(await receiver.receive(token)).toMatchObject({ status: 'failed' });
    answer(U1, { status: 'found', resource: user('u1', MS + 400, { active: false }) });
    expect(await receiver.receive(token)).toMatchObject({ status: 'applied' });
    expect(await copy('User', 'u1')).toMatchObject({ active: false, meta: { version } });
  });

  it('a prov:activate the source does not show yet (still inactive, not modified since) fails, rather than leave the user locked out', async () => {
    const { receiver, copy, answer } = await replicaOf(user('u1', MS, { active: false }));
    const token = await setOf(U1, { [PROV_ACTIVATE_EVENT_URI]: {} }, { toe: T0 + 5 });
    expect(await receiver.receive(token)).toMatchObject({ status: 'failed' });
    answer(U1, { status: 'found', resource: user('u1', MS + 5_000) });
    expect(await receiver.receive(token)).toMatchObject({ status: 'applied' });
    expect(await copy('User', 'u1')).toMatchObject({ active: true });
  });
});

describe('a user deactivated and activated again is not retried for ever', () => {
  it('a source modified after the deactivation (a toe to the millisecond) shows the later activation: applied', async () => {
    const { receiver, copy, answer } = await replicaOf(user('u1', MS + 100));
    answer(U1, { status: 'found', resource: user('u1', MS + 600) }); // activated again at MS + 600
    const token = await setOf(U1, patchDeactivating(`W/"u1-${MS + 300}"`), { toe: T0 + 0.3 });
    expect(await receiver.receive(token)).toMatchObject({ status: 'applied', from: 'source' });
    expect(await copy('User', 'u1')).toMatchObject({ active: true });
  });

  it('with a toe in whole seconds, the same second cannot tell; a source modified in a later second can', async () => {
    const { receiver, copy, answer } = await replicaOf(user('u1', MS + 100));
    answer(U1, { status: 'found', resource: user('u1', MS + 600) });
    const token = await setOf(U1, deactivation, { toe: T0 });
    expect(await receiver.receive(token)).toMatchObject({ status: 'failed' });
    answer(U1, { status: 'found', resource: user('u1', MS + 1_200, { title: 'Lead' }) });
    expect(await receiver.receive(token)).toMatchObject({ status: 'applied' });
    expect(await copy('User', 'u1')).toMatchObject({ active: true, title: 'Lead' });
  });
});

describe('a source that answers 404 (a read replica without the resource yet, or a delete since)', () => {
  it('a prov:create:full the source answers 404 for fails while the source may still lag (sourceLagMs), then is read from the source: nothing the SET carries is planted', async () => {
    const { source, answer } = fakeSource(); // answers 404 until told otherwise
    const { receiver, copy } = await testReceiver({ source });
    const now = Date.now();
    const u1 = user('u1', now);
    const token = await setOf(U1, created(u1), { toe: now / 1000 });
    expect(await receiver.receive(token)).toMatchObject({
      status: 'failed',
      description: expect.stringContaining('yet') as unknown,
    });
    expect(await copy('User', 'u1')).toBeUndefined();
    // The replica catches up; the transmitter's retry is applied from it.
    answer(U1, { status: 'found', resource: u1 });
    expect(await receiver.receive(token)).toMatchObject({
      status: 'applied',
      action: 'create',
      from: 'source',
    });
  });

  it('a deactivation is written to the copy: alone, along a patch:notice (the copy keeps its version), or along a patch:full', async () => {
    const lone = await replicaOf(user('u1', MS));
    lone.answer(U1, { status: 'gone' });
    expect(
      await lone.receiver.receive(await setOf(U1, deactivation, { toe: T0 + 1 })),
    ).toMatchObject({ status: 'applied' });
    expect(await lone.copy('User', 'u1')).toMatchObject({ active: false });

    const notice = await replicaOf(user('u1', MS));
    notice.answer(U1, { status: 'gone' });
    const events = {
      [PROV_PATCH_NOTICE_EVENT_URI]: { version: 'W/"u1-2"', attributes: ['active', 'title'] },
      ...deactivation,
    };
    expect(await notice.receiver.receive(await setOf(U1, events, { toe: T0 + 1 }))).toMatchObject({
      status: 'applied',
    });
    expect(await notice.copy('User', 'u1')).toMatchObject({
      active: false,
      meta: { version: `W/"u1-${MS}"` },
    });

    const full = await replicaOf(user('u1', MS));
    full.answer(U1, { status: 'gone' });
    const token = await setOf(U1, patchDeactivating('W/"u1-2"'), { toe: T0 + 1 });
    expect(await full.receiver.receive(token)).toMatchObject({ status: 'applied' });
    expect(await full.copy('User', 'u1')).toMatchObject({ active: false });
  });

  it('a create the source still answers 404 for after sourceLagMs is skipped as stale (deleted since), and the delete that follows is final', async () => {
    const { source } = fakeSource();
    const { receiver, copy } = await testReceiver({ source, sourceLagMs: 1_000 });
    const create = await setOf(U1, created(user('u1', MS))); // toe T0, long before now
    expect(await receiver.receive(create)).toMatchObject({ status: 'skipped', reason: 'stale' });
    expect(await copy('User', 'u1')).toBeUndefined();
    await receiver.receive(await setOf(U1, { [PROV_DELETE_EVENT_URI]: {} }, { toe: T0 + 1 }));
    // A late copy of the create, re-signed, does not bring it back.
    expect(await receiver.receive(await setOf(U1, created(user('u1', MS))))).toMatchObject({
      status: 'skipped',
      reason: 'deleted',
    });
  });
});
