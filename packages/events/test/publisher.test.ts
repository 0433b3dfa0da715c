// The fan-out from the server's onEvent hook to streams: which streams get which SETs, what the SETs
// and webhook bodies hold, and what happens when a stream or the queue fails. Every record comes from
// a real @scim/server over memory storage.
import {
  PROV_CREATE_FULL_EVENT_URI,
  PROV_DEACTIVATE_EVENT_URI,
  PROV_DELETE_EVENT_URI,
  PROV_PATCH_FULL_EVENT_URI,
  PROV_PATCH_NOTICE_EVENT_URI,
  RISC_ACCOUNT_DISABLED_EVENT_URI,
} from '@scim/core';
import type { LifecycleEvent } from '@scim/server';
import { afterEach, describe, expect, it } from 'vitest';
import { toSetClaims } from '../src/lib/build.ts';
import type { SetClaims } from '../src/lib/claims.ts';
import { createMemorySetQueue } from '../src/lib/memory-queue.ts';
import { QueuedText } from '../src/lib/queued-text.ts';
import type { WebhookEventBody } from '../src/lib/publisher.ts';
import type { NewQueuedSet, SetQueue } from '../src/lib/streams.ts';
import {
  bj,
  claimsOf,
  cleanUp,
  eventWorld,
  G,
  ISSUER,
  PASSWORD,
  RESOURCE_TYPES,
  setActive,
  stream,
  until,
  urisOf,
} from './fixtures/event-server.ts';

afterEach(cleanUp);

const payloadsOf = async (queue: SetQueue, streamId: string) =>
  (await queue.list(streamId)).map((set) => set.payload);

