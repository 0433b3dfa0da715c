// Queries: GET on an endpoint, POST …/.search, and the same across resource types (RFC 7644 §3.4).
import {
  LIST_RESPONSE_URN,
  parseProjection,
  resolveAttributePath,
  ScimError,
  type Projection,
  type ScimResource,
  type ScimResourceType,
} from '@scim/core';
import {
  bindFilter,
  compileBoundFilter,
  safeParseFilter,
  type BoundFilterNode,
  type FilterNode,
} from '@scim/filter';
import { digest, invalidCursor, isOutlivedPage, type CursorPosition } from './cursor.js';
import type { QueryParameters } from '../parameters.js';
import { plainPath, storeContext, type Engine, type Scope } from '../engine.js';
import { scimJson, type Outcome } from '../http.js';
import { noteCompatibility } from '../observe.js';
import { present, storeAttributesOf } from '../present.js';
import { sortAttribute, sortResources } from './sort.js';
import {
  checkGroupsFilter,
  checkGroupsSort,
  forEachAttribute,
  namesGroups,
} from './groups-filter.js';
import type { StoreCursor, StorePositions, StoreSort } from '../store.js';

export function projectionOf(
  resourceType: ScimResourceType,
  parameters: Pick<QueryParameters, 'attributes' | 'excludedAttributes'>,
): Projection {
  const result = parseProjection(resourceType, parameters);
  if (!result.ok) throw ScimError.fromIssues(result.issues);
  return result.value;
}

/** Parses `filter`; the leniencies it needed go to the request's log record when `scope` is given. */
export function parseFilterParameter(engine: Engine, text: string, scope?: Scope): FilterNode {
  if (!engine.features.filter)
    throw ScimError.invalidFilter('Filtering is not supported by this service provider');
  const result = safeParseFilter(text, engine.filterParsing);
  if (!result.ok)
    throw ScimError.invalidFilter(result.issues.map((issue) => issue.message).join('; '));
  if (scope !== undefined) noteCompatibility(scope, 'filter', result.applied);
  return result.value;
}

function sortOf(
  engine: Engine,
  resourceType: ScimResourceType,
  parameters: QueryParameters,
): StoreSort | undefined {
  if (!engine.features.sort || parameters.sortBy === undefined || parameters.sortBy.trim() === '')
    return undefined;
  const order = (parameters.sortOrder ?? 'ascending').toLowerCase();
  if (order !== 'ascending' && order !== 'descending')
    throw ScimError.invalidValue(
      `'sortOrder' must be ascending or descending, got ${JSON.stringify(parameters.sortOrder)}`,
    );
  const resolved = resolveAttributePath(resourceType, parameters.sortBy);
  if (!resolved.ok || resolved.value.attribute === undefined)
    throw ScimError.invalidValue(`'sortBy' names no attribute: ${parameters.sortBy}`);
  const { attribute, subAttribute, path } = resolved.value;
  if (attribute.type === 'complex' && subAttribute === undefined)
    throw ScimError.invalidValue(`'sortBy' must name a sub-attribute of '${attribute.name}'`);
  checkGroupsSort(attribute, resolved.value.isExtension, path);
  if ((subAttribute ?? attribute).returned === 'never')
    throw ScimError.invalidValue(`'${path}' cannot be sorted on`);
  return { path, attribute: sortAttribute(resolved.value), order };
}

/** startIndex below 1 reads as 1, count below 0 as 0, and count above maxResults as maxResults (RFC 7644 §3.4.2.4). */
function page(engine: Engine, parameters: QueryParameters): { startIndex: number; count: number } {
  return {
    startIndex: Math.max(parameters.startIndex ?? 1, 1),
    count: Math.min(Math.max(parameters.count ?? engine.defaultPageSize, 0), engine.maxResults),
  };
}

interface Found {
  readonly resources: readonly ScimResource[];
  readonly totalResults: number;
  /** False when a store paged without saying how many matches there are. */
  readonly totalKnown: boolean;
  /** Set when the store paged by position (keyset) rather than by offset. */
  readonly positions?: StorePositions;
}

/**
 * The core attributes a filter and a sort name, lower-cased: a store that leaves the filter or the
 * sort to the server must still return them, whatever the projection spares.
 */
function namedBy(bound: BoundFilterNode | undefined, sort: StoreSort | undefined): Set<string> {
  const names = new Set<string>();
  if (sort?.attribute.attribute !== undefined && !sort.attribute.isExtension)
    names.add(sort.attribute.attribute.name.toLowerCase());
  if (bound !== undefined)
    forEachAttribute(bound, (attribute) => {
      if (attribute.attribute !== undefined && !attribute.isExtension)
        names.add(attribute.attribute.name.toLowerCase());
    });
  return names;
}

