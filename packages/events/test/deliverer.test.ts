// Push (RFC 8935) and webhook delivery from the queue to real receivers on 127.0.0.1, fed by a real
// @scim/server through the publisher: retries, dead letters, order per subject, restarts, signatures
// and what the delivery log may say. Backoffs are a millisecond, so faults cost no waiting.
import {
  PROV_ACTIVATE_EVENT_URI,
  PROV_CREATE_FULL_EVENT_URI,
  PROV_DEACTIVATE_EVENT_URI,
  SECEVENT_JWT_MEDIA_TYPE,
} from '@scim/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createStreamDeliverer,
  type StreamDeliverer,
  type StreamDelivererOptions,
} from '../src/lib/deliverer.ts';
import { createMemorySetQueue } from '../src/lib/memory-queue.ts';
import { createEventPublisher } from '../src/lib/publisher.ts';
import type { EventStream, StreamDelivery } from '../src/lib/streams.ts';
import { verifyWebhook } from '../src/lib/webhook.ts';
import { WEBHOOK_SIGNATURE_HEADER } from '../src/lib/webhook-transport.ts';
import {
  bj,
  claimsOf,
  cleanUp,
  eventWorld,
  ISSUER,
  PASSWORD,
  RESOURCE_TYPES,
  setActive,
  startReceiver,
  stream,
  until,
  urisOf,
  type EventWorld,
  type Receiver,
} from './fixtures/event-server.ts';

const TOKEN = 'tok_SECRET_1234567890';

const deliverers: StreamDeliverer[] = [];
afterEach(async () => {
  await Promise.all(deliverers.splice(0).map((deliverer) => deliverer.close()));
  await cleanUp();
});

function push(
  receiver: Receiver,
  extra: Partial<Extract<StreamDelivery, { method: 'push' }>> = {},
) {
  return {
    method: 'push',
    endpointUrl: receiver.url,
    authorization: { kind: 'bearer', token: TOKEN },
    allowPrivateNetwork: true,
    ...extra,
  } as const;
}

function deliverer(world: EventWorld, extra: Partial<StreamDelivererOptions> = {}) {
  const made = createStreamDeliverer({
    streams: world.streams,
    queue: world.queue,
    keys: world.keys,
    random: () => 0,
    ...extra,
    options: {
      backoffMs: 1,
      maxBackoffMs: 2,
      timeoutMs: 300,
      leaseMs: 1_000,
      pollMs: 0,
      ...extra.options,
    },
  });
  deliverers.push(made);
  return made;
}

async function only(world: EventWorld, streamId: string) {
  const sets = await world.queue.list(streamId);
  expect(sets).toHaveLength(1);
  return sets[0] as NonNullable<(typeof sets)[number]>;
}

