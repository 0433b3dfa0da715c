// Issue 14's event figures (the push receiver in a child, lib/set-receiver.mjs; part 3 in fresh
// processes of its own):
// 1. sign: SETs signed per second with ES256 and RS256 (2048 bits), one at a time and
//    `--sign-concurrency` at once, and verified per second (`verifySet`), on the claims of a real
//    `POST /Users`.
// 2. push: SETs pushed per second by the real deliverer (`createStreamDeliverer` over the memory
//    queue, signing each SET as it sends it) to a loopback receiver that answers 202: one subject
//    (its SETs go one at a time, in order), many subjects, several streams, the default settings;
//    beside them `pushSet` alone and a keep-alive `node:http` POST of SETs signed beforehand, the
//    floors. The receiver checks that each subject's SETs arrive in the order they were queued.
// 3. write: what publishing events adds to a write on the memory storage. The same request mix
//    (`POST /Users`, `PATCH` active=false, `DELETE`) through `createScimHandler`, in process, with
//    no hooks (the outbox is written all the same) and with the `onEvent` of `createEventPublisher`
//    and one push stream (SETs queued as their claims: signing is the deliverer's), one client at a
//    time and `--concurrency` at once, in `--processes` fresh processes one after the other
//    (lib/events-write.mjs). In each, the variants take turns after a warm-up; a slice lasts until
//    every event its writes caused was handled (and, for "deliver", pushed), so work left running
//    in the background is charged to the variant that caused it. Target (issue 14): "record" costs
//    at most `--max-cost` (20 %) more time per mix than "none", with one client and with several,
//    by the median over every round of every process.
// 4. count: the mix of 3., counted rather than timed (bench/lib/instructions.mjs): each variant in a
//    process of its own under Valgrind's cachegrind, V8 deterministic, instructions and a cycle
//    estimate per mix: what a change saves, measured where a clock cannot tell. Two counts of one
//    variant agree within 0.1 % (bench/README.md). Skipped without Valgrind.
//
// Run after `npm run build` (it imports the built packages):
//   node bench/events.mjs [--quick] [--parts sign,push,write,count] [--processes 3] [--rounds 61]
//                         [--slice 0.1] [--warmup 1] [--concurrency 8] [--sign-concurrency 16]
//                         [--max-cost 0.2]
//                         [--variants none,empty,record,nowait,deliver] [--warm 3000]
//                         [--measured 1000]
// It exits 1 when the target is missed, an answer is wrong, or a SET was lost or out of order.
import http from 'node:http';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import {
  createMemorySetQueue,
  createMemoryStreamStore,
  createSigningKeySet,
  createStreamDeliverer,
  generateSigningKey,
  pushSet,
  signSet,
  verifySet,
} from '../packages/events/dist/index.js';
import {
  AUDIENCE,
  ISSUER,
  RECEIVER_TOKEN,
  WRITE_VARIANTS,
  claimsOf,
  closedLoop,
  cpuSince,
  medians,
  number,
  publishPieces,
  pushStream,
  recordsOfOneMix,
  sleep,
  startReceiver,
  table,
} from './lib/events-kit.mjs';
import { measureWritesInProcesses, pooledFigures } from './lib/events-write.mjs';
import { countMixes, countedRows, hasValgrind, printCounted } from './lib/instructions.mjs';
import { pool } from './lib/load.mjs';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: process.env.BENCH_QUICK === '1' },
    parts: { type: 'string', default: 'sign,push,write,count' },
    rounds: { type: 'string' },
    slice: { type: 'string' },
    warmup: { type: 'string' },
    processes: { type: 'string' },
    concurrency: { type: 'string', default: '8' },
    'sign-concurrency': { type: 'string', default: '16' },
    'max-cost': { type: 'string', default: '0.2' },
    variants: { type: 'string' },
    warm: { type: 'string' },
    measured: { type: 'string' },
  },
});
const QUICK = args.quick;
const PARTS = new Set(args.parts.split(','));
const COUNTING = PARTS.has('count') && hasValgrind();
// The write cost is a median of per-round ratios: many short rounds, so that the median passes over
// the slices a shared machine disturbed (one in five, some runs) and is steady to a point or so.
const ROUNDS = Math.max(1, Number(args.rounds ?? (QUICK ? 3 : 61)));
const SLICE_MS = 1000 * Number(args.slice ?? 0.1);
const PROCESSES = Math.max(1, Number(args.processes ?? (QUICK ? 1 : 3)));
// Signing and the publisher's pieces have no baseline to pair with: a few longer slices each.
const STEADY_ROUNDS = QUICK ? 3 : 11;
const STEADY_SLICE_MS = QUICK ? 150 : 300;
const WARMUP_MS = 1000 * Number(args.warmup ?? (QUICK ? 0.3 : 1));
const CONCURRENCY = Number(args.concurrency);
const SIGN_CONCURRENCY = Number(args['sign-concurrency']);
const MAX_COST = Number(args['max-cost']);
// Part 4's mixes per process: `warm`, then `measured` more in the longer run.
const WARM = Number(args.warm ?? (QUICK ? 100 : 3000));
const MEASURED = Number(args.measured ?? (QUICK ? 300 : 1000));

