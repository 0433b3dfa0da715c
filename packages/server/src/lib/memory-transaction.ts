// Transactions of the memory storage: one FIFO lock per storage, held by a transaction from start to
// end, and a journal of undo steps that a rollback runs newest first.
import type { TransactionContext } from './options.js';

/** Puts back what one write changed; steps run newest first, so each sees the state its write left. */
export type UndoStep = () => void;

/**
 * How the memory store and outbox apply writes. Every write is synchronous once it runs, so no two
 * interleave half-way; the gate decides when it runs and whether it can be undone.
 */
export interface MemoryGate {
  /**
   * Runs `apply` now when `transaction` is the running transaction's handle (with its journal), and
   * otherwise once no transaction holds the storage (with no journal).
   */
  write<T>(transaction: unknown, apply: (journal: UndoStep[] | undefined) => T): Promise<T>;
}

/** A store or outbox of its own: writes apply at once, and a transaction handle means nothing to it. */
export const UNGATED: MemoryGate = {
  // eslint-disable-next-line @typescript-eslint/require-await -- a rejection, not a throw, for a failed write
  write: async (_transaction, apply) => apply(undefined),
};

interface Running {
  open: boolean;
  readonly journal: UndoStep[];
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
        return apply(running.journal);
      }
      // Nothing running and nobody waiting: a synchronous write needs no turn of its own.
      if (!held) return apply(undefined);
      await acquire();
      try {
        return apply(undefined);
      } finally {
        release();
      }
    },

    async transaction(work) {
      await acquire();
      const handle = Object.freeze({});
      const running: Running = { open: true, journal: [] };
      handles.set(handle, running);
      try {
        return await work(handle);
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