describe('push delivery', () => {
  it('E-DELIV-01 (the SET is POSTed as application/secevent+jwt): with the stream’s bearer token, then marked delivered', async () => {
    const receiver = await startReceiver();
    const world = await eventWorld();
    await world.streams.put(stream({ id: 'a', delivery: push(receiver) }));
    const user = await world.call('POST', '/Users', bj());
    const streams = deliverer(world);
    expect(await streams.deliverDue()).toBe(1);
    const [request] = receiver.requests;
    expect(request?.headers['content-type']).toBe(SECEVENT_JWT_MEDIA_TYPE);
    expect(request?.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(claimsOf(request?.body ?? '').sub_id).toMatchObject({
      uri: `/Users/${String(user.id)}`,
    });
    expect(await only(world, 'a')).toMatchObject({ state: 'delivered', attempts: 0 });
    const [metrics] = streams.metrics();
    expect(metrics).toMatchObject({ streamId: 'a', delivered: 1, retried: 0, dead: 0 });
    expect(metrics?.latencyP50Ms).toBeGreaterThanOrEqual(0);
    expect(metrics?.latencyP95Ms).toBeGreaterThanOrEqual(metrics?.latencyP50Ms ?? 0);
    expect(typeof metrics?.lastSuccessAt).toBe('string');
  });

  it('SSF stream status: a paused stream’s SETs wait and go once it is enabled; disabled and poll streams are never pushed', async () => {
    const receiver = await startReceiver();
    const world = await eventWorld();
    const paused = stream({ id: 'paused', status: 'paused', delivery: push(receiver) });
    await world.streams.put(paused);
    await world.streams.put(stream({ id: 'poll' }));
    await world.call('POST', '/Users', bj());
    const streams = deliverer(world);
    expect(await streams.deliverDue()).toBe(0);
    expect(receiver.requests).toEqual([]);
    await world.streams.put({ ...paused, status: 'disabled' });
    expect(await streams.deliverDue()).toBe(0);
    await world.streams.put({ ...paused, status: 'enabled' });
    expect(await streams.deliverDue()).toBe(1);
    expect(receiver.accepted).toHaveLength(1);
    expect(await only(world, 'poll')).toMatchObject({ state: 'pending' });
  });

  it('RFC 8935 §2.2 (retry on 5xx): a receiver answering 500 then recovering gets the SET once, with the failed attempts counted', async () => {
    const receiver = await startReceiver();
    receiver.answer((_request, index) => ({ status: index < 2 ? 500 : 202 }));
    const world = await eventWorld();
    await world.streams.put(stream({ id: 'a', delivery: push(receiver) }));
    await world.call('POST', '/Users', bj());
    const streams = deliverer(world);
    await streams.deliverDue();
    expect(await only(world, 'a')).toMatchObject({
      state: 'pending',
      attempts: 1,
      lastError: 'the receiver answered 500: a server error',
    });
    await until(
      () => receiver.accepted.length === 1,
      () => streams.deliverDue(),
    );
    expect(receiver.requests).toHaveLength(3);
    expect(await only(world, 'a')).toMatchObject({ state: 'delivered', attempts: 2 });
    expect(streams.metrics()[0]).toMatchObject({ delivered: 1, retried: 2, dead: 0 });
  });

  it('issue 14 fault injection: a receiver that closes the connection, then times out, is retried and gets the SET once it answers', async () => {
    const receiver = await startReceiver();
    receiver.answer((_request, index) =>
      index === 0 ? 'destroy' : index === 1 ? 'hang' : { status: 202 },
    );
    const world = await eventWorld();
    await world.streams.put(stream({ id: 'a', delivery: push(receiver) }));
    await world.call('POST', '/Users', bj());
    const streams = deliverer(world, { options: { timeoutMs: 200 } });
    await streams.deliverDue();
    expect((await only(world, 'a')).lastError).toMatch(/closed|reset|socket/i);
    await until(
      () => receiver.requests.length >= 2,
      () => streams.deliverDue(),
    );
    await until(
      async () => (await only(world, 'a')).attempts === 2,
      () => undefined,
    );
    expect((await only(world, 'a')).lastError).toMatch(/timeout/);
    await until(
      () => receiver.accepted.length === 1,
      () => streams.deliverDue(),
    );
    expect(await only(world, 'a')).toMatchObject({ state: 'delivered', attempts: 2 });
  });

  it('E-DELIV-02 (a 400 with err is never retried): dead at once with the err code; queue.retry replays it', async () => {
    const receiver = await startReceiver();
    let refuse = true;
    receiver.answer(() =>
      refuse
        ? {
            status: 400,
            body: JSON.stringify({ err: 'invalid_audience', description: 'aud is not ours' }),
          }
        : { status: 202 },
    );
    const world = await eventWorld();
    await world.streams.put(stream({ id: 'a', delivery: push(receiver) }));
    await world.call('POST', '/Users', bj());
    const streams = deliverer(world);
    await streams.deliverDue();
    const dead = await only(world, 'a');
    expect(dead).toMatchObject({ state: 'dead', attempts: 1 });
    expect(dead.lastError).toContain('invalid_audience');
    await streams.deliverDue();
    await streams.deliverDue();
    expect(receiver.requests).toHaveLength(1);
    expect(streams.metrics()[0]).toMatchObject({ dead: 1, retried: 0 });
    refuse = false;
    expect(await world.queue.retry('a', dead.jti)).toBe(true);
    await streams.deliverDue();
    expect(receiver.accepted.map((request) => claimsOf(request.body))).toEqual([
      claimsOf(dead.payload),
    ]);
    expect(await only(world, 'a')).toMatchObject({ state: 'delivered' });
  });

  it('issue 14 dead letter: a SET still failing after maxAttempts, its retry window spent, is dead and says how many attempts were made', async () => {
    const receiver = await startReceiver();
    receiver.answer(() => ({ status: 503 }));
    const world = await eventWorld();
    await world.streams.put(stream({ id: 'a', delivery: push(receiver) }));
    await world.call('POST', '/Users', bj());
    const streams = deliverer(world, { options: { maxAttempts: 3, retryWindowMs: 0 } });
    await until(
      async () => (await only(world, 'a')).state === 'dead',
      () => streams.deliverDue(),
    );
    expect(receiver.requests).toHaveLength(3);
    expect((await only(world, 'a')).lastError).toMatch(/503.*gave up after 3 attempts/);
  });

  it('issue 14 "retries with exponential backoff and jitter": the cap doubles per attempt up to maxBackoffMs, and Retry-After is honoured', async () => {
    const receiver = await startReceiver();
    receiver.answer((_request, index) =>
      index < 2 ? { status: 503 } : { status: 503, headers: { 'retry-after': '120' } },
    );
    const world = await eventWorld();
    await world.streams.put(stream({ id: 'a', delivery: push(receiver) }));
    await world.call('POST', '/Users', bj());
    let clock = Date.now() + 1_000;
    const streams = deliverer(world, {
      now: () => new Date(clock),
      random: () => 0.5,
      options: { backoffMs: 1_000, maxBackoffMs: 1_500 },
    });
    const nextDelay = async () => {
      const before = clock;
      await streams.deliverDue();
      const set = await only(world, 'a');
      clock = Date.parse(set.nextAttemptAt);
      return clock - before;
    };
    expect(await nextDelay()).toBe(500); // half of the first cap, 1,000
    expect(await nextDelay()).toBe(750); // half of 2,000 capped at 1,500
    expect(await nextDelay()).toBe(120_000); // the receiver asked for two minutes
  });

  it('issue 14 "order is kept per subject": the reactivation never reaches the receiver before the deactivation, even when the deactivation’s first push fails', async () => {
    const receiver = await startReceiver();
    let failedOnce = false;
    receiver.answer((request) => {
      if (!failedOnce && urisOf(request.body).includes(PROV_DEACTIVATE_EVENT_URI)) {
        failedOnce = true;
        return { status: 500 };
      }
      return { status: 202 };
    });
    const world = await eventWorld();
    await world.streams.put(stream({ id: 'a', delivery: push(receiver) }));
    const user = await world.call('POST', '/Users', bj());
    await world.call('PATCH', `/Users/${String(user.id)}`, setActive(false));
    await world.call('PATCH', `/Users/${String(user.id)}`, setActive(true));
    const other = await world.call('POST', '/Users', bj('other'));
    const streams = deliverer(world);
    await streams.deliverDue();
    // Another subject is not held back by the failing one.
    const subjectsAccepted = () => receiver.accepted.map((r) => claimsOf(r.body).sub_id);
    expect(subjectsAccepted()).toContainEqual(
      expect.objectContaining({ uri: `/Users/${String(other.id)}` }),
    );
    expect(receiver.requests.some((r) => urisOf(r.body).includes(PROV_ACTIVATE_EVENT_URI))).toBe(
      false,
    );
    await until(
      () => receiver.accepted.length === 4,
      () => streams.deliverDue(),
    );
    const mine = receiver.accepted
      .filter(
        (r) => (claimsOf(r.body).sub_id as { uri: string }).uri === `/Users/${String(user.id)}`,
      )
      .map((r) => urisOf(r.body).at(-1));
    expect(mine).toEqual([
      PROV_CREATE_FULL_EVENT_URI,
      PROV_DEACTIVATE_EVENT_URI,
      PROV_ACTIVATE_EVENT_URI,
    ]);
    const sent = receiver.requests.map((r) => urisOf(r.body).at(-1));
    expect(sent.indexOf(PROV_ACTIVATE_EVENT_URI)).toBeGreaterThan(
      sent.lastIndexOf(PROV_DEACTIVATE_EVENT_URI),
    );
  });

  it('issue 14 receiver URLs: a URL the SSRF check refuses is retried like a network failure (a DNS answer may change), says why, and nothing is sent', async () => {
    const receiver = await startReceiver();
    const world = await eventWorld();
    await world.streams.put(
      stream({ id: 'a', delivery: push(receiver, { allowPrivateNetwork: false }) }),
    );
    await world.call('POST', '/Users', bj());
    const streams = deliverer(world, { options: { maxAttempts: 3, retryWindowMs: 0 } });
    await streams.deliverDue();
    const set = await only(world, 'a');
    expect(set).toMatchObject({ state: 'pending', attempts: 1 });
    expect(set.lastError).toMatch(/^the receiver URL was refused \(\w+\): /);
    await until(
      async () => (await only(world, 'a')).state === 'dead',
      () => streams.deliverDue(),
    );
    const dead = await only(world, 'a');
    expect(dead.attempts).toBe(3);
    expect(dead.lastError).toMatch(/refused.*gave up after 3 attempts/);
    expect(receiver.requests).toEqual([]);
  });

  it('RFC 6749 §4.4 client credentials: the token is fetched once per stream and sent as a bearer token', async () => {
    const receiver = await startReceiver();
    const tokens = await startReceiver('/token');
    tokens.answer(() => ({
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ access_token: 'at-1', token_type: 'Bearer', expires_in: 3600 }),
    }));
    const world = await eventWorld();
    const authorization = {
      kind: 'client-credentials',
      tokenUrl: tokens.url,
      clientId: 'scim-events',
      clientSecret: 'cc-secret',
    } as const;
    await world.streams.put(stream({ id: 'a', delivery: push(receiver, { authorization }) }));
    await world.call('POST', '/Users', bj('one'));
    await world.call('POST', '/Users', bj('two'));
    await deliverer(world).deliverDue();
    expect(receiver.accepted.map((r) => r.headers.authorization)).toEqual([
      'Bearer at-1',
      'Bearer at-1',
    ]);
    expect(tokens.requests).toHaveLength(1);
  });

  it('start() delivers what is queued without being asked, and close() stops it', async () => {
    const receiver = await startReceiver();
    const world = await eventWorld();
    await world.streams.put(stream({ id: 'a', delivery: push(receiver) }));
    const streams = deliverer(world, { options: { pollMs: 50 } });
    streams.start();
    await world.call('POST', '/Users', bj());
    await until(
      () => receiver.accepted.length === 1,
      () => undefined,
    );
    await streams.close();
    await world.call('POST', '/Users', bj('later'));
    await new Promise((settle) => setTimeout(settle, 120));
    expect(receiver.requests).toHaveLength(1);
  });
});

