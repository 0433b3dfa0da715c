// Ways a replica could lose a change, diverge from its transmitter or misbehave that the receiver's
// other tests do not reach: retries of SETs the replay cache holds, a source that lags or answers
// 404, what a SET may not write, members added before the member arrives, fractional `toe`, state
// kept per issuer and tenant, and jtis the transmitter chooses.
import {
  PROV_ACTIVATE_EVENT_URI,
  PROV_CREATE_NOTICE_EVENT_URI,
  PROV_DELETE_EVENT_URI,
  PROV_PATCH_FULL_EVENT_URI,
  PROV_PUT_NOTICE_EVENT_URI,
  SECEVENT_JWT_MEDIA_TYPE,
  UserResourceType,
} from '@scim/core';
import type { ScimStore } from '@scim/server';
import { createMemoryStorage } from '@scim/server/memory';
import { describe, expect, it } from 'vitest';
import { createMemoryReceiverState } from '../src/lib/receiver-state.ts';
import { createMemoryReplayCache, type ReplayCache } from '../src/lib/replay.ts';
import { verifySet } from '../src/lib/verify.ts';
import { ISSUER, testKeys } from './fixtures/event-server.ts';
import {
  B_BASE,
  created,
  fakeSource,
  group,
  patchOp,
  REPLICA,
  setOf,
  T0,
  testReceiver,
  user,
} from './fixtures/received-sets.ts';

const MS = T0 * 1000;
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const patch = (toe: number, ...operations: Record<string, unknown>[]) =>
  setOf(
    '/Users/u1',
    { [PROV_PATCH_FULL_EVENT_URI]: { version: `W/"${toe}"`, data: patchOp(...operations) } },
    { toe },
  );

const createNotice = () =>
  setOf('/Users/u1', { [PROV_CREATE_NOTICE_EVENT_URI]: { attributes: ['userName'] } });

/** A poll endpoint answering `answers` in turn, recording each acknowledge-only request. */
function pollEndpoint(answers: string[]) {
  const acks: { ack: string[]; setErrs: Record<string, unknown> }[] = [];
  const fetch = async (request: Request) => {
    const text = await request.text();
    const body = JSON.parse(text) as { maxEvents: number };
    if (body.maxEvents === 0) {
      acks.push(JSON.parse(text) as (typeof acks)[number]);
      return Response.json({ sets: {} });
    }
    return new Response(answers.shift() ?? '{"sets":{}}', { status: 200 });
  };
  return { fetch, acks, url: 'https://scim.example.com/poll' };
}

describe('a SET received before, but never applied', () => {
  it('a replay cache without release: the retry of a SET that failed is applied, not skipped as a duplicate', async () => {
    const keys = new Set<string>();
    const replayCache: ReplayCache = {
      remember: (key) => (keys.has(key) ? false : (keys.add(key), true)),
    };
    const { source, answer } = fakeSource();
    const { receiver, copy } = await testReceiver({ source, replayCache });
    answer('/Users/u1', { status: 'unavailable', description: 'the source answered 503' });
    const token = await createNotice();
    expect((await receiver.receive(token)).status).toBe('failed');
    answer('/Users/u1', { status: 'found', resource: user('u1', MS) });
    expect(await receiver.receive(token)).toMatchObject({ status: 'applied', action: 'create' });
    expect(await copy('User', 'u1')).toBeDefined();
  });

  it('the process stopped between reserving the jti and applying the SET: after the restart, the retry is applied', async () => {
    // A shared, persistent replay cache (Redis in production), as the docs suggest.
    const replayCache = createMemoryReplayCache();
    const storage = createMemoryStorage();
    const hanging = fakeSource();
    let reached = (): void => undefined;
    const atSource = new Promise<void>((resolve) => (reached = resolve));
    hanging.answer('/Users/u1', () => {
      reached();
      return new Promise(() => undefined);
    });
    const before = await testReceiver({ source: hanging.source, replayCache }, storage);
    const token = await createNotice();
    void before.receiver.receive(token); // the process dies while reading the source
    await atSource;
    const working = fakeSource();
    working.answer('/Users/u1', { status: 'found', resource: user('u1', MS) });
    const after = await testReceiver({ source: working.source, replayCache }, storage);
    expect(await after.receiver.receive(token)).toMatchObject({ status: 'applied' });
    expect(await after.copy('User', 'u1')).toBeDefined();
  });

  it('a replay cache whose release throws: the push endpoint still answers 503, so the SET comes again', async () => {
    const inner = createMemoryReplayCache();
    const errors: unknown[] = [];
    const replayCache: ReplayCache = {
      remember: (key, at) => inner.remember(key, at),
      release: () => {
        throw new Error('redis down');
      },
    };
    const { source, answer } = fakeSource();
    const { receiver } = await testReceiver({
      source,
      replayCache,
      onError: (error) => errors.push(error),
    });
    answer('/Users/u1', { status: 'unavailable', description: 'down' });
    const response = await receiver.handlePush(
      new Request(`${REPLICA}/events`, {
        method: 'POST',
        headers: { 'content-type': SECEVENT_JWT_MEDIA_TYPE },
        body: await createNotice(),
      }),
    );
    expect(response.status).toBe(503);
    expect(errors).toEqual([new Error('redis down')]);
  });

  it('verifySet: a release that throws rejects the promise release() returns', async () => {
    const result = await verifySet(await createNotice(), {
      keys: await testKeys(),
      issuer: ISSUER,
      audience: REPLICA,
      replayCache: {
        remember: () => true,
        release: () => {
          throw new Error('redis down');
        },
      },
    });
    if (!result.ok) throw new Error('the SET was refused');
    await expect(result.value.release()).rejects.toThrow('redis down');
  });
});

