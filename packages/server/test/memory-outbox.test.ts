import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LifecycleEvent } from '@scim/server';
import { createMemoryOutbox } from '@scim/server/memory';

const at = (seconds: number) => new Date(Date.UTC(2026, 11, 3, 10, 0, seconds));
const iso = (seconds: number) => at(seconds).toISOString();
const context = { tenant: undefined };

function event(id: string, tenant?: string, resourceId = `user-${id}`): LifecycleEvent {
  return {
    id,
    type: 'deactivated',
    resourceType: 'User',
    resourceId,
    operation: 'patch',
    tenant,
    principal: 'entra',
    occurredAt: iso(0),
    requestId: `request-${id}`,
  };
}

const ids = (entries: readonly { readonly event: LifecycleEvent }[]) =>
  entries.map((entry) => entry.event.id);

describe('the memory outbox (issue 12)', () => {
  it('append records pending entries leased to the writer until leaseUntil', async () => {
    const outbox = createMemoryOutbox();
    await outbox.append([event('a'), event('b')], at(30), context);
    expect(await outbox.list()).toEqual([
      { event: event('a'), state: 'pending', attempts: 0, nextAttemptAt: iso(30) },
      { event: event('b'), state: 'pending', attempts: 0, nextAttemptAt: iso(30) },
    ]);
  });

  it('claim takes nothing before the lease ends, then due entries oldest first, up to the limit', async () => {
    const outbox = createMemoryOutbox();
    await outbox.append([event('a')], at(30), context);
    await outbox.append([event('b')], at(10), context);
    await outbox.append([event('c')], at(10), context);
    expect(await outbox.claim({ limit: 10, now: at(5), leaseUntil: at(65) })).toEqual([]);
    expect(ids(await outbox.claim({ limit: 1, now: at(40), leaseUntil: at(70) }))).toEqual(['a']);
    expect(ids(await outbox.claim({ limit: 5, now: at(40), leaseUntil: at(70) }))).toEqual([
      'b',
      'c',
    ]);
  });

  it('a claimed entry is leased: no second claim takes it until the lease ends', async () => {
    const outbox = createMemoryOutbox();
    await outbox.append([event('a')], at(0), context);
    const [claimed] = await outbox.claim({ limit: 1, now: at(1), leaseUntil: at(31) });
    expect(claimed).toMatchObject({ state: 'pending', nextAttemptAt: iso(31) });
    expect(await outbox.claim({ limit: 1, now: at(30), leaseUntil: at(60) })).toEqual([]);
    expect(ids(await outbox.claim({ limit: 1, now: at(31), leaseUntil: at(61) }))).toEqual(['a']);
  });

  it('complete marks an entry delivered, and it is never claimed again', async () => {
    const outbox = createMemoryOutbox();
    await outbox.append([event('a')], at(0), context);
    await outbox.complete('a');
    expect(await outbox.list()).toEqual([
      { event: event('a'), state: 'delivered', attempts: 0, nextAttemptAt: iso(0) },
    ]);
    expect(await outbox.claim({ limit: 1, now: at(100), leaseUntil: at(130) })).toEqual([]);
  });

  it('fail with a retry time counts the attempt, keeps the error and makes the entry due then', async () => {
    const outbox = createMemoryOutbox();
    await outbox.append([event('a')], at(0), context);
    await outbox.fail('a', 'ECONNREFUSED', at(20));
    expect(await outbox.list()).toEqual([
      {
        event: event('a'),
        state: 'pending',
        attempts: 1,
        nextAttemptAt: iso(20),
        lastError: 'ECONNREFUSED',
      },
    ]);
    expect(await outbox.claim({ limit: 1, now: at(19), leaseUntil: at(49) })).toEqual([]);
    expect(ids(await outbox.claim({ limit: 1, now: at(20), leaseUntil: at(50) }))).toEqual(['a']);
  });

  it('fail without a retry time makes the entry dead; retry makes it pending and due now', async () => {
    const outbox = createMemoryOutbox({ now: () => at(90) });
    await outbox.append([event('a'), event('b')], at(0), context);
    await outbox.fail('a', 'HTTP 500', undefined);
    expect(ids(await outbox.list({ state: 'dead' }))).toEqual(['a']);
    expect(ids(await outbox.claim({ limit: 5, now: at(60), leaseUntil: at(120) }))).toEqual(['b']);
    expect(await outbox.retry('b')).toBe(false);
    expect(await outbox.retry('a')).toBe(true);
    expect((await outbox.list({ state: 'pending' }))[0]).toMatchObject({
      event: { id: 'a' },
      attempts: 1,
      nextAttemptAt: iso(90),
    });
    expect(ids(await outbox.claim({ limit: 5, now: at(90), leaseUntil: at(120) }))).toEqual(['a']);
    expect(await outbox.retry('missing')).toBe(false);
  });

  it('list filters by state and tenant, oldest first, up to a limit', async () => {
    const outbox = createMemoryOutbox();
    await outbox.append(
      [event('a', 'acme'), event('b', 'globex'), event('c', 'acme')],
      at(0),
      context,
    );
    await outbox.complete('c');
    expect(ids(await outbox.list({ tenant: 'acme' }))).toEqual(['a', 'c']);
    expect(ids(await outbox.list({ tenant: 'acme', state: 'pending' }))).toEqual(['a']);
    expect(ids(await outbox.list({ limit: 2 }))).toEqual(['a', 'b']);
  });

  it('delivered entries beyond keepDelivered are pruned, oldest delivery first; pending and dead never are', async () => {
    const outbox = createMemoryOutbox({ keepDelivered: 2 });
    await outbox.append(
      ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => event(id)),
      at(0),
      context,
    );
    await outbox.fail('e', 'gone', undefined);
    for (const id of ['b', 'a', 'd']) await outbox.complete(id);
    expect(ids(await outbox.list({ state: 'delivered' }))).toEqual(['a', 'd']);
    expect(ids(await outbox.list())).toEqual(['a', 'c', 'd', 'e', 'f']);
    expect(outbox.size()).toBe(5);
  });

  it('resources whose tenant, type and id run together when joined still have queues of their own', async () => {
    // Joined with a separator only, both would read "a|User|User|b": one queue, and the second
    // event would wait behind the first.
    const outbox = createMemoryOutbox();
    await outbox.append([event('first', 'a|User', 'b')], at(0), context);
    await outbox.append([event('second', 'a', 'User|b')], at(0), context);
    await outbox.append([event('third', undefined, 'b')], at(0), context);
    const claimed = await outbox.claim({ limit: 10, now: at(1), leaseUntil: at(30) });
    expect(ids(claimed)).toEqual(['first', 'second', 'third']);
  });

  it('pruning keeps exactly the newest keepDelivered deliveries across thousands of completions', async () => {
    // Past 1,024 forgotten ids the outbox drops them from its list of deliveries in one copy: the
    // newest must survive that copy, and every older one must be gone.
    for (const keepDelivered of [0, 3]) {
      const outbox = createMemoryOutbox({ keepDelivered });
      const total = 5000;
      const all = Array.from({ length: total }, (_, index) => `e${index}`);
      await outbox.append(
        all.map((id, index) => event(id, undefined, `u${index}`)),
        at(0),
        context,
      );
      for (const id of all) await outbox.complete(id);
      await outbox.append([event('late')], at(0), context);
      await outbox.complete('late');
      const kept = [...all, 'late'].slice(total + 1 - keepDelivered);
      expect(ids(await outbox.list({ state: 'delivered' }))).toEqual(kept);
      expect(outbox.size()).toBe(keepDelivered);
    }
  });

  it('an event id already held is a TypeError, and nothing of that append is recorded', async () => {
    const outbox = createMemoryOutbox();
    await outbox.append([event('a')], at(0), context);
    await expect(outbox.append([event('b'), event('a')], at(0), context)).rejects.toBeInstanceOf(
      TypeError,
    );
    expect(ids(await outbox.list())).toEqual(['a']);
  });

  it("claim takes only a resource's oldest pending event, and only when it is due; others' meanwhile", async () => {
    const outbox = createMemoryOutbox();
    await outbox.append([event('a1', undefined, 'ua')], at(50), context);
    await outbox.append(
      [event('a2', undefined, 'ua'), event('b1', undefined, 'ub')],
      at(0),
      context,
    );
    // a2 is due but waits behind a1, which is not.
    expect(ids(await outbox.claim({ limit: 5, now: at(10), leaseUntil: at(40) }))).toEqual(['b1']);
    await outbox.complete('b1');
    expect(ids(await outbox.claim({ limit: 5, now: at(50), leaseUntil: at(80) }))).toEqual(['a1']);
    // Claimed and leased, a1 is still pending: a2 waits for it to be delivered or dead.
    expect(await outbox.claim({ limit: 5, now: at(60), leaseUntil: at(90) })).toEqual([]);
    await outbox.fail('a1', 'HTTP 503', at(70));
    expect(await outbox.claim({ limit: 5, now: at(65), leaseUntil: at(95) })).toEqual([]);
    await outbox.complete('a1');
    expect(ids(await outbox.claim({ limit: 5, now: at(65), leaseUntil: at(95) }))).toEqual(['a2']);
  });

  it('the same resource id in another tenant or of another resource type is another resource', async () => {
    const outbox = createMemoryOutbox();
    const group: LifecycleEvent = { ...event('c', undefined, 'x'), resourceType: 'Group' };
    await outbox.append(
      [event('a', undefined, 'x'), event('b', 'acme', 'x'), group],
      at(0),
      context,
    );
    expect(ids(await outbox.claim({ limit: 5, now: at(0), leaseUntil: at(30) }))).toEqual([
      'a',
      'b',
      'c',
    ]);
  });

  it('a dead event frees the later events of its resource; retried, it is their head again', async () => {
    const outbox = createMemoryOutbox({ now: () => at(90) });
    await outbox.append(
      ['a', 'b', 'c'].map((id) => event(id, undefined, 'u')),
      at(0),
      context,
    );
    await outbox.fail('a', 'HTTP 500', undefined);
    expect(ids(await outbox.claim({ limit: 5, now: at(10), leaseUntil: at(20) }))).toEqual(['b']);
    await outbox.complete('b');
    expect(await outbox.retry('a')).toBe(true);
    expect(ids(await outbox.claim({ limit: 5, now: at(90), leaseUntil: at(120) }))).toEqual(['a']);
  });

  it("claim with ids takes the writer's own events under its lease, and only where each heads its resource", async () => {
    const outbox = createMemoryOutbox();
    await outbox.append([event('old', undefined, 'ua'), event('other')], at(0), context);
    await outbox.append(
      [event('a', undefined, 'ua'), event('b', undefined, 'ub')],
      at(30),
      context,
    );
    // Not due (leased to the writer until 30), and 'other' is not the writer's.
    expect(
      ids(await outbox.claim({ ids: ['a', 'b'], limit: 5, now: at(1), leaseUntil: at(31) })),
    ).toEqual(['b']);
    await outbox.complete('old');
    expect(
      ids(await outbox.claim({ ids: ['a'], limit: 5, now: at(1), leaseUntil: at(31) })),
    ).toEqual(['a']);
    // Taken once, the writer's lease no longer lets it take them again before they are due.
    expect(
      await outbox.claim({ ids: ['a', 'b'], limit: 5, now: at(2), leaseUntil: at(32) }),
    ).toEqual([]);
    expect(ids(await outbox.list({ state: 'pending' }))).toEqual(['other', 'a', 'b']);
  });

  it('claim, complete, fail and retry answer what a scan of every entry would, whatever their order', async () => {
    const time = fc.integer({ min: 0, max: 20 });
    const which = fc.nat({ max: 7 });
    const step = fc.oneof(
      fc.record({
        kind: fc.constant('append' as const),
        // Three resources, so that events of one resource wait for each other.
        resources: fc.array(fc.nat({ max: 2 }), { minLength: 1, maxLength: 2 }),
        lease: time,
      }),
      fc.record({
        kind: fc.constant('claim' as const),
        limit: fc.integer({ min: 0, max: 3 }),
        now: time,
        lease: time,
        ids: fc.option(fc.array(which, { maxLength: 3 }), { nil: undefined }),
      }),
      fc.record({ kind: fc.constant('complete' as const), which }),
      fc.record({
        kind: fc.constant('fail' as const),
        which,
        retry: fc.option(time, { nil: undefined }),
      }),
      fc.record({ kind: fc.constant('retry' as const), which }),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 30 }), async (steps) => {
        const outbox = createMemoryOutbox({ now: () => at(7) });
        // The model: every entry in one array, scanned in full.
        const model: {
          id: string;
          resource: number;
          state: string;
          attempts: number;
          due: number;
          claimed: boolean;
          error?: string;
        }[] = [];
        for (const s of steps) {
          const entry = model[s.kind === 'append' || s.kind === 'claim' ? 0 : s.which];
          if (s.kind === 'append') {
            const events = s.resources.map((resource, i) =>
              event(`e${model.length + i}`, undefined, `user-${resource}`),
            );
            await outbox.append(events, at(s.lease), context);
            events.forEach((e, i) =>
              model.push({
                id: e.id,
                resource: s.resources[i] as number,
                state: 'pending',
                attempts: 0,
                due: s.lease,
                claimed: false,
              }),
            );
          } else if (s.kind === 'claim') {
            const wanted = s.ids?.map((i) => model[i]?.id ?? 'none');
            const claimed = await outbox.claim({
              limit: s.limit,
              now: at(s.now),
              leaseUntil: at(s.lease),
              ...(wanted === undefined ? {} : { ids: wanted }),
            });
            // Each resource's oldest pending entry; with ids, the writer's own, leased to it or due.
            const heads = new Map<number, (typeof model)[number]>();
            for (const e of model)
              if (e.state === 'pending' && !heads.has(e.resource)) heads.set(e.resource, e);
            const due = model
              .filter(
                (e) =>
                  heads.get(e.resource) === e &&
                  (wanted === undefined
                    ? e.due <= s.now
                    : wanted.includes(e.id) && (e.due <= s.now || !e.claimed)),
              )
              .slice(0, s.limit);
            for (const e of due) Object.assign(e, { due: s.lease, claimed: true });
            expect(ids(claimed)).toEqual(due.map((e) => e.id));
          } else if (s.kind === 'complete') {
            await outbox.complete(entry?.id ?? 'none');
            if (entry !== undefined) entry.state = 'delivered';
          } else if (s.kind === 'fail') {
            await outbox.fail(
              entry?.id ?? 'none',
              'x',
              s.retry === undefined ? undefined : at(s.retry),
            );
            if (entry?.state === 'pending') {
              entry.attempts++;
              entry.error = 'x';
              if (s.retry === undefined) entry.state = 'dead';
              else entry.due = s.retry;
            }
          } else {
            const retried = await outbox.retry(entry?.id ?? 'none');
            expect(retried).toBe(entry?.state === 'dead');
            if (entry?.state === 'dead') {
              // Due now, or when a later event of its resource out for delivery ends its lease.
              const index = model.indexOf(entry);
              const leases = model
                .filter(
                  (e, i) =>
                    i > index &&
                    e.resource === entry.resource &&
                    e.state === 'pending' &&
                    e.claimed,
                )
                .map((e) => e.due);
              Object.assign(entry, { state: 'pending', due: Math.max(7, ...leases) });
            }
          }
        }
        expect(
          (await outbox.list()).map((e) => [
            e.event.id,
            e.state,
            e.attempts,
            e.nextAttemptAt,
            e.lastError,
          ]),
        ).toEqual(model.map((e) => [e.id, e.state, e.attempts, iso(e.due), e.error]));
      }),
      { numRuns: 500 },
    );
  });
});

describe('the memory outbox: a retried dead event and the later events of its resource (issue 12 review)', () => {
  it('a dead event retried while a later event of its resource is being delivered waits for that delivery', async () => {
    let clock = 0;
    const outbox = createMemoryOutbox({ now: () => at(clock) });
    await outbox.append(
      [event('e1', undefined, 'u1'), event('e2', undefined, 'u1')],
      at(0),
      context,
    );
    expect(ids(await outbox.claim({ limit: 10, now: at(0), leaseUntil: at(30) }))).toEqual(['e1']);
    await outbox.fail('e1', 'down', undefined);
    expect(ids(await outbox.claim({ limit: 10, now: at(1), leaseUntil: at(31) }))).toEqual(['e2']);
    clock = 2;
    expect(await outbox.retry('e1')).toBe(true);
    // e2's hook is still running: nothing of u1 is handed out, e1 included.
    expect(ids(await outbox.claim({ limit: 10, now: at(2), leaseUntil: at(32) }))).toEqual([]);
    await outbox.complete('e2');
    expect(ids(await outbox.claim({ limit: 10, now: at(31), leaseUntil: at(61) }))).toEqual(['e1']);
  });
});