describe('issue 14 fault injection: restarts', () => {
  it('a deliverer closed mid-delivery records no failure: the SET stays pending and leased, and another deliverer over the same queue delivers it once the lease ends', async () => {
    const receiver = await startReceiver();
    receiver.answer((_request, index) => (index === 0 ? 'hang' : { status: 202 }));
    const world = await eventWorld();
    await world.streams.put(stream({ id: 'a', delivery: push(receiver) }));
    await world.call('POST', '/Users', bj());
    const first = deliverer(world, { options: { timeoutMs: 2_000, leaseMs: 5_000 } });
    const pass = first.deliverDue();
    await until(
      () => receiver.requests.length === 1,
      () => undefined,
    );
    await first.close();
    await pass;
    expect(await only(world, 'a')).toMatchObject({ state: 'pending', attempts: 0 });
    // Within the lease nobody takes it again; after it, the next deliverer does.
    expect(await deliverer(world).deliverDue()).toBe(0);
    const later = deliverer(world, { now: () => new Date(Date.now() + 6_000) });
    expect(await later.deliverDue()).toBe(1);
    expect(receiver.accepted.map((r) => urisOf(r.body))).toEqual([[PROV_CREATE_FULL_EVENT_URI]]);
    expect(await only(world, 'a')).toMatchObject({ state: 'delivered' });
  });

  // The memory queue lives as long as the process: what survives a crash is the server's outbox
  // record that the publisher had not yet turned into queued SETs.
  it('a crash before the fan-out: a new handler, publisher and queue over the same server storage deliver the SET once', async () => {
    const receiver = await startReceiver();
    const world = await eventWorld({
      hooks: {
        onEvent: () => {
          throw new Error('the process died here');
        },
      },
    });
    await world.streams.put(stream({ id: 'a', delivery: push(receiver) }));
    await world.call('POST', '/Users', bj());
    await world.handler.close();
    expect(await world.queue.list('a')).toEqual([]);
    const queue = createMemorySetQueue();
    const publisher = createEventPublisher({
      streams: world.streams,
      queue,
      issuer: ISSUER,
      resourceTypes: RESOURCE_TYPES,
    });
    const restarted = world.restart({ onEvent: publisher.onEvent });
    await until(
      async () => (await restarted.outbox.list())[0]?.state === 'delivered',
      () => restarted.deliverDue(),
    );
    expect(await queue.list('a')).toHaveLength(1);
    const streams = deliverer(world, { queue });
    await streams.deliverDue();
    await streams.deliverDue();
    expect(receiver.accepted.map((r) => urisOf(r.body))).toEqual([[PROV_CREATE_FULL_EVENT_URI]]);
    expect(receiver.requests).toHaveLength(1);
    expect(await queue.list('a')).toMatchObject([{ state: 'delivered' }]);
  });
});

