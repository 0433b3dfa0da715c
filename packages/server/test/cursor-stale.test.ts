import { describe, expect, it } from 'vitest';
import type { ScimStore } from '@scim/server';
import { createMemoryStore } from '@scim/server/memory';
import { isOutlivedPage } from '../src/lib/query/cursor.js';
import { expectError, server, U, type Reply } from './helpers.js';

type Call = ReturnType<typeof server>['call'];

const SECRET = 'a-cursor-secret-shared-by-every-instance';

/** A handler over fresh memory stores holding `count` users; `secret` as configured. */
async function instance(count: number, options: Record<string, unknown> = {}) {
  const users = createMemoryStore();
  const made = server({
    stores: { User: users, Group: createMemoryStore() },
    pagination: { secret: SECRET },
    ...options,
  });
  const ids: string[] = [];
  for (let i = 0; i < count; i++)
    ids.push(
      (await made.call('POST', '/Users', { schemas: [U], userName: `s${i}` })).body.id as string,
    );
  return { ...made, users, ids };
}

async function nextCursor(call: Call, query: string): Promise<string> {
  const page = await call('GET', `/Users?cursor&${query}`);
  expect(page.status).toBe(200);
  return page.body.nextCursor as string;
}

/** The documented invalidCursor answer, byte for byte the one a forged cursor gets. */
async function expectInvalidCursor(call: Call, reply: Reply): Promise<void> {
  expectError(reply, 400, 'invalidCursor');
  expect(reply.text).toBe((await call('GET', '/Users?count=3&cursor=forged.cursor')).text);
  expect(reply.body.detail).toBe('The cursor is not valid');
}

const names = (reply: Reply) => (reply.body.Resources ?? []).map((u) => u.userName);

describe('stale cursors get the invalidCursor body (issue 11, RFC 9865 §2.1, §5.2)', () => {
  it('C-CUR-10/C-CUR-21: a cursor replayed after the memory store was recreated (a restart with the same secret) is invalidCursor, not an empty last page', async () => {
    const before = await instance(9);
    const cursor = await nextCursor(before.call, 'count=3');
    // The restarted service holds other data under the same secret: the old position means nothing.
    const after = await instance(3);
    const reply = await after.call('GET', `/Users?count=3&cursor=${cursor}`);
    await expectInvalidCursor(after.call, reply);
  });

  it('C-CUR-10/C-CUR-21: a cursor replayed after the memory store was cleared is invalidCursor, in natural and in sortBy order', async () => {
    const { call, users } = await instance(9);
    const natural = await nextCursor(call, 'count=3');
    const sorted = await nextCursor(call, 'count=3&sortBy=userName');
    users.clear();
    for (let i = 0; i < 9; i++) await call('POST', '/Users', { schemas: [U], userName: `t${i}` });
    await expectInvalidCursor(call, await call('GET', `/Users?count=3&cursor=${natural}`));
    await expectInvalidCursor(
      call,
      await call('GET', `/Users?count=3&sortBy=userName&cursor=${sorted}`),
    );
  });

  it('C-CUR-10/C-CUR-21: a cursor signed by another handler’s random key (a restart without a secret) is invalidCursor', async () => {
    const first = await instance(6, { pagination: {} });
    const cursor = await nextCursor(first.call, 'count=3');
    const restarted = await instance(6, { pagination: {} });
    await expectInvalidCursor(
      restarted.call,
      await restarted.call('GET', `/Users?count=3&cursor=${cursor}`),
    );
  });

  it('C-CUR-10/C-CUR-21: a position the store does not know (another store’s, same secret) is invalidCursor', async () => {
    // A store that pages by its own kind of position.
    const memory = createMemoryStore();
    const foreign: ScimStore = {
      ...memory,
      query: async (query, context) => {
        const result = await memory.query({ ...query, cursor: undefined }, context);
        return { ...result, positions: { next: 'page-2' } };
      },
    };
    const old = server({
      stores: { User: foreign, Group: createMemoryStore() },
      pagination: { secret: SECRET },
    });
    for (let i = 0; i < 4; i++)
      await old.call('POST', '/Users', { schemas: [U], userName: `f${i}` });
    const cursor = await nextCursor(old.call, 'count=2');
    const now = await instance(4);
    await expectInvalidCursor(now.call, await now.call('GET', `/Users?count=2&cursor=${cursor}`));
  });

  it('C-CUR-10/C-CUR-21: a cursor signed with the secret but in a shape this release does not issue is invalidCursor', async () => {
    const { call } = await instance(6);
    const cursor = await nextCursor(call, 'count=3');
    const [payload] = cursor.split('.');
    const state = JSON.parse(Buffer.from(payload as string, 'base64url').toString()) as Record<
      string,
      unknown
    >;
    const key = await crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(SECRET),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const resign = async (changed: Record<string, unknown>) => {
      const body = Buffer.from(JSON.stringify(changed)).toString('base64url');
      const signature = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(body));
      return `${body}.${Buffer.from(signature).toString('base64url')}`;
    };
    // Sanity: re-signing the cursor unchanged gives a cursor that works.
    expect((await call('GET', `/Users?count=3&cursor=${await resign(state)}`)).status).toBe(200);
    const { e: _expiry, ...noExpiry } = state;
    const variants = [
      noExpiry,
      { ...state, n: '3' },
      { ...state, a: 5 },
      { ...state, o: 3 },
      { ...state, a: undefined, o: -3 },
      { ...state, a: undefined, o: '3' },
      [state],
    ];
    for (const variant of variants)
      await expectInvalidCursor(
        call,
        await call(
          'GET',
          `/Users?count=3&cursor=${await resign(variant as Record<string, unknown>)}`,
        ),
      );
  });

  it('C-CUR-11: a stale cursor that has also expired keeps expiredCursor', async () => {
    let now = Date.UTC(2026, 0, 1);
    const clock = () => new Date(now);
    const before = await instance(6, {
      now: clock,
      pagination: { secret: SECRET, cursorTimeout: 60 },
    });
    const cursor = await nextCursor(before.call, 'count=3');
    now += 61_000;
    const after = await instance(6, {
      now: clock,
      pagination: { secret: SECRET, cursorTimeout: 60 },
    });
    expectError(await after.call('GET', `/Users?count=3&cursor=${cursor}`), 400, 'expiredCursor');
  });
});

