// The deliverer's schedule against real receivers on 127.0.0.1: how long a failing SET is retried
// (attempts and a time window, on a fake clock), that one stream's hanging receiver never holds up
// another stream, that polling survives a throwing clock, and what is forgotten of deleted streams.
import {
  PROV_ACTIVATE_EVENT_URI,
  PROV_CREATE_FULL_EVENT_URI,
  PROV_DEACTIVATE_EVENT_URI,
} from '@scim/core';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createStreamDeliverer,
  type StreamDeliverer,
  type StreamDelivererOptions,
} from '../src/lib/deliverer.ts';
import type { SetQueue, StreamDelivery } from '../src/lib/streams.ts';
import {
  bj,
  claimsOf,
  cleanUp,
  eventWorld,
  setActive,
  startReceiver,
  stream,
  until,
  urisOf,
  type EventWorld,
  type Receiver,
} from './fixtures/event-server.ts';

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
    authorization: { kind: 'bearer', token: 'tok_0123456789' },
    allowPrivateNetwork: true,
    ...extra,
  } as const;
}

function deliverer(world: EventWorld, extra: Partial<StreamDelivererOptions> = {}) {
  const made = createStreamDeliverer({
    streams: world.streams,
    queue: world.queue,
    keys: world.keys,
    ...extra,
    options: { pollMs: 0, ...extra.options },
  });
  deliverers.push(made);
  return made;
}

async function only(world: EventWorld, streamId: string) {
  const sets = await world.queue.list(streamId);
  expect(sets).toHaveLength(1);
  return sets[0] as NonNullable<(typeof sets)[number]>;
}

const HOUR = 3_600_000;

describe('issue 14 retry budget: a receiver outage does not dead-letter SETs', () => {
  it('with the defaults, a SET failing 30 times over hours is still pending, its backoff reaching 300 s; it is dead once 72 hours have passed', async () => {
    const receiver = await startReceiver();
    receiver.answer(() => ({ status: 503 }));
    const world = await eventWorld();
    await world.streams.put(stream({ id: 'a', delivery: push(receiver) }));
    await world.call('POST', '/Users', bj());
    const queuedAt = Date.parse((await only(world, 'a')).queuedAt);
    let clock = queuedAt;
    const streams = deliverer(world, { now: () => new Date(clock), random: () => 0.999 });
    let delay = 0;
    for (let attempt = 1; attempt <= 30; attempt += 1) {
      await streams.deliverDue();
      const set = await only(world, 'a');
      expect(set).toMatchObject({ state: 'pending', attempts: attempt });
      delay = Date.parse(set.nextAttemptAt) - clock;
      clock += delay;
    }
    expect(delay).toBe(299_700); // 0.999 of maxBackoffMs
    expect(clock - queuedAt).toBeLessThan(3 * HOUR);
    clock = queuedAt + 72 * HOUR;
    await streams.deliverDue();
    const dead = await only(world, 'a');
    expect(dead.state).toBe('dead');
    expect(dead.lastError).toMatch(/503.*gave up after 31 attempts/);
  });

  it('maxAttempts alone does not make a SET dead inside retryWindowMs; the first failure after the window does', async () => {
    const receiver = await startReceiver();
    receiver.answer(() => ({ status: 500 }));
    const world = await eventWorld();
    await world.streams.put(stream({ id: 'a', delivery: push(receiver) }));
    await world.call('POST', '/Users', bj());
    let clock = Date.parse((await only(world, 'a')).queuedAt);
    const streams = deliverer(world, {
      now: () => new Date(clock),
      random: () => 0,
      options: { maxAttempts: 2, retryWindowMs: 600_000 },
    });
    for (let attempt = 1; attempt <= 4; attempt += 1) {
      await streams.deliverDue();
      expect(await only(world, 'a')).toMatchObject({ state: 'pending', attempts: attempt });
      clock += 1_000;
    }
    clock += 600_000;
    await streams.deliverDue();
    expect(await only(world, 'a')).toMatchObject({ state: 'dead', attempts: 5 });
  });
});

describe('issue 14 streams are delivered independently', () => {
  it('a receiver that hangs on stream A does not delay stream B’s next SET beyond a small bound', async () => {
    const hanging = await startReceiver();
    hanging.answer(() => 'hang');
    const healthy = await startReceiver();
    const world = await eventWorld();
    await world.streams.put(stream({ id: 'a', delivery: push(hanging) }));
    await world.streams.put(stream({ id: 'b', delivery: push(healthy) }));
    const streams = deliverer(world, { options: { pollMs: 20, timeoutMs: 4_000 } });
    streams.start();
    await world.call('POST', '/Users', bj('one'));
    await until(
      () => healthy.accepted.length === 1 && hanging.requests.length === 1,
      () => undefined,
    );
    const postedAt = Date.now();
    await world.call('POST', '/Users', bj('two'));
    await until(
      () => healthy.accepted.length === 2,
      () => undefined,
      1_000,
    );
    // Well within A's 4 s timeout: A's first delivery still hangs.
    expect(Date.now() - postedAt).toBeLessThan(1_000);
    expect(hanging.requests).toHaveLength(1);
  });

  it('a stream ends its pass after a round that delivered nothing, rather than spending one timeout per round', async () => {
    const hanging = await startReceiver();
    hanging.answer(() => 'hang');
    const world = await eventWorld();
    await world.streams.put(stream({ id: 'a', delivery: push(hanging) }));
    for (const name of ['one', 'two', 'three']) await world.call('POST', '/Users', bj(name));
    const streams = deliverer(world, { options: { concurrency: 1, timeoutMs: 100 } });
    expect(await streams.deliverDue()).toBe(1);
    expect(hanging.requests).toHaveLength(1);
  });
});