describe('pollOnce', () => {
  it('after a SET fails, the later SETs of its subject in the batch are left for its retry, not applied before it', async () => {
    const storage = createMemoryStorage();
    const users = storage.stores.User as ScimStore;
    let failNext = false;
    const flaky: ScimStore = {
      ...users,
      replace: (resource, context) => {
        if (failNext) {
          failNext = false;
          return Promise.reject(new Error('database timeout'));
        }
        return users.replace(resource, context);
      },
    };
    const { receiver, copy } = await testReceiver(
      { target: { stores: { ...storage.stores, User: flaky }, baseUrl: B_BASE } },
      storage,
    );
    await receiver.receive(await setOf('/Users/u1', created(user('u1', MS))));
    const p1 = await patch(T0 + 1, { op: 'replace', path: 'title', value: 'Lead' });
    const p2 = await patch(T0 + 2, { op: 'replace', path: 'nickName', value: 'Babs' });
    // Neither is acknowledged the first time, so the transmitter sends both again, in order.
    const batch = JSON.stringify({ sets: { p1, p2 } });
    const endpoint = pollEndpoint([batch, batch]);
    failNext = true;
    const first = await receiver.pollOnce(endpoint);
    expect(first).toMatchObject({ ok: true, retry: ['p1', 'p2'], acknowledged: [] });
    await receiver.pollOnce(endpoint);
    expect(await copy('User', 'u1')).toMatchObject({ title: 'Lead', nickName: 'Babs' });
  });

  it('a SET under the jti "__proto__" is applied, reported in results and acknowledged', async () => {
    const { receiver } = await testReceiver();
    const token = await setOf('/Users/u1', created(user('u1', MS)));
    const endpoint = pollEndpoint([`{"sets":{"__proto__":${JSON.stringify(token)}}}`]);
    const result = await receiver.pollOnce(endpoint);
    expect(Object.keys(result.results)).toEqual(['__proto__']);
    expect(result.results['__proto__']).toMatchObject({ status: 'applied' });
    expect(endpoint.acks[0]?.ack).toEqual(['__proto__']);
  });

  it('a refused SET under the jti "__proto__" is reported to the transmitter in setErrs', async () => {
    const { receiver } = await testReceiver();
    const token = await setOf('/Users/u1', { 'urn:example:unknown': {} });
    const endpoint = pollEndpoint([`{"sets":{"__proto__":${JSON.stringify(token)}}}`]);
    const result = await receiver.pollOnce(endpoint);
    expect(Object.keys(result.reported)).toEqual(['__proto__']);
    expect(Object.keys(endpoint.acks[0]?.setErrs ?? {})).toEqual(['__proto__']);
  });
});

