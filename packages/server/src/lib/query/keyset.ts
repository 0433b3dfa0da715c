// Keyset paging for the memory store (RFC 9865 cursors): a page is found from the position of the
// previous page's edge, never by counting past the resources before it.
import { ScimError, type ScimResource } from '@scim/core';
import type { CreationOrder } from '../memory/creation-order.js';
import { compareSortKeys, sortKeyOf, type SortKey } from './sort.js';
import type { StorePositions, StoreQuery, StoreQueryResult } from '../store.js';

export interface KeysetSource {
  readonly order: CreationOrder;
  readonly byId: ReadonlyMap<string, ScimResource>;
  /** The few resources an index narrowed the filter to, or undefined to consider every resource. */
  readonly narrowed: readonly ScimResource[] | undefined;
  readonly matches: ((resource: ScimResource) => boolean) | undefined;
}

interface Ranked {
  readonly key: SortKey;
  readonly resource: ScimResource;
}

const APPLIED = { filter: true, sort: true, page: true } as const;

function encodePosition(key: SortKey): string {
  return JSON.stringify(key);
}

function decodePosition(text: string | undefined, natural: boolean): SortKey | undefined {
  if (text === undefined) return undefined;
  let key: unknown;
  try {
    key = JSON.parse(text);
  } catch {
    key = undefined;
  }
  // The server signs positions into cursors, so a bad one means the cursor outlived a change of store.
  if (
    !Array.isArray(key) ||
    key.length !== 2 ||
    typeof key[1] !== 'string' ||
    !(natural
      ? typeof key[0] === 'number'
      : ['string', 'number'].includes(typeof key[0]) || key[0] === null)
  )
    throw ScimError.invalidCursor('The cursor is not valid');
  return key as unknown as SortKey;
}

/** One keyset page: the `count` matches after `cursor.after` (or just before `cursor.before`). */
export function keysetPage(source: KeysetSource, query: StoreQuery): StoreQueryResult {
  const natural = query.sort === undefined;
  const backward = query.cursor?.before !== undefined;
  const position = decodePosition(query.cursor?.before ?? query.cursor?.after, natural);
  const count = Math.max(query.count, 0);
  if (natural && source.matches === undefined && source.narrowed === undefined)
    return creationOrderPage(source, count, backward, position);

  const keyOf: (resource: ScimResource) => SortKey =
    query.sort === undefined
      ? (resource) => [source.order.sequence(resource.id as string) ?? 0, resource.id as string]
      : sortKeyOf(query.sort.attribute);
  const compare = compareSortKeys(query.sort?.order ?? 'ascending');
  const travel = backward ? (a: SortKey, b: SortKey) => compare(b, a) : compare;
  // The best count + 1 matches in travel order: one more than the page tells whether more follow.
  const best: Ranked[] = [];
  let total = 0;
  let behind = false;
  const visit = (resource: ScimResource): boolean => {
    if (source.matches !== undefined && !source.matches(resource)) return true;
    total++;
    const key = keyOf(resource);
    if (position !== undefined && travel(key, position) <= 0) {
      behind = true;
      return true;
    }
    const last = best[best.length - 1];
    if (best.length > count && last !== undefined && travel(key, last.key) >= 0) return true;
    let low = 0;
    let high = best.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (travel((best[middle] as Ranked).key, key) < 0) low = middle + 1;
      else high = middle;
    }
    best.splice(low, 0, { key, resource });
    if (best.length > count + 1) best.pop();
    return true;
  };
  if (source.narrowed !== undefined) source.narrowed.forEach(visit);
  else if (natural)
    // Walking in travel order means the page fills first and every later match is refused at once.
    source.order.scan(backward ? 'backward' : 'forward', undefined, (id) =>
      visit(source.byId.get(id) as ScimResource),
    );
  else for (const resource of source.byId.values()) visit(resource);

  const page = best.slice(0, count);
  return finish(page, total, best.length > count, behind, backward);
}

/** No filter and no sort: seek to the position in creation order and read one page. */
function creationOrderPage(
  source: KeysetSource,
  count: number,
  backward: boolean,
  position: SortKey | undefined,
): StoreQueryResult {
  const from = position === undefined ? undefined : (position[0] as number);
  const page: Ranked[] = [];
  let more = false;
  source.order.scan(backward ? 'backward' : 'forward', from, (id, sequence) => {
    if (page.length === count) {
      more = true;
      return false;
    }
    page.push({ key: [sequence, id], resource: source.byId.get(id) as ScimResource });
    return true;
  });
  let behind = false;
  if (from !== undefined) {
    // Anything left on the other side of the position (the position itself included)?
    source.order.scan(backward ? 'forward' : 'backward', backward ? from - 1 : from + 1, () => {
      behind = true;
      return false;
    });
  }
  return finish(page, source.order.size, more, behind, backward);
}

function finish(
  page: Ranked[],
  total: number,
  more: boolean,
  behind: boolean,
  backward: boolean,
): StoreQueryResult {
  if (backward) page.reverse();
  const first = page[0];
  const last = page[page.length - 1];
  const ahead = backward ? behind : more;
  const before = backward ? more : behind;
  const positions: { -readonly [K in keyof StorePositions]: StorePositions[K] } = {};
  if (ahead && last !== undefined) positions.next = encodePosition(last.key);
  if (before && first !== undefined) positions.previous = encodePosition(first.key);
  return {
    resources: page.map((ranked) => ranked.resource),
    totalResults: total,
    applied: APPLIED,
    positions,
  };
}
