// Lists as async iterators: pages by RFC 9865 cursor when the server offers cursors, else by
// index (RFC 7644 §3.4.2.4), and a guard that ends any walk a misbehaving server would make endless.
import { isJsonObject, type ScimResource } from '@scim/core';
import type { FilterNode } from '@scim/filter';
import { ScimTransportError } from './errors.js';

/**
 * What a list or search asks for (RFC 7644 §3.4.2, §3.4.3).
 * @example `client.users.list({ filter: f.eq('active', true), pageSize: 100, attributes: ['userName'] })`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2
 */
export interface ListQuery {
  /** A filter built with `f`, or filter text. */
  readonly filter?: FilterNode | string | undefined;
  readonly attributes?: readonly string[] | undefined;
  readonly excludedAttributes?: readonly string[] | undefined;
  readonly sortBy?: string | undefined;
  readonly sortOrder?: 'ascending' | 'descending' | undefined;
  /** `count` of each page; the server's default when not given. */
  readonly pageSize?: number | undefined;
  /** Index paging from this 1-based position (implies index paging). */
  readonly startIndex?: number | undefined;
  /** `auto` (default): cursors when `/ServiceProviderConfig` advertises them, else index. */
  readonly paging?: 'auto' | 'cursor' | 'index' | undefined;
  /** Stop after this many resources. */
  readonly limit?: number | undefined;
  /** A walk longer than this many pages is a paging loop (default 100,000). */
  readonly maxPages?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

/**
 * One page of a list, as the server answered it.
 * @example `for await (const page of client.users.list().pages()) console.log(page.totalResults, page.resources.length)`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2
 */
export interface ListPage<T> {
  readonly resources: T[];
  readonly totalResults: number | undefined;
  readonly itemsPerPage: number | undefined;
  readonly startIndex: number | undefined;
  readonly nextCursor: string | undefined;
  readonly previousCursor: string | undefined;
}

/** Where a page starts: an index, or a cursor (`''` for the first page). */
export interface PagePosition {
  readonly startIndex?: number;
  readonly cursor?: string;
  readonly count?: number;
}

export type PageFetcher = (
  position: PagePosition,
  signal: AbortSignal | undefined,
) => Promise<{ body: unknown; url: string; method: string }>;

/**
 * The answer of `list()` and `search()`: iterate it for resources, or `pages()` for pages. Nothing
 * is requested until it is iterated, and each iteration walks again from the start.
 * @example
 * ```ts
 * for await (const user of client.users.list({ filter: f.sw('userName', 'a') })) console.log(user.userName);
 * const all = await client.groups.list().toArray();
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc9865
 */
export class ResourceList<T extends ScimResource> implements AsyncIterable<T> {
  /** @internal Made by the client. */
  constructor(
    private readonly fetchPage: PageFetcher,
    private readonly query: ListQuery,
    private readonly usesCursor: () => Promise<boolean>,
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    let left = this.query.limit ?? Infinity;
    if (left <= 0) return;
    for await (const page of this.pages()) {
      for (const resource of page.resources) {
        yield resource;
        if (--left <= 0) return;
      }
    }
  }

  /** Every resource, in order. */
  async toArray(): Promise<T[]> {
    const all: T[] = [];
    for await (const resource of this) all.push(resource);
    return all;
  }

  /** The pages, in order. */
  async *pages(): AsyncGenerator<ListPage<T>, void, undefined> {
    const { query } = this;
    const mode =
      query.paging === 'index' || query.startIndex !== undefined
        ? 'index'
        : query.paging === 'cursor' || (await this.usesCursor())
          ? 'cursor'
          : 'index';
    yield* mode === 'cursor' ? this.cursorPages() : this.indexPages();
  }

