// The long polls of one process, by key: what a SetQueue's `changed(streamId, signal)` waits on and
// its writes wake. Waiting keeps nothing but the waiter, which leaves at its wake-up or its abort,
// so keys nobody waits on cost nothing and an aborted poll leaves no listener behind.

/**
 * Long polls waiting for a change, by key (a stream id): a {@link SetQueue}'s `changed` waits here,
 * and the queue wakes the key once its write has happened. Waiters live in this process only, so a
 * queue shared by several processes wakes its own polls, and pollers also look again on a timer.
 * @example
 * ```ts
 * const waiters = createChangeWaiters();
 * const queue: SetQueue = {
 *   // …enqueue ends with waiters.wake(streamId) for each stream it added to
 *   changed: (streamId, signal) => waiters.wait(streamId, signal),
 * };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8936#section-2.2
 */
export interface ChangeWaiters {
  /** Resolves at the key's next `wake`, or when `signal` aborts (at once if it has). */
  readonly wait: (key: string, signal: AbortSignal) => Promise<void>;
  /** Resolves every wait on the key now, and forgets them. */
  readonly wake: (key: string) => void;
}

/**
 * Creates the registry of long polls a {@link SetQueue} needs for `changed(streamId, signal)`: each
 * `wait` resolves at the key's next `wake` or when its signal aborts, and never rejects.
 * @example
 * ```ts
 * import { createChangeWaiters } from '@scim/events';
 *
 * const waiters = createChangeWaiters();
 * const controller = new AbortController();
 * setTimeout(() => controller.abort(), 30_000); // the poll's timeout
 * const changed = waiters.wait('stream-1', controller.signal);
 * waiters.wake('stream-1'); // after SETs are queued for stream-1
 * await changed;
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8936#section-2.2
 */
export function createChangeWaiters(): ChangeWaiters {
  const waiters = new Map<string, Set<() => void>>();
  return {
    wait: (key, signal) => {
      if (signal.aborted) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const done = (): void => {
          const waiting = waiters.get(key);
          waiting?.delete(done);
          if (waiting?.size === 0) waiters.delete(key);
          signal.removeEventListener('abort', done);
          resolve();
        };
        let waiting = waiters.get(key);
        if (waiting === undefined) {
          waiting = new Set();
          waiters.set(key, waiting);
        }
        waiting.add(done);
        signal.addEventListener('abort', done, { once: true });
      });
    },
    wake: (key) => {
      const waiting = waiters.get(key);
      if (waiting === undefined) return;
      waiters.delete(key);
      for (const resolve of waiting) resolve();
    },
  };
}
