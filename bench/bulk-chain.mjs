// bulkId resolution through the full handler, for a 1,000-operation bulk whose operations form a
// reverse chain: operation i names operation i + 1 as its manager, so each must wait for the next
// and they run last first. Two measurements:
// 1. Resolution alone: the last operation is invalid, so the other 999 are answered 409 (their
//    reference failed) without being run; the time is what ordering and resolving costs.
// 2. The chain run for real, against the same operations in forward order (each names the one
//    before it, so each runs at once): the difference is what resolving the references adds.
// Run after `npm run build`:
//   node bench/bulk-chain.mjs [operations] [runs]
// It prints the best of several runs (the least disturbed by other work on the machine) and exits 1
// if an answer is wrong, if resolution alone takes 100 ms or more, or if the reverse chain takes 1.5
// times as long as the forward one or more (rescanning the waiting operations made it about 4 times).
import { createScimHandler } from '../packages/server/dist/index.js';
import { createMemoryStore } from '../packages/server/dist/memory.js';

const OPERATIONS = Number(process.argv[2] ?? 1_000);
const RUNS = Number(process.argv[3] ?? 9);
const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

/** Operation i names operation `manager(i)` as its manager, if there is one. */
function body(manager, invalid = -1) {
  const operations = Array.from({ length: OPERATIONS }, (_, i) => {
    const boss = manager(i);
    return {
      method: 'POST',
      path: '/Users',
      bulkId: `u${i}`,
      data: {
        schemas: [USER, ENTERPRISE],
        // userName is required: leaving it out makes that operation fail (400).
        ...(i === invalid ? {} : { userName: `chain.user.${i}@example.com` }),
        displayName: `Chain User ${i}`,
        active: true,
        [ENTERPRISE]: {
          employeeNumber: String(100_000 + i),
          ...(boss >= 0 && boss < OPERATIONS ? { manager: { value: `bulkId:u${boss}` } } : {}),
        },
      },
    };
  });
  return JSON.stringify({ schemas: [BULK], Operations: operations });
}

const reverse = body((i) => i + 1);
const forward = body((i) => i - 1);
const broken = body((i) => i + 1, OPERATIONS - 1);

/** Runs one bulk request on a fresh handler; `expected` counts results by status. */
async function run(text, expected = { 201: OPERATIONS }) {
  const handler = createScimHandler({
    stores: { User: createMemoryStore(), Group: createMemoryStore() },
    authenticate: () => ({ principal: 'bench' }),
    limits: { bulkMaxOperations: OPERATIONS, bulkMaxPayloadSize: 16 * 1_048_576 },
  });
  const started = performance.now();
  const response = await handler.fetch(
    new Request('https://bench.example/scim/v2/Bulk', {
      method: 'POST',
      headers: { 'content-type': 'application/scim+json' },
      body: text,
    }),
  );
  const result = await response.json();
  const elapsed = performance.now() - started;
  const counts = {};
  for (const op of result.Operations ?? []) counts[op.status] = (counts[op.status] ?? 0) + 1;
  if (response.status !== 200 || JSON.stringify(counts) !== JSON.stringify(expected))
    throw new Error(
      `${response.status}: ${JSON.stringify(counts)}, expected ${JSON.stringify(expected)}`,
    );
  return { elapsed, first: result.Operations[0].bulkId };
}

const best = (values) => Math.min(...values);

const brokenCounts = { 400: 1, 409: OPERATIONS - 1 };
// Warm up every shape, then alternate them so that background load affects them alike.
await run(forward);
await run(reverse);
await run(broken, brokenCounts);
const times = { forward: [], reverse: [], broken: [] };
let firstOfReverse;
for (let i = 0; i < RUNS; i++) {
  times.broken.push((await run(broken, brokenCounts)).elapsed);
  times.forward.push((await run(forward)).elapsed);
  const timed = await run(reverse);
  times.reverse.push(timed.elapsed);
  firstOfReverse = timed.first;
}
if (firstOfReverse !== `u${OPERATIONS - 1}`)
  throw new Error(`the reverse chain ran ${firstOfReverse} first, not u${OPERATIONS - 1}`);

const brokenMs = best(times.broken);
const reverseMs = best(times.reverse);
const forwardMs = best(times.forward);
const cost = reverseMs - forwardMs;
const perOperation = (ms) => `${((ms * 1000) / OPERATIONS).toFixed(0)} µs per operation`;
console.log(
  `bulk chain: ${OPERATIONS.toLocaleString('en')} POSTs in a reverse chain, best of ${RUNS} runs`,
);
console.log(
  `  resolution alone (the last POST fails, the other ${(OPERATIONS - 1).toLocaleString('en')} are answered 409 unrun): ${brokenMs.toFixed(1)} ms (limit 100 ms)`,
);
console.log(
  `  run for real: reverse chain ${reverseMs.toFixed(0)} ms (${perOperation(reverseMs)}), the same operations in forward order ${forwardMs.toFixed(0)} ms (${perOperation(forwardMs)}): resolving in reverse adds ${cost.toFixed(0)} ms (${(reverseMs / forwardMs).toFixed(2)}x, limit 1.5x)`,
);
if (brokenMs >= 100 || reverseMs >= 1.5 * forwardMs) {
  console.error('FAIL: bulkId resolution is not linear');
  process.exit(1);
}
