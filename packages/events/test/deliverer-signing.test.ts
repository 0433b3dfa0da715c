// Push SETs are signed as they are sent, not when a write queues them (issue 14, "the cost on a
// write"): what reaches the receiver verifies against the tenant's published JWKS, signed with the
// key active at delivery, so a SET queued before a rotation or a restart with a new key still
// verifies; a deliverer without keys sends nothing and says why.
import { decodeProtectedHeader } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import type { SetClaims } from '../src/lib/claims.ts';
import { createStreamDeliverer, type StreamDeliverer } from '../src/lib/deliverer.ts';
import { createSigningKeySet, generateSigningKey, type SigningKeySet } from '../src/lib/keys.ts';
import type { PerTenant } from '../src/lib/per-tenant.ts';
import { signSet } from '../src/lib/sign.ts';
import { verifySet } from '../src/lib/verify.ts';
import {
  bj,
  claimsOf,
  cleanUp,
  eventWorld,
  ISSUER,
  startReceiver,
  stream,
  type EventWorld,
  type Receiver,
} from './fixtures/event-server.ts';

const deliverers: StreamDeliverer[] = [];
afterEach(async () => {
  await Promise.all(deliverers.splice(0).map((deliverer) => deliverer.close()));
  await cleanUp();
});

async function pushWorld(receiver: Receiver, tenant?: string): Promise<EventWorld> {
  const world = await eventWorld(tenant === undefined ? {} : { tenant });
  await world.streams.put(
    stream({
      id: 'a',
      tenant,
      audience: 'https://a.example.com',
      delivery: {
        method: 'push',
        endpointUrl: receiver.url,
        authorization: { kind: 'bearer', token: 'tok_0123456789' },
        allowPrivateNetwork: true,
      },
    }),
  );
  return world;
}

function deliverer(
  world: EventWorld,
  keys: PerTenant<SigningKeySet> | undefined,
  extra: {
    readonly tenants?: readonly (string | undefined)[];
    onError?: (e: unknown) => void;
  } = {},
) {
  const made = createStreamDeliverer({
    streams: world.streams,
    queue: world.queue,
    ...(keys === undefined ? {} : { keys }),
    ...extra,
    options: { pollMs: 0, backoffMs: 1, maxBackoffMs: 2 },
  });
  deliverers.push(made);
  return made;
}

const verify = (token: string, keys: SigningKeySet) =>
  verifySet(token, {
    keys: keys.jwks(),
    issuer: ISSUER,
    audience: 'https://a.example.com',
    replayCache: false,
  });

describe('issue 14: push SETs are signed on delivery', () => {
  it('E-DELIV-05 (SETs are always signed): the pushed SET verifies with the published key and carries the claims queued, byte for byte', async () => {
    const receiver = await startReceiver();
    const world = await pushWorld(receiver);
    await world.call('POST', '/Users', bj());
    const [queued] = await world.queue.list('a');
    expect(await deliverer(world, world.keys).deliverDue()).toBe(1);
    const [request] = receiver.accepted;
    const result = await verify(request?.body ?? '', world.keys);
    expect(result.ok).toBe(true);
    const payload = (request?.body ?? '').split('.')[1] ?? '';
    expect(Buffer.from(payload, 'base64url').toString('utf8')).toBe(queued?.payload);
  });

  it('a SET queued before a key rotation is signed with the key active when it is sent, and verifies against the JWKS', async () => {
    const receiver = await startReceiver();
    const world = await pushWorld(receiver);
    const keys = createSigningKeySet({ active: await generateSigningKey() });
    await world.call('POST', '/Users', bj());
    const next = await keys.rotate();
    await deliverer(world, keys).deliverDue();
    const token = receiver.accepted[0]?.body ?? '';
    expect(decodeProtectedHeader(token).kid).toBe(next.kid);
    expect((await verify(token, keys)).ok).toBe(true);
  });

  it('per-tenant keys: a stream’s SETs are signed with its tenant’s key set', async () => {
    const receiver = await startReceiver();
    const world = await pushWorld(receiver, 'acme');
    const acme = createSigningKeySet({ active: await generateSigningKey() });
    await world.call('POST', '/Users', bj());
    const asked: (string | undefined)[] = [];
    const streams = deliverer(
      world,
      (tenant) => {
        asked.push(tenant);
        return tenant === 'acme' ? acme : world.keys;
      },
      { tenants: ['acme'] },
    );
    expect(await streams.deliverDue()).toBe(1);
    expect(asked).toEqual(['acme']);
    expect(decodeProtectedHeader(receiver.accepted[0]?.body ?? '').kid).toBe(acme.active.kid);
  });

  it('without keys a push SET is not sent: it is retried, and onError says why', async () => {
    const receiver = await startReceiver();
    const world = await pushWorld(receiver);
    await world.call('POST', '/Users', bj());
    const errors: unknown[] = [];
    await deliverer(world, undefined, { onError: (error) => errors.push(error) }).deliverDue();
    expect(receiver.requests).toEqual([]);
    expect(await world.queue.list('a')).toMatchObject([{ state: 'pending', attempts: 1 }]);
    expect(String(errors[0])).toMatch(/keys/);
  });

  it('a SET queued already signed (a compact JWS) is pushed as it is', async () => {
    const receiver = await startReceiver();
    const world = await pushWorld(receiver);
    await world.call('POST', '/Users', bj());
    const [queued] = await world.queue.list('a');
    if (queued === undefined) throw new Error('nothing was queued');
    const claims = claimsOf(queued.payload) as unknown as SetClaims;
    const token = await signSet(claims, world.keys.active);
    // The same SET as an earlier version queued it: signed. No keys are needed to push it.
    await world.queue.complete('a', queued.jti, new Date());
    await world.queue.enqueue([{ ...queued, key: 'signed', jti: 'signed', payload: token }]);
    await deliverer(world, undefined).deliverDue();
    expect(receiver.accepted.map((request) => request.body)).toEqual([token]);
  });
});
