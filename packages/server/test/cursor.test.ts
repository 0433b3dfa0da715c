import { describe, expect, it } from 'vitest';
import { ScimError } from '@scim/core';
import { expectError, LR, server, SR, U } from './helpers.js';

async function withUsers(count: number, options = {}) {
  const instance = server(options);
  for (let i = 1; i <= count; i++)
    await instance.call('POST', '/Users', {
      schemas: [U],
      userName: `user${String(i).padStart(2, '0')}`,
    });
  return instance;
}

describe('cursor pagination (RFC 9865)', () => {
  it('C-CUR-01/C-CUR-16/P-DISC-20: the config advertises both methods with index as the default', async () => {
    const { call } = server({ pagination: { cursorTimeout: 120 } });
    expect((await call('GET', '/ServiceProviderConfig')).body.pagination).toEqual({
      cursor: true,
      index: true,
      defaultPaginationMethod: 'index',
      defaultPageSize: 1000,
      maxPageSize: 1000,
      cursorTimeout: 120,
    });
    expect((await call('GET', '/Users')).body).toHaveProperty('startIndex', 1);
  });

  it('C-CUR-02/C-CUR-03/C-CUR-05/C-CUR-06/C-CUR-09: pages chain through nextCursor, every match once, URL-safe cursors', async () => {
    const { call } = await withUsers(25);
    const seen: string[] = [];
    let page = (await call('GET', '/Users?cursor&count=10')).body;
    for (;;) {
      expect(page.schemas).toEqual([LR]);
      expect(page.itemsPerPage).toBe(page.Resources?.length);
      expect(page).not.toHaveProperty('startIndex');
      seen.push(...(page.Resources ?? []).map((user) => user.userName as string));
      if (page.nextCursor === undefined) break;
      expect(page.nextCursor).toMatch(/^[A-Za-z0-9._~-]+$/);
      page = (await call('GET', `/Users?count=10&cursor=${page.nextCursor as string}`)).body;
    }
    expect(seen).toHaveLength(25);
    expect(new Set(seen).size).toBe(25);
  });

  it('C-CUR-04: no previousCursor on the first page; the one on page 2 leads back to page 1', async () => {
    const { call } = await withUsers(12);
    const first = (await call('GET', '/Users?cursor=&count=5')).body;
    expect(first).not.toHaveProperty('previousCursor');
    const second = (await call('GET', `/Users?count=5&cursor=${first.nextCursor as string}`)).body;
    const back = (await call('GET', `/Users?count=5&cursor=${second.previousCursor as string}`))
      .body;
    expect(back.Resources).toEqual(first.Resources);
  });

  it('C-CUR-07: count 0 answers totalResults only', async () => {
    const { call } = await withUsers(3);
    const page = (await call('GET', '/Users?cursor&count=0')).body;
    expect(page).toMatchObject({ totalResults: 3, itemsPerPage: 0, Resources: [] });
    expect(page).not.toHaveProperty('nextCursor');
  });

  it('C-CUR-10/C-CUR-23: a forged cursor, or one replayed with another filter, is invalidCursor', async () => {
    const { call } = await withUsers(6);
    expectError(await call('GET', '/Users?cursor=forged123&count=2'), 400, 'invalidCursor');
    const first = (await call('GET', '/Users?cursor&count=2')).body;
    const tampered = `${(first.nextCursor as string).slice(0, -2)}xx`;
    expectError(await call('GET', `/Users?count=2&cursor=${tampered}`), 400, 'invalidCursor');
    expectError(
      await call('GET', `/Users?count=2&filter=userName pr&cursor=${first.nextCursor as string}`),
      400,
      'invalidCursor',
    );
  });

  it('C-CUR-11/C-CUR-13: a cursor is valid for cursorTimeout seconds and expiredCursor after', async () => {
    let now = Date.UTC(2026, 0, 1);
    const { call } = await withUsers(4, {
      now: () => new Date(now),
      pagination: { cursorTimeout: 60 },
    });
    const first = (await call('GET', '/Users?cursor&count=2')).body;
    now += 59_000;
    expect((await call('GET', `/Users?count=2&cursor=${first.nextCursor as string}`)).status).toBe(
      200,
    );
    now += 2_000;
    expectError(
      await call('GET', `/Users?count=2&cursor=${first.nextCursor as string}`),
      400,
      'expiredCursor',
    );
  });

  it('C-CUR-12/D-21/P-ERR-13: a count above maxPageSize, or another count than the cursor had, is invalidCount', async () => {
    const { call } = await withUsers(4, { pagination: { maxPageSize: 3 } });
    expectError(await call('GET', '/Users?cursor&count=4'), 400, 'invalidCount');
    const first = (await call('GET', '/Users?cursor&count=2')).body;
    expectError(
      await call('GET', `/Users?count=3&cursor=${first.nextCursor as string}`),
      400,
      'invalidCount',
    );
  });

  it('C-CUR-14: cursor pages follow sortBy across pages', async () => {
    const { call } = await withUsers(6);
    const first = (await call('GET', '/Users?cursor&count=3&sortBy=userName&sortOrder=descending'))
      .body;
    const second = (
      await call(
        'GET',
        `/Users?count=3&sortBy=userName&sortOrder=descending&cursor=${first.nextCursor as string}`,
      )
    ).body;
    expect(
      [...(first.Resources ?? []), ...(second.Resources ?? [])].map((u) => u.userName),
    ).toEqual(['user06', 'user05', 'user04', 'user03', 'user02', 'user01']);
  });

  it('a cursor on a query across resource types is invalidValue rather than a silently final page', async () => {
    const { call } = await withUsers(2);
    expectError(await call('GET', '/?filter=userName pr&cursor'), 400, 'invalidValue');
    expectError(
      await call('POST', '/.search', { schemas: [SR], filter: 'userName pr', cursor: '' }),
      400,
      'invalidValue',
    );
    expect((await call('GET', '/?filter=userName pr')).body.totalResults).toBe(2);
  });

  it('C-CUR-17: cursor and startIndex together are invalidValue', async () => {
    const { call } = server();
    expectError(await call('GET', '/Users?cursor&startIndex=2'), 400, 'invalidValue');
  });

  it('C-CUR-18/P-SEARCH-09: POST .search takes cursor and count in the body', async () => {
    const { call } = await withUsers(4);
    const page = (await call('POST', '/Users/.search', { schemas: [SR], cursor: '', count: 3 }))
      .body;
    expect(page.Resources).toHaveLength(3);
    expect(page.nextCursor).toBeDefined();
  });

  it('C-CUR-19/C-CUR-21: another caller replaying a cursor gets the same invalidCursor as a forged one', async () => {
    const { call } = await withUsers(4, {
      authenticate: (request: Request) => {
        const who = request.headers.get('x-caller');
        if (who === null) throw ScimError.unauthorized('who?');
        return { principal: who };
      },
    });
    const mine = (await call('GET', '/Users?cursor&count=2', undefined, { 'x-caller': 'a' })).body;
    const theirs = await call(
      'GET',
      `/Users?count=2&cursor=${mine.nextCursor as string}`,
      undefined,
      { 'x-caller': 'b' },
    );
    const forged = await call('GET', '/Users?count=2&cursor=abc.def', undefined, {
      'x-caller': 'b',
    });
    expectError(theirs, 400, 'invalidCursor');
    expect(theirs.text).toBe(forged.text);
  });

  it('with cursors switched off, the config says so and cursor is ignored', async () => {
    const { call } = await withUsers(2, { pagination: { cursor: false } });
    expect((await call('GET', '/ServiceProviderConfig')).body.pagination).toMatchObject({
      cursor: false,
    });
    expect((await call('GET', '/Users?cursor')).body).toHaveProperty('startIndex', 1);
  });

  it('C-CUR-08: when the store pages without counting, totalResults is left out and full pages carry nextCursor', async () => {
    const { createMemoryStore } = await import('@scim/server/memory');
    const memory = createMemoryStore();
    // A store that pages itself by index and cannot say how many matches there are.
    const uncounted = {
      ...memory,
      query: async (...[query, context]: Parameters<typeof memory.query>) => {
        const { resources, applied } = await memory.query({ ...query, cursor: undefined }, context);
        return { resources, applied };
      },
    };
    const { call } = server({ stores: { User: uncounted, Group: createMemoryStore() } });
    for (let i = 0; i < 3; i++) await call('POST', '/Users', { schemas: [U], userName: `c${i}` });
    const first = (await call('GET', '/Users?cursor&count=2')).body;
    expect(first).not.toHaveProperty('totalResults');
    expect(first.Resources).toHaveLength(2);
    const second = (await call('GET', `/Users?count=2&cursor=${first.nextCursor as string}`)).body;
    expect(second.Resources).toHaveLength(1);
    expect(second).not.toHaveProperty('nextCursor');
  });
});

