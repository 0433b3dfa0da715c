// Hooks see each resource's events in the order they were recorded (issue 12 review): a failed
// event holds back the later events of its resource, and of no other.
import { describe, expect, it, vi } from 'vitest';
import { GroupResourceType, UserResourceType } from '@scim/core';
import { createDeliverer, type DeliveryOptions } from '../src/lib/lifecycle/delivery.js';
import type { DeliveredHookEvent, DeliveryHooks } from '../src/lib/lifecycle/delivery-hooks.js';
import { createMemoryOutbox } from '../src/lib/memory/memory-outbox.js';
import type { LifecycleEvent } from '../src/lib/lifecycle/outbox.js';
import { eventMaker } from './fixtures/lifecycle-events.js';

const event = eventMaker();

/** A deliverer over a memory outbox, on a clock the test moves; writers lease events for 1 s. */
function setup(hooks: DeliveryHooks, options: DeliveryOptions = {}) {
  let time = 1_000_000;
  const now = () => new Date(time);
  const outbox = createMemoryOutbox({ now });
  const deliverer = createDeliverer({
    outbox,
    hooks,
    resourceTypes: [UserResourceType, GroupResourceType],
    options: { backoffMs: 100, leaseMs: 1_000, pollMs: 0, ...options },
    now,
    onError: () => {},
    random: () => 1,
  });
  return {
    deliverer,
    entry: async (id: string) => (await outbox.list()).find((entry) => entry.event.id === id),
    /** What a writer does: record the events leased to itself, then deliver them at once. */
    write: async (...events: LifecycleEvent[]) => {
      await outbox.append(events, new Date(time + 1_000), { tenant: undefined });
      await deliverer.deliverNow(events);
    },
    /** Events an earlier writer recorded, leased to it until `leaseUntil`. */
    recorded: (leaseUntil: Date, ...events: LifecycleEvent[]) =>
      outbox.append(events, leaseUntil, { tenant: undefined }),
    at: (ms: number) => (time = 1_000_000 + ms),
  };
}

function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

describe('delivery: order per resource', () => {
  it.each([
    ['deactivated', 'reactivated', 'onDeactivate', 'onReactivate'],
    ['reactivated', 'deactivated', 'onReactivate', 'onDeactivate'],
  ] as const)(
    'a failed %s is retried before the later %s of the same user is delivered',
    async (firstType, laterType, firstHook, laterHook) => {
      const calls: string[] = [];
      let failing = true;
      const t = setup({
        [firstHook]: (e: DeliveredHookEvent) => {
          calls.push(`${e.type}#${e.attempt}`);
          if (failing) throw new Error('downstream unavailable');
        },
        [laterHook]: (e: DeliveredHookEvent) => void calls.push(`${e.type}#${e.attempt}`),
      });
      await t.write(event(firstType));
      // The later write's own first attempt waits behind the pending one.
      await t.write(event(laterType));
      expect(calls).toEqual([`${firstType}#1`]);
      failing = false;
      t.at(100);
      await t.deliverer.deliverDue();
      expect(calls).toEqual([`${firstType}#1`, `${firstType}#2`]);
      // The later event goes once its writer's lease has ended.
      t.at(1_000);
      await t.deliverer.deliverDue();
      expect(calls).toEqual([`${firstType}#1`, `${firstType}#2`, `${laterType}#1`]);
    },
  );

  it("a pending event holds back only its own resource's later events", async () => {
    const calls: string[] = [];
    const t = setup({
      onDeactivate: (e) => {
        calls.push(`deactivated ${e.resourceId}`);
        if (e.resourceId === 'u1') throw new Error('downstream unavailable');
      },
      onReactivate: (e) => void calls.push(`reactivated ${e.resourceId}`),
    });
    await t.write(event('deactivated'));
    await t.write(event('deactivated', { resourceId: 'u2' }));
    await t.write(event('reactivated', { resourceId: 'u2' }));
    await t.write(event('reactivated', { tenant: 'acme' }));
    expect(calls).toEqual(['deactivated u1', 'deactivated u2', 'reactivated u2', 'reactivated u1']);
  });

  it('an event that goes dead no longer holds back the later events of its resource', async () => {
    const calls: string[] = [];
    const t = setup(
      {
        onDeactivate: () => {
          throw new Error('downstream unavailable');
        },
        onReactivate: (e) => void calls.push(e.type),
      },
      { maxAttempts: 1 },
    );
    const dead = event('deactivated');
    await t.write(dead);
    expect((await t.entry(dead.id))?.state).toBe('dead');
    await t.write(event('reactivated'));
    expect(calls).toEqual(['reactivated']);
  });

  it("a writer's events of one resource are all delivered at once, in order, each after the one before", async () => {
    const calls: string[] = [];
    const t = setup({
      afterCreate: async (e) => {
        calls.push(`start ${e.id}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
        calls.push(`end ${e.id}`);
      },
      onDeactivate: (e) => void calls.push(`start ${e.id}`),
    });
    const created = event('created', { operation: 'create' });
    const deactivated = event('deactivated');
    await t.write(created, deactivated);
    expect(calls).toEqual([`start ${created.id}`, `end ${created.id}`, `start ${deactivated.id}`]);
  });

  it('the writer does not deliver an event a poller took once its lease ran out (a unit of work that outlived it)', async () => {
    const wait = gate();
    const calls: string[] = [];
    const t = setup({
      onDeactivate: async (e) => {
        calls.push(e.id);
        await wait.opened;
      },
    });
    const e = event();
    // Committed after its lease had ended: the poller takes it before the writer delivers it.
    await t.recorded(new Date(0), e);
    const pass = t.deliverer.deliverDue();
    await vi.waitFor(() => expect(calls).toHaveLength(1));
    await t.deliverer.deliverNow([e]);
    expect(calls).toHaveLength(1);
    wait.open();
    await pass;
    expect((await t.entry(e.id))?.state).toBe('delivered');
  });
});
