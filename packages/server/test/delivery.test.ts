import { afterEach, describe, expect, it, vi } from 'vitest';
import { GroupResourceType, UserResourceType } from '@scim/core';
import {
  createDeliverer,
  type DelivererConfig,
  type DeliveryOptions,
} from '../src/lib/lifecycle/delivery.js';
import type {
  DeliveredHookEvent,
  DeliveryHooks,
  MembershipHookEvent,
} from '../src/lib/lifecycle/delivery-hooks.js';
import { createMemoryOutbox } from '../src/lib/memory/memory-outbox.js';
import type { LifecycleEvent } from '../src/lib/lifecycle/outbox.js';
import { eventMaker, user } from './fixtures/lifecycle-events.js';

const event = eventMaker();

function setup(
  hooks: DeliveryHooks,
  options: DeliveryOptions = {},
  overrides: Partial<DelivererConfig> = {},
) {
  let time = 1_000_000;
  const now = () => new Date(time);
  const outbox = createMemoryOutbox({ now });
  const errors: [unknown, LifecycleEvent | undefined][] = [];
  const make = () =>
    createDeliverer({
      outbox: outbox,
      hooks,
      resourceTypes: [UserResourceType, GroupResourceType],
      options: { backoffMs: 100, leaseMs: 1_000, pollMs: 0, ...options },
      now,
      onError: (error, e) => errors.push([error, e]),
      random: () => 1,
      ...overrides,
    });
  const deliverer = make();
  // What a writer does: record the events leased to itself, then deliver them at once.
  const write = async (...events: LifecycleEvent[]) => {
    await outbox.append(events, new Date(time + 1_000), { tenant: undefined });
    await deliverer.deliverNow(events);
  };
  return {
    outbox,
    /** The entry of one event, as an operator inspecting the outbox sees it. */
    entry: async (id: string) => {
      const found = (await outbox.list()).find((entry) => entry.event.id === id);
      if (found === undefined) throw new Error(`the outbox holds no event ${id}`);
      return found;
    },
    /** Events an earlier writer recorded, leased to it until `leaseUntil`. */
    recorded: (leaseUntil: Date, ...events: LifecycleEvent[]) =>
      outbox.append(events, leaseUntil, { tenant: undefined }),
    deliverer,
    make,
    errors,
    write,
    at: (ms: number) => (time = 1_000_000 + ms),
  };
}

/** A hook that fails its first `failures` calls. */
function flaky(failures: number) {
  const calls: DeliveredHookEvent[] = [];
  const hook = (e: DeliveredHookEvent) => {
    calls.push(e);
    if (calls.length <= failures) throw new Error(`downstream unavailable (${calls.length})`);
  };
  return { calls, hook };
}