describe('webhook delivery', () => {
  const SECRET = 'whsec_0123456789abcdef';
  const hook = (receiver: Receiver): EventStream =>
    stream({
      id: 'hook',
      delivery: {
        method: 'webhook',
        endpointUrl: receiver.url,
        secrets: [SECRET],
        allowPrivateNetwork: true,
      },
    });

  it('the JSON body arrives with a signature that verifyWebhook accepts with the stream’s secret, and no password', async () => {
    const receiver = await startReceiver();
    const world = await eventWorld();
    await world.streams.put(hook(receiver));
    await world.call('POST', '/Users', bj());
    await deliverer(world).deliverDue();
    const [request] = receiver.accepted;
    const signature = request?.headers[WEBHOOK_SIGNATURE_HEADER] as string;
    expect(request?.headers['content-type']).toMatch(/^application\/json/);
    expect((await verifyWebhook(signature, request?.body ?? '', [SECRET])).ok).toBe(true);
    expect((await verifyWebhook(signature, request?.body ?? '', ['another-secret'])).ok).toBe(
      false,
    );
    expect(JSON.parse(request?.body ?? '{}')).toMatchObject({ type: 'user.created' });
    expect(request?.body).not.toContain(PASSWORD);
  });

  it('the same retry policy: a webhook answered 503 is retried until the receiver takes it', async () => {
    const receiver = await startReceiver();
    receiver.answer((_request, index) => ({ status: index === 0 ? 503 : 200 }));
    const world = await eventWorld();
    await world.streams.put(hook(receiver));
    await world.call('POST', '/Users', bj());
    const streams = deliverer(world);
    await until(
      () => receiver.accepted.length === 1,
      () => streams.deliverDue(),
    );
    expect(await only(world, 'hook')).toMatchObject({ state: 'delivered', attempts: 1 });
  });
});

