// The deliverer's policy, apart from its scheduling: the checked settings it runs with, and when a
// failed SET is tried again. Retries back off exponentially with full jitter, never sooner than the
// receiver's Retry-After, and a SET is dead only once it has used `maxAttempts` and been queued for
// longer than `retryWindowMs`, so a receiver down for a redeploy does not cost it a deprovisioning.
import type { StreamDeliveryOptions } from './deliverer.js';
import { checkTimeoutMs, MAX_TIMEOUT_MS, type PushResult } from './push-transport.js';
import { checkNumberOption } from './replay.js';
import type { QueuedSet } from './streams.js';

const DEFAULTS = {
  maxAttempts: 20,
  retryWindowMs: 259_200_000,
  backoffMs: 1_000,
  maxBackoffMs: 300_000,
  leaseMs: 60_000,
  pollMs: 1_000,
  batchSize: 100,
  concurrency: 10,
  timeoutMs: 10_000,
} as const;

/** Every delivery option, checked and with its default filled in. */
export type DeliverySettings = { readonly [K in keyof typeof DEFAULTS]: number };

/** A push or webhook delivery's outcome; a webhook has no `rejected`. */
export type Outcome = PushResult;

/** What became of one attempt: `held` when nothing was recorded (closing, or the queue failed). */
export type Settled = 'delivered' | 'dead' | 'retried' | 'held';

/** A receiver may ask for a long pause, but not one that parks a SET for more than a day. */
const MAX_RETRY_AFTER_MS = 86_400_000;

/** Checks the options of `createStreamDeliverer` and fills in the defaults; throws a RangeError. */
export function deliverySettingsOf(options: StreamDeliveryOptions): DeliverySettings {
  const owner = 'createStreamDeliverer';
  const count = (name: 'maxAttempts' | 'batchSize' | 'concurrency'): number =>
    checkNumberOption(owner, name, options[name], DEFAULTS[name], { min: 1, integer: true });
  // Delays go to Node's timers, which take whole milliseconds up to 2^31 − 1.
  const delay = (
    name: 'backoffMs' | 'maxBackoffMs' | 'leaseMs' | 'pollMs' | 'retryWindowMs',
    min: number,
  ): number =>
    checkNumberOption(owner, name, options[name], DEFAULTS[name], {
      min,
      max: MAX_TIMEOUT_MS,
      integer: true,
    });
  const settings: DeliverySettings = {
    maxAttempts: count('maxAttempts'),
    retryWindowMs: delay('retryWindowMs', 0),
    batchSize: count('batchSize'),
    concurrency: count('concurrency'),
    backoffMs: delay('backoffMs', 0),
    maxBackoffMs: delay('maxBackoffMs', 0),
    leaseMs: delay('leaseMs', 1),
    pollMs: delay('pollMs', 0),
    timeoutMs: checkTimeoutMs(owner, options.timeoutMs),
  };
  if (settings.leaseMs <= settings.timeoutMs)
    throw new RangeError(
      `${owner}: leaseMs must exceed timeoutMs, or a slow delivery would be taken again while it runs`,
    );
  return settings;
}

/** A refused URL may be a passing DNS answer: retried like a network failure, saying why. */
export function retryRefusedUrl(outcome: Outcome): Outcome {
  if (outcome.outcome !== 'refused-url') return outcome;
  return {
    outcome: 'retry',
    reason: `the receiver URL was refused (${outcome.code}): ${outcome.reason}`,
  };
}

/** When to try the SET again, or undefined once both its attempts and its window are spent. */
export function retryTime(
  settings: DeliverySettings,
  random: () => number,
  outcome: Extract<Outcome, { outcome: 'retry' }>,
  set: QueuedSet,
  at: Date,
): Date | undefined {
  const attempts = set.attempts + 1;
  const queuedFor = at.getTime() - Date.parse(set.queuedAt);
  // An unreadable queuedAt counts as outside the window: maxAttempts still bounds the retries.
  const inWindow = queuedFor < settings.retryWindowMs;
  if (attempts >= settings.maxAttempts && !inWindow) return undefined;
  const cap = Math.min(settings.maxBackoffMs, settings.backoffMs * 2 ** (attempts - 1));
  const jittered = Math.floor(random() * cap);
  const asked = Math.min(outcome.retryAfterMs ?? 0, MAX_RETRY_AFTER_MS);
  return new Date(at.getTime() + Math.max(jittered, asked, 1));
}
