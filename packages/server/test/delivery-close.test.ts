// Once close() is called, a deliverer starts no hook delivery: not from the poller, not from a
// writer's deliverNow. What it would have delivered stays pending in the outbox, the durable part,
// for the next process; a write still in flight is answered and loses none of its events.
import { describe, expect, it } from 'vitest';
import { GroupResourceType, UserResourceType } from '@scim/core';
import type { LifecycleEvent, ScimStore } from '@scim/server';
import { createMemoryStorage } from '@scim/server/memory';
import { createDeliverer } from '../src/lib/lifecycle/delivery.js';
import type { DeliveryHooks } from '../src/lib/lifecycle/delivery-hooks.js';
import { createMemoryOutbox } from '../src/lib/memory/memory-outbox.js';
import { eventMaker } from './fixtures/lifecycle-events.js';
import { bj, server } from './helpers.js';

const event = eventMaker();

function gate() {
  let open = () => {};
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}

function setup(hooks: DeliveryHooks) {
  let time = 1_000_000;
  const now = () => new Date(time);
  const outbox = createMemoryOutbox({ now });
  const make = () =>
    createDeliverer({
      outbox,
      hooks,
      resourceTypes: [UserResourceType, GroupResourceType],
      options: { leaseMs: 1_000, pollMs: 0 },
      now,
      onError: (error) => {
        throw error;
      },
    });
  /** What a writer does first: record its events, leased to itself. */
  const append = (...events: LifecycleEvent[]) =>
    outbox.append(events, new Date(time + 1_000), { tenant: undefined });
  const pending = async () =>
    (await outbox.list({ state: 'pending' })).map((entry) => entry.event.id);
  return { outbox, deliverer: make(), make, append, pending, at: (ms: number) => (time += ms) };
}

describe('close(): no hook delivery starts after it; the outbox keeps the rest', () => {
  it('deliverNow after close() calls no hook and claims nothing; the next process delivers the events', async () => {
    const calls: string[] = [];
    const t = setup({ onDeactivate: (e) => void calls.push(e.id) });
    await t.deliverer.close();
    const e = event();
    await t.append(e);
    await t.deliverer.deliverNow([e]);
    expect(calls).toEqual([]);
    expect(await t.pending()).toEqual([e.id]);
    // The next process takes them once the writer's lease has ended.
    t.at(1_000);
    expect(await t.make().deliverDue()).toBe(1);
    expect(calls).toEqual([e.id]);
  });

  it('deliverNow while close() waits for a delivery in flight starts nothing, and close() still waits', async () => {
    const wait = gate();
    const calls: string[] = [];
    const t = setup({
      onDeactivate: async (e) => {
        calls.push(e.id);
        await wait.opened;
      },
    });
    const first = event();
    const second = event('deactivated', { resourceId: 'u2' });
    await t.append(first);
    const running = t.deliverer.deliverNow([first]);
    await expect.poll(() => calls).toEqual([first.id]);
    let closed = false;
    const closing = t.deliverer.close().then(() => (closed = true));
    await t.append(second);
    await t.deliverer.deliverNow([second]);
    expect(closed).toBe(false);
    wait.open();
    await Promise.all([running, closing]);
    expect(calls).toEqual([first.id]);
    expect(await t.pending()).toEqual([second.id]);
  });

  it('a deliverNow called before close() is in flight: close() waits for all its events, in order', async () => {
    const wait = gate();
    const calls: string[] = [];
    const t = setup({
      onDeactivate: async (e) => {
        calls.push(e.id);
        await wait.opened;
      },
      onReactivate: (e) => void calls.push(e.id),
    });
    const off = event('deactivated');
    const on = event('reactivated');
    await t.append(off);
    const first = t.deliverer.deliverNow([off]);
    await expect.poll(() => calls).toEqual([off.id]);
    await t.append(on);
    const second = t.deliverer.deliverNow([on]);
    const closing = t.deliverer.close();
    wait.open();
    await Promise.all([first, second, closing]);
    expect(calls).toEqual([off.id, on.id]);
    expect(await t.pending()).toEqual([]);
  });

  it('a write in flight when the handler closes is answered, and its events stay pending for the next process', async () => {
    let time = Date.UTC(2026, 11, 3, 10);
    const storage = createMemoryStorage();
    const users = storage.stores.User as ScimStore;
    const writing = gate();
    const proceed = gate();
    const heard: LifecycleEvent[] = [];
    const instance = () =>
      server({
        ...storage,
        stores: {
          User: {
            ...users,
            get: users.get.bind(users),
            query: users.query.bind(users),
            replace: users.replace.bind(users),
            delete: users.delete.bind(users),
            create: async (resource, context) => {
              writing.open();
              await proceed.opened;
              return users.create(resource, context);
            },
          },
          Group: storage.stores.Group as ScimStore,
        },
        now: () => new Date(time),
        delivery: { pollMs: 0, leaseMs: 1_000 },
        hooks: { onEvent: (e: LifecycleEvent) => void heard.push(e) },
      });
    const { handler, call } = instance();
    const reply = call('POST', '/Users', bj);
    await writing.opened;
    const closing = handler.close();
    proceed.open();
    expect((await reply).status).toBe(201);
    await closing;
    expect(heard).toEqual([]);
    const pending = await storage.outbox.list({ state: 'pending' });
    expect(pending.map((entry) => entry.event.type)).toEqual(['created']);
    time += 1_000;
    // The next process drains them at start-up; deliverDue() waits for that pass.
    await instance().handler.deliverDue();
    expect(heard.map((e) => e.id)).toEqual([pending[0]?.event.id]);
  });
});