let failed = false;
const fail = (message) => {
  console.log(`FAIL: ${message}`);
  failed = true;
};
const percent = (fraction) => `${fraction >= 0 ? '+' : ''}${number(100 * fraction)} %`;

const records = await recordsOfOneMix();
const createClaims = claimsOf(records.find((record) => record.type === 'created'))[0];
const es256 = await generateSigningKey();

console.log(
  `Events benchmark: Node ${process.version}, ${availableParallelism()} CPUs ` +
    `(${cpus()[0]?.model.trim()}), load average ${number(loadavg()[0], 2)} at the start; ` +
    `medians over 3 slices of ${STEADY_SLICE_MS / 1000} s (signing), ${PROCESSES} × ${ROUNDS} ` +
    `rounds of ${SLICE_MS / 1000} s (the write cost), ${STEADY_ROUNDS} slices of ` +
    `${STEADY_SLICE_MS / 2000} s (the publisher's pieces)`,
);

// ---- 1. signing and verifying -------------------------------------------------------------------

if (PARTS.has('sign')) {
  const generating = performance.now();
  const rs256 = await generateSigningKey({ alg: 'RS256' });
  const rsKeyMs = performance.now() - generating;
  console.log(
    `\n1. SETs signed and verified per second: the claims of a POST /Users (prov:create:full, ` +
      `${JSON.stringify(createClaims).length} bytes of JSON); verifySet without a replay cache. ` +
      `Generating the RS256 2048-bit key took ${number(rsKeyMs)} ms.`,
  );
  const cases = [];
  for (const key of [es256, rs256]) {
    const keys = createSigningKeySet({ active: key });
    const token = await signSet(createClaims, key);
    const sign = () => signSet(createClaims, key);
    const verify = async () => {
      const options = { keys, issuer: ISSUER, audience: AUDIENCE, replayCache: false };
      const result = await verifySet(token, options);
      if (!result.ok) throw new Error(`verifySet: ${JSON.stringify(result.issues)}`);
    };
    for (const [what, work] of [
      ['signSet', sign],
      ['verifySet', verify],
    ])
      for (const concurrency of [1, SIGN_CONCURRENCY])
        cases.push({ what, alg: key.alg, concurrency, work, runs: [] });
  }
  const build = async () => claimsOf(records[0]);
  cases.push({ what: 'toSetClaims alone', alg: '-', concurrency: 1, work: build, runs: [] });
  for (const entry of cases) await closedLoop(entry.concurrency, STEADY_SLICE_MS / 2, entry.work);
  // Three rounds give a steady enough median.
  for (let round = 0; round < 3; round++)
    for (const entry of cases)
      entry.runs.push(await closedLoop(entry.concurrency, STEADY_SLICE_MS, entry.work));
  table(
    ['operation', 'alg', 'in flight', 'per second', 'µs each', 'CPU µs each'],
    cases.map((entry) => {
      const result = medians(entry.runs);
      return [
        entry.what,
        entry.alg,
        entry.concurrency,
        number(result.perSecond),
        number(result.wallUs, 1),
        number(result.cpuUs, 1),
      ];
    }),
    new Set([2, 3, 4, 5]),
  );
}

const receiver = PARTS.has('push') || PARTS.has('write') ? await startReceiver() : undefined;

// ---- 2. push delivery -----------------------------------------------------------------------------

/**
 * SETs as the publisher queues them (their claims as JSON), spread over `streams` streams of
 * `subjects` subjects each; `txn` is their order.
 */
