/* eslint-disable @typescript-eslint/require-await -- the store interface is async; this store completes each call synchronously, which is what makes it atomic */
import {
  attributeValueKey,
  COMMON_ATTRIBUTES,
  ScimError,
  type AttributeDefinition,
  type ScimResource,
  type ScimResourceType,
} from '@scim/core';
import { compileBoundFilter, type BoundFilterNode } from '@scim/filter';
import { CreationOrder } from './creation-order.js';
import { invalidCursor } from './cursor.js';
import { keysetPage } from './keyset.js';
import {
  memberCandidates,
  memberIndexes,
  reindexMembers,
  type MemberIndex,
} from './member-index.js';
import { sortResources } from './sort.js';
import type {
  ScimStore,
  StoreContext,
  StoreCursor,
  StorePositions,
  StoreQuery,
  StoreQueryResult,
} from './store.js';

/**
 * The in-memory reference store; `size` and `clear` help tests and examples.
 * @example `const users = createMemoryStore(); users.size() // 0`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface MemoryStore extends ScimStore {
  /** Resources held for a tenant (or the default tenant). */
  size(tenant?: string): number;
  clear(): void;
}

interface UniqueIndex {
  readonly attribute: AttributeDefinition;
  /** The extension URN holding the attribute, or undefined for the core schema. */
  readonly urn: string | undefined;
  readonly path: string;
  readonly keys: Map<string, string>;
}

interface Tenant {
  /**
   * Stamped on every position this tenant's data hands out, so a cursor that outlived it (a restart
   * with the same cursor secret, `clear()`) is refused instead of read against other data.
   */
  readonly epoch: string;
  readonly byId: Map<string, ScimResource>;
  readonly order: CreationOrder;
  readonly members: readonly MemberIndex[];
  readonly unique: readonly UniqueIndex[];
}

function uniqueIndexes(resourceType: ScimResourceType): UniqueIndex[] {
  const indexes: UniqueIndex[] = [];
  const add = (attributes: readonly AttributeDefinition[], urn: string | undefined) => {
    for (const attribute of attributes) {
      // `id` is the map key itself; multi-valued and complex unique attributes are not indexed.
      if (
        attribute.uniqueness === 'none' ||
        attribute.multiValued ||
        attribute.type === 'complex' ||
        attribute.name === 'id'
      )
        continue;
      indexes.push({
        attribute,
        urn,
        path: urn === undefined ? attribute.name : `${urn}:${attribute.name}`,
        keys: new Map(),
      });
    }
  };
  add([...COMMON_ATTRIBUTES, ...resourceType.schema.attributes], undefined);
  for (const extension of resourceType.schemaExtensions)
    add(extension.schema.attributes, extension.schema.id);
  return indexes;
}

function indexedValue(resource: ScimResource, index: UniqueIndex): unknown {
  const holder = index.urn === undefined ? resource : resource[index.urn];
  if (typeof holder !== 'object' || holder === null) return undefined;
  return (holder as Record<string, unknown>)[index.attribute.name];
}

