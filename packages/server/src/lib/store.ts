import type { ScimResource, ScimResourceType } from '@scim/core';
import type { BoundAttribute, BoundFilterNode, FilterNode } from '@scim/filter';

/**
 * What every store call knows about the request it serves.
 * @example `store.get(id, { resourceType, principal, tenant, signal })`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-2
 */
export interface StoreContext {
  readonly resourceType: ScimResourceType;
  /** What `authenticate` returned for this request. */
  readonly principal: unknown;
  /** The tenant `authenticate` named, for stores that keep several apart. */
  readonly tenant: string | undefined;
  readonly signal: AbortSignal;
  /**
   * The handle `options.transaction` passed to its work: set on every store call of a write request
   * (or of a whole bulk request) when a transaction is configured. Use it as the connection.
   */
  readonly transaction?: unknown;
}

/**
 * The sort a query asks for, with the attribute bound to its schema definition.
 * @example `{ attribute, path: 'name.familyName', order: 'descending' }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2.3
 */
export interface StoreSort {
  readonly path: string;
  readonly attribute: BoundAttribute;
  readonly order: 'ascending' | 'descending';
}

/**
 * A query as the server hands it to a store: the parsed filter (and its schema-bound form, for
 * translating it to a database query), the sort, and the page wanted. A store may apply any part of
 * it and say so in {@link StoreQueryResult.applied}; the server finishes the rest.
 * @example `{ filter, bound, sort: undefined, startIndex: 1, count: 100 }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2
 */
export interface StoreQuery {
  readonly filter: FilterNode | undefined;
  readonly bound: BoundFilterNode | undefined;
  readonly sort: StoreSort | undefined;
  /** 1-based index of the first result wanted. */
  readonly startIndex: number;
  readonly count: number;
  /**
   * The most resources the server will take when it has to filter, sort or page itself; a store that
   * cannot narrow its answer below this returns `truncated: true` and the server answers `tooMany`.
   */
  readonly limit: number;
  /**
   * Set on RFC 9865 cursor requests, undefined for index paging. A store that pages by position
   * (keyset: `WHERE (sortValue, id) > (?, ?)`) honours it, ignores `startIndex`, and answers with
   * {@link StoreQueryResult.positions}; any other store ignores it and pages by `startIndex`.
   */
  readonly cursor?: StoreCursor | undefined;
}

/**
 * Where a cursor page starts or ends, as positions the store itself handed out. Positions are the
 * store's own strings (a key, an encoded `(value, id)` pair, a database continuation token); the
 * server signs them into cursors, so a store never sees a position a client made up.
 * @example `{ after: '1042' }` for the page following the resource at position 1042
 * @see https://www.rfc-editor.org/rfc/rfc9865#section-2
 */
export interface StoreCursor {
  /** The page starts just after this position (a `next` the store returned). */
  readonly after?: string;
  /** The page is the `count` results just before this position (a `previous` the store returned). */
  readonly before?: string;
}

/**
 * The positions around a keyset page: what a later {@link StoreCursor} may name.
 * @example `{ next: '1042', previous: '1033' }`
 * @see https://www.rfc-editor.org/rfc/rfc9865#section-2
 */
export interface StorePositions {
  /** The position of the page's last result, when more results follow it. */
  readonly next?: string;
  /** The position of the page's first result, when results precede it. */
  readonly previous?: string;
}

/**
 * What a store answers to a query.
 * @example `{ resources, totalResults: 1, applied: { filter: true, sort: false, page: false } }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2
 */
export interface StoreQueryResult {
  readonly resources: readonly ScimResource[];
  /** The number of matches before paging, when the store paged. */
  readonly totalResults?: number;
  readonly applied: { readonly filter: boolean; readonly sort: boolean; readonly page: boolean };
  /** More than `limit` resources would have had to be returned. */
  readonly truncated?: boolean;
  /**
   * Set by a store that honoured {@link StoreQuery.cursor}: the page was taken by position, so its
   * cost does not grow with how deep the client has paged. The store must then have applied the
   * filter, the sort and the page (anything else is answered 500 and reported to `onError`).
   */
  readonly positions?: StorePositions;
}

/**
 * The storage of one resource type. Resources arrive validated and normalised, with `id` and `meta`
 * set by the server. Stores throw `ScimError.uniqueness` for a duplicate unique value, and
 * `ScimError.preconditionFailed` when `expectedVersion` no longer matches.
 * @example
 * ```ts
 * const users: ScimStore = createMemoryStore();
 * createScimHandler({ stores: { User: users, Group: createMemoryStore() } });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface ScimStore {
  get(id: string, context: StoreContext): Promise<ScimResource | undefined>;
  query(query: StoreQuery, context: StoreContext): Promise<StoreQueryResult>;
  create(resource: ScimResource, context: StoreContext): Promise<ScimResource>;
  /** Replaces the stored resource; `expectedVersion` is the `meta.version` it was read at. */
  replace(
    resource: ScimResource,
    context: StoreContext & { readonly expectedVersion: string | undefined },
  ): Promise<ScimResource>;
  /** Returns false when there was nothing to delete. */
  delete(id: string, context: StoreContext): Promise<boolean>;
}