describe('issue 14 a backlog drains at the receiver’s pace', () => {
  it('once started, a pass that spent its batchSize is followed at once by the next, without waiting for a poll or a new SET', async () => {
    const receiver = await startReceiver();
    const world = await eventWorld();
    await world.streams.put(stream({ id: 'a', delivery: push(receiver) }));
    for (const name of ['one', 'two', 'three', 'four', 'five'])
      await world.call('POST', '/Users', bj(name));
    // pollMs 0: nothing but the lane's own continuation can start a second pass.
    const streams = deliverer(world, { options: { batchSize: 2, pollMs: 0 } });
    streams.start();
    // The receiver counts a SET when it gets it, before the deliverer has read its 202 and
    // completed it: both are waited for, not one then the other.
    await until(
      async () =>
        receiver.accepted.length === 5 &&
        (await world.queue.list('a', { state: 'pending' })).length === 0,
      () => undefined,
    );
    expect(receiver.accepted).toHaveLength(5);
  });

  it('deliverDue() without start() runs one pass of batchSize per stream', async () => {
    const receiver = await startReceiver();
    const world = await eventWorld();
    await world.streams.put(stream({ id: 'a', delivery: push(receiver) }));
    for (const name of ['one', 'two', 'three']) await world.call('POST', '/Users', bj(name));
    const streams = deliverer(world, { options: { batchSize: 2 } });
    expect(await streams.deliverDue()).toBe(2);
    expect(await streams.deliverDue()).toBe(1);
  });

  it('a slow delivery does not hold back other subjects: a freed slot is claimed again at once, each subject still in order', async () => {
    const receiver = await startReceiver();
    const world = await eventWorld();
    await world.streams.put(stream({ id: 'a', delivery: push(receiver) }));
    const slow = await world.call('POST', '/Users', bj('slow'));
    const user = await world.call('POST', '/Users', bj('fast'));
    await world.call('PATCH', `/Users/${String(user.id)}`, setActive(false));
    await world.call('PATCH', `/Users/${String(user.id)}`, setActive(true));
    const slowUri = `/Users/${String(slow.id)}`;
    receiver.answer((request) =>
      (claimsOf(request.body).sub_id as { uri: string }).uri === slowUri ? 'hang' : { status: 202 },
    );
    const streams = deliverer(world, { options: { concurrency: 2, timeoutMs: 10_000 } });
    const pass = streams.deliverDue();
    await until(
      () => receiver.accepted.length === 3,
      () => undefined,
    );
    // The slow subject's SET is still out (leased, no attempt recorded) while the other subject's
    // three SETs went one after the other.
    const [slowSet] = (await world.queue.list('a')).filter((set) => set.subject === ` ${slowUri}`);
    expect(slowSet).toMatchObject({ state: 'pending', attempts: 0 });
    expect(receiver.accepted.map((request) => urisOf(request.body).at(-1))).toEqual([
      PROV_CREATE_FULL_EVENT_URI,
      PROV_DEACTIVATE_EVENT_URI,
      PROV_ACTIVATE_EVENT_URI,
    ]);
    await streams.close();
    await pass;
  });
});

describe('issue 14 a pass ends only once nothing is due', () => {
  it('deliveries that settle while a claim runs are followed by one more claim: their subjects’ next SETs go in the same pass', async () => {
    const receiver = await startReceiver();
    const world = await eventWorld();
    await world.streams.put(stream({ id: 'a', delivery: push(receiver) }));
    const alice = await world.call('POST', '/Users', bj('alice'));
    await world.call('POST', '/Users', bj('bob'));
    await world.call('PATCH', `/Users/${String(alice.id)}`, setActive(false));
    const [aliceCreated] = await world.queue.list('a');
    // What a SQL queue does under load: the pass's second claim (after bob's SET settled) runs
    // beside the complete of alice's first SET, reads it as still out, and answers only after
    // that delivery has settled. Nothing is left in flight then, yet alice's second SET is due.
    let claims = 0;
    let claimRead = (): void => undefined;
    const secondClaimRead = new Promise<void>((resolve) => (claimRead = resolve));
    let completed = (): void => undefined;
    const aliceCompleted = new Promise<void>((resolve) => (completed = resolve));
    const queue: SetQueue = {
      ...world.queue,
      async claim(streamId, options) {
        claims += 1;
        const claimed = await world.queue.claim(streamId, options);
        if (claims === 2) {
          claimRead();
          await aliceCompleted;
          // The delivery's own continuation runs (it leaves the pass's window) before this answers.
          await new Promise((resolve) => setTimeout(resolve, 10));
        }
        return claimed;
      },
      async complete(streamId, jti, at) {
        if (jti === aliceCreated?.jti) await secondClaimRead;
        await world.queue.complete(streamId, jti, at);
        if (jti === aliceCreated?.jti) completed();
      },
    };
    const streams = deliverer(world, { queue });
    expect(await streams.deliverDue()).toBe(3);
    expect(claims).toBe(4);
    expect((await world.queue.list('a')).map((set) => set.state)).toEqual([
      'delivered',
      'delivered',
      'delivered',
    ]);
    // Alice's second SET went last, once her first was through.
    const subjects = receiver.accepted.map(
      (request) => (claimsOf(request.body).sub_id as { uri: string }).uri,
    );
    expect(subjects).toHaveLength(3);
    expect(subjects.at(-1)).toBe(`/Users/${String(alice.id)}`);
  });
});

