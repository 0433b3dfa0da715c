// Issue 12's HTTP targets, measured side by side in one run: the Express and Hono examples against a
// bare `node:http` server over Maps (bench/lib/bare-server.mjs, the floor), with `--users` users who
// are all members of one group. Each server runs in its own process; this process is the load
// generator (a closed loop of keep-alive connections). Every workload runs on the three servers for
// the same time, after a warm-up, in turns (rounds) so that the machine's background load falls on
// all alike. The table gives requests/s, latency, the CPU used by the server and by this process
// (a server near 100 % was the bottleneck, as it should be; both well below 100 % means other work
// on the machine took the time) and each example's throughput as a fraction of the bare server's.
//
// Run after `npm run build` (it starts the examples on the built packages):
//   node bench/http.mjs [--quick] [--users 10000] [--duration 3] [--rounds 3] [--concurrency 8] [--warmup 1]
//                       [--servers bare,express,hono] [--workloads get,filter,members,mixed] [--check]
//                       [--profile express,hono]
// Environment: BENCH_QUICK=1, BENCH_USERS, BENCH_DURATION (seconds), BENCH_CONCURRENCY.
// It exits 0 whatever the ratios (it is a measurement); with --check, 1 when a ratio is below its
// target. It exits 1 when a server answers a workload's request wrongly: its figures would mean nothing.
import { fork } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { createClient, runLoad, summarise } from './lib/load.mjs';
import { checkAnswers, memberAdd, memberRemove, seed, titleReplace } from './lib/seed.mjs';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: process.env.BENCH_QUICK === '1' },
    users: { type: 'string', default: process.env.BENCH_USERS },
    duration: { type: 'string', default: process.env.BENCH_DURATION },
    warmup: { type: 'string' },
    concurrency: { type: 'string', default: process.env.BENCH_CONCURRENCY ?? '8' },
    rounds: { type: 'string', default: '3' },
    servers: { type: 'string', default: 'bare,express,hono' },
    workloads: { type: 'string', default: 'get,filter,members,mixed' },
    check: { type: 'boolean', default: false },
    profile: { type: 'string' },
  },
});
const USERS = Number(args.users ?? (args.quick ? 300 : 10_000));
const DURATION_MS = 1000 * Number(args.duration ?? (args.quick ? 1 : 3));
const WARMUP_MS = 1000 * Number(args.warmup ?? (args.quick ? 0.3 : 1));
const CONCURRENCY = Number(args.concurrency);
const ROUNDS = Math.max(1, Number(args.rounds));
const SERVERS = args.servers.split(',');
const FLOOR = 'bare';
const PROFILES = join(tmpdir(), 'scim-bench-profiles');

const token = randomBytes(24).toString('base64url');
const digest = `sha256:${createHash('sha256').update(token).digest('hex')}`;

