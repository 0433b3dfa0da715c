import { describe, expect, it } from 'vitest';
import { GroupResourceType, UserResourceType, type ScimResource } from '@scim/core';
import type { AttributeChange } from '@scim/patch';
import {
  eventsOf,
  isDeactivation,
  isReactivation,
  type EventStamp,
  type WriteFacts,
} from '../src/lib/lifecycle/events.js';
import type { LifecycleEventType } from '../src/lib/lifecycle/outbox.js';

const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';

function stamp(): EventStamp {
  let next = 0;
  return {
    tenant: 'acme',
    principal: 'entra',
    occurredAt: '2026-12-03T10:00:00.000Z',
    requestId: 'r1',
    newId: () => `e${++next}`,
  };
}

const user = (extra: Record<string, unknown> = {}, version = 'W/"1"'): ScimResource => ({
  schemas: [U],
  id: 'u1',
  userName: 'bjensen',
  meta: { resourceType: 'User', version },
  ...extra,
});

const group = (members: string[], extra: Record<string, unknown> = {}): ScimResource => ({
  schemas: [G],
  id: 'g1',
  displayName: 'Tour Guides',
  ...(members.length > 0 && { members: members.map((value) => ({ value, type: 'User' })) }),
  ...extra,
});

const setActive = (value: boolean): AttributeChange[] => [{ path: 'active', kind: 'set', value }];

function userWrite(
  operation: WriteFacts['operation'],
  previous: ScimResource | undefined,
  next: ScimResource | undefined,
  changes?: AttributeChange[],
): LifecycleEventType[] {
  const facts: WriteFacts = {
    operation,
    resourceType: UserResourceType,
    id: 'u1',
    previous,
    next,
    ...(changes !== undefined && { changes }),
  };
  return eventsOf(facts, stamp()).map((event) => event.type);
}

describe('eventsOf: create', () => {
  it('records created and nothing else, with the resource as written', () => {
    const created = user({ active: true });
    const events = eventsOf(
      {
        operation: 'create',
        resourceType: UserResourceType,
        id: 'u1',
        previous: undefined,
        next: created,
      },
      stamp(),
    );
    expect(events).toEqual([
      {
        id: 'e1',
        changeId: 'e1',
        type: 'created',
        resourceType: 'User',
        resourceId: 'u1',
        operation: 'create',
        tenant: 'acme',
        principal: 'entra',
        occurredAt: '2026-12-03T10:00:00.000Z',
        requestId: 'r1',
        version: 'W/"1"',
        resource: created,
      },
    ]);
  });

  it('a user created inactive is not a deprovisioning (created only)', () => {
    expect(userWrite('create', undefined, user({ active: false }))).toEqual(['created']);
  });

  it('a group created with members records created only, no membership events', () => {
    const events = eventsOf(
      {
        operation: 'create',
        resourceType: GroupResourceType,
        id: 'g1',
        previous: undefined,
        next: group(['u1']),
      },
      stamp(),
    );
    expect(events.map((event) => event.type)).toEqual(['created']);
  });
});

describe('eventsOf: replace and patch record updated only when the resource changed', () => {
  it('a PATCH with changes records updated, carrying the changes and both states', () => {
    const previous = user({ title: 'Guide' });
    const next = user({ title: 'Lead' }, 'W/"2"');
    const changes: AttributeChange[] = [{ path: 'title', kind: 'set', value: 'Lead' }];
    const [event] = eventsOf(
      { operation: 'patch', resourceType: UserResourceType, id: 'u1', previous, next, changes },
      stamp(),
    );
    expect(event).toMatchObject({
      type: 'updated',
      operation: 'patch',
      resource: next,
      previous,
      changes,
    });
  });

  it('a PATCH that changed nothing records no event', () => {
    expect(
      userWrite('patch', user({ title: 'Guide' }), user({ title: 'Guide' }, 'W/"2"'), []),
    ).toEqual([]);
  });

  it('a PUT that changed an attribute records updated', () => {
    expect(
      userWrite('replace', user({ title: 'Guide' }), user({ title: 'Lead' }, 'W/"2"')),
    ).toEqual(['updated']);
  });

  it('a PUT that rewrote the same resource records nothing: meta alone is no change', () => {
    expect(
      userWrite('replace', user({ title: 'Guide' }), user({ title: 'Guide' }, 'W/"2"')),
    ).toEqual([]);
  });
});

