// The Lifecycle and Activity views and a request's detail read the outbox with a limit every time:
// they refresh every few seconds, and a database outbox that is never pruned grows without end. So
// they read newest first, the latest delivered events with a small limit, and a request's changes by
// its request id: on an outbox far larger than a read, they still show what happened last.
import { describe, expect, it } from 'vitest';
import type { OutboxEntry, ScimOutbox } from '@scim/server';
import { createScimConsole, type ConsoleOutbox } from '../src/index.ts';
import { OUTBOX_DELIVERED_SHOWN, OUTBOX_READ_LIMIT } from '../src/lib/lifecycle.ts';
import { CONSOLE_TOKEN, createFixture, entraUser, type Fixture } from './fixture.ts';

const bearer = { authorization: `Bearer ${CONSOLE_TOKEN}` };
type Filter = NonNullable<Parameters<ScimOutbox['list']>[0]>;

/** What a database outbox answers: `entries` (in append order) narrowed and ordered by `filter`. */
function listOf(entries: readonly OutboxEntry[], filter: Filter = {}): Promise<OutboxEntry[]> {
  const found = entries.filter(
    ({ event, state }) =>
      (filter.state === undefined || state === filter.state) &&
      (filter.tenant === undefined || event.tenant === filter.tenant) &&
      (filter.requestId === undefined || event.requestId === filter.requestId),
  );
  if (filter.order === 'newest') found.reverse();
  return Promise.resolve(found.slice(0, filter.limit));
}

/**
 * The fixture's outbox, with every `list` call's filter written down; `older` delivered events of
 * other requests come before the fixture's own, as in an outbox that is never pruned.
 */
async function watched(older = 0): Promise<{ fixture: Fixture; calls: Filter[] }> {
  const calls: Filter[] = [];
  const holder: { fixture?: Fixture } = {};
  const junk = delivered(older, 'old');
  const fixture = await createFixture({
    outbox: {
      list: async (filter: Filter = {}) => {
        calls.push(filter);
        const own = (await holder.fixture?.handler.outbox?.list()) ?? [];
        return listOf([...junk, ...own], filter);
      },
      retry: (id) => holder.fixture?.handler.outbox?.retry(id) ?? Promise.resolve(false),
    } satisfies ConsoleOutbox,
  });
  holder.fixture = fixture;
  return { fixture, calls };
}

/** `count` delivered events, oldest first, one a second from `start`. */
function delivered(count: number, prefix = 'e', start = Date.UTC(2026, 0, 1)): OutboxEntry[] {
  return Array.from({ length: count }, (_, i) => ({
    event: {
      id: `${prefix}${i}`,
      type: 'updated',
      resourceType: 'User',
      resourceId: `u${i}`,
      operation: 'replace',
      tenant: undefined,
      principal: 'entra',
      occurredAt: new Date(start + i * 1000).toISOString(),
      requestId: `${prefix}-r${i}`,
    } as unknown as OutboxEntry['event'],
    state: 'delivered',
    attempts: 0,
    nextAttemptAt: '',
  }));
}

async function firstRequestSeq(fixture: Fixture): Promise<number> {
  const list = (await (await fixture.page('/api/requests', { headers: bearer })).json()) as {
    requests: { seq: number }[];
  };
  return list.requests[0]?.seq ?? 0;
}

