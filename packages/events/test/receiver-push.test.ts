// The receiver's two doors: its RFC 8935 push endpoint (202, 400 with {err, description}, 5xx for a
// retry) and its RFC 8936 poll client (ack what was applied or skipped, setErrs for what was refused,
// nothing for what failed for now).
import {
  PROV_CREATE_NOTICE_EVENT_URI,
  PROV_DEACTIVATE_EVENT_URI,
  PROV_PATCH_FULL_EVENT_URI,
  SECEVENT_JWT_MEDIA_TYPE,
} from '@scim/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { SetClaims } from '../src/lib/claims.ts';
import { createSigningKeySet, generateSigningKey, type SigningKeySet } from '../src/lib/keys.ts';
import { signSet } from '../src/lib/sign.ts';
import { createRemoteJwks } from '../src/lib/verify-keys.ts';
import { ISSUER } from './fixtures/event-server.ts';
import {
  created,
  fakeSource,
  patchOp,
  REPLICA,
  setOf,
  T0,
  testReceiver,
  user,
} from './fixtures/received-sets.ts';

const MS = T0 * 1000;
const TOKEN = 'Bearer push-token';

function push(body: string, headers: Record<string, string> = {}, method = 'POST') {
  return new Request(`${REPLICA}/events`, {
    method,
    headers: { 'content-type': SECEVENT_JWT_MEDIA_TYPE, authorization: TOKEN, ...headers },
    ...(method === 'GET' ? {} : { body }),
  });
}

async function answer(response: Response) {
  const text = await response.text();
  return { status: response.status, body: text === '' ? undefined : (JSON.parse(text) as unknown) };
}

describe('push endpoint (RFC 8935)', () => {
  it('E-DELIV-02 (a 202 acknowledges): an applied SET is answered 202, and so is the same SET again', async () => {
    const { receiver, copy } = await testReceiver();
    const token = await setOf('/Users/u1', created(user('u1', MS)));
    expect(await answer(await receiver.handlePush(push(token)))).toEqual({
      status: 202,
      body: undefined,
    });
    expect((await receiver.handlePush(push(token))).status).toBe(202);
    expect(await copy('User', 'u1')).toBeDefined();
  });

  it('E-DELIV-02 (a 400 carries {err, description}): a refused SET names its RFC 8935 error', async () => {
    const { receiver } = await testReceiver();
    const token = await setOf('/Users/u1', created(user('u1', MS)), {
      aud: 'https://other.example.com',
    });
    const response = await receiver.handlePush(push(token));
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await answer(response)).toEqual({
      status: 400,
      body: { err: 'invalid_audience', description: expect.stringContaining('aud') as string },
    });
  });

  it('a SET that failed for now is answered 503, so that the transmitter retries it', async () => {
    const { source, answer: setAnswer } = fakeSource();
    const { receiver } = await testReceiver({ source });
    setAnswer('/Users/u1', { status: 'unavailable', description: 'down' });
    const token = await setOf('/Users/u1', {
      [PROV_CREATE_NOTICE_EVENT_URI]: { attributes: ['userName'] },
    });
    expect((await receiver.handlePush(push(token))).status).toBe(503);
  });

  it('refuses a request without the push credentials (401), another method (405), another media type or an oversized body (400)', async () => {
    const { receiver } = await testReceiver({
      authorize: (request) => request.headers.get('authorization') === TOKEN,
      maxBodyBytes: 2_000,
    });
    const token = await setOf('/Users/u1', created(user('u1', MS)));
    const unauthorized = await receiver.handlePush(push(token, { authorization: 'Bearer wrong' }));
    expect(unauthorized.headers.get('www-authenticate')).toBe('Bearer');
    expect(await answer(unauthorized)).toMatchObject({
      status: 401,
      body: { err: 'authentication_failed' },
    });
    const get = await receiver.handlePush(push('', {}, 'GET'));
    expect([get.status, get.headers.get('allow')]).toEqual([405, 'POST']);
    expect(
      await answer(await receiver.handlePush(push(token, { 'content-type': 'application/json' }))),
    ).toMatchObject({
      status: 400,
      body: { err: 'invalid_request' },
    });
    expect(
      await answer(await receiver.handlePush(push(`${token}${'x'.repeat(2_000)}`))),
    ).toMatchObject({
      status: 400,
      body: { err: 'invalid_request' },
    });
  });
});

const HOUR_S = 3_600;

