// Typed in-process subscriptions on the server's onEvent hook: names, payloads, idempotency keys and
// retries, against a real @scim/server over memory storage.
import { afterEach, describe, expect, it } from 'vitest';
import { createEventHandlers, toEventName, type HandledEvent } from '../src/lib/handlers.ts';
import { bj, cleanUp, eventWorld, G, setActive, until } from './fixtures/event-server.ts';

afterEach(cleanUp);

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

describe('createEventHandlers', () => {
  it('issue 14 "typed subscriptions": on(user.deactivated) gets the deactivation only, with the resource, the attempt and the event id as idempotency key', async () => {
    const seen: HandledEvent[] = [];
    const handlers = createEventHandlers().on('user.deactivated', (event) => {
      seen.push(event);
      expect(event.resource.active).toBe(false);
    });
    const world = await eventWorld({ hooks: { onEvent: handlers.onEvent } });
    const user = await world.call('POST', '/Users', bj());
    await world.call('PATCH', `/Users/${String(user.id)}`, setActive(false));
    expect(seen).toHaveLength(1);
    const [event] = seen;
    const recorded = (await world.handler.outbox.list()).find(
      (entry) => entry.event.type === 'deactivated',
    );
    expect(event).toMatchObject({
      name: 'user.deactivated',
      idempotencyKey: recorded?.event.id,
      attempt: 1,
      resourceId: user.id,
      type: 'deactivated',
    });
  });

  it('issue 14 "delivered at least once": a handler that throws makes the server retry, with the same idempotency key and a higher attempt', async () => {
    const calls: { key: string; attempt: number }[] = [];
    const handlers = createEventHandlers().on('user.created', ({ idempotencyKey, attempt }) => {
      calls.push({ key: idempotencyKey, attempt });
      if (attempt === 1) throw new Error('the mail service is down');
    });
    const world = await eventWorld({ hooks: { onEvent: handlers.onEvent } });
    await world.call('POST', '/Users', bj());
    const [pending] = await world.handler.outbox.list();
    expect(pending).toMatchObject({ state: 'pending', lastError: 'the mail service is down' });
    await until(
      async () => (await world.handler.outbox.list())[0]?.state === 'delivered',
      () => world.handler.deliverDue(),
    );
    expect(calls).toEqual([
      { key: pending?.event.id, attempt: 1 },
      { key: pending?.event.id, attempt: 2 },
    ]);
  });

  it('every handler of an event runs even when one throws, which still fails the delivery', async () => {
    const ran: string[] = [];
    const handlers = createEventHandlers()
      .on('user.created', () => {
        ran.push('first');
        throw new Error('first failed');
      })
      .on('user.*', () => {
        ran.push('second');
      });
    const world = await eventWorld({ hooks: { onEvent: handlers.onEvent } });
    await world.call('POST', '/Users', bj());
    expect(ran).toEqual(['first', 'second']);
    expect((await world.handler.outbox.list())[0]?.lastError).toBe('first failed');
  });

  it('group.members_added carries the member values; user.* and * match by resource type and all', async () => {
    const names: string[] = [];
    const members: (readonly string[])[] = [];
    const handlers = createEventHandlers()
      .on('group.members_added', (event) => {
        members.push(event.members);
      })
      .on('user.*', (event) => {
        names.push(`user.*:${event.name}`);
      })
      .on('*', (event) => {
        names.push(`*:${event.name}`);
      });
    const world = await eventWorld({ hooks: { onEvent: handlers.onEvent } });
    const user = await world.call('POST', '/Users', bj());
    const group = await world.call('POST', '/Groups', { schemas: [G], displayName: 'Guides' });
    await world.call('PATCH', `/Groups/${String(group.id)}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'add', path: 'members', value: [{ value: user.id }] }],
    });
    expect(members).toEqual([[user.id]]);
    expect(names).toEqual([
      'user.*:user.created',
      '*:user.created',
      '*:group.created',
      '*:group.members_added',
    ]);
  });

  it('a name no event can have is refused when subscribing, not silently never called', () => {
    const handlers = createEventHandlers();
    // @ts-expect-error 'deactivate' is not an action: the type refuses it too.
    expect(() => handlers.on('user.deactivate', () => undefined)).toThrow(TypeError);
    expect(() => handlers.on('.created' as 'x.created', () => undefined)).toThrow(TypeError);
  });

  it.each([
    ['User.deactivated', "did you mean 'user.deactivated'"],
    ['users.deactivated', "did you mean 'user.deactivated'"],
    ['groups.*', "did you mean 'group.*'"],
    ['enterpriseDevice.created', "did you mean 'enterprise_device.created'"],
    ['enterprise-device.created', "did you mean 'enterprise_device.created'"],
  ] as const)(
    'a resource type not spelled as event names spell it (%s) is refused when subscribing, with the name it meant',
    (pattern, hint) => {
      const handlers = createEventHandlers();
      expect(() => handlers.on(pattern, () => undefined)).toThrow(/can never match/);
      expect(() => handlers.on(pattern, () => undefined)).toThrow(hint);
    },
  );

  it('snake_case resource types, user.*, and * are accepted', () => {
    const handlers = createEventHandlers();
    expect(() =>
      handlers
        .on('user.deactivated', () => undefined)
        .on('enterprise_device.created', () => undefined)
        .on('x509_certificate.*', () => undefined)
        .on('*', () => undefined),
    ).not.toThrow();
  });

  it('event names: the resource type in snake case and the action', () => {
    expect(toEventName({ resourceType: 'User', type: 'reactivated' })).toBe('user.reactivated');
    expect(toEventName({ resourceType: 'Group', type: 'membersRemoved' })).toBe(
      'group.members_removed',
    );
    expect(toEventName({ resourceType: 'EnterpriseDevice', type: 'created' })).toBe(
      'enterprise_device.created',
    );
  });
});