/**
 * Creates the reference store. Resources are kept as given and never mutated (the server builds a
 * new object for every write), lookups by id and by unique attribute are O(1), cursor pages are found
 * by position (keyset: O(log n + count) without a filter or sort), and every operation completes
 * synchronously inside its promise, so concurrent requests cannot interleave half-way.
 * @example
 * ```ts
 * const handler = createScimHandler({ stores: { User: createMemoryStore(), Group: createMemoryStore() } });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export function createMemoryStore(): MemoryStore {
  const tenants = new Map<string, Tenant>();
  let resourceTypeSeen: ScimResourceType | undefined;

  const tenantOf = (context: StoreContext): Tenant => {
    if (resourceTypeSeen !== undefined && resourceTypeSeen !== context.resourceType) {
      throw new TypeError(
        'A memory store serves one resource type; create one store per resource type',
      );
    }
    resourceTypeSeen = context.resourceType;
    const key = context.tenant ?? '';
    let tenant = tenants.get(key);
    if (tenant === undefined) {
      tenant = {
        epoch: crypto.randomUUID().replace(/-/g, '').slice(0, 12),
        byId: new Map(),
        order: new CreationOrder(),
        members: memberIndexes(context.resourceType),
        unique: uniqueIndexes(context.resourceType),
      };
      tenants.set(key, tenant);
    }
    return tenant;
  };

  const claim = (
    tenant: Tenant,
    resource: ScimResource,
    previous: ScimResource | undefined,
  ): void => {
    const id = resource.id as string;
    const claims: [UniqueIndex, string][] = [];
    for (const index of tenant.unique) {
      const value = indexedValue(resource, index);
      if (value === undefined || value === null) continue;
      const key = attributeValueKey(index.attribute, value);
      const owner = index.keys.get(key);
      if (owner !== undefined && owner !== id)
        throw ScimError.uniqueness(`'${index.path}' ${JSON.stringify(value)} is already in use`);
      claims.push([index, key]);
    }
    if (previous !== undefined) release(tenant, previous);
    for (const [index, key] of claims) index.keys.set(key, id);
  };

  const release = (tenant: Tenant, resource: ScimResource): void => {
    for (const index of tenant.unique) {
      const value = indexedValue(resource, index);
      if (value === undefined || value === null) continue;
      const key = attributeValueKey(index.attribute, value);
      if (index.keys.get(key) === resource.id) index.keys.delete(key);
    }
  };

  /**
   * The few resources an index names for the filter (an `eq` on `id` or on a unique attribute names
   * at most one), or undefined when no index applies and every resource is a candidate. `exact`
   * says the index answered the whole filter, so there is nothing left to test.
   */
  const narrowed = (
    tenant: Tenant,
    bound: BoundFilterNode | undefined,
  ): { readonly resources: readonly ScimResource[]; readonly exact: boolean } | undefined => {
    if (bound === undefined) return undefined;
    const terms = bound.type === 'and' ? bound.filters : [bound];
    // A member lookup (the groups of a user) names a few resources through the member index.
    for (const node of terms) {
      const ids = memberCandidates(tenant.members, node);
      if (ids === undefined) continue;
      // In creation order, as a scan would have found them.
      const resources = [...ids]
        .sort((a, b) => (tenant.order.sequence(a) ?? 0) - (tenant.order.sequence(b) ?? 0))
        .map((id) => tenant.byId.get(id) as ScimResource);
      return { resources, exact: node === bound };
    }
    const term = terms.find(isIndexable(tenant));
    if (term === undefined || term.type !== 'compare' || typeof term.value !== 'string')
      return undefined;
    const attribute = term.attribute.attribute as AttributeDefinition;
    // The index keys compare strings as the filter does (case-folded unless isCaseExact).
    const exact = term === bound && attribute.type === 'string';
    if (attribute.name === 'id' && !term.attribute.isExtension) {
      const found = tenant.byId.get(term.value);
      return { resources: found === undefined ? [] : [found], exact };
    }
    const index = tenant.unique.find((candidate) => candidate.attribute === attribute);
    const id = index?.keys.get(attributeValueKey(attribute, term.value));
    const found = id === undefined ? undefined : tenant.byId.get(id);
    return { resources: found === undefined ? [] : [found], exact };
  };

  return {
    async get(id, context) {
      return tenantOf(context).byId.get(id);
    },

    async query(query: StoreQuery, context): Promise<StoreQueryResult> {
      const tenant = tenantOf(context);
      const index = narrowed(tenant, query.bound);
      const candidates = index?.resources;
      const matches =
        query.bound === undefined || index?.exact === true
          ? undefined
          : compileBoundFilter(query.bound);
      if (query.cursor !== undefined) {
        // A keyset page holds count + 1 matches whatever the total, so `limit` does not bound it:
        // cursors are how a client reads past maxScan.
        const page = keysetPage(
          { order: tenant.order, byId: tenant.byId, narrowed: candidates, matches },
          { ...query, cursor: openPositions(tenant, query.cursor) },
        );
        return { ...page, positions: stampPositions(tenant, page.positions ?? {}) };
      }
      // Index paging holds every match to sort and cut the page: past `limit` matches the answer is
      // truncated (the server answers tooMany), and the scan stops there.
      const found: ScimResource[] = [];
      let truncated = false;
      for (const resource of candidates ?? tenant.byId.values()) {
        if (matches !== undefined && !matches(resource)) continue;
        if (found.length >= query.limit) {
          truncated = true;
          break;
        }
        found.push(resource);
      }
      if (query.sort !== undefined) sortResources(found, query.sort.attribute, query.sort.order);
      const start = Math.max(query.startIndex - 1, 0);
      const resources = found.slice(start, start + query.count);
      const applied = { filter: true, sort: true, page: true };
      return truncated
        ? { resources, applied, truncated }
        : { resources, totalResults: found.length, applied };
    },

    async create(resource, context) {
      const tenant = tenantOf(context);
      const id = resource.id as string;
      if (tenant.byId.has(id)) throw ScimError.uniqueness(`id '${id}' is already in use`);
      claim(tenant, resource, undefined);
      tenant.byId.set(id, resource);
      tenant.order.add(id);
      reindexMembers(tenant.members, undefined, resource);
      return resource;
    },

    async replace(resource, context) {
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
      claim(tenant, resource, existing);
      tenant.byId.set(id, resource);
      reindexMembers(tenant.members, existing, resource);
      return resource;
    },

    async delete(id, context) {
      const tenant = tenantOf(context);
      const existing = tenant.byId.get(id);
      if (existing === undefined) return false;
      release(tenant, existing);
      tenant.byId.delete(id);
      tenant.order.remove(id);
      reindexMembers(tenant.members, existing, undefined);
      return true;
    },

    size(tenant) {
      return tenants.get(tenant ?? '')?.byId.size ?? 0;
    },

    clear() {
      tenants.clear();
    },
  };
}

/** Position strings are `<epoch>.<keyset position>`; another epoch's are refused (RFC 9865 §2.1). */
function openPositions(tenant: Tenant, cursor: StoreCursor): StoreCursor {
  const open = (position: string): string => {
    const prefix = `${tenant.epoch}.`;
    if (!position.startsWith(prefix)) throw invalidCursor();
    return position.slice(prefix.length);
  };
  if (cursor.before !== undefined) return { before: open(cursor.before) };
  if (cursor.after !== undefined) return { after: open(cursor.after) };
  return {};
}

function stampPositions(tenant: Tenant, positions: StorePositions): StorePositions {
  const stamped: { -readonly [K in keyof StorePositions]: StorePositions[K] } = {};
  if (positions.next !== undefined) stamped.next = `${tenant.epoch}.${positions.next}`;
  if (positions.previous !== undefined) stamped.previous = `${tenant.epoch}.${positions.previous}`;
  return stamped;
}

function isIndexable(tenant: Tenant): (node: BoundFilterNode) => boolean {
  return (node) => {
    if (node.type !== 'compare' || node.operator !== 'eq' || typeof node.value !== 'string')
      return false;
    const { attribute } = node.attribute;
    if (
      node.attribute.kind !== 'attribute' ||
      attribute === undefined ||
      node.attribute.subAttribute !== undefined
    )
      return false;
    if (attribute.name === 'id' && !node.attribute.isExtension) return true;
    return tenant.unique.some((index) => index.attribute === attribute);
  };
}
