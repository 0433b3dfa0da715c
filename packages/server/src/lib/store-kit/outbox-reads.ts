// Outbox reads (when the storage has an outbox): `list` newest first, `list` of one request and
// `list` of one event, which a console uses to show the latest deliveries, what one request changed
// and why a retry was refused.
import type { LifecycleEvent, OutboxListFilter, ScimOutbox } from '../lifecycle/outbox.js';
import { check, open, type StoreCase, type StoreConformanceOptions } from './kit.js';

/** An event of request `requestId`, each on a resource of its own (so none holds another back). */
function eventOf(name: string, requestId: string): LifecycleEvent {
  return {
    id: `${name}-${crypto.randomUUID()}`,
    type: 'created',
    resourceType: 'User',
    resourceId: name,
    operation: 'create',
    tenant: undefined,
    principal: 'store-kit',
    occurredAt: '2026-07-01T00:00:00.000Z',
    requestId,
  };
}

/**
 * The storage's outbox holding `a` … `e` appended in that order, one call each: `a`, `c` and `e`
 * of request `r1`, `b` and `d` of `r2`; `a`, `b` and `d` delivered.
 */
async function filled(kit: StoreConformanceOptions) {
  const { storage } = await open(kit);
  const outbox = storage.outbox;
  if (outbox === undefined) return undefined;
  const events = new Map<string, LifecycleEvent>();
  for (const [name, requestId] of [
    ['a', 'r1'],
    ['b', 'r2'],
    ['c', 'r1'],
    ['d', 'r2'],
    ['e', 'r1'],
  ] as const) {
    const event = eventOf(name, requestId);
    events.set(event.id, event);
    await outbox.append([event], new Date(0), { tenant: undefined });
  }
  for (const [id, event] of events)
    if (['a', 'b', 'd'].includes(event.resourceId)) await outbox.complete(id);
  return outbox;
}

/** What `list(filter)` reads, as the resource ids (`a` … `e`) in the order it answers. */
async function read(outbox: ScimOutbox, filter: OutboxListFilter): Promise<string> {
  return (await outbox.list(filter)).map((entry) => entry.event.resourceId).join('');
}

function expectRead(actual: string, expected: string, what: string): void {
  check(
    actual === expected,
    `${what}: expected ${expected || 'nothing'}, got ${actual || 'nothing'}`,
  );
}

export const outboxReadCases: readonly StoreCase[] = [
  [
    'SK-O-01',
    "list with order 'newest' reads in reverse append order, and its limit keeps the newest (outbox: passes without one)",
    async (kit) => {
      const outbox = await filled(kit);
      if (outbox === undefined) return;
      expectRead(await read(outbox, {}), 'abcde', 'list() (oldest first)');
      expectRead(
        await read(outbox, { order: 'oldest', limit: 2 }),
        'ab',
        "order 'oldest', limit 2",
      );
      expectRead(await read(outbox, { order: 'newest' }), 'edcba', "order 'newest'");
      expectRead(
        await read(outbox, { order: 'newest', limit: 2 }),
        'ed',
        "order 'newest', limit 2",
      );
      expectRead(
        await read(outbox, { state: 'delivered', order: 'newest', limit: 2 }),
        'db',
        "state 'delivered', order 'newest', limit 2",
      );
      expectRead(
        await read(outbox, { state: 'pending', order: 'newest' }),
        'ec',
        "state 'pending', order 'newest'",
      );
    },
  ],
  [
    'SK-O-02',
    'list with a requestId reads only the events of that request, with the other filters and either order (outbox: passes without one)',
    async (kit) => {
      const outbox = await filled(kit);
      if (outbox === undefined) return;
      expectRead(await read(outbox, { requestId: 'r1' }), 'ace', "requestId 'r1'");
      expectRead(await read(outbox, { requestId: 'r2' }), 'bd', "requestId 'r2'");
      expectRead(
        await read(outbox, { requestId: 'r1', order: 'newest', limit: 2 }),
        'ec',
        "requestId 'r1', order 'newest', limit 2",
      );
      expectRead(
        await read(outbox, { requestId: 'r1', state: 'delivered' }),
        'a',
        "requestId 'r1', state 'delivered'",
      );
      expectRead(await read(outbox, { requestId: 'r3' }), '', "requestId 'r3' (no such request)");
    },
  ],
  [
    'SK-O-05',
    'list with an id reads that event alone, with the other filters, and nothing for an id no event has (outbox: passes without one)',
    async (kit) => {
      const outbox = await filled(kit);
      if (outbox === undefined) return;
      const ids = new Map(
        (await outbox.list()).map((entry) => [entry.event.resourceId, entry.event.id]),
      );
      const idOf = (name: string) => ids.get(name) ?? name;
      expectRead(await read(outbox, { id: idOf('c') }), 'c', "the id of 'c'");
      expectRead(
        await read(outbox, { id: idOf('a'), state: 'delivered', order: 'newest', limit: 5 }),
        'a',
        "the id of 'a', state 'delivered'",
      );
      expectRead(
        await read(outbox, { id: idOf('c'), state: 'delivered' }),
        '',
        "the id of 'c' (pending), state 'delivered'",
      );
      expectRead(
        await read(outbox, { id: idOf('b'), requestId: 'r1' }),
        '',
        "the id of 'b' (request r2), requestId 'r1'",
      );
      expectRead(await read(outbox, { id: 'no-such-event' }), '', 'an id no event has');
      // An id from a URL can hold anything; no column holds U+0000, and no event has such an id.
      expectRead(await read(outbox, { id: 'a\u0000b' }), '', 'an id with U+0000');
      check(!(await outbox.retry('a\u0000b')), 'retry of an id with U+0000 answers false');
    },
  ],
];
