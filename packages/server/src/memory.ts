/**
 * `@scim/server/memory`: the reference store. It keeps resources in memory, enforces uniqueness with
 * indexes, answers `eq` filters on unique attributes and `id` from those indexes, and applies
 * filters, sorts and pages itself. RFC 9865 cursor queries are paged by position (keyset) in creation
 * or sort order, so a deep page costs what the first one does and deletes never make a walk skip. It
 * is the embedded default of the example servers and the model a database store follows.
 *
 * @example
 * ```ts
 * import { createMemoryStore } from '@scim/server/memory';
 * const handler = createScimHandler({ stores: { User: createMemoryStore(), Group: createMemoryStore() } });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 * @packageDocumentation
 */
export { createMemoryStore, type MemoryStore } from './lib/memory-store.js';
