/* eslint-disable @typescript-eslint/require-await -- the store interface is async; this store completes each call synchronously, which is what makes it atomic */
import { nextLastModified, ScimError, type ScimMeta, type ScimResource } from '@scim/core';
import { compileBoundFilter } from '@scim/filter';
import { keysetPage } from '../query/keyset.js';
import {
  attachMembers,
  detachMembers,
  filterReadsMembers,
  indexMember,
  materialise,
  memberKey,
  resequence,
  splitMembers,
  unindexMember,
  type MemberEntry,
  type MemberIndex,
  type MemberList,
} from './member-index.js';
import {
  narrowedBy,
  newTenant,
  openPositions,
  stampPositions,
  type Tenant,
} from './memory-tenant.js';
import { UNGATED, type MemoryGate, type UndoStep } from './memory-transaction.js';
import { groupsFor, MEMBERSHIPS, type MembershipView, type Peers } from './memory-groups.js';
import { claimUnique, releaseUnique } from './memory-unique.js';
import { sortResources } from '../query/sort.js';
import type {
  MembershipChange,
  MembershipResult,
  ScimStore,
  StoreAttributes,
  StoreContext,
  StoreMembership,
  StoreQuery,
  StoreQueryResult,
} from '../store.js';
import { copyWith } from '../copy.js';

/**
 * The in-memory reference store; `size` and `clear` help tests and examples. It keeps group members
 * as data, so {@link ScimStore.modifyMembers} and {@link ScimStore.groupsOf} cost the size of the
 * change or of the answer, never the size of the group.
 * @example `const users = createMemoryStore(); users.size() // 0`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface MemoryStore extends ScimStore {
  /** Resources held for a tenant (or the default tenant). */
  size(tenant?: string): number;
  clear(): void;
  modifyMembers(
    id: string,
    change: MembershipChange,
    context: StoreContext & { readonly expectedVersion: string | undefined },
  ): Promise<MembershipResult | undefined>;
  groupsOf(
    memberIds: readonly string[],
    context: StoreContext,
  ): Promise<readonly StoreMembership[]>;
}

/** Reads how many member entries a memory store has handled for a tenant (tests count work with it). */
export const MEMBER_WORK: unique symbol = Symbol('scim.memoryStore.memberWork');

/** What a delete took away, to put back on rollback. */
interface Removed {
  readonly bare: ScimResource;
  readonly sequence: number | undefined;
  readonly lists: readonly (MemberList | undefined)[];
}

/**
 * Creates the reference store. Resources are kept as given and never mutated (the server builds a
 * new object for every write), lookups by id and by unique attribute are O(1), group members are kept
 * beside their group so member changes never rewrite it, cursor pages are found by position (keyset:
 * O(log n + count) without a filter or sort), and every operation completes synchronously inside its
 * promise, so concurrent requests cannot interleave half-way. On its own it has no transactions
 * (a transaction handle in the context is ignored), and a store of users cannot see the groups'
 * members, so filters on `groups` are refused (`filtersGroups` is false); {@link createMemoryStorage}
 * has both.
 * @example
 * ```ts
 * const handler = createScimHandler({ stores: { User: createMemoryStore(), Group: createMemoryStore() } });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export function createMemoryStore(): MemoryStore {
  return gatedMemoryStore(UNGATED);
}

/**
 * A memory store whose writes go through `gate`: the storage's lock and journal, or none. With
 * `peers` (the storage's other stores) it filters on `groups` from their memberships.
 */
