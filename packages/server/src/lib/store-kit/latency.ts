// A store wrapper that runs something before every call: the latency of a database for the
// concurrency cases, or a counted failure for the fault cases.
import type { ScimStore } from '../store.js';

/** The store methods a wrapper sees, by name. */
export type StoreMethodName =
  'get' | 'query' | 'create' | 'replace' | 'delete' | 'modifyMembers' | 'groupsOf' | 'existing';

/**
 * The same store, with `before` awaited ahead of every call. Optional methods stay optional: a
 * wrapper never gives a store `modifyMembers`, `groupsOf` or `existing` it does not have, since the server reads
 * their absence as "do it another way". A declared `filtersGroups` is kept: without it the server
 * would refuse the `groups` filters the store answers.
 */
export function interceptStore(
  store: ScimStore,
  before: (method: StoreMethodName) => Promise<void> | void,
): ScimStore {
  const wrapped: ScimStore = {
    ...(store.filtersGroups === true && { filtersGroups: true }),
    get: async (id, context) => {
      await before('get');
      return store.get(id, context);
    },
    query: async (query, context) => {
      await before('query');
      return store.query(query, context);
    },
    create: async (resource, context) => {
      await before('create');
      return store.create(resource, context);
    },
    replace: async (resource, context) => {
      await before('replace');
      return store.replace(resource, context);
    },
    delete: async (id, context) => {
      await before('delete');
      return store.delete(id, context);
    },
  };
  const modifyMembers = store.modifyMembers?.bind(store);
  const groupsOf = store.groupsOf?.bind(store);
  const existing = store.existing?.bind(store);
  if (modifyMembers !== undefined)
    wrapped.modifyMembers = async (id, change, context) => {
      await before('modifyMembers');
      return modifyMembers(id, change, context);
    };
  if (groupsOf !== undefined)
    wrapped.groupsOf = async (memberIds, context) => {
      await before('groupsOf');
      return groupsOf(memberIds, context);
    };
  if (existing !== undefined)
    wrapped.existing = async (ids, context) => {
      await before('existing');
      return existing(ids, context);
    };
  return wrapped;
}

/**
 * The same store, each call delayed by `ms` before it reaches the store, as a database round trip
 * delays it: requests that would run one after the other in memory interleave between their reads
 * and their writes. Optional methods (`modifyMembers`, `groupsOf`) and `filtersGroups` are kept when
 * the store has them.
 * @example
 * ```ts
 * const slow = withLatency(createMemoryStore(), 3);
 * createScimHandler({ stores: { User: slow, Group: withLatency(groups, 3) }, authenticate });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.14
 */
export function withLatency(store: ScimStore, ms: number): ScimStore {
  return interceptStore(store, () => new Promise((resolve) => setTimeout(resolve, ms)));
}