  private async *indexPages(): AsyncGenerator<ListPage<T>, void, undefined> {
    const { pageSize, signal } = this.query;
    const maxPages = this.query.maxPages ?? 100_000;
    let startIndex = Math.max(1, this.query.startIndex ?? 1);
    let previous: string | undefined;
    for (let pages = 1; ; pages++) {
      const position = { startIndex, ...(pageSize === undefined ? {} : { count: pageSize }) };
      const answer = await this.fetchPage(position, signal);
      const page = readPage<T>(answer);
      yield page;
      const count = page.resources.length;
      if (count === 0 || pageSize === 0) return;
      // Where the server says this page started, else where it was asked to.
      const start = page.startIndex ?? startIndex;
      if (page.totalResults !== undefined) {
        if (start - 1 + count >= page.totalResults) return;
      } else if (pageSize !== undefined && count < pageSize) {
        return;
      }
      // A server that ignores startIndex answers the same page again: stop rather than loop.
      const signature = pageSignature(page.resources);
      if (signature === previous || pages >= maxPages)
        throw loop(
          answer,
          `the server's pages do not advance (page ${pages}, startIndex ${start})`,
        );
      previous = signature;
      startIndex = start + count;
    }
  }

  private async *cursorPages(): AsyncGenerator<ListPage<T>, void, undefined> {
    const { pageSize, signal } = this.query;
    const maxPages = this.query.maxPages ?? 100_000;
    const seen = new Set<string>();
    let cursor = '';
    let emptyInARow = 0;
    for (let pages = 1; ; pages++) {
      const position = { cursor, ...(pageSize === undefined ? {} : { count: pageSize }) };
      const answer = await this.fetchPage(position, signal);
      const page = readPage<T>(answer);
      yield page;
      const next = page.nextCursor;
      // No nextCursor marks the last page (RFC 9865 §2).
      if (next === undefined || next === '' || pageSize === 0) return;
      emptyInARow = page.resources.length === 0 ? emptyInARow + 1 : 0;
      if (seen.has(next) || pages >= maxPages || emptyInARow >= MAX_EMPTY_PAGES)
        throw loop(answer, `the server repeats cursor '${next.slice(0, 40)}' (page ${pages})`);
      seen.add(next);
      cursor = next;
    }
  }
}

/** Empty pages in a row that still point to a next page before a cursor walk is called a loop. */
const MAX_EMPTY_PAGES = 100;

function loop(answer: { url: string; method: string }, message: string): ScimTransportError {
  return new ScimTransportError('pagingLoop', message, answer);
}

function pageSignature(resources: readonly ScimResource[]): string {
  const first = resources[0];
  const last = resources.at(-1);
  return `${resources.length}:${String(first?.id)}:${String(last?.id)}`;
}

/** Reads a ListResponse defensively: integers as numbers (or numeric strings), Resources as a list. */
export function readPage<T>(answer: { body: unknown; url: string; method: string }): ListPage<T> {
  const { body } = answer;
  if (!isJsonObject(body))
    throw new ScimTransportError('invalidResponse', 'the list answer is not a JSON object', answer);
  const resources = findKey(body, 'Resources');
  if (resources !== undefined && resources !== null && !Array.isArray(resources))
    throw new ScimTransportError(
      'invalidResponse',
      "the list answer's Resources is not a list",
      answer,
    );
  const list = ((resources ?? []) as unknown[]).filter(isJsonObject) as T[];
  return {
    resources: list,
    totalResults: integer(findKey(body, 'totalResults')),
    itemsPerPage: integer(findKey(body, 'itemsPerPage')),
    startIndex: integer(findKey(body, 'startIndex')),
    nextCursor: text(findKey(body, 'nextCursor')),
    previousCursor: text(findKey(body, 'previousCursor')),
  };
}

function findKey(record: Record<string, unknown>, name: string): unknown {
  if (Object.hasOwn(record, name)) return record[name];
  const folded = name.toLowerCase();
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === folded);
  return key === undefined ? undefined : record[key];
}

function integer(value: unknown): number | undefined {
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof number === 'number' && Number.isInteger(number) && number >= 0 ? number : undefined;
}

function text(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
