// A refused Retry says why. An outbox's or a stream queue's `retry` answers only true or false; the
// console looks a refused entry up and answers 404 (unknown) or 409 (its state forbids the retry)
// with a detail of its own making, which the page shows next to the row. Never the store's words:
// a last error, a thrown message or a SET's payload may quote personal data or a secret.
import { describe, expect, it } from 'vitest';
import type { OutboxListFilter } from '@scim/server';
import { createScimConsole, type ConsoleDelivery } from '../src/index.ts';
import { CONSOLE_TOKEN, createFixture, deactivateAsEntra } from './fixture.ts';

const bearer = { authorization: `Bearer ${CONSOLE_TOKEN}` };
const HOOK_ERROR = 'session service unavailable (503)';

async function refusal(reply: Response): Promise<{ status: number; detail: string }> {
  expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
  return (await reply.json()) as { status: number; detail: string };
}

describe('console: a refused Retry answers its status and why', () => {
  it('RFC 7644 §3.12 (an error carries its status and a detail): an outbox event retried already is 409, delivered 409, unknown 404', async () => {
    const fixture = await createFixture();
    fixture.failHook = true;
    await deactivateAsEntra(fixture, 'leaver@example.com');
    const [dead] = await fixture.handler.outbox.list({ state: 'dead' });
    const id = dead?.event.id ?? '';
    const retry = () =>
      fixture.page(`/api/outbox/${encodeURIComponent(id)}/retry`, {
        method: 'POST',
        headers: bearer,
      });
    expect((await retry()).status).toBe(200);

    // A second press, before the next delivery pass: it is pending again, not dead.
    const pending = await retry();
    expect(pending.status).toBe(409);
    const again = await refusal(pending);
    expect(again.status).toBe(409);
    expect(again.detail).toMatch(/pending again, not dead/);

    fixture.failHook = false;
    await fixture.handler.deliverDue();
    const delivered = await retry();
    expect(delivered.status).toBe(409);
    expect((await refusal(delivered)).detail).toMatch(/delivered already/);

    const unknown = await fixture.page('/api/outbox/no-such-event/retry', {
      method: 'POST',
      headers: bearer,
    });
    expect(unknown.status).toBe(404);
    expect(await refusal(unknown)).toEqual({
      status: 404,
      detail: 'No event of this id is in the outbox',
    });
    // The detail is the console's own: neither the hook's error nor the event's id is quoted.
    for (const reply of [again.detail, (await refusal(await retry())).detail]) {
      expect(reply).not.toContain(HOOK_ERROR);
      expect(reply).not.toContain(id);
    }
  });

  it('RFC 8935 §2: a dead SET whose subject had a newer SET delivered is refused 409 as out of order; not dead 409; unknown 404', async () => {
    const sets: ConsoleDelivery[] = [
      { streamId: 'okta', jti: 'old', subject: 's', state: 'dead', attempts: 8 },
      { streamId: 'okta', jti: 'new', subject: 's', state: 'delivered', attempts: 0 },
      { streamId: 'okta', jti: 'waiting', subject: 't', state: 'pending', attempts: 1 },
    ];
    const scimConsole = createScimConsole({
      basePath: '/c',
      credential: CONSOLE_TOKEN,
      deliveries: {
        list: () => Promise.resolve(sets),
        // As a SetQueue's: false for a SET not dead, and for a dead one once a newer SET of its
        // subject was delivered (here, every dead one).
        retry: () => Promise.resolve(false),
      },
    });
    const post = (path: string) =>
      scimConsole.fetch(
        new Request(`https://x.example/c/api/deliveries/${path}/retry`, {
          method: 'POST',
          headers: bearer,
        }),
      );
    const outOfOrder = await post('okta/old');
    expect(outOfOrder.status).toBe(409);
    expect((await refusal(outOfOrder)).detail).toMatch(
      /^Replay refused: a newer SET of the same subject was delivered already/,
    );
    const delivered = await post('okta/new');
    expect(delivered.status).toBe(409);
    expect((await refusal(delivered)).detail).toMatch(/delivered already/);
    expect((await refusal(await post('okta/waiting'))).detail).toMatch(/pending again/);
    const unknown = await post('okta/gone');
    expect(unknown.status).toBe(404);
    expect((await refusal(unknown)).detail).toBe('No delivery of this stream has this id');
    expect((await post('other/old')).status).toBe(404);
  });

  it('a refused outbox retry reads that one event by its id, not the whole outbox', async () => {
    const fixture = await createFixture();
    fixture.failHook = true;
    await deactivateAsEntra(fixture, 'leaver@example.com');
    const outbox = fixture.handler.outbox;
    const [dead] = await outbox.list({ state: 'dead' });
    const id = dead?.event.id ?? '';
    const asked: OutboxListFilter[] = [];
    const scimConsole = createScimConsole({
      basePath: '/c',
      credential: CONSOLE_TOKEN,
      outbox: {
        list: (filter = {}) => (asked.push(filter), outbox.list(filter)),
        // Refused, as when another operator's retry won: the console looks the event up.
        retry: () => Promise.resolve(false),
      },
    });
    const reply = await scimConsole.fetch(
      new Request(`https://x.example/c/api/outbox/${encodeURIComponent(id)}/retry`, {
        method: 'POST',
        headers: bearer,
      }),
    );
    expect(reply.status).toBe(409);
    expect(asked).toEqual([{ id }]);
  });

  it('a malformed id is 400, and a retry that throws is 500 without its message', async () => {
    const secret = 'postgres://admin:s3cret@db.internal/queue';
    const scimConsole = createScimConsole({
      basePath: '/c',
      credential: CONSOLE_TOKEN,
      deliveries: {
        list: () => Promise.resolve([]),
        retry: () => Promise.reject(new Error(`connection refused: ${secret}`)),
      },
    });
    const post = (path: string) =>
      scimConsole.fetch(
        new Request(`https://x.example/c/api/${path}/retry`, { method: 'POST', headers: bearer }),
      );
    const malformed = await post('deliveries/okta/%E0%A4%A');
    expect(malformed.status).toBe(400);
    expect((await refusal(malformed)).detail).toMatch(/not well encoded/);
    const failed = await post('deliveries/okta/j1');
    expect(failed.status).toBe(500);
    const text = await failed.text();
    expect(text).not.toContain(secret);
    expect(JSON.parse(text)).toEqual({
      status: 500,
      detail: 'The console could not answer this request',
    });
  });
});
