// The lifecycle view's event-stream deliveries: a `SetQueue`-shaped source of `@scim/events`
// without depending on it; each SET's attempts and last error, a retry for a dead one, no payload.
import { describe, expect, it } from 'vitest';
import { createScimConsole, type ConsoleDelivery } from '../src/index.ts';
import { CONSOLE_TOKEN } from './fixture.ts';

const bearer = { authorization: `Bearer ${CONSOLE_TOKEN}` };
const PAYLOAD_SECRET = 'eyJhbGciOiJFUzI1NiJ9.set-payload-with-personal-data';

function queued(jti: string, state: string): ConsoleDelivery & { payload: string } {
  return {
    streamId: 'okta',
    jti,
    subject: '/Users/2819c223',
    eventUris: ['urn:ietf:params:SCIM:event:prov:patch:full'],
    state,
    attempts: state === 'dead' ? 8 : 1,
    queuedAt: `2026-12-04T00:00:0${jti.length}.000Z`,
    nextAttemptAt: '2026-12-04T00:01:00.000Z',
    lastError: state === 'dead' ? 'HTTP 503 from the receiver' : undefined,
    payload: PAYLOAD_SECRET,
  } as ConsoleDelivery & { payload: string };
}

function make(sets: (ConsoleDelivery & { payload: string })[], retried: string[]) {
  return createScimConsole({
    basePath: '/c',
    credential: CONSOLE_TOKEN,
    deliveries: {
      list: () => Promise.resolve(sets),
      retry: (streamId, jti) => {
        const set = sets.find((one) => one.streamId === streamId && one.jti === jti);
        if (set?.state !== 'dead') return Promise.resolve(false);
        retried.push(`${streamId}/${jti}`);
        return Promise.resolve(true);
      },
    },
  });
}
const call = (scimConsole: ReturnType<typeof make>, path: string, method = 'GET') =>
  scimConsole.fetch(new Request(`https://x.example/c${path}`, { method, headers: bearer }));

describe('console stream deliveries', () => {
  it('RFC 8935 §2 (push delivery): lists each SET with its stream, events, attempts and last error, never its payload', async () => {
    const scimConsole = make([queued('a', 'delivered'), queued('bb', 'dead')], []);
    const reply = await call(scimConsole, '/api/deliveries');
    const text = await reply.text();
    expect(text).not.toContain(PAYLOAD_SECRET);
    const body = JSON.parse(text) as { configured: boolean; entries: Record<string, unknown>[] };
    expect(body.configured).toBe(true);
    expect(body.entries[0]).toMatchObject({
      streamId: 'okta',
      jti: 'bb',
      events: ['prov:patch:full'],
      state: 'dead',
      attempts: 8,
      lastError: 'HTTP 503 from the receiver',
    });
    expect(body.entries).toHaveLength(2);
  });

  it('RFC 9967 §2 and the RISC profile: names each event so that two SETs tell apart (create:full is not patch:full)', async () => {
    const events = [
      'urn:ietf:params:SCIM:event:prov:create:full',
      'urn:ietf:params:scim:event:prov:deactivate',
      'https://schemas.openid.net/secevent/risc/event-type/account-disabled',
      'urn:example:custom-event',
    ];
    const scimConsole = make([{ ...queued('a', 'pending'), eventUris: events }], []);
    const body = (await (await call(scimConsole, '/api/deliveries')).json()) as {
      entries: { events: string[] }[];
    };
    expect(body.entries[0]?.events).toEqual([
      'prov:create:full',
      'prov:deactivate',
      'account-disabled',
      'urn:example:custom-event',
    ]);
  });

  it('retries a dead delivery by stream and jti; one that is not dead is 409, an unknown one 404', async () => {
    const retried: string[] = [];
    const scimConsole = make([queued('a', 'delivered'), queued('bb', 'dead')], retried);
    expect((await call(scimConsole, '/api/deliveries/okta/bb/retry', 'POST')).status).toBe(200);
    expect((await call(scimConsole, '/api/deliveries/okta/a/retry', 'POST')).status).toBe(409);
    expect((await call(scimConsole, '/api/deliveries/okta/zz/retry', 'POST')).status).toBe(404);
    expect((await call(scimConsole, '/api/deliveries/okta/bb/retry')).status).toBe(405);
    expect(retried).toEqual(['okta/bb']);
  });

  it('says when no event stream is configured', async () => {
    const scimConsole = createScimConsole({ basePath: '/c', credential: CONSOLE_TOKEN });
    expect(await (await call(scimConsole, '/api/deliveries')).json()).toMatchObject({
      configured: false,
    });
    expect((await call(scimConsole, '/api/deliveries/s/j/retry', 'POST')).status).toBe(404);
  });
});