export function gatedMemoryStore(
  gate: MemoryGate,
  peers?: Peers,
): MemoryStore & {
  readonly [MEMBER_WORK]: (tenant?: string) => number;
  readonly [MEMBERSHIPS]: (tenant: string) => MembershipView | undefined;
} {
  const tenants = new Map<string, Tenant>();
  let resourceTypeSeen: string | undefined;

  const tenantOf = (context: StoreContext): Tenant => {
    // By name: the tenants of a multi-tenant handler may each extend the type with their own
    // schema extensions, and each tenant's indexes are made from its own definition below.
    const name = context.resourceType.name;
    if (resourceTypeSeen !== undefined && resourceTypeSeen !== name) {
      throw new TypeError(
        'A memory store serves one resource type; create one store per resource type',
      );
    }
    resourceTypeSeen = name;
    const key = context.tenant ?? '';
    let tenant = tenants.get(key);
    if (tenant === undefined) {
      tenant = newTenant(context.resourceType);
      tenants.set(key, tenant);
    }
    return tenant;
  };

  /** The resource with its members, from the cache when no write touched it since. */
  const whole = (tenant: Tenant, bare: ScimResource): ScimResource => {
    if (tenant.members.length === 0) return bare;
    const id = bare.id as string;
    const cached = tenant.views.get(id);
    if (cached !== undefined) return cached;
    const view = materialise(tenant.members, bare, tenant.work);
    if (view !== bare) tenant.views.set(id, view);
    return view;
  };

  const remove = (tenant: Tenant, bare: ScimResource): Removed => {
    const id = bare.id as string;
    const sequence = tenant.order.sequence(id);
    releaseUnique(tenant.unique, bare);
    tenant.byId.delete(id);
    tenant.order.remove(id);
    tenant.views.delete(id);
    return { bare, sequence, lists: detachMembers(tenant.members, id, tenant.work) };
  };

  const restore = (tenant: Tenant, removed: Removed): void => {
    const id = removed.bare.id as string;
    claimUnique(tenant.unique, removed.bare, undefined);
    tenant.byId.set(id, removed.bare);
    tenant.views.delete(id);
    if (removed.sequence === undefined) tenant.order.add(id);
    else tenant.order.restore(id, removed.sequence);
    attachMembers(tenant.members, id, removed.lists, tenant.work);
  };

  /** The member attribute `modifyMembers` and `groupsOf` work on: `members`, or the only one. */
  const membersOf = (tenant: Tenant, context: StoreContext): MemberIndex => {
    const index =
      tenant.members.find((candidate) => candidate.attribute.name.toLowerCase() === 'members') ??
      tenant.members[0];
    if (index === undefined)
      throw new TypeError(`${context.resourceType.name} resources have no members`);
    return index;
  };

  return {
    async get(id, context) {
      const tenant = tenantOf(context);
      const bare = tenant.byId.get(id);
      if (bare === undefined) return undefined;
      return wantsMembers(tenant.members, context.attributes) ? whole(tenant, bare) : bare;
    },

    async existing(ids, context) {
      const { byId } = tenantOf(context);
      return new Set(ids.filter((id) => byId.has(id)));
    },

    async query(query: StoreQuery, context): Promise<StoreQueryResult> {
      const tenant = tenantOf(context);
      const index = narrowedBy(tenant, query.bound);
      const exact = index?.exact === true;
      // Only a filter or sort on members reads the candidates whole; otherwise only the page is built.
      const sortsMembers = tenant.members.some(
        (member) => member.attribute === query.sort?.attribute.attribute,
      );
      const compiled =
        query.bound === undefined || exact ? undefined : compileBoundFilter(query.bound);
      const readsMembers =
        compiled !== undefined && !sortsMembers && filterReadsMembers(tenant.members, query.bound);
      // A filter on `groups` tests each candidate with its groups, read from the group store.
      const withGroups = groupsFor(peers, query, context.tenant ?? '');
      const matches =
        compiled === undefined
          ? undefined
          : withGroups !== undefined
            ? (bare: ScimResource) =>
                compiled(withGroups(readsMembers ? whole(tenant, bare) : bare))
            : readsMembers
              ? (bare: ScimResource) => compiled(whole(tenant, bare))
              : compiled;
      const candidates = sortsMembers
        ? (index?.resources ?? inCreationOrder(tenant)).map((bare) => whole(tenant, bare))
        : index?.resources;
      const out = wantsMembers(tenant.members, context.attributes)
        ? (resource: ScimResource) => whole(tenant, resource)
        : undefined;
      if (query.cursor !== undefined) {
        // A keyset page holds count + 1 matches whatever the total, so `limit` does not bound it:
        // cursors are how a client reads past maxScan.
        const page = keysetPage(
          {
            order: tenant.order,
            byId: tenant.byId,
            narrowed: candidates,
            matches,
          },
          { ...query, cursor: openPositions(tenant, query.cursor) },
        );
        return {
          ...page,
          resources: out === undefined ? page.resources : page.resources.map(out),
          positions: stampPositions(tenant, page.positions ?? {}),
        };
      }
      // Index paging holds every match to sort and cut the page: past `limit` matches the answer is
      // truncated (the server answers tooMany), and the scan stops there.
      const found: ScimResource[] = [];
      let truncated = false;
      const visit = (resource: ScimResource): boolean => {
        if (matches !== undefined && !matches(resource)) return true;
        if (found.length >= query.limit) {
          truncated = true;
          return false;
        }
        found.push(resource);
        return true;
      };
      // In creation order, which a rolled-back delete restores (the map's own order it cannot).
      if (candidates !== undefined) candidates.every(visit);
      else
        tenant.order.scan('forward', undefined, (id) => visit(tenant.byId.get(id) as ScimResource));
      if (query.sort !== undefined) sortResources(found, query.sort.attribute, query.sort.order);
      const start = Math.max(query.startIndex - 1, 0);
      const page = found.slice(start, start + query.count);
      const resources = out === undefined ? page : page.map(out);
      const applied = { filter: true, sort: true, page: true };
      return truncated
        ? { resources, applied, truncated }
        : { resources, totalResults: found.length, applied };
    },

    create: (resource, context) =>
      gate.write(context.transaction, (journal) => {
        const tenant = tenantOf(context);
        const id = resource.id as string;
        if (tenant.byId.has(id)) throw ScimError.uniqueness(`id '${id}' is already in use`);
        claimUnique(tenant.unique, resource, undefined);
        const { bare, lists } = splitMembers(tenant.members, resource, tenant.work);
        tenant.byId.set(id, bare);
        tenant.order.add(id);
        attachMembers(tenant.members, id, lists, tenant.work);
        journal?.push(() => void remove(tenant, bare));
        return resource;
      }),

    replace: (resource, context) =>
      gate.write(context.transaction, (journal) => {
        const tenant = tenantOf(context);
        const id = resource.id as string;
        const existing = tenant.byId.get(id);
        if (existing === undefined) throw ScimError.notFound(`Resource ${id} not found`);
        if (
          context.expectedVersion !== undefined &&
          existing.meta?.version !== context.expectedVersion
        ) {
          throw ScimError.preconditionFailed(`Resource ${id} changed since it was read`);
        }
        claimUnique(tenant.unique, resource, existing);
        const { bare, lists } = splitMembers(tenant.members, resource, tenant.work);
        const previous = detachMembers(tenant.members, id, tenant.work);
        tenant.byId.set(id, bare);
        tenant.views.delete(id);
        attachMembers(tenant.members, id, lists, tenant.work);
        journal?.push(() => {
          claimUnique(tenant.unique, existing, bare);
          detachMembers(tenant.members, id, tenant.work);
          tenant.byId.set(id, existing);
          tenant.views.delete(id);
          attachMembers(tenant.members, id, previous, tenant.work);
        });
        return resource;
      }),

    delete: (id, context) =>
      gate.write(context.transaction, (journal) => {
        const tenant = tenantOf(context);
        const existing = tenant.byId.get(id);
        if (existing === undefined) return false;
        if (
          context.expectedVersion !== undefined &&
          existing.meta?.version !== context.expectedVersion
        ) {
          throw ScimError.preconditionFailed(`Resource ${id} changed since it was read`);
        }
        const removed = remove(tenant, existing);
        journal?.push(() => restore(tenant, removed));
        return true;
      }),

    modifyMembers: (id, change, context) =>
      gate.write(context.transaction, (journal) => {
        const tenant = tenantOf(context);
        const index = membersOf(tenant, context);
        const existing = tenant.byId.get(id);
        if (existing === undefined) return undefined;
        if (
          context.expectedVersion !== undefined &&
          existing.meta?.version !== context.expectedVersion
        ) {
          throw ScimError.preconditionFailed(`Resource ${id} changed since it was read`);
        }
        const result = changeMembers(tenant, index, existing, change, journal);
        return {
          ...result,
          ...(typeof existing.displayName === 'string'
            ? { displayName: existing.displayName }
            : {}),
        };
      }),

    async groupsOf(memberIds, context) {
      const tenant = tenantOf(context);
      const index = membersOf(tenant, context);
      const rows: { readonly sequence: number; readonly row: StoreMembership }[] = [];
      const asked = new Set<string>();
      for (const member of memberIds) {
        const key = memberKey(index, member);
        if (asked.has(key)) continue;
        asked.add(key);
        for (const group of index.byValue.get(key) ?? []) {
          tenant.work.count++;
          const bare = tenant.byId.get(group) as ScimResource;
          const { displayName } = bare;
          rows.push({
            sequence: tenant.order.sequence(group) ?? 0,
            row:
              typeof displayName === 'string' ? { group, displayName, member } : { group, member },
          });
        }
      }
      // A stable sort: in the groups' creation order, and for one group in the order asked.
      return rows.sort((a, b) => a.sequence - b.sequence).map(({ row }) => row);
    },

    size(tenant) {
      return tenants.get(tenant ?? '')?.byId.size ?? 0;
    },

    clear() {
      tenants.clear();
    },

    filtersGroups: peers !== undefined,

    [MEMBER_WORK]: (tenant) => tenants.get(tenant ?? '')?.work.count ?? 0,

    [MEMBERSHIPS]: (key) => {
      const tenant = tenants.get(key);
      const index =
        tenant?.members.find((candidate) => candidate.attribute.name.toLowerCase() === 'members') ??
        tenant?.members[0];
      if (tenant === undefined || index === undefined) return undefined;
      return {
        containing: (value) => index.byValue.get(memberKey(index, value)) ?? [],
        displayName: (group) => tenant.byId.get(group)?.displayName,
      };
    },
  };
}

