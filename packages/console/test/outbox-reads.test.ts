// The Lifecycle and Activity views and a request's detail read the outbox with a limit every time:
// they refresh every few seconds, and a database outbox that is never pruned grows without end. The
// outbox's `list` reads oldest first, so an outbox holding more than a read takes says so.
import { describe, expect, it } from 'vitest';
import type { OutboxEntry } from '@scim/server';
import { createScimConsole, type ConsoleOutbox } from '../src/index.ts';
import { OUTBOX_READ_LIMIT } from '../src/lib/lifecycle.ts';
import { CONSOLE_TOKEN, createFixture, entraUser, type Fixture } from './fixture.ts';

const bearer = { authorization: `Bearer ${CONSOLE_TOKEN}` };
type Filter = Parameters<ConsoleOutbox['list']>[0];

/** The fixture's outbox, with every `list` call's filter written down. */
async function watched(): Promise<{ fixture: Fixture; calls: Filter[] }> {
  const calls: Filter[] = [];
  const holder: { fixture?: Fixture } = {};
  const fixture = await createFixture({
    outbox: {
      list: (filter) => {
        calls.push(filter);
        return holder.fixture?.handler.outbox?.list(filter) ?? Promise.resolve([]);
      },
      retry: (id) => holder.fixture?.handler.outbox?.retry(id) ?? Promise.resolve(false),
    },
  });
  holder.fixture = fixture;
  return { fixture, calls };
}

/** `count` delivered events, oldest first, one a second. */
function delivered(count: number): OutboxEntry[] {
  return Array.from({ length: count }, (_, i) => ({
    event: {
      id: `e${i}`,
      type: 'updated',
      resourceType: 'User',
      resourceId: `u${i}`,
      operation: 'replace',
      tenant: undefined,
      principal: 'entra',
      occurredAt: new Date(Date.UTC(2026, 0, 1, 0, 0, i)).toISOString(),
      requestId: `r${i}`,
    } as unknown as OutboxEntry['event'],
    state: 'delivered',
    attempts: 0,
    nextAttemptAt: '',
  }));
}

describe('console reads of the outbox', () => {
  it('every outbox read is bounded: the Lifecycle view, the Activity chart and a request detail ask each state once, with a limit', async () => {
    const { fixture, calls } = await watched();
    const created = await fixture.scim('POST', '/Users', entraUser('bounded@example.com'));
    expect(created.status).toBe(201);
    const list = (await (await fixture.page('/api/requests', { headers: bearer })).json()) as {
      requests: { seq: number; id: string }[];
    };
    for (const path of [
      '/api/outbox',
      '/api/rates',
      `/api/requests/${list.requests[0]?.seq ?? 0}`,
    ]) {
      calls.length = 0;
      const reply = await fixture.page(path, { headers: bearer });
      expect(reply.status, path).toBe(200);
      expect(calls.length, path).toBeGreaterThan(0);
      for (const filter of calls) {
        expect(filter?.limit, path).toBeLessThanOrEqual(OUTBOX_READ_LIMIT + 1);
        expect(filter?.state, path).toBeDefined();
      }
      expect(new Set(calls.map((filter) => filter?.state)).size, path).toBe(calls.length);
    }
    // Bounded, and still the change the create made.
    const detail = (await (
      await fixture.page(`/api/requests/${list.requests[0]?.seq ?? 0}`, { headers: bearer })
    ).json()) as { changes: { type: string }[] };
    expect(detail.changes.map((change) => change.type)).toEqual(['created']);
  });

  it('an outbox holding more delivered events than one read takes answers partial: true, and shows no more than it read', async () => {
    const all = delivered(OUTBOX_READ_LIMIT + 500);
    const scimConsole = createScimConsole({
      basePath: '/c',
      credential: CONSOLE_TOKEN,
      outbox: {
        list: ({ state, limit } = {}) =>
          Promise.resolve(
            all.filter((entry) => state === undefined || entry.state === state).slice(0, limit),
          ),
        retry: () => Promise.resolve(false),
      },
    });
    const page = async (path: string) =>
      (await (
        await scimConsole.fetch(new Request(`https://x.example/c${path}`, { headers: bearer }))
      ).json()) as { partial: boolean; entries?: { id: string }[] };
    const outbox = await page('/api/outbox');
    expect(outbox.partial).toBe(true);
    expect(outbox.entries).toHaveLength(200);
    expect(outbox.entries?.[0]?.id).toBe(`e${OUTBOX_READ_LIMIT - 1}`);
    expect((await page('/api/rates')).partial).toBe(true);
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
