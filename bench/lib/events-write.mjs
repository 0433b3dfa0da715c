// Part 3 of bench/events.mjs, the cost of events on a write: the variants' slices, taken in turns in
// one process, and the pooling of several such processes. A process is started afresh for each
// measurement (`events-write-child.mjs`): the write variants then share the process with nothing
// the benchmark did before (signing, pushing), and the figure is pooled over several processes,
// since one process's compiled code and heap can favour or slow one variant by a few per cent for
// its whole life (two identical handlers in one process have measured 2 % to 14 % apart).
import { fork } from 'node:child_process';
import { WRITE_VARIANTS, closedLoop, median, setUpWriteVariant } from './events-kit.mjs';

/**
 * In this process: every chosen variant warmed up, then `rounds` rounds of one `sliceMs` slice each,
 * another variant first in each round, for one client and for `concurrency` at once. Resolves the
 * runs of each mode and variant, the wrongly answered mixes, and the SETs the "deliver" variant
 * queued (to be checked against what the receiver got).
 */
export async function measureWrites({
  variantNames,
  rounds,
  sliceMs,
  warmupMs,
  concurrency,
  key,
  receiver,
  recordsPerMix,
}) {
  const setups = [];
  for (const variant of WRITE_VARIANTS)
    if (variantNames.includes(variant.name))
      setups.push(await setUpWriteVariant(variant, { key, receiver, recordsPerMix }));
  await receiver.reset();
  const modes = [];
  for (const [modeIndex, clients] of [1, concurrency].entries()) {
    const slice = async (setup, ms) => {
      const run = await closedLoop(clients, ms, setup.work, setup.settle);
      await setup.tidy();
      return run;
    };
    // V8 compiles the shared write path during the first mode's warm-up; the second needs less.
    for (const setup of setups) await slice(setup, modeIndex === 0 ? warmupMs : warmupMs / 4);
    const runs = new Map(setups.map((setup) => [setup, []]));
    for (let round = 0; round < rounds; round++) {
      // Another variant goes first in each round, so that none always follows the same one.
      const order = setups.map((_, index) => setups[(index + round) % setups.length]);
      for (const setup of order) runs.get(setup).push(await slice(setup, sliceMs));
    }
    modes.push({
      clients,
      runs: Object.fromEntries(setups.map((setup) => [setup.variant.name, runs.get(setup)])),
    });
  }
  const wrong = Object.fromEntries(setups.map((setup) => [setup.variant.name, setup.counts.wrong]));
  const delivering = setups.find((setup) => setup.variant.deliver);
  for (const setup of setups) await setup.close();
  return { modes, wrong, delivered: delivering?.counts.queued };
}

/**
 * Runs {@link measureWrites} in `processes` fresh processes, one after the other (never side by
 * side: they would share the cores), each with its own receiver. Resolves their results in order.
 */
export async function measureWritesInProcesses(processes, settings) {
  const results = [];
  for (let index = 0; index < processes; index++) {
    const child = fork(new URL('./events-write-child.mjs', import.meta.url), [], {
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const result = await new Promise((resolve, reject) => {
      child.once('message', resolve);
      child.once('error', reject);
      child.once('exit', (code, signal) =>
        reject(new Error(`a write process exited with ${code ?? signal}`)),
      );
      child.send(settings);
    });
    child.removeAllListeners('exit');
    await new Promise((resolve) => {
      child.once('exit', resolve);
      child.send('exit');
    });
    results.push(result);
  }
  return results;
}

/**
 * One mode's figures for one variant, pooled over the processes: its µs and CPU µs per mix (the
 * medians of every slice), and its cost against `baseline`, the median over every round of every
 * process of the variant's figure ÷ the baseline's in the same round, − 1 (a ratio of neighbours, a
 * few hundred ms apart, shrugs off a change in the machine's load); `perProcess` gives each
 * process's own median cost, for the spread.
 */
export function pooledFigures(results, modeIndex, name, baseline) {
  const runsOf = (result, variant) => result.modes[modeIndex].runs[variant];
  const all = results.flatMap((result) => runsOf(result, name));
  const ratios = (result, field) =>
    runsOf(result, name).map((run, round) => run[field] / runsOf(result, baseline)[round][field]);
  const isBaseline = name === baseline;
  return {
    perSecond: median(all.map((run) => run.perSecond)),
    wallUs: median(all.map((run) => run.wallUs)),
    cpuUs: median(all.map((run) => run.cpuUs)),
    cost: isBaseline ? undefined : median(results.flatMap((r) => ratios(r, 'wallUs'))) - 1,
    cpuCost: isBaseline ? undefined : median(results.flatMap((r) => ratios(r, 'cpuUs'))) - 1,
    perProcess: isBaseline ? [] : results.map((r) => median(ratios(r, 'wallUs')) - 1),
  };
}
