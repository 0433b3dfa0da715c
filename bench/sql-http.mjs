// Issue 13's HTTP target, measured side by side in one run: the Express example on SQLite (its own
// storage.mjs over a SQLite file, as `npm start` runs it) against the bare `node:http` floor of
// bench/http.mjs (lib/bare-server.mjs, over Maps). Target: the example reaches at least 0.3× the
// floor's requests per second on GET /Users/{id} and on GET /Users?filter=userName eq.
// Each server runs in its own process (lib/sql-server-child.mjs); this process is the load generator
// (lib/load.mjs); both are seeded alike through their HTTP API (lib/seed.mjs) and checked to answer
// correctly, and the example is checked to have written its users to the SQLite file.
//
// Run after `npm run build`:
//   node bench/sql-http.mjs [--quick] [--users 10000] [--duration 3] [--rounds 3] [--concurrency 8]
//                           [--warmup 1] [--workloads get,filter,members] [--check] [--profile]
//                           [--servers bare,express-sqlite,express-memory]
// express-memory, the same example with SCIM_DATABASE_URL=memory:, tells what the database costs
// from what the rest costs; the targets are on express-sqlite.
// It exits 0 whatever the ratios (it is a measurement); with --check, 1 when a ratio is below its
// target; 1 when a server answers wrongly.
import { fork } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { createClient, runLoad, summarise } from './lib/load.mjs';
import { checkAnswers, memberAdd, memberRemove, seed } from './lib/seed.mjs';
import { random } from './lib/sql-measure.mjs';

const { values: args } = parseArgs({
  options: {
    quick: { type: 'boolean', default: process.env.BENCH_QUICK === '1' },
    users: { type: 'string', default: process.env.BENCH_USERS },
    duration: { type: 'string', default: process.env.BENCH_DURATION },
    warmup: { type: 'string' },
    concurrency: { type: 'string', default: process.env.BENCH_CONCURRENCY ?? '8' },
    rounds: { type: 'string', default: '3' },
    workloads: { type: 'string', default: 'get,filter' },
    servers: { type: 'string', default: 'bare,express-sqlite,express-memory' },
    check: { type: 'boolean', default: false },
    profile: { type: 'boolean', default: false },
  },
});
const USERS = Number(args.users ?? (args.quick ? 300 : 10_000));
const DURATION_MS = 1000 * Number(args.duration ?? (args.quick ? 1 : 3));
const WARMUP_MS = 1000 * Number(args.warmup ?? (args.quick ? 0.3 : 1));
const CONCURRENCY = Number(args.concurrency);
const ROUNDS = Math.max(1, Number(args.rounds));
const SERVERS = args.servers.split(',');
const PROFILES = join(tmpdir(), 'scim-bench-profiles');

const token = randomBytes(24).toString('base64url');
const digest = `sha256:${createHash('sha256').update(token).digest('hex')}`;
const okGet = (status) => status === 200;
const okPatch = (status) => status === 200 || status === 204;

const WORKLOADS = {
  get: { title: 'GET /Users/{id}', target: 0.3 },
  filter: { title: 'GET /Users?filter=userName eq', target: 0.3 },
  // Not a target of issue 13; shown for comparison with bench/http.mjs.
  members: { title: 'PATCH /Groups member add/remove', target: undefined },
};
const chosen = args.workloads.split(',').filter((name) => {
  if (WORKLOADS[name] === undefined) throw new Error(`unknown workload ${name}`);
  return true;
});

function picker(name, data, members, next) {
  const index = () => Math.floor(next() * data.ids.length);
  if (name === 'get')
    return () => ({ method: 'GET', path: `/scim/v2/Users/${data.ids[index()]}`, ok: okGet });
  if (name === 'filter')
    return () => ({
      method: 'GET',
      path: `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "user${index()}"`)}`,
      ok: okGet,
    });
  return (worker) => {
    const value = data.spareIds[worker];
    const body = members[worker] ? memberRemove(value) : memberAdd(value);
    members[worker] = !members[worker];
    return { method: 'PATCH', path: `/scim/v2/Groups/${data.groupId}`, body, ok: okPatch };
  };
}

function startServer(kind) {
  // --profile: the example writes a V8 CPU profile (open it in Chrome DevTools) when it stops.
  const profile =
    args.profile && kind !== 'bare' ? ['--cpu-prof', `--cpu-prof-dir=${PROFILES}`] : [];
  const child = fork(new URL('./lib/sql-server-child.mjs', import.meta.url), [kind, digest], {
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    execArgv: [...process.execArgv, ...profile],
  });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${kind} server exited with ${code}`)));
    child.once('message', ({ port, file }) => {
      const usage = () =>
        new Promise((done) => {
          child.once('message', done);
          child.send('usage');
        });
      const stop = () =>
        new Promise((done) => {
          child.removeAllListeners('exit');
          if (child.exitCode !== null || child.signalCode !== null) done();
          else {
            child.once('exit', done);
            child.kill('SIGTERM');
          }
        });
      resolve({ kind, port, file, usage, stop });
    });
  });
}