/**
 * Applies adds then removes to one group's members, touching only the members named; when anything
 * changed the group takes the change's meta, its lastModified at least 1 ms after the stored one.
 * Records its undo step in `journal`. `added` and `removed` carry the values as stored, not as the
 * client spelled them (members are keyed by the folded value). The server never sends one member key
 * in both lists, so the order (adds first) is never seen; were it sent, the member would end up
 * removed.
 */
function changeMembers(
  tenant: Tenant,
  index: MemberIndex,
  existing: ScimResource,
  change: MembershipChange,
  journal: UndoStep[] | undefined,
): MembershipResult {
  const id = existing.id as string;
  let list = index.lists.get(id);
  const fresh = list === undefined;
  list ??= new Map();
  const added: string[] = [];
  const addedKeys: string[] = [];
  const removed: string[] = [];
  const removedEntries: [string, MemberEntry][] = [];
  for (const member of change.add) {
    tenant.work.count++;
    const key = memberKey(index, member.value);
    if (list.has(key)) continue;
    list.set(key, { element: member, sequence: tenant.work.sequence++ });
    indexMember(index, key, id);
    added.push(member.value);
    addedKeys.push(key);
  }
  for (const value of change.remove) {
    tenant.work.count++;
    const key = memberKey(index, value);
    const entry = list.get(key);
    if (entry === undefined) continue;
    list.delete(key);
    unindexMember(index, key, id);
    removed.push(storedValue(entry, value));
    removedEntries.push([key, entry]);
  }
  if (added.length === 0 && removed.length === 0)
    return { added, removed, meta: existing.meta ?? {} };
  if (fresh) index.lists.set(id, list);
  if (list.size === 0) index.lists.delete(id);
  const meta: ScimMeta = copyWith(existing.meta ?? {}, {
    // Never back in time, whichever instance's clock wrote the group before.
    lastModified: nextLastModified(change.meta.lastModified, existing.meta?.lastModified),
  });
  if (change.meta.version === undefined) delete meta.version;
  else meta.version = change.meta.version;
  tenant.byId.set(id, copyWith(existing, { meta }));
  tenant.views.delete(id);
  const changed = list;
  journal?.push(() => {
    for (const [key, entry] of removedEntries) {
      changed.set(key, entry);
      indexMember(index, key, id);
    }
    for (const key of addedKeys) {
      changed.delete(key);
      unindexMember(index, key, id);
    }
    // Removed members come back at the end of the map; their sequence puts them where they were.
    if (removedEntries.length > 0) resequence(changed);
    if (changed.size === 0) index.lists.delete(id);
    else index.lists.set(id, changed);
    tenant.byId.set(id, existing);
    tenant.views.delete(id);
  });
  return { added, removed, meta };
}

