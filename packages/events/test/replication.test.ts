// Two servers over loopback HTTP: A publishes RFC 9967 SETs of every write, B receives them (pushed,
// RFC 8935, or polled, RFC 8936) and applies them to its own storage. After a sequence of creates,
// PATCHes (a deactivation, member changes), PUTs and DELETEs of users and groups on A, B holds what A
// holds: the same resources with the same ids, versions and times, no password, and its own
// meta.location. Then with B failing for a while: what was redelivered or arrives late changes
// nothing once B has caught up.
import { decodeJwt } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import type { SetClaims } from '../src/lib/claims.ts';
import { signSet } from '../src/lib/sign.ts';
import { bj, G, PATCH, setActive, U } from './fixtures/event-server.ts';
import {
  A_BASE,
  addStream,
  B_BASE,
  drainPush,
  expectedReplica,
  httpSource,
  manualClock,
  startReplica,
  startTransmitter,
  stopAll,
  storedResources,
  TOKEN,
  type Fault,
  type Replica,
  type Transmitter,
} from './fixtures/replication.ts';

afterEach(stopAll);

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/**
 * The writes on A: users and groups created, patched (a rename, a deactivation and reactivation,
 * members added and removed by value filter, on the fast member path and the general one), replaced
 * (a group's members with it) and deleted (a user still in a group, whose membership goes with it).
 * `tick` runs before each write.
 */
async function provision(a: Transmitter, tick: () => void = () => undefined): Promise<void> {
  const write = async (method: string, path: string, body?: unknown) => {
    tick();
    const answer = await a.call(method, path, body);
    expect(answer.status, `${method} ${path}`).toBeLessThan(300);
    return String(answer.body.id);
  };
  const u1 = await write('POST', '/Users', bj('bjensen'));
  const u2 = await write('POST', '/Users', bj('jsmith'));
  const u3 = await write('POST', '/Users', {
    ...bj('mpepper'),
    schemas: [U, ENTERPRISE],
    [ENTERPRISE]: { employeeNumber: '701984', department: 'Tour Operations' },
  });
  const g1 = await write('POST', '/Groups', {
    schemas: [G],
    displayName: 'Tour Guides',
    members: [{ value: u1 }, { value: u2 }],
  });
  const g2 = await write('POST', '/Groups', {
    schemas: [G],
    displayName: 'Leads',
    members: [{ value: g1 }, { value: u3 }],
  });
  await write('PATCH', `/Users/${u1}`, {
    schemas: [PATCH],
    Operations: [
      { op: 'replace', path: 'name.givenName', value: 'Babs' },
      { op: 'add', path: 'emails', value: [{ value: 'babs@jensen.org', type: 'home' }] },
    ],
  });
  await write('PATCH', `/Users/${u2}`, setActive(false));
  await write('PATCH', `/Groups/${g1}`, {
    schemas: [PATCH],
    Operations: [
      { op: 'add', path: 'members', value: [{ value: u3 }] },
      { op: 'remove', path: `members[value eq "${u1}"]` },
    ],
  });
  await write('PATCH', `/Groups/${g1}`, {
    schemas: [PATCH],
    Operations: [
      { op: 'replace', path: 'displayName', value: 'Guides' },
      { op: 'add', path: 'members', value: [{ value: u1 }] },
    ],
  });
  await write('PUT', `/Users/${u3}`, {
    schemas: [U, ENTERPRISE],
    userName: 'mpepper2',
    name: { givenName: 'Mary', familyName: 'Pepper' },
    title: 'Lead',
    [ENTERPRISE]: { employeeNumber: '701985' },
  });
  await write('PUT', `/Groups/${g2}`, {
    schemas: [G],
    displayName: 'Team Leads',
    members: [{ value: u1 }, { value: u3 }],
  });
  await write('PATCH', `/Users/${u2}`, setActive(true));
  await write('DELETE', `/Users/${u2}`);
  await write('DELETE', `/Groups/${g2}`);
  await write('POST', '/Users', bj('kwan'));
  await write('PATCH', `/Users/${u1}`, setActive(false));
}

/** B holds what A holds; and its API answers what A's does, in B's own URLs. */
async function expectConverged(a: Transmitter, b: Replica): Promise<void> {
  const replica = await storedResources(b.storage);
  expect(replica).toEqual(await expectedReplica(a));
  expect(replica.User?.length).toBeGreaterThan(2);
  for (const resource of replica.User ?? []) expect(resource).not.toHaveProperty('password');
  for (const path of ['/Users', '/Groups']) {
    const fromA = await (await a.handler.fetch(new Request(`${A_BASE}${path}`))).text();
    const fromB = await (await b.handler.fetch(new Request(`${B_BASE}${path}`))).text();
    // Without sortBy a list comes in store order, which is the order of arrival on B.
    expect(byId(fromB)).toEqual(byId(fromA.replaceAll(A_BASE, B_BASE)));
  }
}

/**
 * A tick for A's clock as a busy server's would go: some writes in the same second, some in the
 * next, none on a whole second. Copies read back from A match it to the millisecond all the same.
 */
function subSecond(clock: ReturnType<typeof manualClock>): () => void {
  let writes = 0;
  return () => clock.advance(137 + 211 * (writes++ % 3));
}

function byId(listResponse: string) {
  const body = JSON.parse(listResponse) as { Resources: { id: string }[] };
  return { ...body, Resources: body.Resources.sort((x, y) => x.id.localeCompare(y.id)) };
}

