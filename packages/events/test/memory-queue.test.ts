// The memory SetQueue against the shared contract, plus what only it promises: pruning delivered
// SETs, the injected clock, and what each SET costs in memory.
import { describe, expect, it } from 'vitest';
import { createMemorySetQueue } from '../src/lib/memory-queue.ts';
import { collectGarbage } from '../../../test/fixtures/heap.ts';
import { describeSetQueueContract } from './fixtures/set-queue-contract.ts';

describeSetQueueContract('memory', () => createMemorySetQueue());

const T0 = new Date('2026-12-03T10:00:00.000Z');

function set(n: number) {
  return {
    streamId: 's1',
    key: `e${n}:s1:0`,
    subject: ` /Users/u${n}`,
    jti: `jti-${n}`,
    txn: `txn-${n}`,
    eventUris: ['urn:ietf:params:scim:event:prov:delete'],
    payload: `token-${n}`,
    queuedAt: T0.toISOString(),
  };
}

describe('createMemorySetQueue', () => {
  it('keeps at most maxDeliveredPerStream delivered SETs, forgetting the oldest delivered first', async () => {
    const queue = createMemorySetQueue({ maxDeliveredPerStream: 2 });
    await queue.enqueue([1, 2, 3, 4].map(set));
    for (const n of [1, 2, 3]) await queue.complete('s1', `jti-${n}`, T0);
    expect((await queue.list('s1')).map((s) => s.jti)).toEqual(['jti-2', 'jti-3', 'jti-4']);
    // Pending SETs are never forgotten.
    expect(await queue.list('s1', { state: 'pending' })).toHaveLength(1);
  });

  it("drops a delivered SET's text but keeps how its delivery went, and what it handed out before", async () => {
    const queue = createMemorySetQueue();
    await queue.enqueue([set(1)]);
    const lease = { now: T0, leaseUntil: new Date(T0.getTime() + 60_000), limit: 10 };
    const [claimed] = await queue.claim('s1', lease);
    await queue.complete('s1', 'jti-1', new Date(T0.getTime() + 5));
    const [delivered] = await queue.list('s1');
    // 10,000 delivered SETs per stream would otherwise hold every user's data they carried.
    expect(delivered).toMatchObject({
      jti: 'jti-1',
      key: 'e1:s1:0',
      state: 'delivered',
      payload: '',
      deliveredAt: '2026-12-03T10:00:00.005Z',
    });
    // The SET handed out by the claim is a snapshot: frozen, still pending, still with its text.
    expect(claimed).toMatchObject({ state: 'pending', payload: 'token-1' });
    expect(Object.isFrozen(claimed)).toBe(true);
    expect(Object.isFrozen(delivered)).toBe(true);
    // A repeated list hands out the same snapshot until the SET changes again.
    expect((await queue.list('s1'))[0]).toBe(delivered);
  });

  it('forgets the oldest delivered SETs in delivery order over thousands of deliveries', async () => {
    const queue = createMemorySetQueue({ maxDeliveredPerStream: 3 });
    const numbers = Array.from({ length: 2_500 }, (_, index) => index + 1);
    await queue.enqueue(numbers.map(set));
    // Delivered out of queue order: the order of delivery decides which are forgotten.
    for (const n of [...numbers].reverse()) await queue.complete('s1', `jti-${n}`, T0);
    expect((await queue.list('s1')).map((s) => s.jti)).toEqual(['jti-1', 'jti-2', 'jti-3']);
    // A forgotten key may be queued again; a kept one is still skipped.
    expect(
      await queue.enqueue([
        { ...set(4), jti: 'jti-4b' },
        { ...set(1), jti: 'jti-1b' },
      ]),
    ).toBe(1);
  });

  it("keeps each SET's texts in one piece, however the caller joined them", async () => {
    // Keys, subjects and ids joined from parts (template literals, Node's randomUUID) are trees of
    // strings in V8 until read whole, several times their text's size; a stream keeps thousands.
    const count = 5_000;
    const joined = (n: number) => ({
      ...set(n),
      key: `${crypto.randomUUID()}:s1:0`,
      subject: ` /Users/${crypto.randomUUID()}`,
      jti: crypto.randomUUID(),
      txn: crypto.randomUUID(),
    });
    const queue = createMemorySetQueue();
    await queue.enqueue([joined(-1)]);
    collectGarbage();
    const before = process.memoryUsage().heapUsed;
    await queue.enqueue(Array.from({ length: count }, (_, n) => joined(n)));
    collectGarbage();
    const perSet = (process.memoryUsage().heapUsed - before) / count;
    expect(await queue.list('s1', { state: 'pending' })).toHaveLength(count + 1);
    // A pending SET's entry, texts and index entries: about 1,000 bytes; with the trees, 2,500.
    expect(perSet).toBeLessThan(1_500);
  });

  it("a SET queued with a delivered SET's jti stays deliverable when the older one is forgotten", async () => {
    const queue = createMemorySetQueue({ maxDeliveredPerStream: 1 });
    const lease = { now: T0, leaseUntil: new Date(T0.getTime() + 60_000), limit: 10 };
    await queue.enqueue([set(1)]);
    await queue.claim('s1', lease);
    await queue.complete('s1', 'jti-1', T0);
    // An injected jti source that repeats itself: the key differs, so it is a new SET.
    expect(await queue.enqueue([{ ...set(2), jti: 'jti-1' }])).toBe(1);
    await queue.enqueue([set(3)]);
    await queue.claim('s1', lease);
    await queue.complete('s1', 'jti-3', T0); // pushes SET 1 out of the delivered window
    await queue.complete('s1', 'jti-1', T0);
    expect((await queue.list('s1')).map((queued) => [queued.key, queued.state])).toEqual([
      ['e2:s1:0', 'delivered'],
    ]);
  });

  it('a claim of a few SETs takes the oldest due ones, whatever order their subjects were first seen in', async () => {
    const queue = createMemorySetQueue();
    const of = (n: number, subject: string) => ({ ...set(n), subject });
    await queue.enqueue([of(1, 'a'), of(2, 'b'), of(3, 'a'), of(4, 'c')]);
    await queue.complete('s1', 'jti-1', T0);
    // Subject a was seen first, but its head is now jti-3, newer than b's.
    const lease = { now: T0, leaseUntil: new Date(T0.getTime() + 60_000) };
    const claimed = async (limit: number) =>
      (await queue.claim('s1', { ...lease, limit })).map((s) => s.jti);
    expect(await claimed(1)).toEqual(['jti-2']);
    expect(await claimed(2)).toEqual(['jti-3', 'jti-4']);
  });

  it('retry makes a dead SET due by the injected clock', async () => {
    const later = new Date(T0.getTime() + 3_600_000);
    const queue = createMemorySetQueue({ now: () => later });
    await queue.enqueue([set(1)]);
    await queue.fail('s1', 'jti-1', { error: 'invalid_key', retryAt: undefined });
    await queue.retry('s1', 'jti-1');
    const [listed] = await queue.list('s1');
    expect(listed).toMatchObject({
      state: 'pending',
      attempts: 0,
      nextAttemptAt: later.toISOString(),
    });
  });

  it('a long poll on a stream that is removed returns at once', async () => {
    const queue = createMemorySetQueue();
    const waiting = queue.changed('s1', new AbortController().signal);
    await queue.enqueue([set(1)]);
    await waiting;
    const next = queue.changed('s1', new AbortController().signal);
    await queue.removeStream('s1');
    await expect(next).resolves.toBeUndefined();
  });
});

