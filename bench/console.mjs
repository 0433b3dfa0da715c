// Issue 17's cost figure: "Served from the SCIM handler, [the console] adds no measurable cost to
// SCIM requests when it is off, and under 5 % when it is on, measured side by side."
//
// The same request mix through `createScimHandler` over `createMemoryStorage`, in process, with
// 1,000 users stored beforehand: GET /Users/{id}, GET /Users?filter=userName eq "…", then
// POST /Users, PATCH (replace title), DELETE. Three handlers, each over its own storage:
//   plain  the handler as made without @scim/console (no `log`, no `debug`)
//   off    the handler as an application makes it when the console is off (SCIM_CONSOLE_TOKEN
//          unset): the options go through the same code as "on", and the console adds nothing
//   on     `log: scimConsole.record, debug: true`: every request and its bodies, redacted, kept in
//          the console's bounded history (500 requests)
//   plain again  a second handler made as "plain": how far two identical handlers measure apart
//          on this machine now, the noise; "off" must be within max(--noise, 2 × that)
//   debug  for reading "on": `debug: true` with a `log` that does nothing, the server's own cost of
//          capturing and redacting the bodies, which "on" includes (no target of its own)
// The variants take turns (another goes first in each round) after a warm-up; each figure is the
// median over rounds of µs/mix ÷ "plain"'s in the same round, − 1, so a change in the machine's
// load between rounds cancels out. One client at a time, and `--concurrency` at once.
//
// Run after `npm run build` (it imports the built packages):
//   node bench/console.mjs [--quick] [--rounds 11] [--slice 0.3] [--warmup 1] [--concurrency 8]
//                          [--max-cost 0.05] [--noise 0.03]
// It exits 1 when "on" costs 5 % or more, when "off" differs from "plain" by more than the noise
// (max(--noise, twice the gap between "plain" and "plain again")), or when an answer is wrong.
import { availableParallelism, cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { createScimConsole } from '../packages/console/dist/index.js';
import { createScimHandler } from '../packages/server/dist/index.js';
import { createMemoryStorage } from '../packages/server/dist/memory.js';
import { closedLoop, median, medians, number, table } from './lib/events-kit.mjs';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: process.env.BENCH_QUICK === '1' },
    rounds: { type: 'string' },
    slice: { type: 'string' },
    warmup: { type: 'string' },
    concurrency: { type: 'string', default: '8' },
    'max-cost': { type: 'string', default: '0.05' },
    noise: { type: 'string', default: '0.03' },
    variants: { type: 'string' },
  },
});
const QUICK = args.quick;
const ROUNDS = Math.max(1, Number(args.rounds ?? (QUICK ? 5 : 11)));
const SLICE_MS = 1000 * Number(args.slice ?? (QUICK ? 0.15 : 0.3));
const WARMUP_MS = 1000 * Number(args.warmup ?? (QUICK ? 0.3 : 1));
const CONCURRENCY = Number(args.concurrency);
const MAX_COST = Number(args['max-cost']);
const NOISE = Number(args.noise);
const SEEDED = 1000;
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const BASE = 'https://scim.example.com/scim/v2';

const percent = (fraction) =>
  Number.isFinite(fraction) ? `${fraction >= 0 ? '+' : ''}${number(100 * fraction, 1)} %` : '';

/** What an application passes when the console is on, and nothing when it is off. */
function consoleOptions(scimConsole) {
  return scimConsole === undefined ? {} : { debug: true, log: scimConsole.record };
}

function makeHandler(variant) {
  const storage = createMemoryStorage();
  const base = { ...storage, authenticate: () => ({ principal: 'bench' }) };
  if (variant === 'plain' || variant === 'plain again') return createScimHandler(base);
  if (variant === 'debug') return createScimHandler({ ...base, debug: true, log: () => undefined });
  const scimConsole =
    variant === 'on'
      ? createScimConsole({ basePath: '/console', credential: 'bench-console-credential-0123' })
      : undefined;
  return createScimHandler({ ...base, ...consoleOptions(scimConsole) });
}

function caller(handler) {
  return async (method, path, body) => {
    const response = await handler.fetch(
      new Request(`${BASE}${path}`, {
        method,
        headers: { 'content-type': 'application/scim+json', authorization: 'Bearer bench' },
        body: body === undefined ? undefined : JSON.stringify(body),
      }),
    );
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  };
}

const userOf = (name) => ({
  schemas: [USER],
  userName: name,
  active: true,
  name: { givenName: 'Barbara', familyName: `Jensen ${name}` },
  emails: [{ value: `${name}@example.com`, type: 'work', primary: true }],
  title: 'Tour Guide',
});

