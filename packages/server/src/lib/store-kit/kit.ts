// What every group of store cases shares: the storage under test, contexts, resources shaped as the
// server stores them, queries built the way the server builds them, and assertions that need no
// test framework.
import {
  GroupResourceType,
  GROUP_SCHEMA_URN,
  isScimError,
  resolveAttributePath,
  stableStringify,
  UserResourceType,
  USER_SCHEMA_URN,
  formatDateTime,
  type ScimResource,
  type ScimResourceType,
} from '@scim/core';
import { bindFilter, compileBoundFilter, parseFilter } from '@scim/filter';
import type { ScimHandlerOptions } from '../options.js';
import type { ScimOutbox } from '../lifecycle/outbox.js';
import { sortAttribute, sortResources } from '../query/sort.js';
import type { ScimStore, StoreContext, StoreCursor, StoreQuery, StoreSort } from '../store.js';

/**
 * A storage as `createScimHandler` takes it: one store per resource type (User and Group at least),
 * and the transaction and outbox that cover them, when the storage has them.
 * @example `const storage: StorageUnderTest = createMemoryStorage();`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface StorageUnderTest {
  readonly stores: Readonly<Record<string, ScimStore>>;
  readonly transaction?: ScimHandlerOptions['transaction'];
  readonly outbox?: ScimOutbox;
}

/**
 * How the store kit reaches the storage under test.
 * @example `{ createStorage: () => createMemoryStorage(), latencyMs: 3 }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface StoreConformanceOptions {
  /** A fresh, empty storage per case (User and Group stores at least). */
  readonly createStorage: () => StorageUnderTest | Promise<StorageUnderTest>;
  /** The delay {@link withLatency} adds to every store call in the concurrency cases (default 3). */
  readonly latencyMs?: number;
}

/**
 * One check of the store kit: an id (`SK-Q-01`), a title naming the rule, and `run`, which throws
 * an `Error` saying what the store did wrong.
 * @example `for (const c of storeConformanceCases({ createStorage })) it(`${c.id}: ${c.name}`, c.run)`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface StoreConformanceCase {
  readonly id: string;
  readonly name: string;
  readonly run: () => Promise<void>;
}

/** A case before it is bound to the options: an id, a title, and the steps. */
export type StoreCase = readonly [
  id: string,
  name: string,
  run: (kit: StoreConformanceOptions) => Promise<void>,
];

export const USER = UserResourceType;
export const GROUP = GroupResourceType;

export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

/** The storage's User and Group stores, which every case needs. */
export async function open(kit: StoreConformanceOptions) {
  const storage = await kit.createStorage();
  const users = storage.stores.User;
  const groups = storage.stores.Group;
  check(users !== undefined && groups !== undefined, 'the storage needs a User and a Group store');
  return { storage, users, groups };
}

/** What a store call receives from a request of `tenant`, outside any transaction. */
export function contextOf(
  resourceType: ScimResourceType,
  tenant?: string,
  extra: Partial<StoreContext> = {},
): StoreContext {
  return {
    resourceType,
    principal: 'store-kit',
    tenant,
    signal: new AbortController().signal,
    ...extra,
  };
}

export function writeContext(
  resourceType: ScimResourceType,
  expectedVersion: string | undefined,
  tenant?: string,
  transaction?: unknown,
): StoreContext & { readonly expectedVersion: string | undefined } {
  return { ...contextOf(resourceType, tenant, { transaction }), expectedVersion };
}

/** A version no other write used, as a store's ETag would be. */
const newVersion = () => `W/"${crypto.randomUUID().slice(0, 13)}"`;

/** A resource as the server hands it to a store: schemas, id and a full meta with a fresh version. */
export function stored(
  resourceType: ScimResourceType,
  body: Record<string, unknown>,
  id: string = crypto.randomUUID(),
  created = '2026-01-01T00:00:00.000Z',
): ScimResource {
  const schema = resourceType === GROUP ? GROUP_SCHEMA_URN : USER_SCHEMA_URN;
  return {
    schemas: [schema],
    ...body,
    id,
    meta: {
      resourceType: resourceType.name,
      created,
      lastModified: created,
      location: `https://scim.example.com/scim/v2${resourceType.endpoint}/${id}`,
      version: newVersion(),
    },
  };
}

/** The same resource, changed, as the server writes it back: a new version and lastModified. */
export function revised(resource: ScimResource, changes: Record<string, unknown>): ScimResource {
  return {
    ...resource,
    ...changes,
    meta: {
      ...resource.meta,
      lastModified: formatDateTime(Date.now()),
      version: newVersion(),
    },
  };
}

export const user = (userName: string, extra: Record<string, unknown> = {}, created?: string) =>
  stored(USER, { userName, ...extra }, undefined, created);