/** A SET deactivating u1, issued (queued, for our transmitter) at `iat`. */
function deactivation(iat: number): Promise<string> {
  return setOf(
    '/Users/u1',
    {
      [PROV_PATCH_FULL_EVENT_URI]: {
        version: 'W/"u1-next"',
        data: patchOp({ op: 'replace', path: 'active', value: false }),
      },
      [PROV_DEACTIVATE_EVENT_URI]: {},
    },
    { iat, toe: T0 + 5 },
  );
}

describe('push endpoint: what a later delivery would be accepted, it does not refuse for good', () => {
  const nowS = () => Math.floor(Date.now() / 1000);

  it('a deactivation queued 30 hours ago (the transmitter retries for 72) is applied', async () => {
    const { receiver, copy } = await testReceiver();
    await receiver.receive(await setOf('/Users/u1', created(user('u1', MS))));
    const response = await receiver.handlePush(push(await deactivation(nowS() - 30 * HOUR_S)));
    expect(await answer(response)).toEqual({ status: 202, body: undefined });
    expect(await copy('User', 'u1')).toMatchObject({ active: false });
  });

  it('a SET older than the default maximum age (7 days) is still refused', async () => {
    const { receiver, copy } = await testReceiver();
    await receiver.receive(await setOf('/Users/u1', created(user('u1', MS))));
    const response = await receiver.handlePush(push(await deactivation(nowS() - 8 * 24 * HOUR_S)));
    expect(await answer(response)).toMatchObject({
      status: 400,
      body: { err: 'invalid_request' },
    });
    expect(await copy('User', 'u1')).toMatchObject({ active: true });
  });

  it('a SET issued ahead of the receiver’s clock (a transmitter clock running fast) is answered 503, to come again', async () => {
    const { receiver, copy } = await testReceiver();
    await receiver.receive(await setOf('/Users/u1', created(user('u1', MS))));
    const token = await deactivation(nowS() + 5 * 60);
    expect(await receiver.receive(token)).toMatchObject({ status: 'failed' });
    expect(await answer(await receiver.handlePush(push(token)))).toEqual({
      status: 503,
      body: undefined,
    });
    expect(await copy('User', 'u1')).toMatchObject({ active: true });
  });

  it('a SET issued in the future that is also wrong for good is refused', async () => {
    const { receiver } = await testReceiver();
    const token = await setOf('/Users/u1', created(user('u1', MS)), {
      iat: nowS() + 5 * 60,
      aud: 'https://other.example.com',
    });
    expect(await receiver.receive(token)).toMatchObject({
      status: 'refused',
      err: 'invalid_audience',
    });
  });
});

describe('push endpoint: a key the transmitter just rotated to', () => {
  const JWKS_URL = 'https://scim.example.com/.well-known/jwks.json';

  afterEach(() => {
    vi.unstubAllGlobals();
  });

  /** Serves `keys`' JWKS as it is at each fetch, counting the fetches. */
  function serveJwks(keys: SigningKeySet) {
    const fetches: string[] = [];
    vi.stubGlobal('fetch', (input: RequestInfo | URL) => {
      fetches.push(input instanceof Request ? input.url : String(input));
      return Promise.resolve(Response.json(keys.jwks()));
    });
    return fetches;
  }

  function signedBy(keys: SigningKeySet, uri: string): Promise<string> {
    const claims = {
      iss: ISSUER,
      iat: Math.floor(Date.now() / 1000),
      jti: `jti-${Math.random().toString(36).slice(2)}`,
      aud: REPLICA,
      txn: `txn-${Math.random().toString(36).slice(2)}`,
      toe: T0,
      sub_id: { format: 'scim', uri },
      events: created(user(uri.slice('/Users/'.length), MS)),
    } as SetClaims;
    return signSet(claims, keys.active);
  }

  it('a SET signed with the new key within the JWKS cooldown is answered 503, and verifies once the cooldown has passed', async () => {
    const transmitter = createSigningKeySet({ active: await generateSigningKey() });
    const fetches = serveJwks(transmitter);
    const cooldownMs = 200;
    const { receiver, copy } = await testReceiver({
      keys: createRemoteJwks(JWKS_URL, { cooldownMs }),
    });
    expect((await receiver.handlePush(push(await signedBy(transmitter, '/Users/u1')))).status).toBe(
      202,
    );
    expect(fetches).toEqual([JWKS_URL]);
    await transmitter.rotate();
    const token = await signedBy(transmitter, '/Users/u2');
    // Within the cooldown jose does not fetch again: the key is unknown for now, not for good.
    expect(await answer(await receiver.handlePush(push(token)))).toEqual({
      status: 503,
      body: undefined,
    });
    expect(fetches).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, cooldownMs + 50));
    expect((await receiver.handlePush(push(token))).status).toBe(202);
    expect(fetches).toHaveLength(2);
    expect(await copy('User', 'u2')).toBeDefined();
  });

  it('with keys given directly, an unknown kid is refused for good (invalid_key): nothing will change', async () => {
    const transmitter = createSigningKeySet({ active: await generateSigningKey() });
    const { receiver } = await testReceiver({ keys: transmitter.jwks() });
    await transmitter.rotate();
    const response = await receiver.handlePush(push(await signedBy(transmitter, '/Users/u1')));
    expect(await answer(response)).toMatchObject({ status: 400, body: { err: 'invalid_key' } });
  });
});

