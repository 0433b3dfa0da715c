// Issue 12's contention target: member adds and user writes that race on one resource, through a
// store whose every call takes 3 ms (a database across a network), with no If-Match. Two runs:
// 1. 50 concurrent PATCHes each adding a different user to one group: all 50 must succeed and the
//    group must end with 50 members; the wall time and per-request times are printed.
// 2. One deactivation PATCH racing 10 other PATCHes of the same user, 10 rounds: the statuses seen,
//    and whether the user ends inactive every time (a lost deactivation is a security bug).
// Run after `npm run build` (it imports the built packages):
//   node bench/contention.mjs [--latency 3] [--adds 50] [--racers 10] [--rounds 10] [--check]
// It exits 0 whatever it measured; with --check, 1 when an add failed, a member is missing or a
// deactivation was lost.
import { parseArgs } from 'node:util';
import { createScimHandler } from '../packages/server/dist/index.js';
import * as memory from '../packages/server/dist/memory.js';

const { values: args } = parseArgs({
  options: {
    latency: { type: 'string', default: '3' },
    adds: { type: 'string', default: '50' },
    racers: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '10' },
    check: { type: 'boolean', default: false },
  },
});
const LATENCY_MS = Number(args.latency);
const ADDS = Number(args.adds);
const RACERS = Number(args.racers);
const ROUNDS = Number(args.rounds);

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
/** The memory store's own synchronous helpers, which are not store calls. */
const HELPERS = new Set(['constructor', 'size', 'clear']);

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * The store with every store call (the ScimStore methods it has, optional ones included) made to
 * wait `LATENCY_MS` before it runs: the time a request takes to reach a database. The gap between a
 * read and the write that follows it is then at least that long, as it would be over a network.
 */
function slow(store) {
  const wrapped = {};
  for (
    let object = store;
    object !== null && object !== Object.prototype;
    object = Object.getPrototypeOf(object)
  )
    for (const name of Object.getOwnPropertyNames(object)) {
      if (name in wrapped || HELPERS.has(name) || typeof store[name] !== 'function') continue;
      wrapped[name] = async (...parameters) => {
        await sleep(LATENCY_MS);
        return store[name](...parameters);
      };
    }
  return wrapped;
}

/**
 * A handler over slow memory stores: `createMemoryStorage` (stores that share a transaction) when
 * `@scim/server/memory` has it, else a `createMemoryStore` per resource type.
 */
function createHandler() {
  const authenticate = () => ({ principal: 'bench' });
  if (typeof memory.createMemoryStorage === 'function') {
    const storage = memory.createMemoryStorage();
    const stores = Object.fromEntries(
      Object.entries(storage.stores).map(([name, store]) => [name, slow(store)]),
    );
    return {
      kind: 'createMemoryStorage',
      handler: createScimHandler({ ...storage, stores, authenticate }),
    };
  }
  return {
    kind: 'createMemoryStore',
    handler: createScimHandler({
      stores: { User: slow(memory.createMemoryStore()), Group: slow(memory.createMemoryStore()) },
      authenticate,
    }),
  };
}

const { kind, handler } = createHandler();

async function call(method, path, body) {
  const started = performance.now();
  const response = await handler.fetch(
    new Request(`https://bench.example/scim/v2${path}`, {
      method,
      headers: { 'content-type': 'application/scim+json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    }),
  );
  const text = await response.text();
  return {
    status: response.status,
    body: text === '' ? undefined : JSON.parse(text),
    ms: performance.now() - started,
  };
}

async function create(path, body) {
  const { status, body: created } = await call('POST', path, body);
  if (status !== 201) throw new Error(`POST ${path}: ${status} ${JSON.stringify(created)}`);
  return created.id;
}

const patch = (...Operations) => ({ schemas: [PATCH_OP], Operations });
const percentile = (sorted, fraction) =>
  sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
const count = (statuses) => {
  const counts = {};
  for (const status of statuses) counts[status] = (counts[status] ?? 0) + 1;
  return Object.entries(counts)
    .map(([status, n]) => `${n}x ${status}`)
    .join(', ');
};
const succeeded = (status) => status === 200 || status === 204;
let failed = false;

console.log(
  `contention: every store call waits ${LATENCY_MS} ms (${kind}), no If-Match (Node ${process.version})`,
);

// 1. Concurrent member adds to one group.
const groupId = await create('/Groups', { schemas: [GROUP], displayName: 'Contended' });
const userIds = await Promise.all(
  Array.from({ length: ADDS }, (_, i) =>
    create('/Users', { schemas: [USER], userName: `member${i}`, active: true }),
  ),
);
const started = performance.now();
const adds = await Promise.all(
  userIds.map((value) =>
    call('PATCH', `/Groups/${groupId}`, patch({ op: 'add', path: 'members', value: [{ value }] })),
  ),
);
const wall = performance.now() - started;
const group = await call('GET', `/Groups/${groupId}`);
const members = group.body?.members?.length ?? 0;
const times = adds.map((add) => add.ms).sort((a, b) => a - b);
const ok = adds.filter((add) => succeeded(add.status)).length;
console.log(
  `  ${ADDS} concurrent member adds to one group: ${ok} of ${ADDS} succeeded (${count(adds.map((add) => add.status))}), ` +
    `the group has ${members} members; ${wall.toFixed(0)} ms in all, per request p50 ${percentile(times, 0.5).toFixed(0)} ms, ` +
    `p99 ${percentile(times, 0.99).toFixed(0)} ms`,
);
if (ok !== ADDS || members !== ADDS) {
  console.log(`  BELOW: all ${ADDS} adds must succeed and the group must have ${ADDS} members`);
  failed = true;
}

// 2. A deactivation racing other writes to the same user.
const statuses = { deactivation: [], others: [] };
let lost = 0;
let raceMs = 0;
for (let round = 0; round < ROUNDS; round++) {
  const id = await create('/Users', {
    schemas: [USER],
    userName: `racer${round}`,
    active: true,
    title: 'Start',
  });
  const path = `/Users/${id}`;
  const roundStarted = performance.now();
  // The deactivation goes out in the middle of the others, so that some start before it, some after.
  const requests = Array.from({ length: RACERS }, (_, i) =>
    call('PATCH', path, patch({ op: 'replace', path: 'title', value: `Title ${i}` })),
  );
  requests.splice(
    RACERS / 2,
    0,
    call('PATCH', path, patch({ op: 'replace', path: 'active', value: false })),
  );
  const answers = await Promise.all(requests);
  raceMs += performance.now() - roundStarted;
  const [deactivation] = answers.splice(RACERS / 2, 1);
  statuses.deactivation.push(deactivation.status);
  statuses.others.push(...answers.map((answer) => answer.status));
  const final = await call('GET', path);
  if (final.body?.active !== false) lost++;
}
console.log(
  `  1 deactivation racing ${RACERS} other PATCHes of the same user, ${ROUNDS} rounds: ` +
    `deactivation ${count(statuses.deactivation)}; others ${count(statuses.others)}; ` +
    `the user ended inactive in ${ROUNDS - lost} of ${ROUNDS} rounds; ${(raceMs / ROUNDS).toFixed(0)} ms per round`,
);
if (lost > 0 || !statuses.deactivation.every(succeeded)) {
  console.log('  BELOW: every deactivation must succeed and stay in effect');
  failed = true;
}

await handler.close?.();
process.exit(args.check && failed ? 1 : 0);
