import type { ScimMeta, ScimResource, ScimResourceType } from '@scim/core';
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
  /**
   * The attributes the response needs, when it needs fewer than all: a store may leave the others
   * out (a `SELECT` of those columns, a group read without its members). `id`, `schemas` and `meta`
   * are always returned. Undefined asks for the whole resource.
   */
  readonly attributes?: StoreAttributes | undefined;
}

/**
 * Top-level attribute names (core attributes, or extension schema URNs) a read is limited to or
 * spared, compared case-insensitively. Stores may return more than asked; never less.
 * @example `{ exclude: ['members'] }` for `GET /Groups/{id}?excludedAttributes=members`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.9
 */
export type StoreAttributes =
  | { readonly include: readonly string[]; readonly exclude?: undefined }
  | { readonly exclude: readonly string[]; readonly include?: undefined };

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
  /**
   * The resource type whose `members` make up the queried resources' computed `groups` (Group),
   * set when the queried type has `groups` and the service provider has a group type. Only a store
   * that declares {@link ScimStore.filtersGroups} receives a filter naming `groups`; it reads the
   * memberships from this type's members.
   */
  readonly groupType?: ScimResourceType | undefined;
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
  /**
   * Returns false when there was nothing to delete. `expectedVersion`, when set, is the
   * `meta.version` the server read and checked If-Match against: a stored version that differs is
   * `ScimError.preconditionFailed`, and nothing is deleted (checked under the store's lock, as
   * `replace` checks it).
   */
  delete(
    id: string,
    context: StoreContext & { readonly expectedVersion?: string | undefined },
  ): Promise<boolean>;
  /**
   * Adds and removes members of one group without reading or writing the rest of it: a store of
   * rows inserts and deletes rows. Adding a member already there and removing one that is not are
   * no-ops, so concurrent member changes never conflict; `expectedVersion` is set only when the
   * client sent If-Match. When anything changed, the group takes `change.meta`'s version and
   * lastModified, or, when its stored lastModified is not earlier than that (another instance's
   * clock is ahead of this one's), its stored lastModified plus 1 ms, so it never goes back; the
   * result's `meta` says which. Resolves undefined when the group does not exist. Optional: without
   * it the server reads the group, edits `members` and calls {@link ScimStore.replace}.
   * @example `await groups.modifyMembers('g1', { add: [{ value: 'u1', type: 'User' }], remove: [], meta }, context)`
   */
  modifyMembers?(
    id: string,
    change: MembershipChange,
    context: StoreContext & { readonly expectedVersion: string | undefined },
  ): Promise<MembershipResult | undefined>;
  /**
   * The groups listing any of `memberIds` as a direct member: one row per (group, member) pair,
   * with the group's display name only, so a user's `groups` costs the same whatever the size of
   * its groups. Optional: without it the server asks {@link ScimStore.query} for
   * `members[value eq …]` and reads the groups whole.
   * @example `await groups.groupsOf(['u1'], context) // [{ group: 'g1', displayName: 'Admins', member: 'u1' }]`
   */
  groupsOf?(
    memberIds: readonly string[],
    context: StoreContext,
  ): Promise<readonly StoreMembership[]>;
  /**
   * Which of `ids` the store holds, in one call: the server checks a group's new members with it
   * (S-CHAR-36), where a `get` each makes a 10,000-member PUT 10,000 reads. Optional: without it
   * the server calls `get` per member. Ids the store does not hold, or could not hold, are left
   * out. A store that locks new members against a concurrent delete treats these ids as read.
   * @example `await users.existing(['u1', 'nope'], context) // Set { 'u1' }`
   */
  existing?(ids: readonly string[], context: StoreContext): Promise<ReadonlySet<string>>;
  /**
   * True when {@link ScimStore.query} decides filters naming the computed `groups` attribute
   * (RFC 7643 §4.1.2) from the memberships of {@link StoreQuery.groupType}, as a read shows them:
   * `value` (the group's id), `display` (its displayName) and `type` (`direct`, or `indirect`
   * through nested groups), presence, and value filters over those. Stores never hold `groups`, so
   * without this the server refuses such a filter (400 `invalidFilter`) rather than let the store
   * compare it with the stored resource and answer nothing. `groups.$ref` is refused by the server
   * whatever the store says. A store that declares it must apply every such filter itself
   * (`applied.filter: true`).
   * @example `{ ...store, filtersGroups: true }`
   */
  readonly filtersGroups?: boolean;
}

/**
 * One member reference as a group stores it (RFC 7643 §4.2).
 * @example `{ value: '2819c223', type: 'User' }`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-4.2
 */
export interface StoreMember {
  readonly value: string;
  /** The member's resource type name (`User`, `Group`), filled in by the server. */
  readonly type?: string;
  readonly display?: string;
}

/**
 * A change to one group's members, as {@link ScimStore.modifyMembers} receives it.
 * @example `{ add: [{ value: 'u1', type: 'User' }], remove: ['u2'], meta: { version: 'W/"3"', lastModified } }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2
 */
export interface MembershipChange {
  /** Members to add; one already listed is left as it is. */
  readonly add: readonly StoreMember[];
  /**
   * Member values to remove; one not listed is ignored. The server never names one member in both
   * `add` and `remove` of a change, so their order does not matter.
   */
  readonly remove: readonly string[];
  /**
   * What the group's `meta` becomes if anything changed; `lastModified` is the server's now, which
   * the store moves to 1 ms after the stored one when that is not earlier.
   */
  readonly meta: { readonly version: string | undefined; readonly lastModified: string };
}

/**
 * What a membership change did.
 * @example `{ added: ['u1'], removed: [], meta: { version: 'W/"3"', lastModified, created, … } }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.5.2
 */
export interface MembershipResult {
  /** The values that were not members before and are now. */
  readonly added: readonly string[];
  /** The values that were members before and are not now, as stored. */
  readonly removed: readonly string[];
  /** The group's meta after the change (unchanged when nothing changed). */
  readonly meta: ScimMeta;
  /** The group's displayName, for events and for `display` in users' `groups`. */
  readonly displayName?: string;
}

/**
 * One (group, member) pair, as {@link ScimStore.groupsOf} returns it.
 * @example `{ group: 'e9e30dba', displayName: 'Tour Guides', member: '2819c223' }`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-4.1.2
 */
export interface StoreMembership {
  readonly group: string;
  readonly displayName?: string;
  readonly member: string;
}