describe('eventsOf: exactly one deprovisioning event per deactivation or deletion (RFC 7643 §4.1.1)', () => {
  const deprovisioning = (types: LifecycleEventType[]) =>
    types.filter((type) => type === 'deactivated' || type === 'deleted');

  it('PATCH replace active false → updated, deactivated', () => {
    const types = userWrite(
      'patch',
      user({ active: true }),
      user({ active: false }, 'W/"2"'),
      setActive(false),
    );
    expect(types).toEqual(['updated', 'deactivated']);
  });

  it('PATCH remove active → updated, deactivated', () => {
    const types = userWrite('patch', user({ active: true }), user({}, 'W/"2"'), [
      { path: 'active', kind: 'cleared' },
    ]);
    expect(types).toEqual(['updated', 'deactivated']);
  });

  it('PUT without active on an active user → updated, deactivated', () => {
    expect(userWrite('replace', user({ active: true }), user({}, 'W/"2"'))).toEqual([
      'updated',
      'deactivated',
    ]);
  });

  it('PUT active false → updated, deactivated', () => {
    expect(userWrite('replace', user({ active: true }), user({ active: false }, 'W/"2"'))).toEqual([
      'updated',
      'deactivated',
    ]);
  });

  it('active false on a user that never said → deactivated', () => {
    expect(deprovisioning(userWrite('replace', user(), user({ active: false }, 'W/"2"')))).toEqual([
      'deactivated',
    ]);
  });

  it('delete → deleted only, never also deactivated, with the last state as resource and previous', () => {
    const last = user({ active: true });
    const events = eventsOf(
      {
        operation: 'delete',
        resourceType: UserResourceType,
        id: 'u1',
        previous: last,
        next: undefined,
      },
      stamp(),
    );
    expect(events.map((event) => event.type)).toEqual(['deleted']);
    expect(events[0]).toMatchObject({ resource: last, previous: last, operation: 'delete' });
  });

  it('no deactivated when active was already false', () => {
    const types = userWrite(
      'patch',
      user({ active: false }),
      user({ active: false, title: 'x' }, 'W/"2"'),
      [{ path: 'title', kind: 'set', value: 'x' }],
    );
    expect(types).toEqual(['updated']);
  });

  it('no deactivated when active false is removed (it was already off)', () => {
    expect(userWrite('replace', user({ active: false }), user({}, 'W/"2"'))).toEqual(['updated']);
  });
});

describe('eventsOf: reactivation', () => {
  it('active false → true records updated, reactivated', () => {
    expect(
      userWrite('patch', user({ active: false }), user({ active: true }, 'W/"2"'), setActive(true)),
    ).toEqual(['updated', 'reactivated']);
  });

  it('active absent (after a removal) → true records reactivated', () => {
    expect(userWrite('replace', user(), user({ active: true }, 'W/"2"'))).toEqual([
      'updated',
      'reactivated',
    ]);
  });

  it('active true → true records no reactivated', () => {
    const types = userWrite(
      'replace',
      user({ active: true }),
      user({ active: true, title: 'x' }, 'W/"2"'),
    );
    expect(types).toEqual(['updated']);
  });

  it('isDeactivation and isReactivation never both hold', () => {
    const states = [user(), user({ active: true }), user({ active: false })];
    for (const previous of states)
      for (const next of states)
        expect(isDeactivation(previous, next) && isReactivation(previous, next)).toBe(false);
  });
});

