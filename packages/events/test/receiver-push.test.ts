// The receiver's two doors: its RFC 8935 push endpoint (202, 400 with {err, description}, 5xx for a
// retry) and its RFC 8936 poll client (ack what was applied or skipped, setErrs for what was refused,
// nothing for what failed for now).
import { PROV_CREATE_NOTICE_EVENT_URI, SECEVENT_JWT_MEDIA_TYPE } from '@scim/core';
import { describe, expect, it } from 'vitest';
import {
  created,
  fakeSource,
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
