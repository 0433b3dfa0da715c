// Transactions of the memory storage: one FIFO lock per storage, held by a transaction from start to
// end, a journal of undo steps that a rollback runs newest first, and the steps a commit runs.
import type { TransactionContext } from '../options.js';

/** Puts back what one write changed; steps run newest first, so each sees the state its write left. */
export type UndoStep = () => void;

/**
 * Makes one write visible where readers must not see it before the commit (the outbox's `claim`):
 * run once the work has resolved, oldest first, still holding the lock.
 */
export type CommitStep = () => void;

/**
 * How the memory store and outbox apply writes. Every write is synchronous once it runs, so no two
 * interleave half-way; the gate decides when it runs and whether it can be undone.
 */
export interface MemoryGate {
  /**
   * Runs `apply` now when `transaction` is the running transaction's handle (with its journal and
   * commit steps), and otherwise once no transaction holds the storage (with neither: the write is
   * committed as it applies).
   */
  write<T>(
    transaction: unknown,
    apply: (journal: UndoStep[] | undefined, commits: CommitStep[] | undefined) => T,
  ): Promise<T>;
}

/** A store or outbox of its own: writes apply at once, and a transaction handle means nothing to it. */
export const UNGATED: MemoryGate = {
  // eslint-disable-next-line @typescript-eslint/require-await -- a rejection, not a throw, for a failed write
  write: async (_transaction, apply) => apply(undefined, undefined),
};

interface Running {
  open: boolean;
  readonly journal: UndoStep[];
  readonly commits: CommitStep[];
}

/** The lock and the transactions of one memory storage. */
export interface MemoryTransactions extends MemoryGate {
  transaction<T>(
    work: (transaction: unknown) => Promise<T>,
    context?: TransactionContext,
  ): Promise<T>;
}

export function memoryTransactions(): MemoryTransactions {
  let held = false;
  const waiting: (() => void)[] = [];
  const handles = new WeakMap<object, Running>();

  const acquire = (): Promise<void> | undefined => {
    if (!held) {
      held = true;
      return undefined;
    }
    return new Promise((resolve) => waiting.push(resolve));
  };
  // The lock passes straight to the next in line, so nothing can slip in between.
  const release = (): void => {
    const next = waiting.shift();
    if (next === undefined) held = false;
    else next();
  };

  return {
    async write(transaction, apply) {
      if (transaction !== undefined) {
        const running =
          typeof transaction === 'object' && transaction !== null
            ? handles.get(transaction)
            : undefined;
        if (running?.open !== true) {
          throw new TypeError(
            'This write carries a transaction handle that is not a running transaction of this memory storage',
          );
        }
        return apply(running.journal, running.commits);
      }
      // Nothing running and nobody waiting: a synchronous write needs no turn of its own.
      if (!held) return apply(undefined, undefined);
      await acquire();
      try {
        return apply(undefined, undefined);
      } finally {
        release();
      }
    },

    async transaction(work) {
      await acquire();
      const handle = Object.freeze({});
      const running: Running = { open: true, journal: [], commits: [] };
      handles.set(handle, running);
      try {
        const result = await work(handle);
        // Before the lock passes on and before the caller hears of the commit (and delivers its events).
        running.open = false;
        for (const step of running.commits) step();
        return result;
      } catch (error) {
        for (let i = running.journal.length - 1; i >= 0; i--) (running.journal[i] as UndoStep)();
        throw error;
      } finally {
        running.open = false;
        release();
      }
    },
  };
}
