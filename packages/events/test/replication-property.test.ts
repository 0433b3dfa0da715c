// Convergence as a property: any sequence of writes on A, its SETs delivered to B in any order that
// keeps each subject's order (what RFC 8935 push per subject and RFC 8936 poll give), with SETs sent
// again, late and under new jtis anywhere after their first delivery, leaves B holding what A holds.
import fc from 'fast-check';
import { decodeJwt } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';
import type { SetClaims } from '../src/lib/claims.ts';
import type { ReceiveResult } from '../src/lib/receiver.ts';
import { createResourceSource } from '../src/lib/receiver-source.ts';
import { signSet } from '../src/lib/sign.ts';
import { G, PATCH, U } from './fixtures/event-server.ts';
import { testReceiver } from './fixtures/received-sets.ts';
import {
  A_BASE,
  addStream,
  expectedReplica,
  manualClock,
  startTransmitter,
  stopAll,
  storedResources,
  type Transmitter,
} from './fixtures/replication.ts';

afterEach(stopAll);

const SLOTS = 3;
const slot = fc.integer({ min: 0, max: SLOTS - 1 });
const slots = fc.uniqueArray(slot, { maxLength: SLOTS });

/** One write on A, naming resources by slot; a write on an empty slot is skipped. */
type Command =
  | { readonly kind: 'createUser'; readonly user: number }
  | {
      readonly kind: 'patchUser';
      readonly user: number;
      readonly title: string;
      readonly active: boolean;
    }
  | { readonly kind: 'putUser'; readonly user: number; readonly title: string }
  | { readonly kind: 'deleteUser'; readonly user: number }
  | { readonly kind: 'createGroup'; readonly group: number; readonly members: readonly number[] }
  | {
      readonly kind: 'patchMembers';
      readonly group: number;
      readonly add: readonly number[];
      readonly remove: readonly number[];
    }
  | { readonly kind: 'putGroup'; readonly group: number; readonly members: readonly number[] }
  | { readonly kind: 'deleteGroup'; readonly group: number };

const title = fc.constantFrom('Guide', 'Lead', 'Intern');
const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('createUser' as const), user: slot }),
  fc.record({ kind: fc.constant('patchUser' as const), user: slot, title, active: fc.boolean() }),
  fc.record({ kind: fc.constant('putUser' as const), user: slot, title }),
  fc.record({ kind: fc.constant('deleteUser' as const), user: slot }),
  fc.record({ kind: fc.constant('createGroup' as const), group: slot, members: slots }),
  fc.record({ kind: fc.constant('patchMembers' as const), group: slot, add: slots, remove: slots }),
  fc.record({ kind: fc.constant('putGroup' as const), group: slot, members: slots }),
  fc.record({ kind: fc.constant('deleteGroup' as const), group: slot }),
);
/** Every slot filled first, so that most random writes find their resource. */
const PRELUDE: readonly Command[] = [
  ...Array.from({ length: SLOTS }, (_, user): Command => ({ kind: 'createUser', user })),
  { kind: 'createGroup', group: 0, members: [0, 1] },
  { kind: 'createGroup', group: 1, members: [2] },
];
const commands = fc
  .array(command, { minLength: 4, maxLength: 20 })
  .map((random) => [...PRELUDE, ...random]);

/** Runs the commands on A; each write gets its own second when `tick` moves A's clock. */
async function run(a: Transmitter, script: readonly Command[], tick: () => void): Promise<void> {
  const users: (string | undefined)[] = [];
  const groups: (string | undefined)[] = [];
  let serial = 0;
  const members = (chosen: readonly number[]) =>
    chosen.flatMap((index) => (users[index] === undefined ? [] : [{ value: users[index] }]));
  const write = async (method: string, path: string, body?: unknown) => {
    tick();
    const answer = await a.call(method, path, body);
    expect(answer.status, `${method} ${path} ${JSON.stringify(answer.body)}`).toBeLessThan(300);
    return answer.body.id as string | undefined;
  };
  for (const step of script) {
    serial += 1;
    const user = 'user' in step ? users[step.user] : undefined;
    const group = 'group' in step ? groups[step.group] : undefined;
    switch (step.kind) {
      case 'createUser':
        if (user === undefined)
          users[step.user] = await write('POST', '/Users', {
            schemas: [U],
            userName: `u${serial}`,
            active: true,
          });
        break;
      case 'patchUser':
        if (user !== undefined)
          await write('PATCH', `/Users/${user}`, {
            schemas: [PATCH],
            Operations: [
              { op: 'replace', path: 'title', value: step.title },
              { op: 'replace', path: 'active', value: step.active },
            ],
          });
        break;
      case 'putUser':
        if (user !== undefined)
          await write('PUT', `/Users/${user}`, {
            schemas: [U],
            userName: `u${serial}`,
            title: step.title,
          });
        break;
      case 'deleteUser':
        if (user !== undefined) await write('DELETE', `/Users/${user}`);
        users[step.user] = undefined;
        break;
      case 'createGroup':
        if (group === undefined)
          groups[step.group] = await write('POST', '/Groups', {
            schemas: [G],
            displayName: `g${serial}`,
            members: members(step.members),
          });
        break;
      case 'patchMembers': {
        const remove = step.remove.filter((index) => !step.add.includes(index));
        const operations = [
          ...(members(step.add).length > 0
            ? [{ op: 'add', path: 'members', value: members(step.add) }]
            : []),
          ...members(remove).map(({ value }) => ({
            op: 'remove',
            path: `members[value eq "${value}"]`,
          })),
        ];
        if (group !== undefined && operations.length > 0)
          await write('PATCH', `/Groups/${group}`, { schemas: [PATCH], Operations: operations });
        break;
      }
      case 'putGroup':
        if (group !== undefined)
          await write('PUT', `/Groups/${group}`, {
            schemas: [G],
            displayName: `g${serial}`,
            members: members(step.members),
          });
        break;
      case 'deleteGroup':
        if (group !== undefined) await write('DELETE', `/Groups/${group}`);
        groups[step.group] = undefined;
        break;
    }
  }
}