describe('console reads of the outbox', () => {
  it('the Lifecycle view and the Activity chart read each state once, newest first, with a limit; the delivered ones with a small one', async () => {
    const { fixture, calls } = await watched();
    expect((await fixture.scim('POST', '/Users', entraUser('bounded@example.com'))).status).toBe(
      201,
    );
    for (const path of ['/api/outbox', '/api/rates']) {
      calls.length = 0;
      expect((await fixture.page(path, { headers: bearer })).status, path).toBe(200);
      expect(calls.map((filter) => filter.state).sort(), path).toEqual([
        'dead',
        'delivered',
        'pending',
      ]);
      for (const filter of calls) {
        expect(filter.order, path).toBe('newest');
        expect(filter.limit, path).toBeLessThanOrEqual(OUTBOX_READ_LIMIT + 1);
      }
    }
    calls.length = 0;
    await fixture.page('/api/outbox', { headers: bearer });
    const read = calls.find((filter) => filter.state === 'delivered');
    expect(read?.limit).toBe(OUTBOX_DELIVERED_SHOWN + 1);
  });

  it("a request's detail reads its changes by its request id, in one bounded read", async () => {
    const { fixture, calls } = await watched();
    await fixture.scim('POST', '/Users', entraUser('by-request@example.com'));
    const seq = await firstRequestSeq(fixture);
    calls.length = 0;
    const detail = (await (
      await fixture.page(`/api/requests/${seq}`, { headers: bearer })
    ).json()) as { id: string; changes: { type: string }[] };
    expect(calls).toEqual([{ requestId: detail.id, limit: OUTBOX_READ_LIMIT + 1 }]);
    expect(detail.changes.map((change) => change.type)).toEqual(['created']);
  });

  it("on an outbox holding far more than a read takes, a request's detail still shows its changes, whole", async () => {
    const { fixture } = await watched(OUTBOX_READ_LIMIT + 500);
    await fixture.scim('POST', '/Users', entraUser('newest@example.com'));
    const detail = (await (
      await fixture.page(`/api/requests/${await firstRequestSeq(fixture)}`, { headers: bearer })
    ).json()) as { changes: { type: string }[]; changesPartial: boolean };
    expect(detail).toMatchObject({ changes: [{ type: 'created' }], changesPartial: false });
  });

  it('on an outbox holding far more delivered events than a read takes, the Lifecycle view shows the newest, and the chart says partial only when the hour was cut', async () => {
    const all = delivered(OUTBOX_READ_LIMIT + 500);
    const newest = Date.parse(all.at(-1)?.event.occurredAt ?? '');
    let now = newest;
    const scimConsole = createScimConsole({
      basePath: '/c',
      credential: CONSOLE_TOKEN,
      now: () => now,
      outbox: { list: (filter) => listOf(all, filter), retry: () => Promise.resolve(false) },
    });
    const page = async (path: string) =>
      (await (
        await scimConsole.fetch(new Request(`https://x.example/c${path}`, { headers: bearer }))
      ).json()) as { partial: boolean; entries?: { id: string }[] };
    const outbox = await page('/api/outbox');
    expect(outbox.partial).toBe(false);
    expect(outbox.entries).toHaveLength(OUTBOX_DELIVERED_SHOWN);
    expect(outbox.entries?.[0]?.id).toBe(`e${all.length - 1}`);
    // 1,500 events a second apart: the newest 1,000 read all lie in the last hour, and so do more.
    expect((await page('/api/rates')).partial).toBe(true);
    // Ten hours on, the newest read are already older than the hour: nothing of it was cut.
    now = newest + 10 * 3_600_000;
    expect((await page('/api/rates')).partial).toBe(false);
  });

  it('pending events beyond the bound make the Lifecycle view partial', async () => {
    const all = delivered(OUTBOX_READ_LIMIT + 1).map((entry) => ({
      ...entry,
      state: 'pending' as const,
    }));
    const scimConsole = createScimConsole({
      basePath: '/c',
      credential: CONSOLE_TOKEN,
      outbox: { list: (filter) => listOf(all, filter), retry: () => Promise.resolve(false) },
    });
    const reply = await scimConsole.fetch(
      new Request('https://x.example/c/api/outbox', { headers: bearer }),
    );
    expect(((await reply.json()) as { partial: boolean }).partial).toBe(true);
  });

  it('an outbox within the bound answers partial: false', async () => {
    const { fixture } = await watched();
    await fixture.scim('POST', '/Users', entraUser('within@example.com'));
    const reply = (await (await fixture.page('/api/outbox', { headers: bearer })).json()) as {
      partial: boolean;
      entries: unknown[];
    };
    expect(reply).toMatchObject({ partial: false });
    expect(reply.entries.length).toBeGreaterThan(0);
  });
});
