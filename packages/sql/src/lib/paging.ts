// Sort, index paging, counts and RFC 9865 keyset cursors, in the database: a page costs the same
// however deep the client has read.
import { ScimError, type ScimResource } from '@scim/core';
import type { StoreQuery, StoreQueryResult, StoreSort } from '@scim/server';
import { sql, type RawBuilder } from 'kysely';
import { COLUMNS } from './columns.js';
import { toNumber, type Executor, type Shared } from './shared.js';

type Read = (rows: readonly { readonly document: string }[]) => Promise<ScimResource[]>;

const APPLIED = { filter: true, sort: true, page: true } as const;

/** A sort the database can do. */
export interface SortColumn {
  readonly column: string;
  readonly order: 'ascending' | 'descending';
}

/**
 * The column a sort runs on, or null when none holds the attribute as the server would sort it
 * (folded unless caseExact, dateTimes as milliseconds).
 */
export function sortColumnOf(sort: StoreSort): SortColumn | null {
  const bound = sort.attribute;
  const definition = bound.attribute;
  if (bound.kind !== 'attribute' || bound.isExtension || definition === undefined) return null;
  const name = definition.name.toLowerCase();
  if (name === 'meta') {
    const sub = bound.subAttribute?.name.toLowerCase();
    if (sub === 'created') return { column: 'created_ms', order: sort.order };
    if (sub === 'lastmodified') return { column: 'modified_ms', order: sort.order };
    return null;
  }
  if (bound.subAttribute !== undefined || definition.multiValued) return null;
  if (definition.type !== 'string') return null;
  const spec = COLUMNS.find((column) => column.attribute === name);
  const caseExact = definition.caseExact;
  if (spec === undefined || caseExact === spec.folded) return null;
  return { column: spec.column, order: sort.order };
}

function orderBy(sort: SortColumn | undefined): RawBuilder<unknown> {
  if (sort === undefined) return sql`r.seq`;
  const column = sql.ref(`r.${sort.column}`);
  // Resources without a value go last ascending, first descending; ties keep id order (P-SORT-06).
  return sort.order === 'ascending'
    ? sql`(${column} IS NULL) ASC, ${column} ASC, r.id ASC`
    : sql`(${column} IS NULL) DESC, ${column} DESC, r.id ASC`;
}

async function countOf(shared: Shared, executor: Executor, condition: RawBuilder<unknown>) {
  const counted = await sql<{
    total: unknown;
  }>`SELECT COUNT(*) AS total FROM ${sql.table(shared.tables.resources)} r WHERE ${condition}`.execute(
    executor,
  );
  return toNumber(counted.rows[0]?.total ?? 0);
}

/**
 * Index paging: one page sorted and cut by the database, then the count, unless the page itself
 * tells it. A page that starts at the first match and is not full holds every match; a page that is
 * not full and not empty ends with the last one. An identity provider's `userName eq` lookup is one
 * statement, not two.
 */
export async function offsetPage(
  shared: Shared,
  executor: Executor,
  condition: RawBuilder<unknown>,
  sort: SortColumn | undefined,
  query: StoreQuery,
  read: Read,
): Promise<StoreQueryResult> {
  const count = Math.max(query.count, 0);
  const offset = Math.max(query.startIndex - 1, 0);
  if (count === 0)
    return {
      resources: [],
      totalResults: await countOf(shared, executor, condition),
      applied: APPLIED,
    };
  const rows = (
    await sql<{
      document: string;
    }>`SELECT r.document FROM ${sql.table(shared.tables.resources)} r WHERE ${condition} ORDER BY ${orderBy(sort)} LIMIT ${count} OFFSET ${offset}`.execute(
      executor,
    )
  ).rows;
  const totalResults =
    rows.length < count && (rows.length > 0 || offset === 0)
      ? offset + rows.length
      : await countOf(shared, executor, condition);
  return { resources: await read(rows), totalResults, applied: APPLIED };
}

function positionOf(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  // The server signs positions, so a bad one means the cursor outlived a change of store.
  if (!/^\d{1,15}$/.test(text)) throw ScimError.invalidCursor('The cursor is not valid');
  return Number(text);
}

/**
 * An RFC 9865 page in creation order, found from the previous page's edge: `seq > after` (or
 * `seq < before`, read backwards), never by counting past the rows before it.
 */
export async function keysetPage(
  shared: Shared,
  executor: Executor,
  condition: RawBuilder<unknown>,
  query: StoreQuery,
  read: Read,
): Promise<StoreQueryResult> {
  const backward = query.cursor?.before !== undefined;
  const position = positionOf(query.cursor?.before ?? query.cursor?.after);
  const count = Math.max(query.count, 0);
  const table = sql.table(shared.tables.resources);
  const beyond =
    position === undefined
      ? sql`1=1`
      : backward
        ? sql`r.seq < ${position}`
        : sql`r.seq > ${position}`;
  const rows = (
    await sql<{
      seq: unknown;
      document: string;
    }>`SELECT r.seq, r.document FROM ${table} r WHERE ${condition} AND ${beyond} ORDER BY r.seq ${backward ? sql`DESC` : sql`ASC`} LIMIT ${count + 1}`.execute(
      executor,
    )
  ).rows;
  const more = rows.length > count;
  const page = rows.slice(0, count);
  let behind = false;
  if (position !== undefined) {
    const other = backward ? sql`r.seq >= ${position}` : sql`r.seq <= ${position}`;
    const found =
      await sql`SELECT 1 AS one FROM ${table} r WHERE ${condition} AND ${other} LIMIT 1`.execute(
        executor,
      );
    behind = found.rows.length > 0;
  }
  if (backward) page.reverse();
  const ahead = backward ? behind : more;
  const before = backward ? more : behind;
  const first = page[0];
  const last = page[page.length - 1];
  const positions: { next?: string; previous?: string } = {};
  if (ahead && last !== undefined) positions.next = String(toNumber(last.seq));
  if (before && first !== undefined) positions.previous = String(toNumber(first.seq));
  const resources = await read(page);
  // Counting every match costs what the whole scan would: only the first page says how many there
  // are (RFC 9865 lets later pages leave totalResults out), so a page costs the same at any depth.
  if (position !== undefined) return { resources, applied: APPLIED, positions };
  return {
    resources,
    totalResults: more ? await countOf(shared, executor, condition) : page.length,
    applied: APPLIED,
    positions,
  };
}
