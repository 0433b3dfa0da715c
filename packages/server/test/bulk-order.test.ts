import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BulkOrder, type Verdict } from '../src/lib/bulk/bulk-order.js';
import { server, U } from './helpers.js';

const BQ = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

type Result = Record<string, unknown> & { status: string };

/** Operation i refers to the bulkId of operation i + 1, so each must wait for the next. */
function reverseChain(length: number, ballast: number) {
  return Array.from({ length }, (_, i) => ({
    method: 'POST',
    path: '/Users',
    bulkId: `u${i}`,
    data: {
      schemas: [U],
      userName: `u${i}`,
      // An unknown attribute the reference walk must read and the validator then drops.
      ...(ballast > 0 ? { ballast: Array.from({ length: ballast }, (_, j) => j) } : {}),
      ...(i + 1 < length ? { nickName: `bulkId:u${i + 1}` } : {}),
    },
  }));
}

describe('bulkId resolution is linear (issue 11)', () => {
  it('P-BULK-14: a 1,000-operation reverse chain, each operation carrying 2,000 values, looks at each operation once, last first', async () => {
    // Rescanning the waiting operations after each one ran (the quadratic loop this replaced) walks
    // about 1,000 x 500 x 2,000 values here (half a minute or more, past the timeout); looking at
    // each once walks 2,000,000, a few seconds with the requests themselves.
    const length = 1_000;
    const { call } = server({
      limits: { bulkMaxOperations: length, bulkMaxPayloadSize: 16_000_000 },
    });
    const reply = await call('POST', '/Bulk', {
      schemas: [BQ],
      Operations: reverseChain(length, 2_000),
    });
    const results = reply.body.Operations as Result[];
    expect(results.map((result) => result.bulkId)).toEqual(
      Array.from({ length }, (_, i) => `u${length - 1 - i}`),
    );
    expect(results.every((result) => result.status === '201')).toBe(true);
    const first = (await call('GET', '/Users?filter=userName eq "u0"')).body.Resources?.[0];
    const second = (await call('GET', '/Users?filter=userName eq "u1"')).body.Resources?.[0];
    expect(first?.nickName).toBe(second?.id);
  }, 15_000);
});

/** An operation as the scheduler sees it: the bulkIds it refers to, and the one its POST defines. */
interface Model {
  readonly references: readonly string[];
  readonly bulkId: string | undefined;
}

type Step = readonly [index: number, verdict: Verdict['kind']];

/** The algorithm BulkOrder replaces: visit every waiting operation in request order, until stuck. */
function naive(operations: readonly Model[], fails: ReadonlySet<number>): Step[] {
  const declared = new Set(
    operations.flatMap((op) => (op.bulkId === undefined ? [] : [op.bulkId])),
  );
  const created = new Set<string>();
  const failed = new Set<string>();
  const steps: Step[] = [];
  const pending = operations.map((_, index) => index);
  let progress = true;
  while (pending.length > 0 && progress) {
    progress = false;
    for (let i = 0; i < pending.length;) {
      const index = pending[i] as number;
      const operation = operations[index] as Model;
      const waiting = operation.references.filter((id) => !created.has(id));
      const missing = waiting.some((id) => !declared.has(id));
      const broken = waiting.some((id) => failed.has(id));
      if (!missing && !broken && waiting.length > 0) {
        i += 1;
        continue;
      }
      pending.splice(i, 1);
      progress = true;
      const kind = missing ? 'missing' : broken ? 'failed' : 'run';
      steps.push([index, kind]);
      if (operation.bulkId !== undefined) {
        if (kind === 'run' && !fails.has(index)) created.add(operation.bulkId);
        else failed.add(operation.bulkId);
      }
    }
  }
  return steps;
}

function scheduled(operations: readonly Model[], fails: ReadonlySet<number>) {
  const declared = new Set(
    operations.flatMap((op) => (op.bulkId === undefined ? [] : [op.bulkId])),
  );
  const indexed = operations.map((operation, index) => ({ ...operation, index }));
  const order = new BulkOrder(indexed, declared);
  const steps: Step[] = [];
  for (let next = order.next(); next !== undefined; next = order.next()) {
    const { operation, verdict } = next;
    steps.push([operation.index, verdict.kind]);
    if (operation.bulkId !== undefined)
      order.settle(operation.bulkId, verdict.kind === 'run' && !fails.has(operation.index));
  }
  return { steps, unreached: order.unreached().map((operation) => operation.index) };
}

describe('the order bulk operations run in', () => {
  it('P-BULK-14/P-BULK-15/P-BULK-16: operations run in the order the pass-by-pass algorithm gives, for any references', () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'nope'];
    const operation = fc.record({
      references: fc.uniqueArray(fc.constantFrom(...names), { maxLength: 3 }),
      defines: fc.boolean(),
    });
    fc.assert(
      fc.property(
        fc.array(operation, { maxLength: 12 }),
        fc.array(fc.nat({ max: 11 }), { maxLength: 4 }),
        (raw, failing) => {
          // Each of a..f is defined at most once, by the first operation that asks to define one.
          const unused = names.slice(0, 6);
          const operations: Model[] = raw.map((op) => ({
            references: op.references,
            bulkId: op.defines ? unused.shift() : undefined,
          }));
          const fails = new Set(failing);
          const expected = naive(operations, fails);
          const { steps, unreached } = scheduled(operations, fails);
          expect(steps).toEqual(expected);
          const reached = new Set(steps.map(([index]) => index));
          expect(unreached).toEqual(
            operations.map((_, index) => index).filter((index) => !reached.has(index)),
          );
        },
      ),
      { numRuns: 2_000 },
    );
  });

  it('P-BULK-14: each operation is looked at once, however long the chain', () => {
    const length = 50_000;
    let reads = 0;
    const operations = Array.from({ length }, (_, i) => ({
      index: i,
      bulkId: `b${i}`,
      get references() {
        reads++;
        return i + 1 < length ? [`b${i + 1}`] : [];
      },
    }));
    const order = new BulkOrder(operations, new Set(operations.map((op) => op.bulkId)));
    const ran: number[] = [];
    for (let next = order.next(); next !== undefined; next = order.next()) {
      ran.push(next.operation.index);
      order.settle(next.operation.bulkId, true);
    }
    expect(ran).toEqual(Array.from({ length }, (_, i) => length - 1 - i));
    // Once when the request is read, once when the operation's turn comes.
    expect(reads).toBe(2 * length);
  });
});
