// Fault injection: a storage whose Nth store call (counted from when it is armed, outbox appends
// included) throws, so a case can fail a write at each of its positions in turn.
import type { ScimOutbox } from '../lifecycle/outbox.js';
import type { StorageUnderTest } from './kit.js';
import { interceptStore, type StoreMethodName } from './latency.js';

/** The error an injected fault throws: an unexpected one, as a lost connection is. */
export class InjectedFault extends Error {
  constructor(
    readonly method: StoreMethodName | 'append',
    readonly position: number,
  ) {
    super(`injected fault at store call ${position} (${method})`);
    this.name = 'InjectedFault';
  }
}

export interface FaultInjector {
  /** The storage to hand the handler: the same stores, transaction and outbox, counted. */
  readonly storage: StorageUnderTest;
  /** Makes the `position`th call from now throw (1 is the next call). */
  arm(position: number): void;
  disarm(): void;
  /** Whether the armed fault was thrown. */
  readonly fired: boolean;
  /** What was called since `arm`, in order. */
  readonly calls: readonly string[];
}

export function injectFaults(storage: StorageUnderTest): FaultInjector {
  let armedAt: number | undefined;
  let fired = false;
  const calls: string[] = [];
  const count = (method: StoreMethodName | 'append') => {
    if (armedAt === undefined) return;
    calls.push(method);
    if (calls.length === armedAt) {
      fired = true;
      throw new InjectedFault(method, armedAt);
    }
  };
  const stores = Object.fromEntries(
    Object.entries(storage.stores).map(([name, store]) => [name, interceptStore(store, count)]),
  );
  const wrapped: StorageUnderTest = {
    stores,
    ...(storage.transaction === undefined ? {} : { transaction: storage.transaction }),
    ...(storage.outbox === undefined ? {} : { outbox: countedOutbox(storage.outbox, count) }),
  };
  return {
    storage: wrapped,
    arm(position) {
      armedAt = position;
      fired = false;
      calls.length = 0;
    },
    disarm() {
      armedAt = undefined;
    },
    get fired() {
      return fired;
    },
    calls,
  };
}

/** Appends count as store calls: a write that cannot record its event must not commit. */
function countedOutbox(outbox: ScimOutbox, count: (method: 'append') => void): ScimOutbox {
  return {
    append: async (events, leaseUntil, context) => {
      count('append');
      return outbox.append(events, leaseUntil, context);
    },
    claim: (options) => outbox.claim(options),
    complete: (id, lease) => outbox.complete(id, lease),
    fail: (id, error, retryAt, lease) => outbox.fail(id, error, retryAt, lease),
    list: (filter) => outbox.list(filter),
    retry: (id) => outbox.retry(id),
  };
}