describe('createMemorySetQueue bounds', () => {
  it('issue 14 "dead letters are bounded": keeps at most maxDeadPerStream dead SETs, dropping the oldest dead first and counting them', async () => {
    const queue = createMemorySetQueue({ maxDeadPerStream: 2 });
    await queue.enqueue([1, 2, 3].map(set));
    for (const n of [1, 2, 3])
      await queue.fail('s1', `jti-${n}`, { error: 'invalid_key', retryAt: undefined });
    expect((await queue.list('s1', { state: 'dead' })).map((s) => s.jti)).toEqual([
      'jti-2',
      'jti-3',
    ]);
    expect(await queue.deadDropped?.('s1')).toBe(1);
    expect(await queue.deadDropped?.('other')).toBe(0);
    expect(await queue.retry('s1', 'jti-1')).toBe(false);
  });

  it('a replayed dead SET no longer counts against maxDeadPerStream', async () => {
    const queue = createMemorySetQueue({ maxDeadPerStream: 1 });
    await queue.enqueue([1, 2].map(set));
    await queue.fail('s1', 'jti-1', { error: 'invalid_key', retryAt: undefined });
    expect(await queue.retry('s1', 'jti-1')).toBe(true);
    await queue.fail('s1', 'jti-2', { error: 'invalid_key', retryAt: undefined });
    expect(await queue.deadDropped?.('s1')).toBe(0);
    expect((await queue.list('s1', { state: 'pending' })).map((s) => s.jti)).toEqual(['jti-1']);
  });

  it('idempotency holds within the retention window: a key enqueued again after its delivered SET was forgotten is queued again', async () => {
    const queue = createMemorySetQueue({ maxDeliveredPerStream: 1 });
    await queue.enqueue([set(1), set(2)]);
    await queue.complete('s1', 'jti-1', T0);
    expect(await queue.enqueue([set(1)])).toBe(0);
    await queue.complete('s1', 'jti-2', T0);
    expect(await queue.enqueue([set(1)])).toBe(1);
  });

  it('an enqueue racing removeStream is ignored for removedStreamQuietMs, then a stream with the id queues again', async () => {
    let clock = T0;
    const queue = createMemorySetQueue({ now: () => clock, removedStreamQuietMs: 1_000 });
    await queue.enqueue([set(1)]);
    await queue.removeStream('s1');
    expect(await queue.enqueue([set(2)])).toBe(0);
    expect(await queue.list('s1')).toEqual([]);
    clock = new Date(T0.getTime() + 1_000);
    expect(await queue.enqueue([set(3)])).toBe(1);
    expect((await queue.list('s1')).map((s) => s.jti)).toEqual(['jti-3']);
  });

  it('removedStreamQuietMs 0 keeps an enqueue that follows removeStream', async () => {
    const queue = createMemorySetQueue({ removedStreamQuietMs: 0 });
    await queue.removeStream('s1');
    expect(await queue.enqueue([set(1)])).toBe(1);
  });
});