describe('what the source answers', () => {
  it('a source that answers 404 for a while (lagging, or a wrong base URL) does not delete the subject for good', async () => {
    const { source, answer } = fakeSource();
    const { receiver, copy } = await testReceiver({ source });
    // Not yet visible at the source: fakeSource answers gone.
    expect(await receiver.receive(await createNotice())).toMatchObject({
      status: 'skipped',
      reason: 'stale',
    });
    answer('/Users/u1', { status: 'found', resource: user('u1', MS + 1_500) });
    await receiver.receive(
      await setOf(
        '/Users/u1',
        { [PROV_PUT_NOTICE_EVENT_URI]: { attributes: ['title'] } },
        { toe: T0 + 1 },
      ),
    );
    expect(await copy('User', 'u1')).toBeDefined();
  });

  it('a source behind the change a notice tells (a lagging read replica) fails, so that the SET is retried', async () => {
    const { source, answer } = fakeSource();
    const { receiver } = await testReceiver({ source });
    answer('/Users/u1', { status: 'found', resource: user('u1', MS) });
    await receiver.receive(await setOf('/Users/u1', created(user('u1', MS))));
    // The change happened at T0 + 5; the source still shows the state of T0.
    const notice = await setOf(
      '/Users/u1',
      { [PROV_PUT_NOTICE_EVENT_URI]: { version: 'W/"u1-new"', attributes: ['title'] } },
      { toe: T0 + 5 },
    );
    expect((await receiver.receive(notice)).status).toBe('failed');
  });

  it('a source at the version a notice names is applied, though stamped in the second before its toe', async () => {
    const { source, answer } = fakeSource();
    const { receiver, copy } = await testReceiver({ source });
    // A server stamps the resource, then records the change: the two can straddle a second.
    const stamped = user('u1', MS + 999, { title: 'Lead' });
    answer('/Users/u1', { status: 'found', resource: stamped });
    const notice = await setOf(
      '/Users/u1',
      {
        [PROV_CREATE_NOTICE_EVENT_URI]: {
          version: String(stamped.meta?.version),
          attributes: ['title'],
        },
      },
      { toe: T0 + 1 },
    );
    expect(await receiver.receive(notice)).toMatchObject({ status: 'applied' });
    expect(await copy('User', 'u1')).toMatchObject({ title: 'Lead' });
  });
});

describe('what a SET writes', () => {
  it('a patch:full PatchOp never writes a password into the copy', async () => {
    const { receiver, copy } = await testReceiver();
    await receiver.receive(await setOf('/Users/u1', created(user('u1', MS))));
    await receiver.receive(
      await patch(T0 + 1, { op: 'replace', path: 'password', value: 'S3cret!' }),
    );
    await receiver.receive(await patch(T0 + 2, { op: 'replace', value: { password: 'S3cret!2' } }));
    expect(JSON.stringify(await copy('User', 'u1'))).not.toContain('S3cret');
  });

  it('full data never writes a password, also under the core schema URN', async () => {
    const { receiver, copy } = await testReceiver();
    const data = user('u1', MS, {
      'urn:ietf:params:scim:schemas:core:2.0:User:password': 'S3cret!',
      'urn:ietf:params:scim:schemas:core:2.0:User': { password: 'S3cret!2' },
    });
    await receiver.receive(await setOf('/Users/u1', created(data)));
    expect(JSON.stringify(await copy('User', 'u1'))).not.toContain('S3cret');
  });

  it('an attribute named with its schema URN is stored where the schema puts it', async () => {
    const { receiver, copy } = await testReceiver();
    const data = user('u1', MS, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
      'urn:ietf:params:scim:schemas:core:2.0:User:title': 'Lead',
      [`${ENTERPRISE}:employeeNumber`]: '701984',
    });
    await receiver.receive(await setOf('/Users/u1', created(data)));
    const stored = await copy('User', 'u1');
    expect(stored).toMatchObject({ title: 'Lead', [ENTERPRISE]: { employeeNumber: '701984' } });
    expect(Object.keys(stored ?? {}).filter((name) => name.includes(':2.0:User:'))).toEqual([]);
  });

  it('a toe with a fraction of a second dates a patched copy to the millisecond', async () => {
    const { receiver, copy } = await testReceiver();
    await receiver.receive(await setOf('/Users/u1', created(user('u1', MS))));
    await receiver.receive(await patch(T0 + 0.25, { op: 'replace', path: 'title', value: 'Lead' }));
    expect((await copy('User', 'u1'))?.meta).toMatchObject({
      lastModified: new Date(MS + 250).toISOString(),
    });
  });
});