function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('delivery: at least once', () => {
  it('a hook failing twice is called a third time, each retry only once its backoff has passed', async () => {
    const { calls, hook } = flaky(2);
    const t = setup({ onDeactivate: hook });
    const e = event();
    await t.write(e);
    expect(calls).toHaveLength(1);
    t.at(99);
    expect(await t.deliverer.deliverDue()).toBe(0);
    t.at(100);
    expect(await t.deliverer.deliverDue()).toBe(1);
    t.at(299);
    expect(await t.deliverer.deliverDue()).toBe(0);
    t.at(300);
    await t.deliverer.deliverDue();
    expect(calls.map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect((await t.entry(e.id)).state).toBe('delivered');
  });

  it('the retry delay doubles per attempt up to maxBackoffMs, with full jitter below it', async () => {
    const { hook } = flaky(10);
    const t = setup(
      { onDeactivate: hook },
      { backoffMs: 100, maxBackoffMs: 300 },
      { random: () => 0.5 },
    );
    const e = event();
    await t.write(e);
    const delays: number[] = [];
    let base = 0;
    for (let attempt = 1; attempt <= 4; attempt++) {
      const due = Date.parse((await t.entry(e.id)).nextAttemptAt) - 1_000_000;
      delays.push(due - base);
      base = due;
      t.at(due);
      await t.deliverer.deliverDue();
    }
    expect(delays).toEqual([50, 100, 150, 150]);
  });

  it('an event whose outbox update failed is delivered again once its lease ends', async () => {
    const { calls, hook } = flaky(0);
    const t = setup({ onDeactivate: hook });
    const complete = t.outbox.complete.bind(t.outbox);
    let broken = true;
    t.outbox.complete = async (id) => {
      if (broken) throw new Error('database gone');
      await complete(id);
    };
    const e = event();
    await t.write(e);
    expect(t.errors.map(([error]) => (error as Error).message)).toEqual(['database gone']);
    broken = false;
    t.at(999);
    await t.deliverer.deliverDue();
    expect(calls).toHaveLength(1);
    t.at(1_000);
    await t.deliverer.deliverDue();
    expect(calls).toHaveLength(2);
    expect((await t.entry(e.id)).state).toBe('delivered');
  });
});

describe('delivery: dead letters', () => {
  it('an event is dead after maxAttempts failures, and retry() makes it deliverable again', async () => {
    const { calls, hook } = flaky(2);
    const t = setup({ onDeactivate: hook }, { maxAttempts: 2 });
    const e = event();
    await t.write(e);
    t.at(100);
    await t.deliverer.deliverDue();
    expect(await t.entry(e.id)).toMatchObject({
      state: 'dead',
      attempts: 2,
      lastError: 'downstream unavailable (2)',
    });
    t.at(1_000_000);
    expect(await t.deliverer.deliverDue()).toBe(0);
    expect(calls).toHaveLength(2);
    expect(await t.outbox.retry(e.id)).toBe(true);
    await t.deliverer.deliverDue();
    expect(calls).toHaveLength(3);
    expect((await t.entry(e.id)).state).toBe('delivered');
  });

  it('an event of a resource type the handler does not have is dead at once (retrying cannot help)', async () => {
    const { calls, hook } = flaky(0);
    const t = setup({ onDeactivate: hook });
    const e = event('deactivated', { resourceType: 'Device' });
    await t.write(e);
    expect(calls).toHaveLength(0);
    expect(await t.entry(e.id)).toMatchObject({
      state: 'dead',
      lastError: 'No resource type is named Device',
    });
  });
});

describe('delivery: idempotency and failures', () => {
  it('the event id, the idempotency key, is the same on every attempt', async () => {
    const { calls, hook } = flaky(1);
    const t = setup({ onDeactivate: hook });
    const e = event();
    await t.write(e);
    t.at(100);
    await t.deliverer.deliverDue();
    expect(calls.map((c) => [c.id, c.attempt])).toEqual([
      [e.id, 1],
      [e.id, 2],
    ]);
  });

  it("a hook's failure goes to onError with its event and is never thrown, sync or async", async () => {
    const boom = new Error('boom');
    const t = setup({
      onDeactivate: () => {
        throw boom;
      },
      afterPatch: () => Promise.reject(boom),
    });
    // Two users: a failed event would hold back a later one of the same user.
    const first = event('deactivated');
    const second = event('updated', { resourceId: 'u2' });
    await expect(t.write(first, second)).resolves.toBeUndefined();
    expect(t.errors).toHaveLength(2);
    expect(t.errors).toEqual(
      expect.arrayContaining([
        [boom, first],
        [boom, second],
      ]),
    );
  });

  it("the recorded failure is the hook's own message, without a stack, at most 500 characters", async () => {
    const long = 'x'.repeat(600);
    const t = setup({
      onDeactivate: () => {
        throw new Error('token expired');
      },
      afterPatch: () => {
        throw new Error(long);
      },
    });
    const short = event('deactivated');
    const truncated = event('updated', { resourceId: 'u2' });
    await t.write(short, truncated);
    expect((await t.entry(short.id)).lastError).toBe('token expired');
    expect((await t.entry(truncated.id)).lastError).toHaveLength(500);
    expect((await t.entry(truncated.id)).lastError?.startsWith('x'.repeat(499))).toBe(true);
  });

  it('a hook still running when its lease ends counts as failed', async () => {
    const t = setup({ onDeactivate: () => new Promise<void>(() => {}) }, { leaseMs: 20 });
    const e = event();
    await t.write(e);
    expect(await t.entry(e.id)).toMatchObject({
      state: 'pending',
      attempts: 1,
      lastError: 'The hook did not finish within its lease of 20 ms',
    });
  });
});

describe('delivery: which hook', () => {
  it('each event type reaches its hook; updated by PUT is afterReplace, by PATCH afterPatch', async () => {
    const seen: string[] = [];
    const record = (name: string) => (e: DeliveredHookEvent | MembershipHookEvent) => {
      seen.push(`${name}:${e.type}`);
    };
    const t = setup({
      afterCreate: record('afterCreate'),
      afterReplace: record('afterReplace'),
      afterPatch: record('afterPatch'),
      afterDelete: record('afterDelete'),
      onDeactivate: record('onDeactivate'),
      onReactivate: record('onReactivate'),
      onMembershipChange: record('onMembershipChange'),
    });
    await t.write(
      event('created', { operation: 'create' }),
      event('updated', { operation: 'replace' }),
      event('updated', { operation: 'patch' }),
      event('deactivated'),
      event('reactivated'),
      event('deleted', { operation: 'delete' }),
      event('membersAdded', { resourceType: 'Group', members: ['u1'] }),
      event('membersRemoved', { resourceType: 'Group', operation: 'cascade', members: ['u1'] }),
    );
    // Each resource's events in order; the user's and the group's side by side.
    expect(seen.filter((line) => !line.startsWith('onMembershipChange'))).toEqual([
      'afterCreate:created',
      'afterReplace:updated',
      'afterPatch:updated',
      'onDeactivate:deactivated',
      'onReactivate:reactivated',
      'afterDelete:deleted',
    ]);
    expect(seen.filter((line) => line.startsWith('onMembershipChange'))).toEqual([
      'onMembershipChange:membersAdded',
      'onMembershipChange:membersRemoved',
    ]);
  });

  it('a hook receives the resource type object, the states and the request facts', async () => {
    const received: DeliveredHookEvent[] = [];
    const t = setup({ afterPatch: (e) => void received.push(e) });
    const changes = [{ path: 'title', kind: 'set', value: 'Lead' }] as const;
    const e = event('updated', { tenant: 'acme', changes });
    await t.write(e);
    expect(received[0]).toEqual({
      id: e.id,
      type: 'updated',
      attempt: 1,
      resourceType: UserResourceType,
      resourceId: 'u1',
      operation: 'patch',
      principal: 'entra',
      tenant: 'acme',
      occurredAt: e.occurredAt,
      requestId: 'r1',
      resource: user,
      previous: user,
      changes,
    });
  });

  it('onEvent receives every event as recorded, after the typed hook of its type', async () => {
    const seen: string[] = [];
    const received: LifecycleEvent[] = [];
    const t = setup({
      afterCreate: () => void seen.push('afterCreate'),
      onEvent: (e) => {
        seen.push(`onEvent:${e.type}:${e.attempt}`);
        received.push(e);
      },
    });
    const created = event('created', { operation: 'create' });
    const added = event('membersAdded', { resourceType: 'Group', members: ['u1'] });
    await t.write(created, added);
    expect(seen.filter((line) => !line.includes('membersAdded'))).toEqual([
      'afterCreate',
      'onEvent:created:1',
    ]);
    expect(seen).toContain('onEvent:membersAdded:1');
    expect(received).toContainEqual({ ...created, attempt: 1 });
    expect(received).toContainEqual({ ...added, attempt: 1 });
  });

  it('an onEvent that fails has the event retried, with the same id and the next attempt', async () => {
    const attempts: [string, number][] = [];
    const t = setup({
      onEvent: (e) => {
        attempts.push([e.id, e.attempt]);
        if (attempts.length === 1) throw new Error('publisher unavailable');
      },
    });
    const created = event('created', { operation: 'create' });
    await t.write(created);
    t.at(10_000);
    await t.deliverer.deliverDue();
    expect(attempts).toEqual([
      [created.id, 1],
      [created.id, 2],
    ]);
    expect((await t.entry(created.id)).state).toBe('delivered');
  });

  it('an event whose hook is not configured is completed at once and kept for inspection', async () => {
    const t = setup({});
    const e = event('created', { operation: 'create' });
    await t.write(e);
    expect(await t.outbox.list({ state: 'delivered' })).toEqual([
      expect.objectContaining({ event: e }),
    ]);
  });
});

describe('delivery: passes, leases and start-up', () => {
  it('start() drains events an earlier process recorded and never delivered, once their lease ended', async () => {
    const { calls, hook } = flaky(0);
    // A new process: its deliverer never saw these events, recorded by a writer that crashed.
    const t = setup({ onDeactivate: hook }, { pollMs: 60_000 });
    const e = event();
    await t.recorded(new Date(1_000_000 - 1), e);
    t.deliverer.start();
    await t.deliverer.close();
    expect(calls.map((c) => c.id)).toEqual([e.id]);
  });

  it('a lease keeps a second deliverer from delivering an event the first is delivering', async () => {
    const wait = gate();
    const calls: string[] = [];
    const t = setup({
      onDeactivate: async (e) => {
        calls.push(e.id);
        await wait.opened;
      },
    });
    await t.recorded(new Date(0), event());
    const other = t.make();
    const first = t.deliverer.deliverDue();
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    expect(await other.deliverDue()).toBe(0);
    wait.open();
    expect(await first).toBe(1);
    expect(calls).toHaveLength(1);
  });

  it('a deliverer whose lease ran out settles nothing: its late failure counts no attempt against the delivery that took the event over', async () => {
    const late = gate();
    const current = gate();
    const calls: string[] = [];
    const t = setup({
      onDeactivate: async (e) => {
        calls.push(e.id);
        if (calls.length === 1) {
          await late.opened;
          throw new Error('the first delivery failed after its lease');
        }
        await current.opened;
      },
    });
    const e = event();
    await t.recorded(new Date(0), e);
    const first = t.deliverer.deliverDue();
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    // The first lease (1 s) ends; a second deliverer takes the event over.
    t.at(2_000);
    const second = t.make().deliverDue();
    await vi.waitFor(() => expect(calls).toHaveLength(2));
    const taken = await t.entry(e.id);
    late.open();
    await first;
    expect(await t.entry(e.id)).toEqual(taken);
    current.open();
    await second;
    expect(await t.entry(e.id)).toMatchObject({ state: 'delivered', attempts: 0 });
  });

  it('events a writer just recorded are leased to it: a pass meanwhile does not take them', async () => {
    const { calls, hook } = flaky(0);
    const t = setup({ onDeactivate: hook });
    await t.recorded(new Date(1_000_000 + 1_000), event());
    expect(await t.deliverer.deliverDue()).toBe(0);
    expect(calls).toHaveLength(0);
  });

  it('two passes of one deliverer never run at once: a call during a pass waits and runs one more', async () => {
    const wait = gate();
    const t = setup({ onDeactivate: () => wait.opened });
    let claims = 0;
    const claim = t.outbox.claim.bind(t.outbox);
    t.outbox.claim = (options) => {
      claims += 1;
      return claim(options);
    };
    await t.recorded(new Date(0), event());
    const first = t.deliverer.deliverDue();
    const second = t.deliverer.deliverDue();
    const third = t.deliverer.deliverDue();
    await vi.waitFor(() => expect(claims).toBe(1));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(claims).toBe(1);
    wait.open();
    expect(await Promise.all([first, second, third])).toEqual([1, 0, 0]);
    // The first pass claims once more after a delivery (it may have freed its resource's next event).
    expect(claims).toBe(3);
  });

  it("events of one resource are delivered in order, one at a time; another resource's meanwhile", async () => {
    const wait = gate();
    const log: string[] = [];
    const t = setup({
      onDeactivate: async (e) => {
        log.push(`start ${e.resourceId}:${e.id}`);
        if (e.id === 'a1') await wait.opened;
        log.push(`end ${e.resourceId}:${e.id}`);
      },
    });
    const a1 = event('deactivated', { id: 'a1', resourceId: 'ua' });
    const a2 = event('deactivated', { id: 'a2', resourceId: 'ua' });
    const b1 = event('deactivated', { id: 'b1', resourceId: 'ub' });
    await t.recorded(new Date(0), a1, a2, b1);
    const pass = t.deliverer.deliverDue();
    await vi.waitFor(() => expect(log).toContain('end ub:b1'));
    expect(log).not.toContain('start ua:a2');
    wait.open();
    await pass;
    expect(log.filter((line) => line.includes('ua'))).toEqual([
      'start ua:a1',
      'end ua:a1',
      'start ua:a2',
      'end ua:a2',
    ]);
  });

  it('a pass goes on claiming until a claim comes back short of batchSize', async () => {
    const { calls, hook } = flaky(0);
    const t = setup({ onDeactivate: hook }, { batchSize: 2 });
    await t.recorded(new Date(0), event(), event(), event(), event(), event());
    expect(await t.deliverer.deliverDue()).toBe(5);
    expect(calls).toHaveLength(5);
  });
});

describe('delivery: polling', () => {
  it('polls every pollMs, and close() stops it', async () => {
    vi.useFakeTimers();
    const t = setup({ onDeactivate: flaky(0).hook }, { pollMs: 1_000 });
    let claims = 0;
    const claim = t.outbox.claim.bind(t.outbox);
    t.outbox.claim = (options) => {
      claims += 1;
      return claim(options);
    };
    t.deliverer.start();
    await vi.advanceTimersByTimeAsync(0);
    expect(claims).toBe(1);
    await vi.advanceTimersByTimeAsync(3_000);
    expect(claims).toBe(4);
    await t.deliverer.close();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(claims).toBe(4);
    expect(await t.deliverer.deliverDue()).toBe(0);
  });

  it('the poll timer is unref’d, so it never keeps a process alive', async () => {
    const spy = vi.spyOn(globalThis, 'setTimeout');
    const t = setup({}, { pollMs: 60_000 });
    t.deliverer.start();
    const poll = () => spy.mock.results[spy.mock.calls.findIndex((call) => call[1] === 60_000)];
    await vi.waitFor(() => expect(poll()).toBeDefined());
    expect((poll()?.value as ReturnType<typeof setTimeout>).hasRef()).toBe(false);
    spy.mockRestore();
    await t.deliverer.close();
  });

  it('refuses options that make no sense, when the deliverer is made', () => {
    expect(() => setup({}, { maxAttempts: 0 })).toThrow(TypeError);
    expect(() => setup({}, { leaseMs: 0 })).toThrow(TypeError);
    expect(() => setup({}, { pollMs: -1 })).toThrow(TypeError);
  });
});
