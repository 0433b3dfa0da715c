// Every hook call is bounded by its lease and every response waits at most `responseWaitMs` for its
// hooks: one wait per event, thousands a second. A timer each (set, then cleared a few µs later)
// was a measurable part of what events cost a write. Waits of one fixed length end in the order they
// began, so they can share one timer: it is armed for the oldest wait, and when it fires it ends the
// waits that are due and is armed again for the next. A wait that ends first only leaves the set.

/** Waits of one fixed length, sharing one timer. */
export interface FixedDeadlines {
  /**
   * Settles as `work` does, or, when `work` outlasts the fixed length, rejects with what `expired`
   * returns (the work itself goes on).
   */
  within<T>(work: PromiseLike<T>, expired: () => Error): Promise<T>;
}

/** The longest delay a timer takes as it is: a longer one fires at once. */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Waiter {
  /** When it expires, by `performance.now()`: monotonic, as a timer's own delay is. */
  readonly at: number;
  readonly expire: () => void;
}

/** Makes the waits of `milliseconds` each; `milliseconds` is a positive number. */
export function fixedDeadlines(milliseconds: number): FixedDeadlines {
  /** In the order they began, which is the order they expire. */
  const waiting = new Set<Waiter>();
  let timer: ReturnType<typeof setTimeout> | undefined;

  const arm = (): void => {
    const first: Waiter | undefined = waiting.values().next().value;
    if (first === undefined) return;
    // At least 1 ms: a clock that stands still (a test that fakes timers but not the clock) must
    // not make this spin.
    const delay = Math.min(MAX_TIMER_MS, Math.max(1, first.at - performance.now()));
    try {
      timer = setTimeout(fire, delay);
    } catch {
      // A runtime that refuses timers outside a request (an edge worker, at start-up): the wait
      // goes unbounded until a later wait, made where timers are allowed, arms the timer.
      return;
    }
    if (typeof timer === 'object') timer.unref();
  };

  const fire = (): void => {
    timer = undefined;
    const now = performance.now();
    for (const waiter of waiting) {
      if (waiter.at > now) break;
      waiting.delete(waiter);
      waiter.expire();
    }
    arm();
  };

  return {
    within<T>(work: PromiseLike<T>, expired: () => Error): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        const waiter: Waiter = {
          at: performance.now() + milliseconds,
          expire: () => reject(expired()),
        };
        waiting.add(waiter);
        // Armed for an older wait, the timer will come to this one when it fires.
        if (timer === undefined) arm();
        work.then(
          (value) => {
            waiting.delete(waiter);
            resolve(value);
          },
          (error: unknown) => {
            waiting.delete(waiter);
            // The work's own rejection goes on unchanged, whatever it is.
            // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors
            reject(error);
          },
        );
      });
    },
  };
}
