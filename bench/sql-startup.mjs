// Issue 13's start-up figures: the time `migrate()` takes to create the schema in an empty database
// (SQLite file; PostgreSQL under a fresh table prefix when SCIM_TEST_POSTGRES_URL is set), and the
// time `npm start` takes from launch to answering its first request (an authenticated
// GET /Users, which reads the database) on a SQLite file: first on a new file (the migrations run),
// then on the same file again. Run after `npm run build`:
//   node bench/sql-startup.mjs [--runs 5] [--starts 3] [--engines sqlite,postgres]
// It exits 1 when the server does not answer, or does not keep its data in the file it was given.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { migrate } from '../packages/sql/dist/index.js';
import { ms, stats } from './lib/sql-data.mjs';
import { chosenEngines } from './lib/sql-databases.mjs';

const { values: args } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    starts: { type: 'string', default: '3' },
    engines: { type: 'string', default: 'sqlite,postgres' },
  },
});
const RUNS = Number(args.runs);
const STARTS = Number(args.starts);
const root = fileURLToPath(new URL('..', import.meta.url));

console.log(
  `start-up: migrate() ${RUNS} times per database, npm start ${STARTS} times per case ` +
    `(Node ${process.version}, ${availableParallelism()} CPUs, load average ${loadavg()[0].toFixed(1)})`,
);

// migrate() on an empty database: each engine's open() migrates a fresh one and times it.
for (const engine of chosenEngines(args.engines)) {
  const first = [];
  const again = [];
  for (let run = 0; run < RUNS; run++) {
    const opened = await engine.open();
    try {
      if (opened.migration.applied.length === 0) throw new Error('the database was not empty');
      first.push(opened.migration.milliseconds);
      const second = await migrate(opened.db, { tablePrefix: opened.tablePrefix });
      if (second.applied.length !== 0) throw new Error('a second migrate() applied migrations');
      again.push(second.milliseconds);
    } finally {
      await opened.close();
    }
  }
  const a = stats(first);
  const b = stats(again);
  console.log(
    `  ${engine.name.padEnd(8)} migrate() on an empty database: median ${ms(a.median, 1)} (max ${ms(Math.max(...first), 1)}); ` +
      `again, nothing to apply: ${ms(b.median, 1)}`,
  );
}

/** `npm start` with this database URL: milliseconds until an authenticated GET /Users answers 200. */
async function timeStart(url) {
  const token = 'bench-startup-token';
  const started = performance.now();
  // Its own process group, so that npm and the node it starts are stopped together.
  const child = spawn('npm', ['start', '--silent'], {
    cwd: root,
    env: { ...process.env, SCIM_DATABASE_URL: url, SCIM_TOKEN: token, PORT: '0' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let output = '';
  try {
    const base = await new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`no endpoint after 60 s:\n${output}`)),
        60_000,
      );
      const read = (chunk) => {
        output += chunk;
        const found = /SCIM 2\.0 endpoint: (\S+)/.exec(output);
        if (found !== null) {
          clearTimeout(timer);
          resolve(found[1]);
        }
      };
      child.stdout.on('data', read);
      child.stderr.on('data', read);
      child.once('exit', (code) => reject(new Error(`npm start exited with ${code}:\n${output}`)));
    });
    for (;;) {
      const response = await fetch(`${base}/Users?count=1`, {
        headers: { authorization: `Bearer ${token}` },
      }).catch(() => undefined);
      if (response?.status === 200) {
        await response.arrayBuffer();
        return { milliseconds: performance.now() - started, output };
      }
      if (response !== undefined && response.status !== 503)
        throw new Error(`GET /Users: ${response.status}\n${output}`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  } finally {
    child.removeAllListeners('exit');
    const exited = new Promise((resolve) => child.once('exit', resolve));
    process.kill(-child.pid, 'SIGTERM');
    await exited;
  }
}

const folder = mkdtempSync(join(tmpdir(), 'scim-bench-start-'));
let failed = false;
try {
  const cases = { 'a new SQLite file': [], 'the same file again': [] };
  for (let start = 0; start < STARTS; start++) {
    const file = join(folder, `scim-${start}.db`);
    for (const [name, times] of Object.entries(cases)) {
      const { milliseconds, output } = await timeStart(`sqlite:${file}`);
      if (!existsSync(file))
        throw new Error(
          `npm start did not open ${file} (is SCIM_DATABASE_URL honoured?)\n${output}`,
        );
      times.push(milliseconds);
      if (name === 'a new SQLite file' && start === 0)
        console.log(`  npm start said: ${output.trim().split('\n').join(' | ')}`);
    }
    const database = new Database(file, { readonly: true });
    const tables = database
      .prepare(
        `SELECT COUNT(*) AS n FROM sqlite_master WHERE type = 'table' AND name LIKE 'scim_%'`,
      )
      .get().n;
    database.close();
    if (tables === 0) throw new Error(`npm start left no scim_ tables in ${file}`);
  }
  for (const [name, times] of Object.entries(cases))
    console.log(
      `  npm start to its first answered GET /Users, on ${name}: median ${ms(stats(times).median, 0)} ` +
        `(${times.map((value) => value.toFixed(0)).join(', ')} ms)`,
    );
} catch (error) {
  console.error(`FAILED: ${error.message}`);
  failed = true;
} finally {
  rmSync(folder, { recursive: true, force: true });
}
if (failed) process.exit(1);
