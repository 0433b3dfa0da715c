// The CPU work of one request mix, counted rather than timed. A cost of a few per cent is smaller
// than the run-to-run spread of wall-clock figures on a shared two-core VM (the same build measured
// minutes apart moves by more than 10 %), so a target like "under 5 %" cannot be decided by a clock
// there. Counting what the processor executes can: each variant runs in a process of its own (its
// own heap, as an application with or without the feature has), under Valgrind's cachegrind, with
// V8 made deterministic (`--predictable`: no concurrent compiler or GC threads, so their work is
// counted in the same thread; fixed hash and random seeds). Two runs per variant: `warm` mixes,
// then 0 or `measured` more, then one full garbage collection; their difference ÷ `measured` is the
// work of one mix in a warm process, the garbage it leaves included, start-up and teardown
// cancelled out. Nothing is collected between the warm-up and the measured mixes: a full
// collection while no request is in flight makes V8 drop optimized code, which the measured mixes
// would then count compiled again (counted-mixes.mjs). Two counts of the events mix without hooks
// agree within 0.1 % this way (bench/README.md).
//
// Reported per mix: instructions, and a cycle estimate that also charges memory traffic, from
// cachegrind's simulated caches: instructions + 10 × first-level misses + 100 × last-level misses
// (the weights KCachegrind uses for its "cycle estimation"). Neither sees what the simulation does
// not model (branch mispredictions, the machine's other tenants); the wall-clock tables beside them
// do, within their spread.
import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { number, table } from './events-kit.mjs';
import { pool } from './load.mjs';

const WORKER = fileURLToPath(new URL('./counted-mixes.mjs', import.meta.url));
const V8_DETERMINISM = [
  '--predictable',
  // Heap growth and the memory reducer otherwise follow the clock, which Valgrind slows 50-fold.
  '--predictable-gc-schedule',
  '--hash-seed=1',
  '--random-seed=1',
  '--expose-gc',
];

/** Whether Valgrind runs here (Debian: `apt-get install valgrind`). */
export function hasValgrind() {
  const probe = spawnSync('valgrind', ['--version'], { encoding: 'utf8' });
  return probe.status === 0 && /^valgrind-3\./.test(probe.stdout);
}

/** Cachegrind's summary (stderr) as numbers: `I refs`, `I1 misses`, `D1 misses`, `LL misses`. */
function parseSummary(text) {
  const field = (label) => {
    const match = new RegExp(`==\\d+== ${label}:\\s+([\\d,]+)`).exec(text);
    if (match === null) throw new Error(`cachegrind printed no "${label}":\n${text.slice(-2000)}`);
    return Number(match[1].replaceAll(',', ''));
  };
  return {
    instructions: field('I\\s+refs'),
    l1Misses: field('I1\\s+misses') + field('D1\\s+misses'),
    llMisses: field('LL misses'),
  };
}

/** The cycle estimate of a cachegrind summary (see the file's head). */
const cyclesOf = (summary) => summary.instructions + 10 * summary.l1Misses + 100 * summary.llMisses;

/**
 * V8's compilers and parsers, by the C++ names cachegrind reports: their work in the measured mixes
 * means the warm-up was too short, since a server that has run for a while compiles nothing more.
 */
const COMPILING =
  /v8::internal::(compiler|maglev|interpreter|baseline)::|v8::internal::(Parser|Scanner|Compiler|Bytecode|PreParser)/;

/** The instructions of the functions whose name matches `pattern`, from a cachegrind output file. */
function instructionsMatching(text, pattern) {
  let total = 0;
  let matching = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('fn=')) matching = pattern.test(line);
    else if (matching && line !== '' && line.charCodeAt(0) >= 48 && line.charCodeAt(0) <= 57)
      // "<line> <Ir> <I1mr> …": the first count is the instructions.
      total += Number(line.split(' ', 2)[1]);
  }
  return total;
}

