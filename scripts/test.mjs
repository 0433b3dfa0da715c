// `npm test`: everything CI checks, in the order a contributor wants to hear about it. Each step's
// own output is shown; the last line is the plain `N passed, M failed` summary CI reads (unit tests
// and smoke checks counted one by one, every other step as one check).
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

const resultsFile = 'test-results.json';
let passed = 0;
let failed = 0;
const failures = [];

function run(name, command, args, count) {
  console.log(`\n▶ ${name}: ${command} ${args.join(' ')}`);
  const started = Date.now();
  const result = spawnSync(command, args, {
    stdio: count ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    encoding: 'utf8',
    shell: false,
  });
  if (count) process.stdout.write(result.stdout ?? '');
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const counted = count ? count(result) : undefined;
  if (counted) {
    passed += counted.passed;
    failed += counted.failed;
  } else if (result.status === 0) {
    passed += 1;
  } else {
    failed += 1;
  }
  if (result.status !== 0) failures.push(name);
  console.log(`${result.status === 0 ? '✔' : '✘'} ${name} (${seconds} s)`);
}

const npx = (bin, ...args) => ['npx', ['--no-install', bin, ...args]];
const plainSummary = (result) => {
  const match = /(\d+) passed, (\d+) failed\s*$/.exec(result.stdout ?? '');
  if (!match) return { passed: 0, failed: 1 };
  return {
    passed: Number(match[1]),
    failed: Number(match[2]) + (result.status === 0 ? 0 : Number(match[2]) === 0 ? 1 : 0),
  };
};

run('generated code matches its source', 'node', ['scripts/check-generated.mjs'], plainSummary);
run('typecheck', ...npx('tsc', '-p', 'tsconfig.json'));
run('lint', ...npx('eslint', '.'));
run('format', ...npx('prettier', '--check', '.'));
run('tsdoc', 'node', ['scripts/check-tsdoc.mjs'], plainSummary);

rmSync(resultsFile, { force: true });
/** Failed tests, named again at the end of the log. */
const failedTests = [];
console.log('\n▶ unit tests: vitest run');
const unit = spawnSync(
  'npx',
  [
    '--no-install',
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    `--outputFile=${resultsFile}`,
  ],
  {
    stdio: 'inherit',
  },
);
try {
  const report = JSON.parse(readFileSync(resultsFile, 'utf8'));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  if (report.numTotalTests === 0) {
    failed += 1;
    failures.push('unit tests (none ran)');
  } else if (unit.status !== 0) {
    if (report.numFailedTests === 0) failed += 1;
    failures.push('unit tests');
    // Name what failed once more at the end, where a CI log is read first.
    for (const file of report.testResults ?? []) {
      if (file.status !== 'passed' && (file.assertionResults ?? []).length === 0)
        failedTests.push(`✘ ${file.name}: ${String(file.message ?? '').split('\n')[0]}`);
      for (const test of file.assertionResults ?? []) {
        if (test.status !== 'failed') continue;
        failedTests.push(
          `✘ ${test.fullName}\n  ${String(test.failureMessages?.[0] ?? '')
            .split('\n')
            .slice(0, 6)
            .join('\n  ')}`,
        );
      }
    }
  }
} catch {
  failed += 1;
  failures.push('unit tests (no report)');
}

run('build', 'npm', ['run', 'build', '--silent']);
run('smoke (import and require every built package)', 'node', ['scripts/smoke.mjs'], plainSummary);
// The scale scripts (npm run bench:scale) at small sizes, so that they cannot rot unnoticed.
run('scale script: cursor paging (3,000 users)', 'node', [
  'bench/cursor-paging-1m.mjs',
  '3000',
  '100',
]);
run('scale script: 1,000-operation bulk', 'node', ['--expose-gc', 'bench/bulk-1000.mjs']);
run('scale script: bulkId chain (300 operations)', 'node', ['bench/bulk-chain.mjs', '300', '9']);
run('scale script: memory store (20,000 users)', 'node', [
  '--expose-gc',
  'bench/memory-store-1m.mjs',
  '20000',
]);
// @scim/sql (npm run bench:sql) on SQLite, and PostgreSQL when SCIM_TEST_POSTGRES_URL is set. Only
// the big ÷ small ratios are checked, with a loose bound (3×: a size-dependent cost at 2,000 members
// or 3,000 users still shows); the absolute lookup targets and the HTTP ratios are machine figures,
// printed but not checked here.
run('scale script: @scim/sql store (3,000 users, a 2,000-member group)', 'node', [
  'bench/sql-store-1m.mjs',
  '3000',
  '--group',
  '2000',
  '--page',
  '100',
  '--repeats',
  '400',
  '--check',
  '--max-ratio',
  '3',
]);
run('scale script: @scim/sql over HTTP (300 users)', 'node', [
  'bench/sql-http.mjs',
  '--quick',
  '--servers',
  'bare,express-sqlite',
]);
run('scale script: @scim/sql start-up', 'node', [
  'bench/sql-startup.mjs',
  '--runs',
  '2',
  '--starts',
  '1',
]);
run('package checks (publint, attw)', 'npm', ['run', 'check:pkgs', '--silent']);
run('api docs (typedoc)', ...npx('typedoc', '--logLevel', 'Warn'));

if (failedTests.length > 0) console.log(`\n${failedTests.join('\n')}`);
if (failures.length > 0) console.log(`\nFailed: ${failures.join(', ')}`);
console.log(`\n${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 || failures.length > 0 ? 1 : 0;