function queuedSets({ name, sets, subjects, streams }) {
  const queuedAt = new Date().toISOString();
  return Array.from({ length: sets }, (_, index) => {
    const streamId = `${name}-${index % streams}`;
    const uri = `/Users/${streamId}-${Math.floor(index / streams) % subjects}`;
    const jti = crypto.randomUUID();
    const claims = { ...createClaims, jti, txn: String(index), sub_id: { format: 'scim', uri } };
    const payload = JSON.stringify(claims);
    const eventUris = Object.keys(claims.events);
    return { streamId, key: jti, subject: uri, jti, txn: claims.txn, eventUris, payload, queuedAt };
  });
}

/** The same SETs signed beforehand, for the floors, which only send. */
function signedSets(scenario) {
  const sets = queuedSets(scenario);
  return pool(sets.length, SIGN_CONCURRENCY, async (index) => {
    const set = sets[index];
    return { ...set, payload: await signSet(JSON.parse(set.payload), es256) };
  });
}

/** Queues the SETs, then starts a deliverer and times it until every SET was delivered. */
async function deliverBacklog(scenario) {
  const sets = queuedSets(scenario);
  const streams = createMemoryStreamStore();
  const queue = createMemorySetQueue();
  for (let index = 0; index < scenario.streams; index++) {
    const id = `${scenario.name}-${index}`;
    await streams.put(pushStream(id, receiver.url(id)));
  }
  await queue.enqueue(sets);
  await receiver.reset();
  const keys = createSigningKeySet({ active: es256 });
  const deliverer = createStreamDeliverer({ streams, queue, keys, options: scenario.options });
  const settled = () =>
    deliverer.metrics().reduce((sum, stream) => sum + stream.delivered + stream.dead, 0);
  const cpu = process.cpuUsage();
  const started = performance.now();
  deliverer.start();
  while (settled() < sets.length && performance.now() - started < 30_000) await sleep(2);
  const elapsedMs = performance.now() - started;
  const cpuUs = cpuSince(cpu);
  await deliverer.close();
  const stats = await receiver.stats();
  const sum = (field) => deliverer.metrics().reduce((total, stream) => total + stream[field], 0);
  if (stats.received !== sets.length || sum('dead') > 0 || stats.malformed > 0)
    fail(
      `${scenario.title}: ${stats.received} of ${sets.length} SETs received, ` +
        `${sum('dead')} dead, ${stats.malformed} unreadable`,
    );
  if (stats.outOfOrder > 0)
    fail(`${scenario.title}: ${stats.outOfOrder} SETs arrived after a later SET of their subject`);
  const perSecond = (1000 * sets.length) / elapsedMs;
  return { sets: sets.length, perSecond, cpuUs: cpuUs / sets.length, retried: sum('retried') };
}

/** A floor: the same SETs POSTed 10 at a time by `send`, without a queue or a deliverer. */
async function postAll(scenario, send) {
  const sets = await signedSets(scenario);
  await receiver.reset();
  const cpu = process.cpuUsage();
  const started = performance.now();
  await pool(sets.length, 10, (index) => send(sets[index]));
  const elapsedMs = performance.now() - started;
  const stats = await receiver.stats();
  if (stats.received !== sets.length)
    fail(`${scenario.title}: ${stats.received} of ${sets.length} SETs received`);
  const perSecond = (1000 * sets.length) / elapsedMs;
  return { sets: sets.length, perSecond, cpuUs: cpuSince(cpu) / sets.length, retried: 0 };
}