describe('cursors whose anchor is gone still read the right page (RFC 9865 §2)', () => {
  it('C-CUR-06: a keyset cursor whose anchor resource was deleted reads the page after it, in natural order', async () => {
    const { call, ids } = await instance(9);
    const cursor = await nextCursor(call, 'count=3');
    // s2 is the last resource of page one: the cursor's anchor.
    await call('DELETE', `/Users/${ids[2] as string}`);
    await call('DELETE', `/Users/${ids[3] as string}`);
    expect(names(await call('GET', `/Users?count=3&cursor=${cursor}`))).toEqual(['s4', 's5', 's6']);
  });

  it('C-CUR-06/C-CUR-14: a keyset cursor whose anchor resource was deleted reads the page after it, in sortBy order', async () => {
    const { call, ids } = await instance(9);
    const first = await call('GET', '/Users?cursor&count=3&sortBy=userName&sortOrder=descending');
    expect(names(first)).toEqual(['s8', 's7', 's6']);
    await call('DELETE', `/Users/${ids[6] as string}`);
    const next = await call(
      'GET',
      `/Users?count=3&sortBy=userName&sortOrder=descending&cursor=${first.body.nextCursor as string}`,
    );
    expect(names(next)).toEqual(['s5', 's4', 's3']);
  });
});

describe('offset cursors that outlived their page (for the server to call)', () => {
  const known = (totalResults: number) => ({ totalKnown: true, totalResults });

  it('C-CUR-21: an offset past the last match, after deletions, is outlived; the first page never is', () => {
    expect(isOutlivedPage({ offset: 6 }, known(4))).toBe(true);
    expect(isOutlivedPage({ offset: 4 }, known(4))).toBe(true);
    expect(isOutlivedPage({ offset: 3 }, known(4))).toBe(false);
    expect(isOutlivedPage({ offset: 0 }, known(0))).toBe(false);
    // A store that cannot count may end a walk on an empty page: that is not an outlived cursor.
    expect(isOutlivedPage({ offset: 6 }, { totalKnown: false, totalResults: 0 })).toBe(false);
  });

  it('C-CUR-10: an offset against a store that now pages by position is outlived (it would answer page one again), and a position against one that does not', () => {
    expect(isOutlivedPage({ offset: 3 }, { ...known(9), positions: { next: 'x' } })).toBe(true);
    expect(isOutlivedPage({ offset: 0 }, { ...known(9), positions: {} })).toBe(false);
    expect(isOutlivedPage({ after: 'x' }, known(9))).toBe(true);
    expect(isOutlivedPage({ before: 'x' }, { ...known(9), positions: {} })).toBe(false);
  });

  /** A store that pages by index only, so the server pages it by offset. */
  function indexOnly(): ScimStore {
    const memory = createMemoryStore();
    return {
      ...memory,
      query: (query, context) => memory.query({ ...query, cursor: undefined }, context),
    };
  }

  // Enabled once query.ts's cursorPage checks isOutlivedPage (a change for the lead: see the report).
  it('C-CUR-21: an offset cursor beyond the end after deletions is invalidCursor, not an empty page', async () => {
    const { call, ids } = await instance(6, {
      stores: { User: indexOnly(), Group: createMemoryStore() },
    });
    const cursor = await nextCursor(call, 'count=3');
    for (const id of ids.slice(0, 4)) await call('DELETE', `/Users/${id}`);
    await expectInvalidCursor(call, await call('GET', `/Users?count=3&cursor=${cursor}`));
  });

  it('C-CUR-10: an offset cursor replayed against a store that now pages by position is invalidCursor, not page one again', async () => {
    const old = await instance(6, { stores: { User: indexOnly(), Group: createMemoryStore() } });
    const cursor = await nextCursor(old.call, 'count=3');
    const now = await instance(6);
    await expectInvalidCursor(now.call, await now.call('GET', `/Users?count=3&cursor=${cursor}`));
  });
});