/** Runs `counted-mixes.mjs` under cachegrind; resolves its summary and its compilers' share. */
async function countedRun({ suite, variant, warm, measured, concurrency }) {
  const folder = await mkdtemp(join(tmpdir(), 'scim-counted-'));
  const outFile = join(folder, 'cachegrind.out');
  try {
    const summary = await cachegrind(outFile, { suite, variant, warm, measured, concurrency });
    const compiling = instructionsMatching(await readFile(outFile, 'utf8'), COMPILING);
    return { ...summary, compiling };
  } finally {
    await rm(folder, { recursive: true, force: true });
  }
}

function cachegrind(outFile, { suite, variant, warm, measured, concurrency }) {
  const args = [
    '--tool=cachegrind',
    '--cache-sim=yes',
    // V8 writes machine code into anonymous memory as it compiles: checked for self-modification.
    '--smc-check=all-non-file',
    `--cachegrind-out-file=${outFile}`,
    process.execPath,
    ...V8_DETERMINISM,
    WORKER,
    suite,
    variant,
    String(warm),
    String(measured),
    String(concurrency),
  ];
  return new Promise((resolve, reject) => {
    execFile('valgrind', args, { maxBuffer: 64 * 1024 * 1024 }, (error, _stdout, stderr) => {
      if (error !== null) {
        reject(new Error(`${suite}/${variant} under cachegrind: ${error.message}\n${stderr}`));
        return;
      }
      try {
        resolve(parseSummary(stderr));
      } catch (parseError) {
        reject(parseError);
      }
    });
  });
}

/**
 * The work of one mix of each variant: `{ variant: { instructions, cycles } }` per mix, each the
 * difference between a run with `measured` mixes after the `warm` ones and one without, ÷
 * `measured`. Runs
 * `parallel` processes at a time (one per core: cachegrind runs a process on one core).
 */
export async function countMixes({ suite, variants, concurrency, warm, measured, parallel = 2 }) {
  const jobs = variants.flatMap((variant) => [
    { variant, warm, measured: 0 },
    { variant, warm, measured },
  ]);
  const summaries = await pool(jobs.length, parallel, (index) =>
    countedRun({ suite, concurrency, ...jobs[index] }),
  );
  const perMix = {};
  for (const [index, variant] of variants.entries()) {
    const short = summaries[2 * index];
    const long = summaries[2 * index + 1];
    perMix[variant] = {
      instructions: (long.instructions - short.instructions) / measured,
      cycles: (cyclesOf(long) - cyclesOf(short)) / measured,
      compiling: (long.compiling - short.compiling) / measured,
    };
  }
  return perMix;
}

const signed = (fraction) => `${fraction >= 0 ? '+' : ''}${number(100 * fraction, 1)} %`;

/**
 * The rows of the counted table for one mode: per variant (in `perMix`'s order, the baseline
 * first), its label, K instructions, K cycles, and both costs against `baseline`.
 */
export function countedRows(modeName, perMix, baseline, label = (variant) => variant) {
  return Object.entries(perMix).map(([variant, counted], index) => [
    index === 0 ? modeName : '',
    label(variant),
    number(counted.instructions / 1000),
    number(counted.cycles / 1000),
    variant === baseline ? '' : signed(counted.instructions / perMix[baseline].instructions - 1),
    variant === baseline ? '' : signed(counted.cycles / perMix[baseline].cycles - 1),
    `${number((100 * counted.compiling) / counted.instructions, 1)} %`,
  ]);
}

/** Prints the counted rows, and what judges the target instead. */
export function printCounted(rows, judgedBy) {
  table(
    ['clients', 'variant', 'K instructions', 'K cycles', 'cost', 'cycles cost', 'compiling'],
    rows,
    new Set([2, 3, 4, 5, 6]),
  );
  console.log(
    '"compiling": the share of the instructions that V8\'s compilers spent during the measured ' +
      'mixes; above 1 % or so, the warm-up (--warm) was too short to count a running server.',
  );
  console.log(
    `Counted, what a change saves shows where a clock cannot tell it; ${judgedBy}, which ` +
      "include what cachegrind does not model (the garbage collector's threads, branch " +
      "prediction, the machine's own caches).",
  );
}