/** The users the example wrote to its SQLite file: proof that it serves from the database. */
function usersInFile(file) {
  const database = new Database(file, { readonly: true, fileMustExist: true });
  try {
    return database
      .prepare(`SELECT COUNT(*) AS n FROM scim_resources WHERE resource_type = 'User'`)
      .get().n;
  } finally {
    database.close();
  }
}

const number = (value, digits = 0) =>
  Number.isFinite(value)
    ? value.toLocaleString('en', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : '-';

console.log(
  `HTTP benchmark, @scim/sql: ${number(USERS)} users in one group; ${CONCURRENCY} keep-alive ` +
    `connections; ${DURATION_MS / 1000} s per server and workload in ${ROUNDS} turns, after ` +
    `${WARMUP_MS / 1000} s of warm-up (Node ${process.version}, ${availableParallelism()} CPUs, ` +
    `load average ${loadavg()[0].toFixed(1)})`,
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
      if (server.file !== undefined) {
        const stored = usersInFile(server.file);
        if (stored !== USERS + CONCURRENCY)
          throw new Error(`the SQLite file holds ${stored} users, not ${USERS + CONCURRENCY}`);
      }
      console.log(
        `  ${kind}: seeded in ${number((performance.now() - started) / 1000, 1)} s` +
          (server.file === undefined
            ? ''
            : ` (${number(USERS + CONCURRENCY)} users in ${server.file})`),
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
  if (WARMUP_MS > 0)
    for (const server of servers) for (const name of chosen) await load(name, server, WARMUP_MS, 1);
  for (const name of chosen) {
    const runs = new Map(servers.map((server) => [server, []]));
    const cpu = new Map(servers.map((server) => [server, 0]));
    for (const server of servers) if (WARMUP_MS > 0) await load(name, server, WARMUP_MS / 2, 1);
    // The servers take turns, so a change in the machine's background load falls on both alike.
    for (let round = 0; round < ROUNDS; round++)
      for (const server of servers) {
        const before = await server.usage();
        runs.get(server).push(await load(name, server, DURATION_MS / ROUNDS, 2 + round));
        const after = await server.usage();
        cpu.set(
          server,
          cpu.get(server) + after.cpu.user - before.cpu.user + after.cpu.system - before.cpu.system,
        );
      }
    for (const server of servers) {
      const result = summarise(runs.get(server));
      result.serverCpu = cpu.get(server) / (result.elapsedMs * 1000);
      result.cpuPerRequest = cpu.get(server) / result.requests;
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

const header = [
  'workload',
  'server',
  'req/s',
  'p50 ms',
  'p99 ms',
  'server CPU',
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
  const floor = servers.find((server) => server.kind === 'bare')?.results[name];
  for (const [position, server] of servers.entries()) {
    const result = server.results[name];
    if (result === undefined) continue;
    const ratio =
      floor === undefined || server.kind === 'bare'
        ? undefined
        : result.perSecond / floor.perSecond;
    const cpuRatio = ratio === undefined ? undefined : floor.cpuPerRequest / result.cpuPerRequest;
    // The targets are the SQLite example's; express-memory is shown for comparison.
    const judged = ratio !== undefined && target !== undefined && server.kind === 'express-sqlite';
    const verdict = !judged ? '' : ratio >= target ? 'PASS' : 'BELOW';
    if (verdict !== '') verdicts.push({ name, ratio, target, verdict });
    rows.push([
      position === 0 ? title : '',
      server.kind,
      number(result.perSecond),
      number(result.p50, 2),
      number(result.p99, 2),
      `${number(100 * result.serverCpu)} %`,
      number(result.cpuPerRequest),
      ratio === undefined ? '' : `${number(ratio, 2)}x`,
      cpuRatio === undefined ? '' : `${number(cpuRatio, 2)}x`,
      judged ? `${target}x` : '',
      verdict,
    ]);
  }
}
const widths = header.map((_, column) => Math.max(...rows.map((row) => row[column].length)));
const numeric = new Set([2, 3, 4, 5, 6, 7, 8, 9]);
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
      : `; below: ${below.map((entry) => `${entry.name} ${number(entry.ratio, 2)}x`).join(', ')}.`),
);
if (args.profile) console.log(`CPU profile (.cpuprofile) in ${PROFILES}`);
if (broken) process.exit(1);
if (args.check && below.length > 0) process.exit(1);