describe('fan-out to streams', () => {
  it('E-SET-06 (txn names the change across receivers, jti differs per SET): one change to two streams is two SETs with the same txn, each with its stream’s aud', async () => {
    const world = await eventWorld();
    await world.streams.put(stream({ id: 'a', audience: 'https://a.example.com' }));
    await world.streams.put(
      stream({ id: 'b', audience: ['https://b.example.com', 'https://b2.example.com'] }),
    );
    const user = await world.call('POST', '/Users', bj());
    const [a] = await world.queue.list('a');
    const [b] = await world.queue.list('b');
    expect(a && b).toBeTruthy();
    const ca = claimsOf(a?.payload ?? '');
    const cb = claimsOf(b?.payload ?? '');
    expect(ca.txn).toBe(cb.txn);
    expect(ca.jti).not.toBe(cb.jti);
    expect(ca.aud).toBe('https://a.example.com');
    expect(cb.aud).toEqual(['https://b.example.com', 'https://b2.example.com']);
    expect(a).toMatchObject({
      txn: ca.txn,
      jti: ca.jti,
      subject: ` /Users/${String(user.id)}`,
      eventUris: [PROV_CREATE_FULL_EVENT_URI],
    });
  });

  it('issue 14 "the cost on a write": a write queues the SET’s claims as JSON, fixed (jti, iat, txn, events) and unsigned; delivery signs them', async () => {
    const world = await eventWorld();
    await world.streams.put(stream({ id: 'a', audience: 'https://a.example.com' }));
    const user = await world.call('POST', '/Users', bj());
    const [queued] = await world.queue.list('a');
    const claims = JSON.parse(queued?.payload ?? '') as Record<string, unknown>;
    expect(claims).toMatchObject({
      iss: ISSUER,
      aud: 'https://a.example.com',
      jti: queued?.jti,
      txn: queued?.txn,
      iat: expect.any(Number) as number,
      sub_id: { format: 'scim', uri: `/Users/${String(user.id)}` },
    });
    expect(Object.keys(claims['events'] as object)).toEqual([PROV_CREATE_FULL_EVENT_URI]);
  });

  it('issue 14 "the cost on a write": the memory queue is given the claims, printed at the first hand-out, the same bytes at every hand-out after', async () => {
    const queue = createMemorySetQueue();
    const enqueue = queue.enqueue.bind(queue);
    const enqueued: NewQueuedSet[] = [];
    // Watched in place, so the queue stays the one the package made and marked.
    Object.assign(queue, {
      enqueue: (sets: readonly NewQueuedSet[]) => (enqueued.push(...sets), enqueue(sets)),
    });
    const world = await eventWorld({ queue });
    await world.streams.put(stream({ id: 'a', audience: 'https://a.example.com' }));
    await world.call('POST', '/Users', bj());
    expect(enqueued).toHaveLength(1);
    expect(enqueued[0]).toBeInstanceOf(QueuedText);
    const lease = () => ({ limit: 10, now: new Date(), leaseUntil: new Date(Date.now() + 60_000) });
    const [first] = await queue.claim('a', lease());
    expect(JSON.parse(first?.payload ?? '')).toMatchObject({ jti: first?.jti, txn: first?.txn });
    expect(enqueued[0]?.payload).toBe(first?.payload);
    await queue.fail('a', first?.jti ?? '', { error: 'HTTP 503', retryAt: new Date(0) });
    const [again] = await queue.claim('a', lease());
    expect(again?.jti).toBe(first?.jti);
    expect(again?.payload).toBe(first?.payload);
  });

  it('issue 14 "the cost on a write": a created user’s data is read from the record when its SET is first handed out, not when the write queues it', async () => {
    const world = await eventWorld();
    await world.call('POST', '/Users', bj());
    await world.streams.put(stream({ id: 'a' }));
    const [entry] = await world.handler.outbox.list();
    const written = entry?.event as LifecycleEvent;
    let reads = 0;
    // The record as a SQL outbox would hand it back, but for one attribute that counts its reads.
    const resource = { ...written.resource, schemas: written.resource?.schemas ?? [] };
    Object.defineProperty(resource, 'title', {
      enumerable: true,
      get: () => ((reads += 1), 'Tour Guide'),
    });
    await world.publisher.publish({ ...written, id: 'e-title', resource });
    expect(reads).toBe(0);
    const sets = await world.queue.claim('a', {
      limit: 10,
      now: new Date(),
      leaseUntil: new Date(Date.now() + 60_000),
    });
    const claims = sets.map((set) => JSON.parse(set.payload) as SetClaims);
    const data = claims.map((set) => set.events[PROV_CREATE_FULL_EVENT_URI]?.data);
    expect(data.map((user) => user?.['title'])).toContain('Tour Guide');
    expect(reads).toBe(1);
  });

  it('issue 14 "the cost on a write": a SET whose claims are written at hand-out says what toSetClaims says of its record, with its jti and iat', async () => {
    const world = await eventWorld();
    await world.streams.put(stream({ id: 'a', delivery: { method: 'poll' } }));
    await world.streams.put(stream({ id: 'n', modes: { User: 'notice' } }));
    const user = await world.call('POST', '/Users', bj());
    await world.call('PATCH', `/Users/${String(user.id)}`, setActive(false));
    await world.call('PUT', `/Users/${String(user.id)}`, { ...bj(), title: 'Guide' });
    await world.call('DELETE', `/Users/${String(user.id)}`);
    const records = (await world.handler.outbox.list()).map((entry) => entry.event);
    for (const streamId of ['a', 'n']) {
      const queued = await world.queue.list(streamId);
      // The create, the PATCH (with its deactivation), the PUT and the delete.
      expect(queued).toHaveLength(4);
      for (const set of queued) {
        const claims = JSON.parse(set.payload) as SetClaims;
        const record = records.find((event) => set.key.startsWith(`${event.id}:`));
        const built = toSetClaims(record as LifecycleEvent, {
          issuer: ISSUER,
          audience: `https://${streamId}.example.com`,
          resourceTypes: RESOURCE_TYPES,
          ...(streamId === 'n' && { modes: { User: 'notice' } }),
          now: () => new Date(claims.iat * 1000),
          newJti: () => set.jti,
        });
        expect(built.ok && JSON.stringify(built.value[0])).toBe(set.payload);
      }
    }
  });

  it("any other queue (an application's own, one wrapping the memory queue) is given SETs whose payload is their text, as plain objects", async () => {
    const inner = createMemorySetQueue();
    const enqueued: NewQueuedSet[] = [];
    const queue: SetQueue = {
      ...inner,
      enqueue: (sets) => {
        enqueued.push(...sets);
        return inner.enqueue(sets);
      },
    };
    const world = await eventWorld({ queue });
    await world.streams.put(stream({ id: 'a', audience: 'https://a.example.com' }));
    await world.call('POST', '/Users', bj());
    expect(enqueued).toHaveLength(1);
    expect(enqueued[0]).not.toBeInstanceOf(QueuedText);
    expect(Object.getOwnPropertyDescriptor(enqueued[0], 'payload')?.value).toEqual(
      expect.any(String),
    );
    const [first] = await inner.claim('a', {
      limit: 10,
      now: new Date(),
      leaseUntil: new Date(Date.now() + 60_000),
    });
    // A queue copying the SET with a spread, or as JSON, keeps its text.
    expect({ ...enqueued[0] }.payload).toBe(first?.payload);
    expect((JSON.parse(JSON.stringify(enqueued[0])) as NewQueuedSet).payload).toBe(first?.payload);
  });

  it('SETs that carry the same events share one frozen list of their URIs, which the queue keeps', async () => {
    const world = await eventWorld();
    await world.streams.put(stream({ id: 'a', audience: 'https://a.example.com' }));
    for (const userName of ['bjensen', 'jsmith', 'mdoe'])
      await world.call('POST', '/Users', bj(userName));
    const queued = await world.queue.list('a');
    expect(queued).toHaveLength(3);
    const [first, ...others] = queued.map((set) => set.eventUris);
    expect(first).toEqual([PROV_CREATE_FULL_EVENT_URI]);
    expect(Object.isFrozen(first)).toBe(true);
    for (const uris of others) expect(uris).toBe(first);
  });

  it('SSF stream status: a disabled stream gets nothing, a paused stream keeps queuing', async () => {
    const world = await eventWorld();
    await world.streams.put(stream({ id: 'off', status: 'disabled' }));
    await world.streams.put(stream({ id: 'paused', status: 'paused' }));
    await world.call('POST', '/Users', bj());
    expect(await world.queue.list('off')).toEqual([]);
    expect(await world.queue.list('paused')).toHaveLength(1);
  });

  it('SSF subjects: defaultSubjects none admits only the subjects added; all admits every subject but those removed', async () => {
    const world = await eventWorld();
    const first = await world.call('POST', '/Users', bj('first'));
    const uri = `/Users/${String(first.id)}`;
    await world.streams.put(stream({ id: 'only', defaultSubjects: 'none', subjectsAdded: [uri] }));
    await world.streams.put(
      stream({ id: 'except', defaultSubjects: 'all', subjectsRemoved: [uri] }),
    );
    await world.call('PATCH', uri, setActive(false));
    const second = await world.call('POST', '/Users', bj('second'));
    const subjectsOf = async (id: string) =>
      (await world.queue.list(id)).map((set) => claimsOf(set.payload).sub_id);
    expect(await subjectsOf('only')).toEqual([expect.objectContaining({ uri })]);
    expect(await subjectsOf('except')).toEqual([
      expect.objectContaining({ uri: `/Users/${String(second.id)}` }),
    ]);
  });

  it('E-DELIV-07 (a feed has an event-URI subset): a stream gets only the SETs carrying an event it requested', async () => {
    const world = await eventWorld();
    await world.streams.put(
      stream({ id: 'leavers', eventsRequested: [PROV_DEACTIVATE_EVENT_URI] }),
    );
    const user = await world.call('POST', '/Users', bj());
    await world.call('PATCH', `/Users/${String(user.id)}`, { ...setActive(false) });
    await world.call('PUT', `/Users/${String(user.id)}`, { ...bj(), displayName: 'Babs' });
    const sets = await world.queue.list('leavers');
    expect(sets.map((set) => set.eventUris)).toEqual([
      [PROV_PATCH_FULL_EVENT_URI, PROV_DEACTIVATE_EVENT_URI],
    ]);
  });

  it('E-DELIV-08 (groups default to notice) and a stream’s modes choose full or notice', async () => {
    const world = await eventWorld();
    await world.streams.put(stream({ id: 'default' }));
    await world.streams.put(stream({ id: 'full', modes: { Group: 'full' } }));
    const user = await world.call('POST', '/Users', bj());
    const group = await world.call('POST', '/Groups', { schemas: [G], displayName: 'Tour Guides' });
    await world.call('PATCH', `/Groups/${String(group.id)}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'add', path: 'members', value: [{ value: user.id }] }],
    });
    const last = async (id: string) => (await world.queue.list(id)).at(-1)?.eventUris;
    expect(await last('default')).toEqual([PROV_PATCH_NOTICE_EVENT_URI]);
    expect(await last('full')).toEqual([PROV_PATCH_FULL_EVENT_URI]);
  });

  it('a stream with risc also gets the derived RISC SET, with the same txn', async () => {
    const world = await eventWorld();
    await world.streams.put(
      stream({ id: 'risc', risc: true, eventsRequested: [RISC_ACCOUNT_DISABLED_EVENT_URI] }),
    );
    const user = await world.call('POST', '/Users', bj());
    await world.call('PATCH', `/Users/${String(user.id)}`, setActive(false));
    const sets = await world.queue.list('risc');
    expect(sets.map((set) => set.eventUris)).toEqual([[RISC_ACCOUNT_DISABLED_EVENT_URI]]);
    // Ordered with the user's SCIM SETs: the subject is the SCIM subject, not the e-mail address.
    expect(sets[0]?.subject).toBe(` /Users/${String(user.id)}`);
  });

  it('SSF §8.1.1 streams are per tenant: a change in one tenant reaches only that tenant’s streams', async () => {
    const world = await eventWorld({ tenant: 'acme' });
    await world.streams.put(stream({ id: 'acme', tenant: 'acme' }));
    await world.streams.put(stream({ id: 'globex', tenant: 'globex' }));
    await world.streams.put(stream({ id: 'none' }));
    const user = await world.call('POST', '/Users', bj());
    expect(await world.queue.list('globex')).toEqual([]);
    expect(await world.queue.list('none')).toEqual([]);
    const [set] = await world.queue.list('acme');
    expect(set?.subject).toBe(`acme /Users/${String(user.id)}`);
  });

  it('issue 14 "a fan-out retried after a crash adds nothing": the same record published twice is queued once', async () => {
    const world = await eventWorld();
    await world.streams.put(stream({ id: 'a' }));
    await world.streams.put(stream({ id: 'b' }));
    await world.call('POST', '/Users', bj());
    const [entry] = await world.handler.outbox.list();
    const record = entry?.event as LifecycleEvent;
    expect(await world.publisher.publish(record)).toBe(0);
    await world.publisher.onEvent({ ...record });
    expect(await world.queue.list('a')).toHaveLength(1);
    expect(await world.queue.list('b')).toHaveLength(1);
  });
});

describe('E-TYPE-03 (returned "never" attributes such as password are excluded)', () => {
  it('no SET and no webhook body holds the password, in full or notice mode', async () => {
    const world = await eventWorld();
    await world.streams.put(stream({ id: 'full', modes: { User: 'full' }, risc: true }));
    await world.streams.put(stream({ id: 'notice', modes: { User: 'notice' } }));
    await world.streams.put(
      stream({
        id: 'hook',
        delivery: { method: 'webhook', endpointUrl: 'https://hooks.example.com', secrets: ['s'] },
      }),
    );
    const user = await world.call('POST', '/Users', bj());
    const uri = `/Users/${String(user.id)}`;
    await world.call('PATCH', uri, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', value: { password: 'n3wPa$$word', displayName: 'Babs' } }],
    });
    await world.call('PUT', uri, { ...bj(), active: false });
    await world.call('DELETE', uri);
    for (const id of ['full', 'notice', 'hook']) {
      const payloads = await payloadsOf(world.queue, id);
      expect(payloads.length).toBeGreaterThan(2);
      for (const payload of payloads) {
        const text = id === 'hook' ? payload : JSON.stringify(claimsOf(payload));
        expect(text).not.toContain(PASSWORD);
        expect(text).not.toContain('n3wPa$$word');
        expect(text.toLowerCase()).not.toContain('password');
      }
    }
  });
});

describe('webhook bodies', () => {
  const hook = (id = 'hook') =>
    stream({
      id,
      delivery: { method: 'webhook', endpointUrl: 'https://hooks.example.com', secrets: ['s'] },
    });

  it('one body per lifecycle record, named like the handlers, with the RFC 9967 data and version', async () => {
    const world = await eventWorld();
    await world.streams.put(hook());
    const user = await world.call('POST', '/Users', bj());
    await world.call('PATCH', `/Users/${String(user.id)}`, setActive(false));
    await world.call('DELETE', `/Users/${String(user.id)}`);
    const sets = await world.queue.list('hook');
    const bodies = sets.map((set) => JSON.parse(set.payload) as WebhookEventBody);
    expect(bodies.map((body) => body.type)).toEqual([
      'user.created',
      'user.updated',
      'user.deactivated',
      'user.deleted',
    ]);
    const [created, updated, deactivated, deleted] = bodies;
    expect(created).toMatchObject({
      id: sets[0]?.jti,
      txn: sets[0]?.txn,
      tenant: null,
      resource: {
        type: 'User',
        id: user.id,
        uri: `/Users/${String(user.id)}`,
        externalId: 'ext-bjensen',
      },
      events: [PROV_CREATE_FULL_EVENT_URI],
      data: { id: user.id, userName: 'bjensen' },
    });
    expect(created?.resource.version).toBe((user.meta as { version: string }).version);
    expect(typeof created?.occurredAt).toBe('string');
    // The update and its deactivation are one change: one txn, two named events.
    expect(updated?.txn).toBe(deactivated?.txn);
    expect(updated?.events).toEqual([PROV_PATCH_FULL_EVENT_URI]);
    expect(deactivated).toMatchObject({ events: [PROV_DEACTIVATE_EVENT_URI] });
    expect(deactivated?.data).toBeUndefined();
    expect(deleted).toMatchObject({ events: [PROV_DELETE_EVENT_URI] });
  });

  it('a membership change is group.members_added with the member values', async () => {
    const world = await eventWorld();
    await world.streams.put(hook());
    const user = await world.call('POST', '/Users', bj());
    await world.call('POST', '/Groups', {
      schemas: [G],
      displayName: 'Guides',
      members: [{ value: user.id }],
    });
    const group = await world.call('POST', '/Groups', { schemas: [G], displayName: 'Empty' });
    await world.call('PATCH', `/Groups/${String(group.id)}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'add', path: 'members', value: [{ value: user.id }] }],
    });
    const last = JSON.parse(
      (await world.queue.list('hook')).at(-1)?.payload ?? '{}',
    ) as WebhookEventBody;
    expect(last).toMatchObject({
      type: 'group.members_added',
      members: [user.id],
      attributes: ['members'],
    });
  });
});

