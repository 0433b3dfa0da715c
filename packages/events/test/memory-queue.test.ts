// The memory SetQueue against the shared contract, plus what only it promises: pruning delivered
// SETs and the injected clock.
import { describe, expect, it } from 'vitest';
import { createMemorySetQueue } from '../src/lib/memory-queue.ts';
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
