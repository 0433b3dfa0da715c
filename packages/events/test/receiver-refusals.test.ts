// createEventReceiver's refusals (RFC 8935 §2.3): every SET it cannot apply, whatever is wrong with
// it, is a result with the error code to answer, never a throw, and writes nothing; and a store
// failure is a result to retry, never a refusal.
import {
  FEED_REMOVE_EVENT_URI,
  PROV_CREATE_NOTICE_EVENT_URI,
  PROV_DELETE_EVENT_URI,
  PROV_PATCH_FULL_EVENT_URI,
  PROV_PUT_FULL_EVENT_URI,
  SSF_VERIFICATION_EVENT_URI,
} from '@scim/core';
import { describe, expect, it } from 'vitest';
import { createSigningKeySet, generateSigningKey } from '../src/lib/keys.ts';
import { signSet } from '../src/lib/sign.ts';
import { createEventReceiver, type EventReceiverOptions } from '../src/lib/receiver.ts';
import { ISSUER, testKeys } from './fixtures/event-server.ts';
import {
  created,
  patchOp,
  REPLICA,
  setOf,
  T0,
  testReceiver,
  user,
} from './fixtures/received-sets.ts';

const MS = T0 * 1000;

describe('refused as data', () => {
  it('a notice event without a source is refused with invalid_request', async () => {
    const { receiver } = await testReceiver();
    const result = await receiver.receive(
      await setOf('/Users/u1', { [PROV_CREATE_NOTICE_EVENT_URI]: { attributes: ['userName'] } }),
    );
    expect(result).toMatchObject({ status: 'refused', err: 'invalid_request' });
  });

  it('a PatchOp for a subject this receiver does not hold, without a source, is refused', async () => {
    const { receiver } = await testReceiver();
    const result = await receiver.receive(
      await setOf('/Users/u1', {
        [PROV_PATCH_FULL_EVENT_URI]: {
          data: patchOp({ op: 'replace', path: 'title', value: 'x' }),
        },
      }),
    );
    expect(result).toMatchObject({ status: 'refused', err: 'invalid_request' });
  });

  const CREATE = created(user('u1', MS));
  const cases: readonly [string, () => Promise<string>][] = [
    ['an unknown event URI', () => setOf('/Users/u1', { 'urn:example:event:unknown': {} })],
    [
      'a sub_id that is not a SCIM subject',
      () => setOf('/Users/u1', CREATE, { sub_id: { format: 'email', email: 'a@b.c' } }),
    ],
    ['a resource type this receiver does not keep', () => setOf('/Devices/d1', CREATE)],
    ['a sub_id.uri that is not /{endpoint}/{id}', () => setOf('/Users', CREATE)],
    ['no txn', () => setOf('/Users/u1', CREATE, { txn: undefined })],
    [
      'two changes in one SET',
      () => setOf('/Users/u1', { ...CREATE, [PROV_DELETE_EVENT_URI]: {} }),
    ],
    ['data of another resource than the subject', () => setOf('/Users/u2', CREATE)],
    [
      'a full event without data',
      () => setOf('/Users/u1', { [PROV_PUT_FULL_EVENT_URI]: { version: 'W/"1"' } }),
    ],
  ];
  for (const [name, make] of cases)
    it(`E-DELIV-02 (a 400 names an RFC 8935 err): ${name} is refused with invalid_request, and nothing is written`, async () => {
      const { receiver, storage } = await testReceiver();
      expect(await receiver.receive(await make())).toMatchObject({
        status: 'refused',
        err: 'invalid_request',
      });
      expect(storage.stores.User?.size()).toBe(0);
    });

  it('verification refusals keep their RFC 8935 codes: audience, issuer, key, and a token that is no SET', async () => {
    const { receiver } = await testReceiver();
    const other = createSigningKeySet({ active: await generateSigningKey() });
    const claims = {
      iss: ISSUER,
      iat: Math.floor(Date.now() / 1000),
      jti: 'x',
      txn: 't',
      sub_id: { format: 'scim', uri: '/Users/u1' },
      events: CREATE,
    };
    expect(
      await receiver.receive(
        await setOf('/Users/u1', CREATE, { aud: 'https://other.example.com' }),
      ),
    ).toMatchObject({ status: 'refused', err: 'invalid_audience' });
    expect(
      await receiver.receive(await setOf('/Users/u1', CREATE, { iss: 'https://evil.example.com' })),
    ).toMatchObject({ status: 'refused', err: 'invalid_issuer' });
    expect(
      await receiver.receive(
        await signSet({ ...claims, aud: 'https://replica.example.com' }, other.active),
      ),
    ).toMatchObject({ status: 'refused', err: 'invalid_key' });
    expect(await receiver.receive('not.a.set')).toMatchObject({
      status: 'refused',
      err: 'invalid_request',
    });
  });

  it('SSF verification and feed:remove events are accepted and change nothing', async () => {
    const { receiver, storage } = await testReceiver();
    expect(
      await receiver.receive(
        await setOf(
          '/Users/u1',
          { [SSF_VERIFICATION_EVENT_URI]: { state: 'abc' } },
          { sub_id: { format: 'opaque', id: 'stream-1' } },
        ),
      ),
    ).toMatchObject({ status: 'skipped', reason: 'not_applicable' });
    expect(
      await receiver.receive(await setOf('/Users/u1', { [FEED_REMOVE_EVENT_URI]: {} })),
    ).toMatchObject({
      status: 'skipped',
      reason: 'not_applicable',
    });
    expect(storage.stores.User?.size()).toBe(0);
  });
});

describe('store failures', () => {
  it('a userName still held by another subject fails for now, and the retry is applied once a later SET frees it', async () => {
    const { receiver, copy } = await testReceiver();
    await receiver.receive(
      await setOf('/Users/u1', created(user('u1', MS, { userName: 'bjensen' }))),
    );
    const u2 = await setOf('/Users/u2', created(user('u2', MS + 5, { userName: 'bjensen' })));
    expect(await receiver.receive(u2)).toMatchObject({ status: 'failed' });
    await receiver.receive(
      await setOf('/Users/u1', { [PROV_DELETE_EVENT_URI]: {} }, { toe: T0 + 1 }),
    );
    expect(await receiver.receive(u2)).toMatchObject({ status: 'applied', action: 'create' });
    expect(await copy('User', 'u2')).toMatchObject({ userName: 'bjensen' });
  });
});

describe('misconfiguration', () => {
  it('throws when the receiver is made: no audience decision, or a resource type without a store', async () => {
    const { storage } = await testReceiver();
    const keys = await testKeys();
    const base = {
      keys,
      issuer: ISSUER,
      replayCache: false as const,
      target: { stores: storage.stores },
    };
    expect(() => createEventReceiver({ ...base } as unknown as EventReceiverOptions)).toThrow(
      TypeError,
    );
    expect(() =>
      createEventReceiver({
        ...base,
        audience: REPLICA,
        target: { stores: { User: storage.stores.User! } },
      }),
    ).toThrow("no store for resource type 'Group'");
  });
});
