import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createMemoryStore } from '@scim/server/memory';
import type { ScimStore } from '@scim/server';
import { expectError, server, U } from './helpers.js';

type Call = ReturnType<typeof server>['call'];
type Page = Awaited<ReturnType<Call>>['body'];

const names = (page: Page) => (page.Resources ?? []).map((user) => user.userName as string);

async function walk(call: Call, query: string, direction: 'next' | 'previous', start: Page) {
  const pages: Page[] = [start];
  const key = direction === 'next' ? 'nextCursor' : 'previousCursor';
  let page = start;
  while (typeof page[key] === 'string') {
    const reply = await call('GET', `/Users?${query}&cursor=${page[key]}`);
    expect(reply.status).toBe(200);
    page = reply.body;
    pages.push(page);
  }
  return pages;
}

/** A store that pages by index only: it never sees positions, so the server pages by offset. */
function indexOnlyStore(): ScimStore {
  const memory = createMemoryStore();
  return {
    ...memory,
    query: (query, context) => memory.query({ ...query, cursor: undefined }, context),
  };
}

describe('keyset cursors in the memory store (RFC 9865 §2)', () => {
  it('C-CUR-06: a forward walk neither skips nor repeats when earlier resources are deleted mid-walk', async () => {
    const { call } = server();
    const ids: string[] = [];
    for (let i = 0; i < 9; i++)
      ids.push(
        (await call('POST', '/Users', { schemas: [U], userName: `k${i}` })).body.id as string,
      );
    const first = (await call('GET', '/Users?cursor&count=3')).body;
    expect(names(first)).toEqual(['k0', 'k1', 'k2']);
    // Offset paging would now skip k3: two resources before the cursor are gone.
    await call('DELETE', `/Users/${ids[0] as string}`);
    await call('DELETE', `/Users/${ids[1] as string}`);
    await call('POST', '/Users', { schemas: [U], userName: 'k9' });
    const rest = await walk(call, 'count=3', 'next', first);
    expect(rest.slice(1).flatMap(names)).toEqual(['k3', 'k4', 'k5', 'k6', 'k7', 'k8', 'k9']);
    expect(rest[1]?.totalResults).toBe(8);
  });

  it('C-CUR-04: previousCursor walks back page by page to the first page, which has none', async () => {
    const { call } = server();
    for (let i = 0; i < 7; i++) await call('POST', '/Users', { schemas: [U], userName: `b${i}` });
    const forward = await walk(
      call,
      'count=3',
      'next',
      (await call('GET', '/Users?cursor&count=3')).body,
    );
    expect(forward.map(names)).toEqual([['b0', 'b1', 'b2'], ['b3', 'b4', 'b5'], ['b6']]);
    const backward = await walk(call, 'count=3', 'previous', forward[2] as Page);
    expect(backward.map(names)).toEqual([['b6'], ['b3', 'b4', 'b5'], ['b0', 'b1', 'b2']]);
    expect(backward[2]).not.toHaveProperty('previousCursor');
    expect(backward[2]?.nextCursor).toBeDefined();
  });

  it('C-CUR-14: keyset pages follow sortBy with a filter, ties broken by id, missing values last', async () => {
    const { call } = server();
    const titles = ['b', 'a', undefined, 'c', 'a', 'B', undefined];
    for (const [i, title] of titles.entries())
      await call('POST', '/Users', {
        schemas: [U],
        userName: `s${i}`,
        ...(title === undefined ? {} : { title }),
      });
    const query = 'count=2&sortBy=title&filter=userName ne "s3"';
    const pages = await walk(
      call,
      query,
      'next',
      (await call('GET', `/Users?cursor&${query}`)).body,
    );
    const walked = pages.flatMap((page) =>
      (page.Resources ?? []).map((u) =>
        typeof u.title === 'string' ? u.title.toLowerCase() : null,
      ),
    );
    expect(walked.slice(0, 4)).toEqual(['a', 'a', 'b', 'b']);
    expect(walked.slice(4)).toEqual([null, null]);
    expect(pages[0]?.totalResults).toBe(6);
  });

  it('a position cursor names the store position, not an offset: the memory store returns positions', async () => {
    const store = createMemoryStore();
    const { call } = server({ stores: { User: store, Group: createMemoryStore() } });
    for (let i = 0; i < 3; i++) await call('POST', '/Users', { schemas: [U], userName: `p${i}` });
    const context = {
      resourceType: (await import('@scim/core')).UserResourceType,
      principal: undefined,
      tenant: undefined,
      signal: new AbortController().signal,
    };
    const base = {
      filter: undefined,
      bound: undefined,
      sort: undefined,
      startIndex: 1,
      count: 2,
      limit: 100,
    };
    const first = await store.query({ ...base, cursor: {} }, context);
    expect(first.positions?.next).toBeDefined();
    expect(first.positions).not.toHaveProperty('previous');
    const second = await store.query(
      { ...base, startIndex: 99, cursor: { after: first.positions?.next as string } },
      context,
    );
    expect(second.resources.map((r) => r.userName)).toEqual(['p2']);
    expect(second.positions).toEqual({ previous: expect.any(String) as string });
    await expect(
      store.query({ ...base, cursor: { after: 'not a position' } }, context),
    ).rejects.toMatchObject({
      scimType: 'invalidCursor',
    });
  });

  it('C-CUR-06/C-CUR-04: a store that pages by index only still chains cursors by offset', async () => {
    const { call } = server({ stores: { User: indexOnlyStore(), Group: createMemoryStore() } });
    for (let i = 0; i < 5; i++) await call('POST', '/Users', { schemas: [U], userName: `o${i}` });
    const forward = await walk(
      call,
      'count=2',
      'next',
      (await call('GET', '/Users?cursor&count=2')).body,
    );
    expect(forward.map(names)).toEqual([['o0', 'o1'], ['o2', 'o3'], ['o4']]);
    const backward = await walk(call, 'count=2', 'previous', forward[2] as Page);
    expect(backward.map(names)).toEqual([['o4'], ['o2', 'o3'], ['o0', 'o1']]);
  });

  it('C-CUR-10: a cursor that carries a store position is refused once the store stops paging by position', async () => {
    const keyset = createMemoryStore();
    let honour = true;
    const switching: ScimStore = {
      ...keyset,
      query: (query, context) =>
        keyset.query(honour ? query : { ...query, cursor: undefined }, context),
    };
    const { call } = server({ stores: { User: switching, Group: createMemoryStore() } });
    for (let i = 0; i < 3; i++) await call('POST', '/Users', { schemas: [U], userName: `w${i}` });
    const first = (await call('GET', '/Users?cursor&count=2')).body;
    honour = false;
    expectError(
      await call('GET', `/Users?count=2&cursor=${first.nextCursor as string}`),
      400,
      'invalidCursor',
    );
  });

  it('C-CUR-03/C-CUR-06: forward and backward walks cover every match once, in index order, for any data, filter, sort and page size', async () => {
    const titles = fc.option(fc.constantFrom('a', 'B', 'b', 'c'), { nil: undefined });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ title: titles, keep: fc.boolean() }), { maxLength: 90 }),
        fc.integer({ min: 1, max: 7 }),
        fc.constantFrom('', '&sortBy=title', '&sortBy=title&sortOrder=descending'),
        fc.constantFrom('', '&filter=title pr', '&filter=title eq "b" or title eq "c"'),
        async (users, count, sort, filter) => {
          const { call } = server();
          const ids: string[] = [];
          for (const [i, user] of users.entries()) {
            const created = await call('POST', '/Users', {
              schemas: [U],
              userName: `u${i}`,
              ...(user.title === undefined ? {} : { title: user.title }),
            });
            ids.push(created.body.id as string);
          }
          // Deleting many exercises the creation order's holes and compaction.
          for (const [i, user] of users.entries())
            if (!user.keep) await call('DELETE', `/Users/${ids[i] as string}`);
          const query = `count=${count}${sort}${filter}`;
          const expected = names((await call('GET', `/Users?count=1000${sort}${filter}`)).body);
          const forward = await walk(
            call,
            query,
            'next',
            (await call('GET', `/Users?cursor&${query}`)).body,
          );
          expect(forward.flatMap(names)).toEqual(expected);
          for (const page of forward.slice(0, -1)) expect(page.Resources).toHaveLength(count);
          const last = forward[forward.length - 1] as Page;
          const backward = await walk(call, query, 'previous', last);
          expect(backward.reverse().flatMap(names)).toEqual(expected);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('the store contract for positions', () => {
  it('a store that returns positions without filtering its page is a 500 reported to onError, not a wrong page', async () => {
    const memory = createMemoryStore();
    const errors: unknown[] = [];
    const careless: ScimStore = {
      ...memory,
      query: async (query, context) => ({
        ...(await memory.query(query, context)),
        applied: { filter: false, sort: true, page: true },
      }),
    };
    const { call } = server({
      stores: { User: careless, Group: createMemoryStore() },
      onError: (error) => errors.push(error),
    });
    await call('POST', '/Users', { schemas: [U], userName: 'c1' });
    const reply = await call('GET', '/Users?cursor&count=1');
    expect(reply.status).toBe(500);
    expect(String(errors[0])).toContain('must apply the filter');
    // Index paging through the same store still works: the server filters what it is given.
    expect((await call('GET', '/Users?count=1')).status).toBe(200);
  });
});
