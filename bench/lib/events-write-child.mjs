// One process of bench/events.mjs's part 3 (events-write.mjs): takes its settings from the parent
// over IPC, measures the write variants with a push receiver of its own, sends back the runs and
// what the receiver got, and exits when the parent says so.
import { generateSigningKey } from '../../packages/events/dist/index.js';
import { recordsOfOneMix, startReceiver } from './events-kit.mjs';
import { measureWrites } from './events-write.mjs';

process.once('message', async (settings) => {
  const receiver = await startReceiver();
  const records = await recordsOfOneMix();
  const result = await measureWrites({
    ...settings,
    key: await generateSigningKey(),
    receiver,
    recordsPerMix: records.length,
  });
  const received = await receiver.stats();
  process.once('message', () => {
    receiver.stop();
    process.exit(0);
  });
  process.send({ ...result, received });
});