describe('eventsOf: membership', () => {
  const groupWrite = (
    facts: Partial<WriteFacts> & Pick<WriteFacts, 'operation' | 'previous' | 'next'>,
  ) => eventsOf({ resourceType: GroupResourceType, id: 'g1', ...facts }, stamp());

  it('a PATCH adding and removing members records membersAdded and membersRemoved with the member values, and no updated', () => {
    const previous = group(['u1', 'u2']);
    const next = group(['u2', 'u3']);
    const changes: AttributeChange[] = [
      { path: 'members', kind: 'values', added: [{ value: 'u3' }], removed: [{ value: 'u1' }] },
    ];
    const events = groupWrite({ operation: 'patch', previous, next, changes });
    // The same events as the store-level path (modifyMembers), which never sees the whole group.
    expect(events.map((event) => [event.type, event.members])).toEqual([
      ['membersAdded', ['u3']],
      ['membersRemoved', ['u1']],
    ]);
  });

  it('a PATCH changing members and displayName records updated as well', () => {
    const previous = group(['u1']);
    const next = { ...group(['u1', 'u2']), displayName: 'Renamed' };
    const changes: AttributeChange[] = [
      { path: 'members', kind: 'values', added: [{ value: 'u2' }], removed: [] },
      { path: 'displayName', kind: 'set', value: 'Renamed' },
    ];
    const events = groupWrite({ operation: 'patch', previous, next, changes });
    expect(events.map((event) => event.type)).toEqual(['updated', 'membersAdded']);
  });

  it('membership events carry no resource, only the member values', () => {
    const events = groupWrite({ operation: 'replace', previous: group([]), next: group(['u1']) });
    const added = events.find((event) => event.type === 'membersAdded');
    expect(added).toBeDefined();
    expect(added).not.toHaveProperty('resource');
    expect(added).not.toHaveProperty('previous');
  });

  it('member values the write pipeline passes win over comparing members', () => {
    const events = groupWrite({
      operation: 'patch',
      previous: group(['u1']),
      next: group(['u1']),
      changes: [],
      membersAdded: ['u9'],
    });
    expect(events.map((event) => [event.type, event.members])).toEqual([['membersAdded', ['u9']]]);
  });

  it('a cascade (a deleted user leaving a group, P-CRUD-17) records membersRemoved on the group only', () => {
    const events = groupWrite({
      operation: 'cascade',
      previous: group(['u1', 'u2']),
      next: group(['u2']),
    });
    expect(events).toEqual([
      expect.objectContaining({
        type: 'membersRemoved',
        operation: 'cascade',
        resourceType: 'Group',
        resourceId: 'g1',
        members: ['u1'],
      }),
    ]);
  });

  it('each event of a write gets its own id from newId (the idempotency key)', () => {
    const events = groupWrite({
      operation: 'replace',
      previous: group(['u1']),
      next: { ...group(['u2']), displayName: 'Renamed' },
    });
    expect(events.map((event) => event.id)).toEqual(['e1', 'e2', 'e3']);
  });

  it("E-SET-06: every event of one write shares its changeId (the first event's id), for one txn", () => {
    const events = eventsOf(
      {
        operation: 'patch',
        resourceType: GroupResourceType,
        id: 'g1',
        previous: group(['u1']),
        next: { ...group(['u2']), displayName: 'Renamed' },
      },
      stamp(),
    );
    expect(events.length).toBeGreaterThan(1);
    expect(new Set(events.map((event) => event.changeId))).toEqual(new Set(['e1']));
    const again = eventsOf(
      {
        operation: 'create',
        resourceType: UserResourceType,
        id: 'u9',
        previous: undefined,
        next: user(),
      },
      stamp(),
    );
    expect(again[0]?.changeId).toBe(again[0]?.id);
  });

  it('E-SET-07: membership events carry the version the write gave the group, from next or from the facts', () => {
    const rewritten = eventsOf(
      {
        operation: 'patch',
        resourceType: GroupResourceType,
        id: 'g1',
        previous: group(['u1']),
        next: { ...group(['u1', 'u2']), meta: { resourceType: 'Group', version: 'W/"7"' } },
      },
      stamp(),
    );
    expect(rewritten.map((event) => [event.type, event.version])).toEqual([
      ['membersAdded', 'W/"7"'],
    ]);
    const asRows = eventsOf(
      {
        operation: 'patch',
        resourceType: GroupResourceType,
        id: 'g1',
        previous: undefined,
        next: undefined,
        membersAdded: ['u2'],
        version: 'W/"8"',
      },
      stamp(),
    );
    expect(asRows.map((event) => [event.type, event.version])).toEqual([['membersAdded', 'W/"8"']]);
  });

  it('a deleted event carries no version: nothing was written after it', () => {
    const events = eventsOf(
      {
        operation: 'delete',
        resourceType: UserResourceType,
        id: 'u1',
        previous: user(),
        next: undefined,
      },
      stamp(),
    );
    expect(events.map((event) => [event.type, 'version' in event])).toEqual([['deleted', false]]);
  });
});

describe('eventsOf: no secret in an event (RFC 7643 §4.1.1: the password is never returned)', () => {
  const hashed = (n: number) => user({ password: `$pbkdf2-sha256$hash${n}` }, `W/"${n}"`);

  it('a PATCH that sets a password records the change with its value redacted, never the cleartext', () => {
    const changes: AttributeChange[] = [{ path: 'password', kind: 'set', value: 't1meMa$heen' }];
    const [event] = eventsOf(
      {
        operation: 'patch',
        resourceType: UserResourceType,
        id: 'u1',
        previous: hashed(1),
        next: hashed(2),
        changes,
      },
      stamp(),
    );
    expect(event?.type).toBe('updated');
    expect(event?.changes).toEqual([{ path: 'password', kind: 'set', value: '[redacted]' }]);
  });

  it('the states an event carries leave the stored password hash out', () => {
    const events = eventsOf(
      {
        operation: 'replace',
        resourceType: UserResourceType,
        id: 'u1',
        previous: hashed(1),
        next: hashed(2),
      },
      stamp(),
    );
    expect(events.map((event) => event.type)).toEqual(['updated']);
    expect(JSON.stringify(events)).not.toContain('pbkdf2');
  });
});
