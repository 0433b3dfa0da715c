// The memory storage: a memory store per resource type and an outbox, with transactions across all
// of them, so a write, its cascade and its events commit together or not at all.
import { GroupResourceType, UserResourceType, type ScimResourceType } from '@scim/core';
import { gatedMemoryOutbox, type MemoryOutbox, type MemoryOutboxOptions } from './memory-outbox.js';
import { gatedMemoryStore, type MemoryStore } from './memory-store.js';
import { memoryTransactions } from './memory-transaction.js';
import type { TransactionContext } from '../options.js';

/**
 * Options of {@link createMemoryStorage}.
 * @example `createMemoryStorage({ resourceTypes: [UserResourceType, GroupResourceType, DeviceType] })`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface MemoryStorageOptions {
  /** The resource types to keep, one store each, by name (default User and Group). */
  readonly resourceTypes?: readonly ScimResourceType[];
  /** Options of the storage's outbox. */
  readonly outbox?: MemoryOutboxOptions;
}

/**
 * Everything a handler keeps, in memory: spread it into `createScimHandler`'s options. Its
 * `transaction` runs a unit of work atomically across every store and the outbox: it holds the
 * storage from start to end (writes without its handle wait for it, in arrival order), and undoes
 * every write made with its handle when the work throws. Reads never wait, so a read may see the
 * writes of a transaction that is still running (and later rolls back); the outbox's `claim` does
 * not: events are delivered only once their transaction has committed. Transactions do not nest:
 * a unit of work that starts another on the same storage waits for itself.
 * @example
 * ```ts
 * const storage = createMemoryStorage();
 * const handler = createScimHandler({ ...storage, authenticate });
 * storage.stores.User?.size(); // users held
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface MemoryStorage {
  /** One store per resource type, by resource type name. */
  readonly stores: Readonly<Record<string, MemoryStore>>;
  readonly outbox: MemoryOutbox;
  /**
   * Calls `work` with a transaction handle, commits when it resolves, and undoes its writes and
   * rethrows when it throws. Every write of the unit must carry the handle as `context.transaction`;
   * a handle of another storage, or of a transaction that has ended, is a `TypeError`.
   */
  readonly transaction: <T>(
    work: (transaction: unknown) => Promise<T>,
    context?: TransactionContext,
  ) => Promise<T>;
  /** Empties every store and the outbox (not while a transaction runs). */
  clear(): void;
}

/**
 * Creates the memory storage: the example servers' embedded default, and the model a database
 * storage follows (one transaction across resources, membership rows and the outbox table).
 * @example
 * ```ts
 * import { createMemoryStorage } from '@scim/server/memory';
 * const handler = createScimHandler({ ...createMemoryStorage(), authenticate });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export function createMemoryStorage(options: MemoryStorageOptions = {}): MemoryStorage {
  const transactions = memoryTransactions();
  const resourceTypes = options.resourceTypes ?? [UserResourceType, GroupResourceType];
  const stores: Record<string, ReturnType<typeof gatedMemoryStore>> = {};
  for (const resourceType of resourceTypes) {
    if (Object.hasOwn(stores, resourceType.name))
      throw new TypeError(`Resource type '${resourceType.name}' is listed twice`);
    // Each store sees the others, so the store of users can filter on their groups' memberships.
    stores[resourceType.name] = gatedMemoryStore(transactions, (name) =>
      Object.hasOwn(stores, name) ? stores[name] : undefined,
    );
  }
  const outbox = gatedMemoryOutbox(transactions, options.outbox);
  return {
    stores: Object.freeze(stores),
    outbox,
    transaction: (work, context) => transactions.transaction(work, context),
    clear() {
      for (const store of Object.values(stores)) store.clear();
      outbox.clear();
    },
  };
}