describe('issue 14 a started deliverer hears of every SET queued', () => {
  it('a SET queued while a pass makes its last claim starts another pass, with no poll to fall back on', async () => {
    const receiver = await startReceiver();
    const world = await eventWorld();
    await world.streams.put(stream({ id: 'a', delivery: push(receiver) }));
    await world.call('POST', '/Users', bj('alice'));
    let claims = 0;
    const queue: SetQueue = {
      ...world.queue,
      async claim(streamId, options) {
        claims += 1;
        const claimed = await world.queue.claim(streamId, options);
        // The pass's last claim (alice's SET went out with the first) answers, as a SQL claim's
        // round trip can, after another write queued bob's SET and woke the stream.
        if (claims === 2) await world.call('POST', '/Users', bj('bob'));
        return claimed;
      },
    };
    // pollMs 0: only the queue's wake-up can start the pass that delivers bob's SET.
    const streams = deliverer(world, { queue });
    streams.start();
    await until(
      async () =>
        receiver.accepted.length === 2 &&
        (await world.queue.list('a', { state: 'pending' })).length === 0,
      () => undefined,
    );
    expect(receiver.accepted).toHaveLength(2);
  });

  it('a wake-up while the stream is paused leaves it watched: SETs queued once it is enabled again go out', async () => {
    const receiver = await startReceiver();
    const world = await eventWorld();
    const enabled = stream({ id: 'a', delivery: push(receiver) });
    await world.streams.put(enabled);
    await world.call('POST', '/Users', bj('alice'));
    const streams = deliverer(world);
    streams.start();
    await until(
      async () => (await world.queue.list('a', { state: 'delivered' })).length === 1,
      () => undefined,
    );
    await world.streams.put({ ...enabled, status: 'paused' });
    // Queued while paused: the wake-up finds the stream paused and starts no pass.
    await world.call('POST', '/Users', bj('bob'));
    await new Promise((settle) => setTimeout(settle, 50));
    await world.streams.put(enabled);
    await world.call('POST', '/Users', bj('carol'));
    await until(
      async () =>
        receiver.accepted.length === 3 &&
        (await world.queue.list('a', { state: 'pending' })).length === 0,
      () => undefined,
    );
    expect(receiver.accepted).toHaveLength(3);
  });
});

describe('issue 14 polling never stops', () => {
  it('a now() that throws is reported to onError, and the next poll delivers', async () => {
    const receiver = await startReceiver();
    const world = await eventWorld();
    await world.streams.put(stream({ id: 'a', delivery: push(receiver) }));
    await world.call('POST', '/Users', bj());
    let failures = 2;
    const errors: unknown[] = [];
    const streams = deliverer(world, {
      now: () => {
        if (failures > 0) {
          failures -= 1;
          throw new Error('clock unavailable');
        }
        return new Date();
      },
      onError: (error) => errors.push(error),
      options: { pollMs: 10 },
    });
    streams.start();
    await until(
      () => receiver.accepted.length === 1,
      () => undefined,
    );
    expect(errors).toEqual([new Error('clock unavailable'), new Error('clock unavailable')]);
  });
});

describe('issue 14 deleted streams are forgotten', () => {
  it('a deleted stream leaves the metrics, and its cached client-credentials token is dropped', async () => {
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
    const a = stream({ id: 'a', delivery: push(receiver, { authorization }) });
    await world.streams.put(a);
    await world.call('POST', '/Users', bj('one'));
    const streams = deliverer(world);
    await streams.deliverDue();
    expect(streams.metrics()).toMatchObject([{ streamId: 'a', delivered: 1 }]);
    await world.streams.delete('a', undefined);
    await streams.deliverDue();
    expect(streams.metrics()).toEqual([]);
    await world.streams.put(a);
    await world.call('POST', '/Users', bj('two'));
    await streams.deliverDue();
    expect(receiver.accepted).toHaveLength(2);
    expect(tokens.requests).toHaveLength(2);
  });
});
