import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { USER_SCHEMA_URN, UserResourceType, type ScimResource } from '@scim/core';
import { bindFilter, parseFilter } from '@scim/filter';
import { createMemoryStore } from '@scim/server/memory';
import { expectError, server, SR } from './helpers.js';

const context = {
  resourceType: UserResourceType,
  principal: undefined,
  tenant: undefined,
  signal: new AbortController().signal,
};

function user(i: number): ScimResource {
  return {
    schemas: [USER_SCHEMA_URN],
    id: `id-${i}`,
    userName: `user${String(i).padStart(3, '0')}`,
    ...(i % 3 === 0 ? { title: i % 2 === 0 ? 'even' : 'odd' } : {}),
  };
}

/** A store of `count` users, loaded directly (the handler's validation is not what is tested). */
async function storeOf(count: number) {
  const store = createMemoryStore();
  for (let i = 0; i < count; i++) await store.create(user(i), context);
  return store;
}

function query(filter: string | undefined, limit: number, page = { startIndex: 1, count: 10 }) {
  const parsed = filter === undefined ? undefined : parseFilter(filter);
  return {
    filter: parsed,
    bound: parsed === undefined ? undefined : bindFilter(parsed, UserResourceType),
    sort: undefined,
    ...page,
    limit,
  };
}

/** 300 users through the handler, with the scan cap at 100 (the reproduction). */
async function capped() {
  const store = await storeOf(300);
  return server({ stores: { User: store, Group: createMemoryStore() }, limits: { maxScan: 100 } });
}

describe('the memory store enforces maxScan (StoreQuery.limit, issue 11)', () => {
  it('P-CRUD-19/P-ERR-04: 300 users with maxScan 100: an unfiltered list is 400 tooMany', async () => {
    const { call } = await capped();
    expectError(await call('GET', '/Users'), 400, 'tooMany');
    expectError(await call('GET', '/Users?startIndex=11&count=10'), 400, 'tooMany');
    expectError(await call('POST', '/Users/.search', { schemas: [SR], count: 10 }), 400, 'tooMany');
  });

  it('P-CRUD-19: a filter matching more than maxScan resources is tooMany, one matching fewer answers them all', async () => {
    const { call } = await capped();
    expectError(await call('GET', '/Users?filter=userName sw "user"&count=5'), 400, 'tooMany');
    // The cap counts matches, as the store contract says, not the resources scanned to find them.
    const few = await call('GET', '/Users?filter=title eq "even"&count=5&sortBy=userName');
    expect(few.status).toBe(200);
    expect(few.body.totalResults).toBe(50);
    expect(few.body.Resources?.map((u) => u.userName)).toEqual([
      'user000',
      'user006',
      'user012',
      'user018',
      'user024',
    ]);
  });

  it('P-CRUD-19: an index lookup (userName eq, id eq) names one resource, so it answers however many are stored', async () => {
    const { call } = await capped();
    const found = await call('GET', '/Users?filter=userName eq "USER150"');
    expect(found.status).toBe(200);
    expect(found.body.Resources?.map((u) => u.id)).toEqual(['id-150']);
    expect((await call('GET', '/Users?filter=id eq "id-299"')).body.totalResults).toBe(1);
  });

  it('C-CUR-03/C-CUR-06: cursor pages are read by position, so a cursor walk reads every resource past maxScan', async () => {
    const { call } = await capped();
    const seen: string[] = [];
    let page = (await call('GET', '/Users?cursor&count=70')).body;
    for (;;) {
      seen.push(...(page.Resources ?? []).map((u) => u.userName as string));
      if (typeof page.nextCursor !== 'string') break;
      page = (await call('GET', `/Users?count=70&cursor=${page.nextCursor}`)).body;
    }
    expect(seen).toHaveLength(300);
    expect(new Set(seen).size).toBe(300);
  });

  it('P-CRUD-19: truncated is set exactly when more than limit resources match; otherwise the answer is the uncapped one', async () => {
    const filters = [
      undefined,
      'userName pr',
      'title eq "even"',
      'title pr',
      'userName eq "user007"',
      'id eq "id-3"',
      'userName ew "9" or title eq "odd"',
      'userName eq "nobody"',
    ];
    const store = await storeOf(60);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...filters),
        fc.integer({ min: 0, max: 70 }),
        fc.integer({ min: 1, max: 65 }),
        fc.integer({ min: 0, max: 20 }),
        async (filter, limit, startIndex, count) => {
          const page = { startIndex, count };
          const capped = await store.query(query(filter, limit, page), context);
          const whole = await store.query(query(filter, Number.MAX_SAFE_INTEGER, page), context);
          const matches = whole.totalResults as number;
          expect(capped.truncated === true).toBe(matches > limit);
          if (matches <= limit) expect(capped).toEqual(whole);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('P-CRUD-19: a truncated answer leaves totalResults out and still holds the page asked for', async () => {
    const store = await storeOf(20_000);
    const result = await store.query(
      query('userName pr', 10, { startIndex: 1, count: 5 }),
      context,
    );
    expect(result).toMatchObject({ truncated: true });
    expect(result).not.toHaveProperty('totalResults');
    // What a caller that ignores the flag (the server's group lookup) saw before the cap was enforced.
    expect(result.resources.map((r) => r.id)).toEqual(['id-0', 'id-1', 'id-2', 'id-3', 'id-4']);
  });
});