describe('members added before the member arrives (no source, groups in full mode)', () => {
  const addU1 = () =>
    setOf(
      '/Groups/g1',
      {
        [PROV_PATCH_FULL_EVENT_URI]: {
          version: 'W/"g1-2"',
          data: patchOp({ op: 'add', path: 'members', value: [{ value: 'u1' }] }),
        },
      },
      { toe: T0 + 1 },
    );

  it('a member added to a group before its own create arrived gets its type once it is there', async () => {
    const { receiver, copy } = await testReceiver();
    await receiver.receive(await setOf('/Groups/g1', created(group('g1', MS, []))));
    await receiver.receive(await addU1());
    // u1's create was queued on its own lane and arrives second.
    await receiver.receive(await setOf('/Users/u1', created(user('u1', MS))));
    expect((await copy('Group', 'g1'))?.members).toEqual([{ value: 'u1', type: 'User' }]);
    expect((await copy('Group', 'g1'))?.meta).toMatchObject({ version: 'W/"g1-2"' });
  });

  it('a member created while the PatchOp adding it is being written gets its type', async () => {
    const storage = createMemoryStorage();
    const groups = storage.stores.Group as ScimStore;
    let hold = false;
    let writing = (): void => undefined;
    const atWrite = new Promise<void>((resolve) => (writing = resolve));
    let proceed = (): void => undefined;
    const proceeding = new Promise<void>((resolve) => (proceed = resolve));
    const held: ScimStore = {
      ...groups,
      replace: async (resource, context) => {
        if (hold) {
          hold = false;
          writing();
          await proceeding;
        }
        return groups.replace(resource, context);
      },
    };
    const { receiver, copy } = await testReceiver(
      { target: { stores: { ...storage.stores, Group: held }, baseUrl: B_BASE } },
      storage,
    );
    await receiver.receive(await setOf('/Groups/g1', created(group('g1', MS, []))));
    hold = true;
    const adding = receiver.receive(await addU1());
    await atWrite; // u1 was looked up and not found; the group is about to be written
    await receiver.receive(await setOf('/Users/u1', created(user('u1', MS))));
    proceed();
    expect(await adding).toMatchObject({ status: 'applied' });
    expect((await copy('Group', 'g1'))?.members).toEqual([{ value: 'u1', type: 'User' }]);
  });
});

describe('whose subject a state is', () => {
  const OTHER = 'https://other.example.com';

  it('two issuers’ SETs about the same uri keep apart states: one’s delete is no tombstone for the other', async () => {
    const { receiver, copy } = await testReceiver({ issuer: [ISSUER, OTHER] });
    const iss = { iss: OTHER };
    await receiver.receive(await setOf('/Users/u1', created(user('u1', MS)), iss));
    await receiver.receive(await setOf('/Users/u1', { [PROV_DELETE_EVENT_URI]: {} }, iss));
    expect(
      await receiver.receive(await setOf('/Users/u1', created(user('u1', MS + 5_000)))),
    ).toMatchObject({ status: 'applied', action: 'create' });
    expect(await copy('User', 'u1')).toBeDefined();
  });

  it('two tenants sharing a state store keep apart states: one’s delete is no tombstone for the other', async () => {
    const storage = createMemoryStorage();
    const state = createMemoryReceiverState();
    const tenant = async (name: string) =>
      testReceiver({ state, target: { stores: storage.stores, tenant: name } }, storage);
    const acme = await tenant('acme');
    const globex = await tenant('globex');
    await acme.receiver.receive(await setOf('/Users/u1', created(user('u1', MS))));
    await acme.receiver.receive(await setOf('/Users/u1', { [PROV_DELETE_EVENT_URI]: {} }));
    expect(
      await globex.receiver.receive(await setOf('/Users/u1', created(user('u1', MS)))),
    ).toMatchObject({ status: 'applied', action: 'create' });
    const inGlobex = await storage.stores.User?.get('u1', {
      resourceType: UserResourceType,
      principal: 'test',
      tenant: 'globex',
      signal: new AbortController().signal,
    });
    expect(inGlobex).toBeDefined();
  });
});

describe('a receiver that lost its state still does not undo a deprovisioning', () => {
  it('a late lone prov:activate, its toe before the copy’s lastModified, is stale: the deactivated user stays inactive', async () => {
    const first = await testReceiver();
    await first.receiver.receive(
      await setOf('/Users/u1', created(user('u1', MS + 9_000, { active: false }))),
    );
    // Restarted with its subjects' state in memory gone; a redelivered or replayed activation of
    // before the deactivation arrives.
    const restarted = await testReceiver({}, first.storage);
    const late = await setOf('/Users/u1', { [PROV_ACTIVATE_EVENT_URI]: {} }, { toe: T0 + 3 });
    expect(await restarted.receiver.receive(late)).toMatchObject({
      status: 'skipped',
      reason: 'stale',
    });
    expect(await restarted.copy('User', 'u1')).toMatchObject({ active: false });
  });
});