async function setUp(variant) {
  const handler = makeHandler(variant);
  const call = caller(handler);
  const ids = [];
  for (let index = 0; index < SEEDED; index++) {
    const created = await call('POST', '/Users', userOf(`user${index}`));
    if (created.status !== 201) throw new Error(`${variant}: seeding answered ${created.status}`);
    ids.push(created.body.id);
  }
  let next = 0;
  let wrong = 0;
  const work = async () => {
    const k = next++;
    const pick = (k * 7919) % SEEDED;
    const got = await call('GET', `/Users/${ids[pick]}`);
    const filter = encodeURIComponent(`userName eq "user${(pick * 31) % SEEDED}"`);
    const found = await call('GET', `/Users?filter=${filter}`);
    const created = await call('POST', '/Users', userOf(`${variant}-mix${k}`));
    const patched = await call('PATCH', `/Users/${created.body?.id}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: 'title', value: 'Lead Guide' }],
    });
    const deleted = await call('DELETE', `/Users/${created.body?.id}`);
    const right =
      got.status === 200 &&
      found.status === 200 &&
      found.body.totalResults === 1 &&
      created.status === 201 &&
      patched.status === 200 &&
      deleted.status === 204;
    if (!right) wrong++;
  };
  return { variant, handler, work, wrong: () => wrong };
}

console.log(
  `Console benchmark: Node ${process.version}, ${availableParallelism()} CPUs ` +
    `(${cpus()[0]?.model.trim()}), load average ${number(loadavg()[0], 2)} at the start ` +
    `(a shared machine: figures move by a few % from run to run); ${ROUNDS} rounds of ` +
    `${SLICE_MS / 1000} s per variant, medians.\nMix: GET by id + filter query + POST + PATCH + ` +
    `DELETE (5 requests) over ${SEEDED.toLocaleString('en')} stored users, createScimHandler over ` +
    `createMemoryStorage in process.`,
);

const setups = [];
const VARIANTS = args.variants?.split(',') ?? ['plain', 'plain again', 'off', 'on', 'debug'];
for (const variant of VARIANTS) setups.push(await setUp(variant));
const modes = [
  { name: '1 client', concurrency: 1 },
  { name: `${CONCURRENCY} at once`, concurrency: CONCURRENCY },
];
const rows = [];
let failed = false;
const fail = (message) => {
  console.log(`FAIL: ${message}`);
  failed = true;
};
const verdicts = [];
for (const [modeIndex, mode] of modes.entries()) {
  for (const setup of setups)
    await closedLoop(mode.concurrency, modeIndex === 0 ? WARMUP_MS : WARMUP_MS / 4, setup.work);
  const runs = new Map(setups.map((setup) => [setup, []]));
  for (let round = 0; round < ROUNDS; round++) {
    const order = setups.map((_, index) => setups[(index + round) % setups.length]);
    for (const setup of order)
      runs.get(setup).push(await closedLoop(mode.concurrency, SLICE_MS, setup.work));
  }
  const plain = setups[0];
  const costOf = (setup, field) =>
    median(runs.get(setup).map((run, round) => run[field] / runs.get(plain)[round][field])) - 1;
  const again = setups.find((setup) => setup.variant === 'plain again');
  const noise = Math.max(NOISE, again === undefined ? 0 : 2 * Math.abs(costOf(again, 'wallUs')));
  for (const [index, setup] of setups.entries()) {
    const result = medians(runs.get(setup));
    const cost = setup === plain ? undefined : costOf(setup, 'wallUs');
    const cpuCost = setup === plain ? undefined : costOf(setup, 'cpuUs');
    let target = '';
    let verdict = '';
    if (setup.variant === 'on') {
      target = `< ${number(100 * MAX_COST)} %`;
      verdict = cost < MAX_COST ? 'PASS' : 'FAIL';
      if (verdict === 'FAIL') fail(`"on" costs ${percent(cost)} with ${mode.name}`);
    } else if (setup.variant === 'off') {
      target = `within ±${number(100 * noise, 1)} %`;
      verdict = Math.abs(cost) <= noise ? 'PASS' : 'FAIL';
      if (verdict === 'FAIL') fail(`"off" differs from "plain" by ${percent(cost)} (${mode.name})`);
    }
    verdicts.push(verdict);
    rows.push([
      index === 0 ? mode.name : '',
      setup.variant,
      number(result.perSecond),
      number(result.wallUs),
      number(result.cpuUs),
      cost === undefined ? '' : percent(cost),
      cpuCost === undefined ? '' : percent(cpuCost),
      target,
      verdict,
    ]);
  }
}
console.log('');
table(
  [
    'clients',
    'variant',
    'mixes/s',
    'µs/mix',
    'CPU µs/mix',
    'vs plain',
    'CPU vs plain',
    'target',
    '',
  ],
  rows,
  new Set([2, 3, 4, 5, 6]),
);
for (const setup of setups) {
  if (setup.wrong() > 0) fail(`${setup.variant}: ${setup.wrong()} mixes were answered wrongly`);
  await setup.handler.close();
}
process.exit(failed ? 1 : 0);