describe('failures', () => {
  it('a record that cannot be told is reported and skipped, not retried forever', async () => {
    const errors: unknown[] = [];
    const world = await eventWorld({ onPublishError: (error) => errors.push(error) });
    await world.streams.put(stream({ id: 'a' }));
    await world.call('POST', '/Users', bj());
    const [entry] = await world.handler.outbox.list();
    const record = { ...(entry?.event as LifecycleEvent), id: 'other', resourceType: 'Device' };
    await expect(world.publisher.onEvent(record)).resolves.toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(await world.queue.list('a')).toHaveLength(1);
  });

  it('a failure for one stream does not stop the others, and onEvent throws so the server retries', async () => {
    const errors: unknown[] = [];
    const world = await eventWorld({
      onPublishError: (error) => errors.push(error),
      riscSubject: () => {
        throw new Error('the directory of e-mail addresses is down');
      },
    });
    await world.streams.put(stream({ id: 'a' }));
    // Only a stream with RISC SETs asks for the RISC subject (of a deactivation), so only this
    // stream fails.
    await world.streams.put(stream({ id: 'broken', risc: true }));
    const user = await world.call('POST', '/Users', bj());
    await world.call('PATCH', `/Users/${String(user.id)}`, setActive(false));
    expect((await world.queue.list('a')).map((set) => set.eventUris)).toEqual([
      [PROV_CREATE_FULL_EVENT_URI],
      [PROV_PATCH_FULL_EVENT_URI, PROV_DEACTIVATE_EVENT_URI],
    ]);
    expect(await world.queue.list('broken')).toHaveLength(1);
    expect(errors.length).toBeGreaterThan(0);
    const updated = async () =>
      (await world.handler.outbox.list()).find((entry) => entry.event.type === 'updated');
    expect(await updated()).toMatchObject({
      state: 'pending',
      lastError: 'the directory of e-mail addresses is down',
    });
    // Fixed, the server's retry queues the broken stream's SETs and nothing twice.
    await world.streams.put(stream({ id: 'broken' }));
    await until(
      async () => (await updated())?.state === 'delivered',
      () => world.handler.deliverDue(),
    );
    expect(await world.queue.list('a')).toHaveLength(2);
    expect(await world.queue.list('broken')).toHaveLength(2);
  });

  it('when the queue refuses the SETs, onEvent throws and the server retries until it takes them', async () => {
    const inner = createMemorySetQueue();
    let down = true;
    const queue: SetQueue = {
      ...inner,
      enqueue: (sets) =>
        down ? Promise.reject(new Error('queue unavailable')) : inner.enqueue(sets),
    };
    const world = await eventWorld({ queue });
    await world.streams.put(stream({ id: 'a' }));
    await world.call('POST', '/Users', bj());
    const [entry] = await world.handler.outbox.list();
    expect(entry).toMatchObject({ state: 'pending', lastError: 'queue unavailable' });
    down = false;
    await until(
      async () => (await world.handler.outbox.list())[0]?.state === 'delivered',
      () => world.handler.deliverDue(),
    );
    expect((await inner.list('a')).map((set) => urisOf(set.payload))).toEqual([
      [PROV_CREATE_FULL_EVENT_URI],
    ]);
  });
});