/** A poll endpoint in a function: answers the first request with `sets`, then records receipts. */
function transmitter(sets: Record<string, string>, status = { poll: 200, receipt: 200 }) {
  const bodies: Record<string, unknown>[] = [];
  const fetch = async (request: Request) => {
    bodies.push((await request.json()) as Record<string, unknown>);
    return bodies.length === 1
      ? Response.json({ sets, moreAvailable: true }, { status: status.poll })
      : Response.json({ sets: {} }, { status: status.receipt });
  };
  return { bodies, fetch };
}

describe('pollOnce (RFC 8936)', () => {
  it('E-DELIV-03 (poll request) and E-DELIV-04 (acknowledged SETs are done): applied and skipped SETs are acknowledged, refused ones reported in setErrs, failed ones left to come again', async () => {
    const { source, answer: setAnswer } = fakeSource();
    const { receiver } = await testReceiver({ source, refresh: 'notice' });
    setAnswer('/Users/u3', { status: 'unavailable', description: 'down' });
    const applied = await setOf('/Users/u1', created(user('u1', MS)));
    await receiver.receive(applied);
    const sets = {
      again: applied,
      fresh: await setOf('/Users/u2', created(user('u2', MS))),
      refused: await setOf('/Users/u1', created(user('u1', MS)), {
        aud: 'https://other.example.com',
      }),
      failing: await setOf('/Users/u3', {
        [PROV_CREATE_NOTICE_EVENT_URI]: { attributes: ['userName'] },
      }),
    };
    const { bodies, fetch } = transmitter(sets);
    const result = await receiver.pollOnce({
      url: 'https://scim.example.com/events/poll/b',
      authorization: TOKEN,
      fetch,
      maxEvents: 10,
    });
    expect(bodies).toEqual([
      { maxEvents: 10, returnImmediately: true },
      {
        ack: ['again', 'fresh'],
        setErrs: {
          refused: { err: 'invalid_audience', description: expect.any(String) as string },
        },
        maxEvents: 0,
        returnImmediately: true,
      },
    ]);
    expect(result).toMatchObject({
      ok: true,
      acknowledged: ['again', 'fresh'],
      retry: ['failing'],
      moreAvailable: true,
    });
    expect(result.results.fresh).toMatchObject({ status: 'applied' });
  });

  it('a poll the transmitter refuses applies nothing and says why', async () => {
    const { receiver, storage } = await testReceiver();
    const { fetch } = transmitter(
      { s: await setOf('/Users/u1', created(user('u1', MS))) },
      { poll: 401, receipt: 200 },
    );
    expect(await receiver.pollOnce({ url: 'https://scim.example.com/poll', fetch })).toMatchObject({
      ok: false,
      error: 'The transmitter answered 401',
      acknowledged: [],
    });
    expect(storage.stores.User?.size()).toBe(0);
  });

  it('an acknowledgement that fails is reported: the SETs were applied, and come again as duplicates', async () => {
    const { receiver } = await testReceiver();
    const { fetch } = transmitter(
      { s: await setOf('/Users/u1', created(user('u1', MS))) },
      { poll: 200, receipt: 500 },
    );
    expect(await receiver.pollOnce({ url: 'https://scim.example.com/poll', fetch })).toMatchObject({
      ok: false,
      error: 'Acknowledging failed: The transmitter answered 500',
      acknowledged: [],
      results: { s: { status: 'applied' } },
    });
  });
});