export const group = (displayName: string, members: readonly string[] = []) =>
  stored(GROUP, {
    displayName,
    ...(members.length === 0 ? {} : { members: members.map((value) => ({ value, type: 'User' })) }),
  });

/** A query as the server builds it: the filter parsed and bound, the sort bound, the page. */
export function queryOf(
  resourceType: ScimResourceType,
  options: {
    readonly filter?: string | undefined;
    readonly sortBy?: string | undefined;
    readonly sortOrder?: 'ascending' | 'descending';
    readonly startIndex?: number;
    readonly count?: number;
    readonly cursor?: StoreCursor | undefined;
  } = {},
): StoreQuery {
  const filter = options.filter === undefined ? undefined : parseFilter(options.filter);
  return {
    filter,
    bound: filter === undefined ? undefined : bindFilter(filter, resourceType),
    sort: options.sortBy === undefined ? undefined : sortOf(resourceType, options),
    startIndex: options.startIndex ?? 1,
    count: options.count ?? 1000,
    limit: 100_000,
    cursor: options.cursor,
    // As the server sends it: the type whose members make up `groups`, for types that have them.
    groupType: resourceType.schema.attributes.some((attribute) => attribute.name === 'groups')
      ? GROUP
      : undefined,
  };
}

function sortOf(
  resourceType: ScimResourceType,
  options: {
    readonly sortBy?: string | undefined;
    readonly sortOrder?: 'ascending' | 'descending';
  },
): StoreSort {
  const resolved = resolveAttributePath(resourceType, options.sortBy ?? '');
  check(resolved.ok && resolved.value.attribute !== undefined, 'sortBy must name an attribute');
  return {
    path: resolved.value.path,
    attribute: sortAttribute(resolved.value),
    order: options.sortOrder ?? 'ascending',
  };
}

/**
 * What a client would get for the query: the store's answer, completed as the server completes it
 * (the filter, sort and page a store says it did not apply).
 */
export async function answer(store: ScimStore, query: StoreQuery, context: StoreContext) {
  const result = await store.query(query, context);
  check(result.truncated !== true, 'a small query must not be truncated');
  let resources = [...result.resources];
  if (!result.applied.filter && query.bound !== undefined)
    resources = resources.filter(compileBoundFilter(query.bound));
  if (query.sort !== undefined && !result.applied.sort)
    sortResources(resources, query.sort.attribute, query.sort.order);
  let totalResults = result.totalResults ?? resources.length;
  if (!result.applied.page) {
    totalResults = resources.length;
    resources = resources.slice(query.startIndex - 1, query.startIndex - 1 + query.count);
  }
  check(
    resources.length <= query.count,
    `a page holds at most count (${query.count}) resources, got ${resources.length}`,
  );
  return { resources, totalResults, positions: result.positions, applied: result.applied };
}

/** The ids (or, with `key`, another attribute) a query answers, in order. */
export async function idsOf(
  store: ScimStore,
  resourceType: ScimResourceType,
  options: Parameters<typeof queryOf>[1],
  tenant?: string,
  key = 'id',
): Promise<string[]> {
  const { resources } = await answer(
    store,
    queryOf(resourceType, options),
    contextOf(resourceType, tenant),
  );
  return resources.map((resource) => String(resource[key]));
}

/** Compares as sets: what a filter matches has no order. */
export function sameSet(
  actual: readonly string[],
  expected: readonly string[],
  what: string,
): void {
  const a = [...actual].sort();
  const e = [...expected].sort();
  check(
    a.length === e.length && a.every((value, i) => value === e[i]),
    `${what}: expected [${e.join(', ')}], got [${a.join(', ')}]`,
  );
}

export function sameList(
  actual: readonly string[],
  expected: readonly string[],
  what: string,
): void {
  check(
    actual.length === expected.length && actual.every((value, i) => value === expected[i]),
    `${what}: expected [${expected.join(', ')}], got [${actual.join(', ')}]`,
  );
}

/** Resolves to the ScimError `work` rejects with; fails when it resolves or throws anything else. */
export async function rejection(work: Promise<unknown>, status: number, what: string) {
  try {
    await work;
  } catch (error) {
    check(
      isScimError(error) && error.status === status,
      `${what}: expected a ScimError ${status}, got ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`,
    );
    return error;
  }
  throw new Error(`${what}: expected a ScimError ${status}, but it succeeded`);
}

/**
 * A resource in a form that compares equal whatever the key order and the order of `members`, which
 * SCIM does not define (RFC 7643 §2.4), so a rolled-back store may list them differently.
 */
export function snapshot(resource: ScimResource | undefined): string {
  if (resource === undefined) return 'absent';
  const members = resource.members;
  if (!Array.isArray(members)) return stableStringify(resource);
  const sorted = [...(members as { value?: unknown }[])].sort((a, b) =>
    String(a.value).localeCompare(String(b.value)),
  );
  return stableStringify({ ...resource, members: sorted });
}