/** Polls until a poll brings nothing and A says there is no more. */
async function pollUntilEmpty(a: Transmitter, b: Replica, streamId: string) {
  const results = [];
  for (let round = 0; round < 100; round++) {
    await a.handler.deliverDue();
    const result = await b.receiver.pollOnce({
      url: `${a.http.url}/poll/${streamId}`,
      authorization: `Bearer ${TOKEN}`,
      maxEvents: 4,
    });
    expect(result.ok, result.error).toBe(true);
    results.push(result);
    if (Object.keys(result.results).length === 0 && !result.moreAvailable) return results;
  }
  throw new Error('The poll stream did not drain');
}

describe('replication by push (RFC 8935)', () => {
  it('B converges on A: users from the SETs’ data (PatchOps applied), groups (notice) read back from A', async () => {
    // A PatchOp carries no lastModified, so a copy patched from one takes the SET's toe, whole
    // seconds: A's clock moves a whole second per write, so that the copies match to the millisecond.
    const clock = manualClock();
    const a = await startTransmitter({ now: clock.now });
    const b = await startReplica(a, { refresh: 'notice' });
    await addStream(a, 'b', { push: b.pushUrl });
    await provision(a, () => clock.advance(1_000));
    await drainPush(a, a.deliverer(), 'b');
    await expectConverged(a, b);
  });

  it('without a source, every resource type in full mode: B converges from the SETs alone', async () => {
    const clock = manualClock();
    const a = await startTransmitter({ now: clock.now });
    const b = await startReplica(a, { source: false });
    await addStream(a, 'b', { push: b.pushUrl }, { Group: 'full' });
    await provision(a, () => clock.advance(1_000));
    // Subjects side by side (the deliverer's default concurrency): a member added by a PatchOp may
    // reach B before the member's own create, and is typed once the member is there.
    await drainPush(a, a.deliverer(), 'b');
    await expectConverged(a, b);
  });

  it('E-DELIV-02 (retry on network errors and 5xx): B answering 500, cutting connections, timing out and losing 202s for a while, then recovering, converges', async () => {
    const clock = manualClock();
    const a = await startTransmitter({ now: clock.now });
    const b = await startReplica(a);
    const faults: readonly Fault[] = [
      { status: 500 },
      'destroy',
      'lose-answer',
      { status: 503 },
      'hang',
      'lose-answer',
      { status: 500 },
      'destroy',
    ];
    b.http.fault((index) => faults[index] ?? (index % 7 === 3 ? 'lose-answer' : 'pass'));
    await addStream(a, 'b', { push: b.pushUrl });
    await provision(a, subSecond(clock));
    await drainPush(a, a.deliverer(), 'b');
    expect(b.http.bodies.length).toBeGreaterThan(faults.length);
    await expectConverged(a, b);
  });

  it('redelivered and late SETs change nothing once B has caught up: as sent again, and re-signed under new jtis', async () => {
    const clock = manualClock();
    const a = await startTransmitter({ now: clock.now });
    const b = await startReplica(a);
    await addStream(a, 'b', { push: b.pushUrl });
    await provision(a, subSecond(clock));
    await drainPush(a, a.deliverer(), 'b');
    const sent = [...b.http.bodies].reverse();
    for (const token of sent)
      expect(await b.receiver.receive(token)).toMatchObject({
        status: 'skipped',
        reason: 'duplicate',
      });
    // The same changes as another stream would send them: new jtis, so the replay cache does not
    // know them; the subjects' state does (txn, time, tombstones).
    for (const token of sent) {
      const claims = decodeJwt(token) as unknown as SetClaims;
      const again = await signSet({ ...claims, jti: `${claims.jti}-again` }, a.keys.active);
      expect((await b.receiver.receive(again)).status).toBe('skipped');
    }
    await expectConverged(a, b);
  });
});

describe('replication by poll (RFC 8936)', () => {
  it('E-DELIV-03 (poll request and answer) and E-DELIV-04 (acknowledged SETs are not redelivered): B polls A and converges', async () => {
    const clock = manualClock();
    const a = await startTransmitter({ now: clock.now });
    const b = await startReplica(a);
    await addStream(a, 'p', 'poll');
    await provision(a, subSecond(clock));
    const polls = await pollUntilEmpty(a, b, 'p');
    expect(polls.length).toBeGreaterThan(2);
    const jtis = polls.flatMap((poll) => poll.acknowledged);
    expect(new Set(jtis).size).toBe(jtis.length);
    expect(await a.queue.list('p', { state: 'pending' })).toEqual([]);
    await expectConverged(a, b);
  });

  it('a SET that failed for now is not acknowledged, comes back once its lease ends, and is applied', async () => {
    const clock = manualClock();
    const a = await startTransmitter({ now: clock.now });
    const source = httpSource(a);
    let failures = 3;
    const b = await startReplica(a, {
      source: (request) =>
        failures-- > 0
          ? Promise.resolve({ status: 'unavailable', description: 'A is restarting' })
          : source(request),
    });
    await addStream(a, 'p', 'poll');
    await provision(a, subSecond(clock));
    const first = await pollUntilEmpty(a, b, 'p');
    const retried = first.flatMap((poll) => poll.retry);
    expect(retried).toHaveLength(3);
    expect(first.flatMap((poll) => poll.acknowledged)).not.toContain(retried[0]);
    a.pollClock.advance(61_000);
    const second = await pollUntilEmpty(a, b, 'p');
    expect(second.flatMap((poll) => poll.acknowledged)).toEqual(expect.arrayContaining(retried));
    await expectConverged(a, b);
  });
});