/** A small seeded generator, so every server is asked for the same users in the same proportions. */
function random(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const okGet = (status) => status === 200;
const okPatch = (status) => status === 200 || status === 204;

/** The workloads: each makes a `pick(worker)` over one server's data. */
const WORKLOADS = {
  get: { title: 'GET /Users/{id}', target: 0.5 },
  filter: { title: 'GET /Users?filter=userName eq', target: 0.4 },
  members: { title: 'PATCH /Groups member add/remove', target: 0.3 },
  mixed: { title: 'mixed 60/20/10/10', target: 0.4 },
};
const chosen = args.workloads.split(',').filter((name) => {
  if (WORKLOADS[name] === undefined) throw new Error(`unknown workload ${name}`);
  return true;
});

function picker(name, data, members, next) {
  const index = () => Math.floor(next() * data.ids.length);
  const get = () => ({ method: 'GET', path: `/scim/v2/Users/${data.ids[index()]}`, ok: okGet });
  const filter = () => ({
    method: 'GET',
    path: `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "user${index()}"`)}`,
    ok: okGet,
  });
  // Worker w adds and removes its own spare user, alternately, so workers never undo each other.
  const member = (worker) => {
    const value = data.spareIds[worker];
    const body = members[worker] ? memberRemove(value) : memberAdd(value);
    members[worker] = !members[worker];
    return { method: 'PATCH', path: `/scim/v2/Groups/${data.groupId}`, body, ok: okPatch };
  };
  const user = () => ({
    method: 'PATCH',
    path: `/scim/v2/Users/${data.ids[index()]}`,
    body: titleReplace(`Title ${Math.floor(next() * 1000)}`),
    ok: okPatch,
  });
  if (name === 'get') return get;
  if (name === 'filter') return filter;
  if (name === 'members') return member;
  return (worker) => {
    const r = next();
    if (r < 0.6) return get();
    if (r < 0.8) return filter();
    if (r < 0.9) return member(worker);
    return user();
  };
}

function startServer(kind) {
  // --profile express: the server writes a V8 CPU profile (open it in Chrome DevTools) when it stops.
  const profile = args.profile?.split(',').includes(kind)
    ? ['--cpu-prof', `--cpu-prof-dir=${PROFILES}`]
    : [];
  const child = fork(new URL('./lib/server-child.mjs', import.meta.url), [kind, digest], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    execArgv: [...process.execArgv, ...profile],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
    child.once('message', ({ port }) => {
      const usage = () =>
        new Promise((done) => {
          child.once('message', done);
          child.send('usage');
        });
      const stop = () =>
        new Promise((done) => {
          child.removeAllListeners('exit');
          // A server that crashed during the run has nothing left to stop.
          if (child.exitCode !== null || child.signalCode !== null) done();
          else {
            child.once('exit', done);
            child.kill('SIGTERM');
          }
        });
      resolve({ kind, port, usage, stop });
    });
  });
}

const number = (value, digits = 0) =>
  Number.isFinite(value)
    ? value.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '-';

console.log(
  `HTTP benchmark: ${number(USERS)} users, all members of one group; ${CONCURRENCY} keep-alive ` +
    `connections; ${DURATION_MS / 1000} s per server and workload in ${ROUNDS} turns, after ` +
    `${WARMUP_MS / 1000} s of warm-up per workload ` +
    `(Node ${process.version}, ${availableParallelism()} CPUs)`,
);

const servers = [];
let broken = false;
try {
  for (const kind of SERVERS) {
    const server = await startServer(kind);
    const client = createClient({ port: server.port, token, concurrency: CONCURRENCY });
    const started = performance.now();
    try {
      const data = await seed(client, {
        users: USERS,
        spares: CONCURRENCY,
        concurrency: CONCURRENCY,
      });
      await checkAnswers(client, data);
      const { memory } = await server.usage();
      console.log(
        `  ${kind}: seeded in ${number((performance.now() - started) / 1000, 1)} s, ` +
          `heap ${number(memory.heapUsed / 1_048_576)} MB, rss ${number(memory.rss / 1_048_576)} MB`,
      );
      servers.push({
        ...server,
        client,
        data,
        members: new Array(CONCURRENCY).fill(false),
        results: {},
      });
    } catch (error) {
      console.error(`  ${kind}: FAILED, left out of the run: ${error.message}`);
      broken = true;
      client.close();
      await server.stop();
    }
  }

  const load = (name, server, durationMs, seedValue) =>
    runLoad({
      client: server.client,
      concurrency: CONCURRENCY,
      durationMs,
      pick: picker(name, server.data, server.members, random(seedValue)),
    });
  // Every code path the workloads take is compiled before anything is measured: V8 compiles on
  // other threads, and that CPU time would otherwise be charged to the first workload.
  if (WARMUP_MS > 0)
    for (const server of servers) for (const name of chosen) await load(name, server, WARMUP_MS, 1);
  for (const name of chosen) {
    // Each server warms up again on this workload, then the servers take turns, a round each, so
    // that a change in the machine's background load during the run falls on all of them alike.
    const runs = new Map(servers.map((server) => [server, []]));
    const cpu = new Map(servers.map((server) => [server, { server: 0, client: 0 }]));
    for (const server of servers) if (WARMUP_MS > 0) await load(name, server, WARMUP_MS / 2, 1);
    for (let round = 0; round < ROUNDS; round++) {
      for (const server of servers) {
        const before = await server.usage();
        const ownBefore = process.cpuUsage();
        runs.get(server).push(await load(name, server, DURATION_MS / ROUNDS, 2 + round));
        const after = await server.usage();
        const own = process.cpuUsage(ownBefore);
        const used = cpu.get(server);
        used.server += after.cpu.user - before.cpu.user + after.cpu.system - before.cpu.system;
        used.client += own.user + own.system;
      }
    }
    for (const server of servers) {
      const result = summarise(runs.get(server));
      const used = cpu.get(server);
      result.serverCpu = used.server / (result.elapsedMs * 1000);
      result.clientCpu = used.client / (result.elapsedMs * 1000);
      result.cpuPerRequest = used.server / result.requests;
      server.results[name] = result;
      if (result.errors > 0) {
        console.error(
          `  ${server.kind} ${name}: unexpected answers ${JSON.stringify(result.unexpected)}`,
        );
        broken = true;
      }
    }
  }
} finally {
  for (const server of servers) {
    server.client.close();
    await server.stop();
  }
}

// The table: one block per workload, the floor first, each example with its ratio to the floor.
const header = [
  'workload',
  'server',
  'req/s',
  'p50 ms',
  'p99 ms',
  'server CPU',
  'client CPU',
  'CPU µs/req',
  'ratio',
  'CPU ratio',
  'target',
  '',
];
const rows = [header];
const verdicts = [];
for (const name of chosen) {
  const { title, target } = WORKLOADS[name];
  const floor = servers.find((server) => server.kind === FLOOR)?.results[name];
  for (const [position, server] of servers.entries()) {
    const result = server.results[name];
    if (result === undefined) continue;
    const ratio =
      floor === undefined || server.kind === FLOOR ? undefined : result.perSecond / floor.perSecond;
    // The same comparison in server CPU time per request: steadier than throughput when other work
    // on the machine takes CPU from the servers unevenly.
    const cpuRatio = ratio === undefined ? undefined : floor.cpuPerRequest / result.cpuPerRequest;
    const verdict = ratio === undefined ? '' : ratio >= target ? 'PASS' : 'BELOW';
    if (ratio !== undefined) verdicts.push({ name, kind: server.kind, ratio, target, verdict });
    rows.push([
      position === 0 ? title : '',
      server.kind,
      number(result.perSecond),
      number(result.p50, 2),
      number(result.p99, 2),
      `${number(100 * result.serverCpu)} %`,
      `${number(100 * result.clientCpu)} %`,
      number(result.cpuPerRequest),
      ratio === undefined ? '' : `${number(ratio, 2)}x`,
      cpuRatio === undefined ? '' : `${number(cpuRatio, 2)}x`,
      ratio === undefined ? '' : `${target}x`,
      verdict + (result.errors > 0 ? ` (${result.errors} errors)` : ''),
    ]);
  }
}
const widths = header.map((_, column) => Math.max(...rows.map((row) => row[column].length)));
const numeric = new Set([2, 3, 4, 5, 6, 7, 8, 9, 10]);
console.log('');
for (const [index, row] of rows.entries()) {
  console.log(
    row
      .map((cell, column) =>
        numeric.has(column) ? cell.padStart(widths[column]) : cell.padEnd(widths[column]),
      )
      .join('  ')
      .trimEnd(),
  );
  if (index === 0) console.log(widths.map((width) => '-'.repeat(width)).join('  '));
}
const below = verdicts.filter((entry) => entry.verdict === 'BELOW');
console.log(
  `\n${verdicts.length - below.length} of ${verdicts.length} ratios at or above their targets` +
    (below.length === 0
      ? '.'
      : `; below: ${below.map((entry) => `${entry.kind} ${entry.name} ${number(entry.ratio, 2)}x < ${entry.target}x`).join(', ')}.`),
);
const floorResults = servers.find((server) => server.kind === FLOOR)?.results ?? {};
// Neither the bare server nor the client near a full core: something else had the CPU.
const starved = chosen.filter(
  (name) =>
    (floorResults[name]?.serverCpu ?? 1) < 0.7 && (floorResults[name]?.clientCpu ?? 1) < 0.85,
);
if (starved.length > 0)
  console.log(
    `Note: neither the bare server nor the client used a full core in ${starved.join(', ')}: ` +
      'other work on the machine took the time, so those throughput ratios are unreliable (the ' +
      'CPU ratios are steadier). Rerun on a quiet machine.',
  );
if (args.profile !== undefined) console.log(`CPU profiles (.cpuprofile) are in ${PROFILES}`);
if (broken) process.exit(1);
if (args.check && below.length > 0) process.exit(1);
