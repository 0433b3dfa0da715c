// The in-process variants of bench/console.mjs's "timed" part, in a process of their own:
// `node bench/lib/console-timed-child.mjs <memory|sqlite> <variant>…`, forked with an IPC channel.
// It makes each variant's handler in the order given (console-kit.mjs's setUpConsoleVariant, over a
// storage of its own), sends `{ ready: true }`, then answers `{ slice: variant, ms, concurrency }`
// with `{ run }` (closedLoop's mixes per second, wall and CPU µs per mix, measured here, where the
// mixes run) and `{ close: true }` with `{ wrong }` (wrong answers by variant) before it exits.
import { setUpConsoleVariant } from './console-kit.mjs';
import { closedLoop } from './events-kit.mjs';

const [store, ...variants] = process.argv.slice(2);

const setups = new Map();
for (const variant of variants) setups.set(variant, await setUpConsoleVariant(variant, store));

process.on('message', async (message) => {
  if (message.close === true) {
    const wrong = {};
    for (const [variant, setup] of setups) {
      wrong[variant] = setup.wrong();
      await setup.close();
    }
    process.send({ wrong }, () => process.exit(0));
    return;
  }
  const setup = setups.get(message.slice);
  const run = await closedLoop(message.concurrency, message.ms, setup.work);
  process.send({ run });
});
process.send({ ready: true });