async function runQuery(
  engine: Engine,
  scope: Scope,
  resourceType: ScimResourceType,
  filter: FilterNode | undefined,
  bound: BoundFilterNode | undefined,
  sort: StoreSort | undefined,
  window: { startIndex: number; count: number },
  projection: Projection | undefined,
  cursor?: StoreCursor,
): Promise<Found> {
  const store = engine.storeFor(resourceType);
  const groupType = engine.hasAttribute(resourceType, 'groups') ? engine.groupType : undefined;
  const result = await store.query(
    {
      filter,
      bound,
      sort,
      startIndex: window.startIndex,
      count: window.count,
      limit: engine.maxScan,
      cursor,
      groupType,
    },
    storeContext(scope, resourceType, {
      attributes: storeAttributesOf(projection, namedBy(bound, sort)),
    }),
  );
  if (result.truncated === true)
    throw ScimError.tooMany(
      `The query matches more than ${engine.maxScan} resources; narrow the filter`,
    );
  // The server cannot complete a filter on groups: it would compare users without their groups.
  if (!result.applied.filter && namesGroups(bound))
    throw new TypeError(
      'A store that declares filtersGroups must apply every filter naming groups (applied.filter)',
    );
  let resources = [...result.resources];
  // The server completes what the store did not do itself, within the scan cap.
  const completing =
    !result.applied.filter || (sort !== undefined && !result.applied.sort) || !result.applied.page;
  if (completing && resources.length > engine.maxScan)
    throw ScimError.tooMany(
      `The query matches more than ${engine.maxScan} resources; narrow the filter`,
    );
  if (!result.applied.filter && bound !== undefined)
    resources = resources.filter(compileBoundFilter(bound));
  if (sort !== undefined && !result.applied.sort)
    sortResources(resources, sort.attribute, sort.order);
  let totalResults = result.totalResults ?? resources.length;
  let totalKnown = result.totalResults !== undefined;
  if (!result.applied.page) {
    totalResults = resources.length;
    totalKnown = true;
    resources = resources.slice(window.startIndex - 1, window.startIndex - 1 + window.count);
  }
  if (cursor === undefined || result.positions === undefined)
    return { resources, totalResults, totalKnown };
  // Positions only mean something for a page the store itself filtered, sorted and cut: anything
  // else is a store bug, reported to onError as a 500 rather than answered with a wrong page.
  if (
    !result.applied.filter ||
    !result.applied.page ||
    (sort !== undefined && !result.applied.sort)
  )
    throw new TypeError(
      'A store that returns positions must apply the filter, the sort and the page',
    );
  return { resources, totalResults, totalKnown, positions: result.positions };
}

function listResponse(
  found: Found,
  startIndex: number,
  resources: readonly ScimResource[],
): Outcome {
  // Resources is always present, even when empty (checklist P-PAGE-10, D-22; Entra's probe).
  return scimJson(200, {
    schemas: [LIST_RESPONSE_URN],
    totalResults: found.totalResults,
    itemsPerPage: resources.length,
    startIndex,
    Resources: resources,
  });
}

/**
 * A query of one resource type as the parse step reads it: every parameter checked (filter, sort,
 * projection, paging), before the first store call.
 */
export interface ListQuery {
  readonly resourceType: ScimResourceType;
  readonly parameters: QueryParameters;
  readonly projection: Projection;
  readonly filter: FilterNode | undefined;
  readonly bound: BoundFilterNode | undefined;
  readonly sort: StoreSort | undefined;
  readonly paging: 'index' | 'cursor';
}

export function parseListQuery(
  engine: Engine,
  resourceType: ScimResourceType,
  parameters: QueryParameters,
  scope?: Scope,
): ListQuery {
  const projection = projectionOf(resourceType, parameters);
  const filter =
    parameters.filter === undefined
      ? undefined
      : parseFilterParameter(engine, parameters.filter, scope);
  const bound =
    filter === undefined ? undefined : bindFilter(filter, resourceType, engine.filterBinding);
  if (bound !== undefined && parameters.source === 'url') refuseSensitive(engine, bound);
  if (bound !== undefined) checkGroupsFilter(engine, resourceType, bound);
  const sort = sortOf(engine, resourceType, parameters);
  const paging = pagingMethod(engine, parameters);
  if (paging === 'cursor') {
    // Both paging methods at once is ambiguous (checklist C-CUR-17).
    if (parameters.cursor !== undefined && parameters.startIndex !== undefined)
      throw ScimError.invalidValue('Use either cursor or startIndex, not both');
    if (parameters.count !== undefined && parameters.count > engine.maxPageSize)
      throw ScimError.invalidCount(`count may be at most ${engine.maxPageSize} (maxPageSize)`);
  }
  return { resourceType, parameters, projection, filter, bound, sort, paging };
}