if (PARTS.has('push')) {
  const size = (full) => (QUICK ? Math.ceil(full / 5) : full);
  const agent = new http.Agent({ keepAlive: true, maxSockets: 10 });
  const keepAlivePost = (set) =>
    new Promise((resolve, reject) => {
      const headers = {
        'content-type': 'application/secevent+jwt',
        authorization: `Bearer ${RECEIVER_TOKEN}`,
      };
      const options = { agent, host: '127.0.0.1', port: receiver.port, method: 'POST' };
      const request = http.request(
        { ...options, path: '/streams/keepalive-0', headers },
        (answer) => answer.resume().on('end', resolve),
      );
      request.on('error', reject);
      request.end(set.payload);
    });
  const pushAlone = async (set) => {
    const result = await pushSet(set.payload, receiver.url(set.streamId), {
      authorization: `Bearer ${RECEIVER_TOKEN}`,
      allowPrivate: true,
      allowHttp: true,
    });
    if (result.outcome !== 'delivered') throw new Error(`pushSet: ${JSON.stringify(result)}`);
  };
  // A pass ends after `batchSize` SETs (100), waiting for its slowest delivery, and a started
  // deliverer begins the next at once: every scenario but "defaults" raises batchSize above its
  // backlog, so that what is timed is the sending; "defaults" shows what the batches cost.
  const scenarios = [
    { name: 'one', title: '1 stream, 1 subject (1 in flight)', sets: size(1000), subjects: 1 },
    { name: 'many', title: '1 stream, 1,000 subjects (10 in flight)', sets: size(3000) },
    {
      name: 'four',
      title: '4 streams, 250 subjects each',
      sets: size(4000),
      subjects: 250,
      streams: 4,
    },
    {
      name: 'defaults',
      title: '1 stream, 300 subjects, default settings',
      sets: QUICK ? 150 : 300,
      subjects: 300,
      options: {},
    },
    { name: 'pushset', title: 'floor: pushSet alone, 10 at once', run: pushAlone },
    {
      name: 'keepalive',
      title: 'floor: node:http keep-alive POST, 10 at once',
      run: keepAlivePost,
    },
  ];
  console.log(
    `\n2. Push deliveries per second to a loopback receiver answering 202 (another process), ` +
      `SETs queued beforehand as their claims, signed (ES256) by the deliverer as it sends them; ` +
      `the floors send SETs signed beforehand. The deliverer opens a new connection for every SET ` +
      `(agent: false: it connects only to the address it has just vetted).`,
  );
  const rows = [];
  for (const entry of scenarios) {
    const scenario = { sets: size(3000), subjects: 1000, streams: 1, ...entry };
    scenario.options ??= { batchSize: scenario.sets };
    const result =
      scenario.run === undefined
        ? await deliverBacklog(scenario)
        : await postAll({ ...scenario, subjects: scenario.sets }, scenario.run);
    rows.push([
      scenario.title,
      number(result.sets),
      number(result.perSecond),
      number(result.cpuUs),
      result.retried > 0 ? `${result.retried} retried` : '',
    ]);
  }
  agent.destroy();
  table(['scenario', 'SETs', 'per second', 'CPU µs each', ''], rows, new Set([1, 2, 3]));
}

// ---- 3. the cost on a write -------------------------------------------------------------------------

