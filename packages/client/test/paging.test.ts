// Lists as async iterators: RFC 9865 cursors when advertised, RFC 7644 §3.4.2.4 index pages
// otherwise, and guards against servers whose pages never end.
import { describe, expect, it } from 'vitest';
import { USER_SCHEMA_URN } from '@scim/core';
import { createScimClient, f, type ScimClient } from '../src/index.js';
import { BASE, inProcess, listBody, scripted } from './helpers.js';

async function seed(client: ScimClient, count: number): Promise<void> {
  for (let index = 1; index <= count; index++)
    await client.users.create({ userName: `user${String(index).padStart(2, '0')}` });
}

const user = (id: number) => ({ schemas: [USER_SCHEMA_URN], id: String(id), userName: `u${id}` });

describe('listing', () => {
  it('C-CUR-02/C-CUR-06: with cursors advertised, pages chain through nextCursor, every user once', async () => {
    const { client, sent } = inProcess();
    await seed(client, 25);
    sent.length = 0;
    const names: string[] = [];
    for await (const found of client.users.list({ pageSize: 10 })) names.push(found.userName);
    expect(names).toHaveLength(25);
    expect(new Set(names).size).toBe(25);
    const lists = sent.filter((request) => request.path.startsWith('/Users?'));
    expect(lists).toHaveLength(3);
    expect(lists[0]?.path).toBe('/Users?count=10&cursor=');
    expect(lists[1]?.path).toMatch(/^\/Users\?count=10&cursor=[A-Za-z0-9._~-]+$/);
  });

  it('P-PAGE-12: without cursors, pages chain as startIndex += itemsPerPage and stop at totalResults', async () => {
    const { client, sent } = inProcess({}, { pagination: { cursor: false } });
    await seed(client, 25);
    sent.length = 0;
    const pages = [];
    for await (const page of client.users.list({ pageSize: 10 }).pages()) pages.push(page);
    expect(pages.map((page) => page.resources.length)).toEqual([10, 10, 5]);
    expect(sent.map((request) => request.path)).toEqual([
      '/ServiceProviderConfig',
      '/Users?startIndex=1&count=10',
      '/Users?startIndex=11&count=10',
      '/Users?startIndex=21&count=10',
    ]);
  });

  it('the filter is printed from the builder, and a hostile value stays a value', async () => {
    const { client, sent } = inProcess();
    await client.users.create({ userName: 'a" or userName pr or "' });
    await client.users.create({ userName: 'b' });
    const found = await client.users
      .list({ filter: f.eq('userName', 'a" or userName pr or "'), paging: 'index' })
      .toArray();
    expect(found.map((resource) => resource.userName)).toEqual(['a" or userName pr or "']);
    expect(new URL(sent.at(-1)?.url ?? '').searchParams.get('filter')).toBe(
      'userName eq "a\\" or userName pr or \\""',
    );
  });

  it('P-SEARCH: search() POSTs a SearchRequest to .search and pages the same way', async () => {
    const { client, sent } = inProcess({}, { pagination: { cursor: false } });
    await seed(client, 3);
    const found = await client.users
      .search({ filter: f.sw('userName', 'user'), pageSize: 2, attributes: ['userName'] })
      .toArray();
    expect(found).toHaveLength(3);
    const searches = sent.filter((request) => request.path === '/Users/.search');
    expect(searches[0]?.body).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'userName sw "user"',
      attributes: ['userName'],
      startIndex: 1,
      count: 2,
    });
  });

  it('C-CUR-18: search() with cursors sends cursor "" first, then nextCursor', async () => {
    const { client, sent } = inProcess();
    await seed(client, 3);
    expect(await client.users.search({ pageSize: 2 }).toArray()).toHaveLength(3);
    const bodies = sent.filter((request) => request.path === '/Users/.search').map((r) => r.body);
    expect(bodies[0]).toMatchObject({ cursor: '', count: 2 });
    expect(bodies[1]).toMatchObject({ cursor: expect.stringMatching(/.+/) as unknown, count: 2 });
  });

  it('limit stops the walk without asking for more pages', async () => {
    const { client, sent } = inProcess({}, { pagination: { cursor: false } });
    await seed(client, 12);
    sent.length = 0;
    const first = await client.users.list({ pageSize: 5, limit: 3 }).toArray();
    expect(first).toHaveLength(3);
    expect(sent.filter((request) => request.path.startsWith('/Users?'))).toHaveLength(1);
  });

  it('without totalResults, a page shorter than the count is the last', async () => {
    const { fetch, sent } = scripted([
      { status: 200, body: listBody([user(1), user(2)]) },
      { status: 200, body: listBody([user(3)]) },
    ]);
    const client = createScimClient({ baseUrl: BASE, fetch });
    const all = await client.users.list({ pageSize: 2, paging: 'index' }).toArray();
    expect(all.map((resource) => resource.id)).toEqual(['1', '2', '3']);
    expect(sent).toHaveLength(2);
  });

  it('a server that caps count below pageSize is paged on to totalResults', async () => {
    const { fetch, sent } = scripted([
      { status: 200, body: listBody([user(1), user(2)], { totalResults: 3, startIndex: 1 }) },
      { status: 200, body: listBody([user(3)], { totalResults: 3, startIndex: 3 }) },
    ]);
    const client = createScimClient({ baseUrl: BASE, fetch });
    expect(await client.users.list({ pageSize: 100, paging: 'index' }).toArray()).toHaveLength(3);
    expect(sent[1]?.path).toBe('/Users?startIndex=3&count=100');
  });

  it('a server that ignores startIndex is stopped as a pagingLoop, not walked forever', async () => {
    const { fetch, sent } = scripted(
      Array.from({ length: 5 }, () => ({
        status: 200,
        body: listBody([user(1), user(2)], { totalResults: 100, startIndex: 1 }),
      })),
    );
    const client = createScimClient({ baseUrl: BASE, fetch });
    await expect(
      client.users.list({ pageSize: 2, paging: 'index' }).toArray(),
    ).rejects.toMatchObject({
      code: 'pagingLoop',
    });
    expect(sent.length).toBeLessThanOrEqual(2);
  });

  it('a server that hands out the same nextCursor again is stopped as a pagingLoop', async () => {
    const { fetch, sent } = scripted(
      Array.from({ length: 5 }, (_, index) => ({
        status: 200,
        body: listBody([user(index)], { nextCursor: 'again' }),
      })),
    );
    const client = createScimClient({ baseUrl: BASE, fetch });
    await expect(client.users.list({ paging: 'cursor' }).toArray()).rejects.toMatchObject({
      code: 'pagingLoop',
    });
    expect(sent).toHaveLength(2);
  });

  it('maxPages ends a walk whose every cursor is new', async () => {
    const { fetch } = scripted(
      Array.from({ length: 10 }, (_, index) => ({
        status: 200,
        body: listBody([user(index)], { nextCursor: `c${index}` }),
      })),
    );
    const client = createScimClient({ baseUrl: BASE, fetch });
    await expect(
      client.users.list({ paging: 'cursor', maxPages: 4 }).toArray(),
    ).rejects.toMatchObject({ code: 'pagingLoop' });
  });

  it('a server without /ServiceProviderConfig is paged by index', async () => {
    const { fetch, sent } = scripted([
      { status: 404 },
      { status: 200, body: listBody([user(1)], { totalResults: 1 }) },
    ]);
    const client = createScimClient({ baseUrl: BASE, fetch, retry: false });
    expect(await client.users.list().toArray()).toHaveLength(1);
    expect(sent[1]?.path).toBe('/Users?startIndex=1');
  });
});