export async function queryResourceType(scope: Scope, query: ListQuery): Promise<Outcome> {
  const { engine } = scope;
  const { resourceType, parameters, filter, bound, sort, projection } = query;
  if (query.paging === 'cursor')
    return cursorPage(engine, scope, resourceType, parameters, { filter, bound, sort, projection });
  const window = page(engine, parameters);
  const found = await runQuery(
    engine,
    scope,
    resourceType,
    filter,
    bound,
    sort,
    window,
    projection,
  );
  const resources = await present(scope, resourceType, found.resources, { projection });
  return listResponse(found, window.startIndex, resources);
}

/** Cursor paging when the request asks for it, or when it names no method and cursors are the default. */
function pagingMethod(engine: Engine, parameters: QueryParameters): 'index' | 'cursor' {
  if (engine.cursors === undefined) return 'index';
  if (parameters.cursor !== undefined) return 'cursor';
  if (!engine.indexPaging) {
    // Cursor-only (RFC 9865 §2.3): startIndex=1 is the first page; any later index cannot be served.
    if (parameters.startIndex !== undefined && parameters.startIndex > 1)
      throw ScimError.invalidValue(
        'This service provider pages with cursors only: follow nextCursor instead of startIndex',
      );
    return 'cursor';
  }
  return parameters.startIndex === undefined && engine.defaultPaging === 'cursor'
    ? 'cursor'
    : 'index';
}

/**
 * One page of an RFC 9865 cursor query. The cursor carries the store's position (keyset) or, for a
 * store that pages by index, an offset, signed and bound to the query, the caller and its grants.
 */
async function cursorPage(
  engine: Engine,
  scope: Scope,
  resourceType: ScimResourceType,
  parameters: QueryParameters,
  query: {
    filter: FilterNode | undefined;
    bound: BoundFilterNode | undefined;
    sort: StoreSort | undefined;
    projection: Projection;
  },
): Promise<Outcome> {
  const codec = engine.cursors as NonNullable<Engine['cursors']>;
  const queryKey = await digest([
    resourceType.name,
    parameters.filter ?? '',
    query.sort?.path ?? '',
    query.sort?.order ?? '',
  ]);
  const caller = await digest([
    scope.tenant ?? null,
    scope.principal ?? null,
    scope.grants ?? null,
  ]);
  const cursor = parameters.cursor ?? '';
  const opened =
    cursor === '' ? undefined : await codec.open(cursor, parameters.count, queryKey, caller);
  // Only a new query is counted against the rate limit; following its pages is not (RFC 9865 §5.3).
  if (opened === undefined) engine.cursorQuota?.take(caller);
  const position: CursorPosition = opened?.position ?? { offset: 0 };
  const count = Math.max(
    parameters.count ?? opened?.count ?? Math.min(engine.defaultPageSize, engine.maxPageSize),
    0,
  );
  const offset = 'offset' in position ? position.offset : 0;
  const storeCursor: StoreCursor =
    'after' in position
      ? { after: position.after }
      : 'before' in position
        ? { before: position.before }
        : {};
  const found = await runQuery(
    engine,
    scope,
    resourceType,
    query.filter,
    query.bound,
    query.sort,
    { startIndex: offset + 1, count },
    query.projection,
    storeCursor,
  );
  // A page that no longer exists (its store changed paging, or deletions moved the end before it)
  // gets the same answer as a forged cursor (RFC 9865 §5.2, checklist C-CUR-21).
  if (isOutlivedPage(position, found)) throw invalidCursor();
  const resources = await present(scope, resourceType, found.resources, {
    projection: query.projection,
  });
  const body: Record<string, unknown> = { schemas: [LIST_RESPONSE_URN] };
  // A store that cannot count lets totalResults go (RFC 9865 §2, checklist C-CUR-08).
  if (found.totalKnown) body.totalResults = found.totalResults;
  body.itemsPerPage = resources.length;
  body.Resources = resources;
  let next: CursorPosition | undefined;
  let previous: CursorPosition | undefined;
  if (found.positions !== undefined) {
    if (found.positions.next !== undefined) next = { after: found.positions.next };
    if (found.positions.previous !== undefined) previous = { before: found.positions.previous };
  } else {
    const more = found.totalKnown
      ? offset + found.resources.length < found.totalResults
      : found.resources.length === count;
    if (more) next = { offset: offset + found.resources.length };
    if (offset > 0) previous = { offset: Math.max(offset - count, 0) };
  }
  if (count > 0 && next !== undefined)
    body.nextCursor = await codec.issue(next, count, queryKey, caller);
  if (count > 0 && previous !== undefined)
    body.previousCursor = await codec.issue(previous, count, queryKey, caller);
  return scimJson(200, body);
}