if (PARTS.has('write')) {
  const chosen = args.variants?.split(',') ?? WRITE_VARIANTS.map((variant) => variant.name);
  // The baseline first: every cost is a ratio to it.
  const variants = WRITE_VARIANTS.filter(
    (variant) => variant.name === 'none' || chosen.includes(variant.name),
  );
  const setCount = records.flatMap((record) => claimsOf(record)).length;
  console.log(
    `\n3. The cost on a write: POST /Users + PATCH active=false + DELETE (${records.length} ` +
      `lifecycle records, ${setCount} SETs), createScimHandler over createMemoryStorage, in ` +
      `${PROCESSES} fresh process${PROCESSES === 1 ? '' : 'es'} one after the other, in each ` +
      `the variants in turns after ` +
      `${WARMUP_MS / 1000} s of warm-up each; cost: the median over the rounds of every process of ` +
      `µs/mix ÷ "none"'s in the same round, − 1 ("per process": each process's own median)`,
  );
  const measured = await measureWritesInProcesses(PROCESSES, {
    variantNames: variants.map((variant) => variant.name),
    rounds: ROUNDS,
    sliceMs: SLICE_MS,
    warmupMs: WARMUP_MS,
    concurrency: CONCURRENCY,
  });
  const rows = [];
  const results = new Map();
  const modeNames = ['1 client', `${CONCURRENCY} at once`];
  for (const [modeIndex, modeName] of modeNames.entries()) {
    for (const [index, variant] of variants.entries()) {
      const result = pooledFigures(measured, modeIndex, variant.name, 'none');
      const { cost, cpuCost } = result;
      const verdict =
        !variant.target || cost === undefined ? '' : cost <= MAX_COST ? 'PASS' : 'FAIL';
      results.set(`${variant.name} ${modeName}`, result);
      rows.push([
        index === 0 ? modeName : '',
        variant.title,
        number(result.perSecond),
        number(result.wallUs),
        number(result.cpuUs),
        cost === undefined ? '' : percent(cost),
        cpuCost === undefined ? '' : percent(cpuCost),
        result.perProcess.map((each) => percent(each).replace(' %', '')).join(' '),
        variant.target ? `≤ ${number(100 * MAX_COST)} %` : '',
        verdict,
      ]);
    }
  }
  table(
    [
      'clients',
      'variant',
      'mixes/s',
      'µs/mix',
      'CPU µs/mix',
      'cost',
      'CPU cost',
      'per process, %',
      'target',
      '',
    ],
    rows,
    new Set([2, 3, 4, 5, 6]),
  );
  for (const variant of variants) {
    const wrong = measured.reduce((sum, result) => sum + result.wrong[variant.name], 0);
    if (wrong > 0) fail(`${variant.title}: ${wrong} mixes answered wrongly`);
  }
  if (variants.some((variant) => variant.deliver)) {
    const lost = measured.filter(
      ({ delivered, received }) => received.received !== delivered || received.outOfOrder > 0,
    );
    const queued = measured.reduce((sum, result) => sum + result.delivered, 0);
    for (const { delivered, received } of lost)
      fail(
        `deliver: ${received.received} of ${delivered} SETs received, ` +
          `${received.outOfOrder} out of order`,
      );
    if (lost.length === 0)
      console.log(
        `The receivers got all ${number(queued)} SETs of "deliver", each subject's in order.`,
      );
  }

  const record = results.get('record 1 client');
  const none = results.get('none 1 client');
  if (record !== undefined && none !== undefined) {
    const pieces = await publishPieces({
      key: es256,
      receiver,
      records,
      rounds: STEADY_ROUNDS,
      sliceMs: STEADY_SLICE_MS / 2,
    });
    console.log(
      `\nWhere the time goes: "record" took ${number(record.wallUs)} µs per mix (1 client), ` +
        `"none" ${number(none.wallUs)}; the publisher's pieces for one mix, each timed alone:`,
    );
    table(
      ['piece', 'µs per mix', 'CPU µs per mix'],
      pieces.map(([name, result]) => [name, number(result.wallUs, 1), number(result.cpuUs, 1)]),
      new Set([1, 2]),
    );
  }
  for (const modeName of modeNames) {
    const cost = results.get(`record ${modeName}`)?.cost;
    if (cost !== undefined && cost > MAX_COST)
      fail(
        `recording events costs ${percent(cost)} per write mix (${modeName}); ` +
          `the target is ≤ ${number(100 * MAX_COST)} %`,
      );
  }
}

// ---- 4. the cost on a write, counted --------------------------------------------------------------

if (PARTS.has('count') && !COUNTING)
  console.log(
    '\n4. The cost on a write, counted: skipped, Valgrind is not installed (apt-get install ' +
      'valgrind).',
  );
if (COUNTING) {
  const chosen = (args.variants?.split(',') ?? ['none', 'empty', 'record']).filter((name) =>
    WRITE_VARIANTS.some((variant) => variant.name === name && !variant.deliver),
  );
  const variants = ['none', ...chosen.filter((name) => name !== 'none')];
  console.log(
    `\n4. The cost on a write, counted: the mix of 3. in a process of its own per variant, under ` +
      `cachegrind with V8 made deterministic (bench/lib/instructions.mjs): ${WARM} mixes, then ` +
      `${MEASURED} more and a full collection, against the same without them; per mix, the ` +
      `difference ÷ ${MEASURED}. "cycles": ` +
      `instructions + 10 × L1 misses + 100 × LL misses. The SETs queued are marked delivered every ` +
      `100 mixes (claim and complete), as after each slice of 3., and that work is counted too.`,
  );
  const rows = [];
  for (const mode of [
    { name: '1 client', concurrency: 1 },
    { name: `${CONCURRENCY} at once`, concurrency: CONCURRENCY },
  ]) {
    const perMix = await countMixes({
      suite: 'events-write',
      variants,
      concurrency: mode.concurrency,
      warm: WARM,
      measured: MEASURED,
    });
    rows.push(
      ...countedRows(
        mode.name,
        perMix,
        'none',
        (name) => WRITE_VARIANTS.find((variant) => variant.name === name).title,
      ),
    );
  }
  printCounted(rows, "the target is judged by 3.'s times");
}

receiver?.stop();
process.exit(failed ? 1 : 0);
