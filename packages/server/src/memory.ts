/**
 * `@scim/server/memory`: the reference storage. It keeps resources in memory, enforces uniqueness with
 * indexes, answers `eq` filters on unique attributes and `id` from those indexes, and applies
 * filters, sorts and pages itself. RFC 9865 cursor queries are paged by position (keyset) in creation
 * or sort order, so a deep page costs what the first one does and deletes never make a walk skip.
 * Group members are kept as data, so adding or removing one, and reading a user's groups, cost the
 * same for a group of ten and a group of a hundred thousand. `createMemoryStorage` adds an outbox
 * and transactions across all of it. It is the embedded default of the example servers and the
 * model a database storage follows.
 *
 * @example
 * ```ts
 * import { createMemoryStorage } from '@scim/server/memory';
 * const handler = createScimHandler({ ...createMemoryStorage(), authenticate });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 * @packageDocumentation
 */
export { createMemoryStore, type MemoryStore } from './lib/memory/memory-store.js';
export {
  createMemoryStorage,
  type MemoryStorage,
  type MemoryStorageOptions,
} from './lib/memory/memory-storage.js';
export {
  createMemoryOutbox,
  type MemoryOutbox,
  type MemoryOutboxOptions,
} from './lib/memory/memory-outbox.js';
