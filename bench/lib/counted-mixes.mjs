// One variant's process for bench/lib/instructions.mjs: sets the variant up, runs `warm` mixes, then
// `measured` more, collects the garbage and exits, with `concurrency` clients. What it does is fixed
// by its arguments, so that two runs differ only in the measured mixes; the full collection after
// them charges those mixes with all the garbage they left, wherever the collector would otherwise
// have run (needs --expose-gc).
//   node bench/lib/counted-mixes.mjs <events-write|console> <variant> <warm> <measured> <concurrency>
import { setUpConsoleVariant } from './console-kit.mjs';
import { WRITE_VARIANTS, recordsOfOneMix, setUpWriteVariant } from './events-kit.mjs';
import { pool } from './load.mjs';

const [suite, variantName, ...counts] = process.argv.slice(2);
const [warm, measured, concurrency] = counts.map(Number);
if (
  ![warm, measured].every((count) => Number.isInteger(count) && count >= 0) ||
  !Number.isInteger(concurrency) ||
  concurrency < 1 ||
  typeof globalThis.gc !== 'function'
)
  throw new Error(
    'usage: node --expose-gc counted-mixes.mjs <events-write|console> <variant> <warm> <measured> <concurrency>',
  );

/**
 * `warm` mixes, `measured` mixes, a full collection. Nothing is collected between the two: a full
 * collection while no request is in flight makes V8 throw away the optimized code that refers to
 * objects of the requests just done, and the measured mixes would count it compiled again (about
 * 150 compilations in 1,000 mixes, 40 % of their instructions). `gc()` without options is such a
 * collection, and also drops compiled code; at the end, where nothing runs after it, neither
 * matters. (`gc()` with an options object is no full collection on Node 20: V8 11 reads any
 * argument as "minor" and runs a scavenge.)
 */
async function phases(runMixes) {
  await runMixes(warm);
  await runMixes(measured);
  globalThis.gc();
}

/**
 * Runs `count` mixes, `concurrency` at a time; every `batch` mixes, `between(batch)` (the events
 * variants tidy their queue there, as bench/events.mjs does after each slice).
 */
async function run(work, count, batch = count, between = async () => {}) {
  for (let started = 0; started < count; started += batch) {
    const size = Math.min(batch, count - started);
    await pool(size, concurrency, () => work());
    await between(size);
  }
}

let wrong;
if (suite === 'events-write') {
  const variant = WRITE_VARIANTS.find((candidate) => candidate.name === variantName);
  if (variant === undefined || variant.deliver)
    throw new Error(`events-write has no variant "${variantName}" that delivers nothing`);
  const records = await recordsOfOneMix();
  // Nothing is pushed: the receiver is never called.
  const receiver = { url: (id) => `https://receiver.example.com/${id}` };
  const setup = await setUpWriteVariant(variant, { receiver, recordsPerMix: records.length });
  await phases((count) =>
    run(setup.work, count, 100, async (size) => {
      await setup.settle(size);
      await setup.tidy();
    }),
  );
  wrong = setup.counts.wrong;
  await setup.close();
} else if (suite === 'console') {
  const setup = await setUpConsoleVariant(variantName);
  await phases((count) => run(setup.work, count));
  wrong = setup.wrong();
  await setup.close();
} else throw new Error(`no suite "${suite}"`);
if (wrong > 0) throw new Error(`${suite}/${variantName}: ${wrong} mixes were answered wrongly`);
process.exit(0);