describe('cursor-only mode, grants and issuance limits (RFC 9865 §2.3, §2.4, §5)', () => {
  it('C-CUR-15: with index paging off, a plain GET answers with nextCursor and the config says cursor-only', async () => {
    const { call } = await withUsers(5, { pagination: { index: false, defaultPageSize: 2 } });
    expect((await call('GET', '/ServiceProviderConfig')).body.pagination).toMatchObject({
      cursor: true,
      index: false,
      defaultPaginationMethod: 'cursor',
      defaultPageSize: 2,
    });
    const page = (await call('GET', '/Users')).body;
    expect(page.Resources).toHaveLength(2);
    expect(page).not.toHaveProperty('startIndex');
    expect(page.nextCursor).toMatch(/^[A-Za-z0-9._~-]+$/);
    // startIndex=1 is still the first page; a later index cannot be served.
    expect((await call('GET', '/Users?startIndex=1')).body.nextCursor).toBeDefined();
    expectError(await call('GET', '/Users?startIndex=3'), 400, 'invalidValue');
  });

  it('C-CUR-16: defaultPaginationMethod cursor pages a plain GET by cursor and still honours startIndex', async () => {
    const { call } = await withUsers(3, {
      pagination: { defaultPaginationMethod: 'cursor', defaultPageSize: 2 },
    });
    expect((await call('GET', '/ServiceProviderConfig')).body.pagination).toMatchObject({
      index: true,
      defaultPaginationMethod: 'cursor',
    });
    expect((await call('GET', '/Users')).body.nextCursor).toBeDefined();
    const indexed = (await call('GET', '/Users?startIndex=2')).body;
    expect(indexed).toMatchObject({ startIndex: 2, itemsPerPage: 2 });
    expect(indexed).not.toHaveProperty('nextCursor');
  });

  it('refuses a configuration with neither paging method', () => {
    expect(() => server({ pagination: { cursor: false, index: false } })).toThrow(TypeError);
    expect(() =>
      server({ pagination: { cursor: false, defaultPaginationMethod: 'cursor' } }),
    ).toThrow(TypeError);
  });

  it('C-CUR-20: changing the grants authenticate reports invalidates the cursors issued before', async () => {
    let grants = 'role:reader@v1';
    const { call } = await withUsers(4, {
      authenticate: () => ({ principal: 'client', grants }),
    });
    const first = (await call('GET', '/Users?cursor&count=2')).body;
    expect((await call('GET', `/Users?count=2&cursor=${first.nextCursor as string}`)).status).toBe(
      200,
    );
    grants = 'role:reader@v2';
    const stale = await call('GET', `/Users?count=2&cursor=${first.nextCursor as string}`);
    expectError(stale, 400, 'invalidCursor');
    const forged = await call('GET', '/Users?count=2&cursor=abc.def');
    expect(stale.text).toBe(forged.text);
  });

  it('C-CUR-22: new cursor queries beyond the rate limit are 429 with Retry-After; following pages are not counted', async () => {
    let now = Date.UTC(2026, 0, 1);
    let caller = 'a';
    const { call } = await withUsers(6, {
      now: () => new Date(now),
      authenticate: () => ({ principal: caller }),
      pagination: { cursorRateLimit: { queries: 2, windowSeconds: 60 } },
    });
    const first = (await call('GET', '/Users?cursor&count=2')).body;
    const second = (await call('GET', `/Users?count=2&cursor=${first.nextCursor as string}`)).body;
    await call('GET', `/Users?count=2&cursor=${second.nextCursor as string}`);
    expect((await call('POST', '/Users/.search', { schemas: [SR], cursor: '' })).status).toBe(200);
    now += 15_000;
    const refused = await call('GET', '/Users?cursor&count=2');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('45');
    expect(refused.body).toMatchObject({ status: '429' });
    // Index paging and other callers are not limited.
    expect((await call('GET', '/Users?count=2')).status).toBe(200);
    caller = 'b';
    expect((await call('GET', '/Users?cursor&count=2')).status).toBe(200);
    caller = 'a';
    now += 45_000;
    expect((await call('GET', '/Users?cursor&count=2')).status).toBe(200);
  });
});