/**
 * Delivers A's SETs (queued for poll stream `p`, oldest first): the next SET of a subject the
 * generator picks, or a SET delivered before, again as it was or re-signed under a new jti, as
 * another stream or a retry would bring it.
 */
async function deliver(
  a: Transmitter,
  receive: (token: string) => Promise<ReceiveResult>,
  pick: fc.GeneratorValue,
): Promise<ReceiveResult[]> {
  const queued = await a.queue.list('p');
  const lanes = new Map<string, string[]>();
  for (const set of queued)
    lanes.set(set.subject, [...(lanes.get(set.subject) ?? []), set.payload]);
  const order = queued.map((set) => set.subject);
  const delivered: string[] = [];
  const results: ReceiveResult[] = [];
  while (order.length > 0) {
    const choice = pick(fc.integer, { min: 0, max: 9 });
    if (choice >= 8 && delivered.length > 0) {
      const earlier = delivered[pick(fc.integer, { min: 0, max: delivered.length - 1 })] as string;
      const claims = decodeJwt(earlier) as unknown as SetClaims;
      const token =
        choice === 8
          ? earlier
          : await signSet({ ...claims, jti: `${claims.jti}-${results.length}` }, a.keys.active);
      results.push(await receive(token));
      continue;
    }
    const at = pick(fc.integer, { min: 0, max: order.length - 1 });
    const [subject] = order.splice(at, 1);
    const token = lanes.get(subject as string)?.shift() as string;
    delivered.push(token);
    results.push(await receive(token));
  }
  return results;
}

async function converges(
  a: Transmitter,
  stores: Awaited<ReturnType<typeof testReceiver>>['storage'],
) {
  expect(await storedResources(stores)).toEqual(await expectedReplica(a));
}

describe('replication converges (property)', () => {
  it('with a source: any per-subject-ordered delivery, with repeats and late copies, leaves B equal to A', async () => {
    await fc.assert(
      fc.asyncProperty(commands, fc.gen(), async (script, pick) => {
        try {
          // A's clock as a real one goes: writes a fraction of a second apart, or in the same ms.
          const clock = manualClock();
          const a = await startTransmitter({ now: clock.now });
          await addStream(a, 'p', 'poll');
          const b = await testReceiver({
            source: createResourceSource({
              baseUrl: A_BASE,
              fetch: (request) => a.handler.fetch(request),
            }),
          });
          await run(a, script, () => clock.advance(pick(fc.integer, { min: 0, max: 999 })));
          const results = await deliver(a, (token) => b.receiver.receive(token), pick);
          expect(
            results.filter((result) => result.status === 'failed' || result.status === 'refused'),
          ).toEqual([]);
          await converges(a, b.storage);
        } finally {
          await stopAll();
        }
      }),
      { numRuns: 30 },
    );
  });

  it('without a source, every type in full mode: any per-subject-ordered delivery, with repeats and late copies, leaves B equal to A', async () => {
    await fc.assert(
      fc.asyncProperty(commands, fc.gen(), async (script, pick) => {
        try {
          const clock = manualClock();
          const a = await startTransmitter({ now: clock.now });
          await addStream(a, 'p', 'poll', { Group: 'full' });
          const b = await testReceiver();
          await run(a, script, () => clock.advance(1_000));
          const results = await deliver(a, (token) => b.receiver.receive(token), pick);
          expect(
            results.filter((result) => result.status === 'failed' || result.status === 'refused'),
          ).toEqual([]);
          await converges(a, b.storage);
        } finally {
          await stopAll();
        }
      }),
      { numRuns: 30 },
    );
  });
});
