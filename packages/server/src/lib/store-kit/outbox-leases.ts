// Outbox leases (when the storage has an outbox): a delivery whose lease ran out while another claim
// took its event over finishes late, and its `complete` or `fail` must leave that other delivery's
// event alone, or a failure would count an attempt twice (and dead-letter an event early) and a
// retry time would hand the event to a third deliverer while the second still holds it.
import type { LifecycleEvent, OutboxEntry, ScimOutbox } from '../lifecycle/outbox.js';
import { check, open, type StoreCase, type StoreConformanceOptions } from './kit.js';

function eventOf(name: string): LifecycleEvent {
  return {
    id: `${name}-${crypto.randomUUID()}`,
    type: 'deactivated',
    resourceType: 'User',
    resourceId: `${name}-${crypto.randomUUID()}`,
    operation: 'patch',
    tenant: undefined,
    principal: 'store-kit',
    occurredAt: '2026-07-01T00:00:00.000Z',
    requestId: `${name}-request`,
  };
}

const at = (ms: number) => new Date(ms);

/** One event appended and claimed at 1 s, leased until 2 s: the first delivery's entry. */
async function claimedOnce(kit: StoreConformanceOptions, name: string) {
  const { storage } = await open(kit);
  const outbox = storage.outbox;
  if (outbox === undefined) return undefined;
  const event = eventOf(name);
  await outbox.append([event], at(0), { tenant: undefined });
  const first = await claimOne(outbox, event, 1000, 2000);
  return { outbox, event, first };
}

async function claimOne(
  outbox: ScimOutbox,
  event: LifecycleEvent,
  now: number,
  leaseUntil: number,
): Promise<OutboxEntry> {
  const claimed = await outbox.claim({ limit: 10, now: at(now), leaseUntil: at(leaseUntil) });
  const entry = claimed.find((each) => each.event.id === event.id);
  check(entry !== undefined, `claim at ${now} ms did not hand out the due event`);
  return entry;
}

async function stateOf(outbox: ScimOutbox, event: LifecycleEvent) {
  const entry = (await outbox.list({ id: event.id })).find((each) => each.event.id === event.id);
  check(entry !== undefined, 'the outbox no longer lists the event');
  return entry;
}

export const outboxLeaseCases: readonly StoreCase[] = [
  [
    'SK-O-03',
    'complete and fail under a lease another claim has taken over change nothing; the current lease settles the event (outbox: passes without one)',
    async (kit) => {
      const opened = await claimedOnce(kit, 'taken-over');
      if (opened === undefined) return;
      const { outbox, event, first } = opened;
      // The first lease ran out at 2 s; a second deliverer claims it at 3 s, until 5 s.
      const second = await claimOne(outbox, event, 3000, 5000);
      check(second.nextAttemptAt !== first.nextAttemptAt, 'the second claim kept the first lease');
      await outbox.fail(event.id, 'late failure', at(4000), first.nextAttemptAt);
      let now = await stateOf(outbox, event);
      check(
        now.state === 'pending' && now.attempts === 0 && now.nextAttemptAt === second.nextAttemptAt,
        `a late fail under the first lease changed the event: ${JSON.stringify(now)}`,
      );
      await outbox.complete(event.id, first.nextAttemptAt);
      now = await stateOf(outbox, event);
      check(now.state === 'pending', 'a late complete under the first lease delivered the event');
      await outbox.complete(event.id, second.nextAttemptAt);
      now = await stateOf(outbox, event);
      check(now.state === 'delivered', 'complete under the current lease did not deliver it');
    },
  ],
  [
    'SK-O-04',
    'a lease nobody took over still settles its event, late or not: a failure counts, a completion delivers (outbox: passes without one)',
    async (kit) => {
      const opened = await claimedOnce(kit, 'late-but-alone');
      if (opened === undefined) return;
      const { outbox, event, first } = opened;
      await outbox.fail(event.id, 'boom', at(2500), first.nextAttemptAt);
      let now = await stateOf(outbox, event);
      check(
        now.attempts === 1 && now.lastError === 'boom' && now.state === 'pending',
        `fail under the current lease was not recorded: ${JSON.stringify(now)}`,
      );
      // The failure's retry time replaced the lease: the same lease settles nothing more.
      await outbox.complete(event.id, first.nextAttemptAt);
      now = await stateOf(outbox, event);
      check(now.state === 'pending', 'complete under a lease its own failure ended delivered it');
      const retried = await claimOne(outbox, event, 2500, 3000);
      // Past the lease (3 s), with no other claim since: the completion still stands.
      await outbox.complete(event.id, retried.nextAttemptAt);
      now = await stateOf(outbox, event);
      check(now.state === 'delivered', 'complete under an unchallenged lease did not deliver it');
    },
  ],
];