/** The value a member was stored with: a change may name it in another case than it was added in. */
function storedValue(entry: MemberEntry, named: string): string {
  const { value } = entry.element as { readonly value?: unknown };
  return typeof value === 'string' ? value : named;
}

/**
 * Whether a read wants the member attributes: always, unless `attributes` leaves every one out.
 * Names compare case-insensitively, bare or URN-qualified; an included sub-attribute path names its
 * parent, an excluded one does not (the rest of the attribute is still wanted).
 */
function wantsMembers(indexes: readonly MemberIndex[], attributes: StoreAttributes | undefined) {
  if (indexes.length === 0 || attributes === undefined) return indexes.length > 0;
  const include = attributes.include !== undefined;
  const names = (attributes.include ?? attributes.exclude).map((name) => name.toLowerCase());
  const named = (index: MemberIndex) => {
    const own = index.attribute.name.toLowerCase();
    return names.some((name) => {
      const path = name.slice(name.lastIndexOf(':') + 1);
      return path === own || (include && path.startsWith(`${own}.`));
    });
  };
  return include ? indexes.some(named) : !indexes.every(named);
}

function inCreationOrder(tenant: Tenant): ScimResource[] {
  const resources: ScimResource[] = [];
  tenant.order.scan(
    'forward',
    undefined,
    (id) => resources.push(tenant.byId.get(id) as ScimResource) > 0,
  );
  return resources;
}