/** A filter naming a sensitive attribute must come in a .search body, not a URL (P-SEC-05). */
function refuseSensitive(engine: Engine, bound: BoundFilterNode): void {
  const names = engine.sensitivePaths;
  if (names.length === 0) return;
  // Compared without a schema URN, so `emails.value` and `urn:…:User:emails.value` are one path.
  const covers = (path: string): boolean => {
    const lower = plainPath(path);
    return names.some(
      (name) => lower === name || lower.startsWith(`${name}.`) || name.startsWith(`${lower}.`),
    );
  };
  forEachAttribute(bound, (attribute) => {
    if (covers(attribute.path)) throw sensitiveError();
  });
}

function sensitiveError(): ScimError {
  return ScimError.sensitive(
    'This filter names a sensitive attribute; send it in the body of POST .search instead of the URL',
  );
}

/** A query across every resource type (`GET /`, `POST /.search`), read before any store call. */
export interface ListAllQuery {
  readonly filter: FilterNode | undefined;
  readonly window: { readonly startIndex: number; readonly count: number };
  readonly plans: readonly {
    readonly resourceType: ScimResourceType;
    readonly bound: BoundFilterNode | undefined;
    readonly projection: Projection;
  }[];
}

/** `GET /` and `POST /.search`: every resource type, unknown attributes read as absent (P-FILTER-28). */
export function parseListAllQuery(
  engine: Engine,
  parameters: QueryParameters,
  scope?: Scope,
): ListAllQuery {
  if (parameters.sortBy !== undefined)
    throw ScimError.invalidValue('sortBy is not supported across resource types');
  // Answering page one without a nextCursor would read as "that is everything" to a cursor client.
  if (parameters.cursor !== undefined && engine.cursors !== undefined)
    throw ScimError.invalidValue(
      'Cursor paging is not offered across resource types; query each endpoint, or use startIndex',
    );
  // Without a filter every resource of every type is listed, within maxScan (RFC 7644 §3.4.2.1).
  const filter =
    parameters.filter === undefined
      ? undefined
      : parseFilterParameter(engine, parameters.filter, scope);
  const plans = engine.resourceTypes.map((resourceType) => {
    const bound =
      filter === undefined
        ? undefined
        : bindFilter(filter, resourceType, {
            ...engine.filterBinding,
            unknownAttributes: 'absent',
          });
    if (bound !== undefined && parameters.source === 'url') refuseSensitive(engine, bound);
    if (bound !== undefined) checkGroupsFilter(engine, resourceType, bound);
    return { resourceType, bound, projection: projectionOf(resourceType, parameters) };
  });
  return { filter, window: page(engine, parameters), plans };
}

export async function queryAll(scope: Scope, query: ListAllQuery): Promise<Outcome> {
  const { engine } = scope;
  const { filter, window, plans } = query;
  const collected: { resource: ScimResource; plan: (typeof plans)[number] }[] = [];
  for (const plan of plans) {
    const found = await runQuery(
      engine,
      scope,
      plan.resourceType,
      filter,
      plan.bound,
      undefined,
      { startIndex: 1, count: engine.maxScan },
      plan.projection,
    );
    if (collected.length + found.totalResults > engine.maxScan)
      throw ScimError.tooMany(
        `The query matches more than ${engine.maxScan} resources; narrow it with a filter`,
      );
    for (const resource of found.resources) collected.push({ resource, plan });
  }
  const slice = collected.slice(window.startIndex - 1, window.startIndex - 1 + window.count);
  const resources: ScimResource[] = [];
  for (const { resource, plan } of slice) {
    const projection = plan.projection;
    resources.push(...(await present(scope, plan.resourceType, [resource], { projection })));
  }
  return listResponse(
    { resources: slice.map((s) => s.resource), totalResults: collected.length, totalKnown: true },
    window.startIndex,
    resources,
  );
}