describe('issue 14 "delivery log with personal data masked"', () => {
  it('lastError keeps the err code but never the token, a URL query, an e-mail address or a response body', async () => {
    const refusing = await startReceiver();
    refusing.answer(() => ({
      status: 400,
      body: JSON.stringify({
        err: 'authentication_failed',
        description: `Bearer ${TOKEN} refused for bjensen@example.com; see https://help.example.com/x?sig=abc`,
      }),
    }));
    const failing = await startReceiver();
    failing.answer(() => ({
      status: 500,
      body: `{"userName":"bjensen@example.com","password":"${PASSWORD}"}`,
    }));
    const world = await eventWorld();
    await world.streams.put(
      stream({
        id: 'refusing',
        delivery: push(refusing, { endpointUrl: `${refusing.url}?key=url-secret` }),
      }),
    );
    await world.streams.put(stream({ id: 'failing', delivery: push(failing) }));
    await world.call('POST', '/Users', bj());
    await deliverer(world).deliverDue();
    const refused = (await only(world, 'refusing')).lastError ?? '';
    expect(refused).toContain('authentication_failed');
    for (const secret of [TOKEN, 'bjensen@example.com', 'sig=abc', 'url-secret'])
      expect(refused).not.toContain(secret);
    const failed = (await only(world, 'failing')).lastError ?? '';
    expect(failed).toBe('the receiver answered 500: a server error');
  });
});
