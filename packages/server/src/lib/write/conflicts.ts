// Version conflicts between writers that did not ask for one: identity providers send no If-Match
// and count a 412 as a failed push, so a conflict is retried, not answered.
import { isScimError, ScimError } from '@scim/core';
import type { Engine } from '../engine.js';

// Full jitter (a random pause up to an exponentially growing cap) keeps concurrent writers from
// retrying in lock-step; the cap keeps a long run of conflicts from sleeping longer than it must.
const BASE_DELAY_MS = 2;
const MAX_DELAY_MS = 100;

/**
 * Runs `work` again whenever it fails on a version conflict (a store's 412), with jittered backoff,
 * until `conflictRetryMs` has passed; then the client gets 503 with `Retry-After`. Callers do not
 * use it for a write whose request carries If-Match: that client asked for the 412 (RFC 7644 §3.14).
 * `signalOf` gives what ends the pauses early (the request's deadline, or its client gone), asked for
 * only when there is a pause, as making a request's signal costs; work that must finish once begun,
 * such as a delete's clean-up, passes none.
 */
export async function retryConflicts<T>(
  engine: Engine,
  work: () => Promise<T>,
  signalOf?: () => AbortSignal,
): Promise<T> {
  if (engine.conflictRetryMs <= 0) return work();
  const deadline = performance.now() + engine.conflictRetryMs;
  for (let attempt = 0; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!isScimError(error) || error.status !== 412) throw error;
      if (performance.now() >= deadline)
        throw new ScimError({
          status: 503,
          detail: `The resource kept changing for ${engine.conflictRetryMs} ms while this request tried to write it; retry`,
          headers: { 'retry-after': '1' },
        });
      await pause(
        Math.random() * Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** attempt),
        signalOf?.(),
      );
    }
  }
}

function pause(milliseconds: number, signal: AbortSignal | undefined): Promise<void> {
  if (signal === undefined) return new Promise((resolve) => setTimeout(resolve, milliseconds));
  signal.throwIfAborted();
  return new Promise((resolve, reject) => {
    const done = () => {
      signal.removeEventListener('abort', aborted);
      resolve();
    };
    const aborted = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    const timer = setTimeout(done, milliseconds);
    signal.addEventListener('abort', aborted, { once: true });
  });
}
