// Issue 13's storage targets for @scim/sql, on SQLite (a file in a temporary directory) and on
// PostgreSQL (SCIM_TEST_POSTGRES_URL, under a fresh table prefix dropped at the end; skipped with the
// reason printed when the variable is not set). For each database: migrate, load the users, then
//   - `userName eq`, `externalId eq`, `emails[value eq …]` through store.query: median and p95
//     (targets: under 1, 2 and 2 ms), with the plan of every statement the store ran;
//   - a `--group`-member group against a 10-member group: one member added and removed (through
//     modifyMembers, and through PATCH /Groups), and a member user read through GET /Users/{id}
//     (whose `groups` comes from groupsOf): big ÷ small within 1.5, and the 10-member group's
//     figures within 1.5× of what they were before the big group existed;
//   - RFC 9865 cursor paging through every user: the last page within 1.5× of the first.
// Run after `npm run build`:
//   node bench/sql-store-1m.mjs [users] [--engines sqlite,postgres] [--group 100000] [--page 1000]
//                               [--repeats 1000] [--load bulk|create] [--check] [--max-ratio 1.5]
// Users are loaded with multi-row INSERTs (`--load bulk`, checked row for row against store.create)
// or through store.create, 5,000 to a transaction (`--load create`: 2.5× slower on SQLite, 50× and
// more on PostgreSQL, a round trip per statement). It exits 1 when an answer is wrong; with
// --check, also when a ratio exceeds --max-ratio (npm test runs small sizes with a loose bound; the
// absolute lookup targets are never checked, being machine figures).
import { availableParallelism, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { sql } from 'kysely';
import { createSqlStorage } from '../packages/sql/dist/index.js';
import { bulkLoadUsers, checkBulkLikeCreate } from './lib/sql-bulk.mjs';
import { checkLoadedLikePost, count, loadUsers, statementRecorder } from './lib/sql-data.mjs';
import { chosenEngines } from './lib/sql-databases.mjs';
import { measureCursorWalk, measureGroups, measureLookups } from './lib/sql-measure.mjs';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    engines: { type: 'string', default: 'sqlite,postgres' },
    group: { type: 'string' },
    page: { type: 'string', default: '1000' },
    repeats: { type: 'string', default: '1000' },
    load: { type: 'string', default: 'bulk' },
    check: { type: 'boolean', default: false },
    'max-ratio': { type: 'string', default: '1.5' },
  },
});
const USERS = Number(positionals[0] ?? 1_000_000);
const GROUP = Math.min(Number(args.group ?? 100_000), USERS - 11);
const PAGE = Number(args.page);
const REPEATS = Number(args.repeats);
const MAX_RATIO = Number(args['max-ratio']);
if (!(GROUP >= 10)) throw new Error('need at least 21 users');

console.log(
  `@scim/sql benchmark: ${count(USERS)} users, a ${count(GROUP)}-member group, pages of ${PAGE} ` +
    `(Node ${process.version}, ${availableParallelism()} CPUs, load average ${loadavg()[0].toFixed(1)})`,
);

let failed = false;
const summary = [];
for (const engine of chosenEngines(args.engines)) {
  console.log(`\n=== ${engine.name} ===`);
  const opened = await engine.open();
  try {
    const { db, tablePrefix, dialect } = opened;
    console.log(`migrate() on an empty database: ${opened.migration.milliseconds.toFixed(1)} ms`);
    const storage = createSqlStorage({ db, tablePrefix });
    const recorder = statementRecorder(db);
    const run = {
      db,
      dialect,
      tablePrefix,
      storage,
      recorder,
      recordingStorage: createSqlStorage({ db: recorder.db, tablePrefix, dialect }),
    };
    const started = performance.now();
    let reported = 0;
    const progress = (done) => {
      if (done - reported < 200_000 && done < USERS) return;
      reported = done;
      const seconds = (performance.now() - started) / 1000;
      console.log(`  loaded ${count(done)} users in ${seconds.toFixed(1)} s`);
    };
    let users;
    if (args.load === 'create') {
      users = await loadUsers(storage, { to: USERS, batch: 5_000, progress });
    } else {
      await checkBulkLikeCreate(storage, db, tablePrefix);
      users = await bulkLoadUsers(db, tablePrefix, { total: USERS, progress });
    }
    const loadSeconds = (performance.now() - started) / 1000;
    await checkLoadedLikePost(storage, db, tablePrefix, users[0]);
    console.log(
      `loaded ${count(USERS)} users (${args.load === 'create' ? 'store.create' : 'bulk INSERTs, rows checked against store.create'}; shape checked against a POST /Users) in ${loadSeconds.toFixed(1)} s`,
    );
    if (dialect === 'postgres') {
      // What autovacuum does soon after a load this size (PostgreSQL 13+ vacuums after inserts):
      // statistics for the planner, and a visibility map for index-only scans.
      const vacuumed = performance.now();
      for (const table of ['resources', 'emails', 'unique_values'])
        await sql`VACUUM (ANALYZE) ${sql.table(`${tablePrefix}${table}`)}`.execute(db);
      console.log(
        `VACUUM (ANALYZE) of the loaded tables: ${((performance.now() - vacuumed) / 1000).toFixed(1)} s`,
      );
    }
    const verdicts = [
      ...(await measureLookups(run, { users, repeats: REPEATS })),
      ...(await measureGroups(run, {
        users,
        big: GROUP,
        repeats: Math.ceil(REPEATS / 4),
        maxRatio: MAX_RATIO,
      })),
      ...(await measureCursorWalk(run, {
        users,
        page: PAGE,
        repeats: Math.ceil(REPEATS / 10),
        maxRatio: MAX_RATIO,
      })),
    ];
    for (const entry of verdicts) summary.push({ engine: engine.name, ...entry });
  } catch (error) {
    console.error(`${engine.name}: FAILED: ${error.stack ?? error}`);
    failed = true;
  } finally {
    await opened.close();
  }
}

console.log('\nsummary:');
for (const entry of summary) {
  const value = entry.unit === 'x' ? `${entry.value.toFixed(2)}x` : `${entry.value.toFixed(3)} ms`;
  const target = entry.unit === 'x' ? `${entry.target}x` : `${entry.target} ms`;
  console.log(
    `  ${entry.engine.padEnd(9)} ${entry.name.padEnd(40)} ${value.padStart(10)}  (<= ${target}) ${entry.ok ? 'PASS' : 'MISS'}`,
  );
}
if (failed) process.exit(1);
// Only the ratios are checked: absolute times are this machine's.
if (args.check && summary.some((entry) => entry.unit === 'x' && !entry.ok)) process.exit(1);
