// What the SSF 1.0 stream management endpoints refuse (issue 14, "Streams" and "Receiver URLs"):
// receiver URLs that fail the server-side request forgery check, requests without authorization or
// for another tenant's or receiver's streams (SSF 1.0 §8), and malformed requests, which answer 400
// and never a 5xx.
import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  POLL_DELIVERY_METHOD,
  PUSH_DELIVERY_METHOD,
  SCIM_EVENT_URIS,
  SSF_VERIFICATION_EVENT_URI,
} from '@scim/core';
import type { SsfEndpointsOptions, SsfGrant } from '../src/lib/ssf.ts';
import { BASE, PUSH, RECEIVER, transmitter, type Reply } from './fixtures/ssf-transmitter.ts';

describe('Receiver URLs: server-side request forgery (issue 14)', () => {
  it.each([
    ['http://169.254.169.254/latest/meta-data/', /http|TLS/],
    ['https://user:pw@receiver.example.com/events', /credentials/],
  ])('a push endpoint_url of %s is refused with a 400 that says why', async (url, why) => {
    const t = transmitter();
    const reply = await t.call('POST', '/ssf/stream', {
      body: { delivery: { method: PUSH_DELIVERY_METHOD, endpoint_url: url } },
    });
    expect(reply.status).toBe(400);
    const body = reply.body as { error: string; description: string };
    expect(body.error).toBe('invalid_request');
    expect(body.description).toMatch(/endpoint_url/);
    expect(body.description).toMatch(why);
    expect(await t.streams.list('acme')).toEqual([]);
  });

  it.each([
    ['https://169.254.169.254/', '169.254.169.254'],
    ['https://127.0.0.1/', 'loopback'],
    ['https://[::1]/events', 'loopback'],
    ['https://internal.example.com/events', '10.1.2.3'],
    ['https://nowhere.example.com/events', 'no address'],
  ])(
    'a push endpoint_url of %s is refused in general terms; the address it resolves to goes to onError only',
    async (url, detail) => {
      const errors: unknown[] = [];
      const t = transmitter({ onError: (error) => errors.push(error) });
      const reply = await t.call('POST', '/ssf/stream', {
        body: { delivery: { method: PUSH_DELIVERY_METHOD, endpoint_url: url } },
      });
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual({
        error: 'invalid_request',
        description:
          '"delivery.endpoint_url" is not an address this transmitter delivers to; use a public https URL',
      });
      expect(errors).toHaveLength(1);
      expect(String(errors[0])).toContain(detail);
      expect(await t.streams.list('acme')).toEqual([]);
    },
  );

  it('no allowHttp: plain http is refused, even with allowPrivateNetwork, unless the receiver is on this machine (as the deliverer does)', async () => {
    const strict = transmitter();
    const loopback = { method: PUSH_DELIVERY_METHOD, endpoint_url: 'http://127.0.0.1:8080/events' };
    expect(
      (await strict.call('POST', '/ssf/stream', { body: { delivery: loopback } })).status,
    ).toBe(400);
    const t = transmitter({ allowPrivateNetwork: true });
    const remote = { method: PUSH_DELIVERY_METHOD, endpoint_url: 'http://receiver.example.com/e' };
    const refused = await t.call('POST', '/ssf/stream', { body: { delivery: remote } });
    expect(refused.status).toBe(400);
    expect((refused.body as { description: string }).description).toMatch(/http/);
    const created = await t.create({ delivery: loopback });
    expect(created.delivery).toEqual(loopback);
    // allowHttp is gone: http that the deliverer would refuse is never admitted, even if passed.
    expectTypeOf<SsfEndpointsOptions>().not.toHaveProperty('allowHttp');
    const stale: Record<string, unknown> = { allowHttp: true };
    const legacy = transmitter(stale);
    expect((await legacy.call('POST', '/ssf/stream', { body: { delivery: remote } })).status).toBe(
      400,
    );
  });

  it('a private receiver is admitted with allowPrivateNetwork, and the stream keeps the allowance for delivery', async () => {
    const t = transmitter({ allowPrivateNetwork: true });
    await t.create({
      delivery: { method: PUSH_DELIVERY_METHOD, endpoint_url: 'https://127.0.0.1/' },
    });
    expect((await t.streams.get('s1', 'acme'))?.delivery).toMatchObject({
      allowPrivateNetwork: true,
    });
  });

  it('an update to a private endpoint_url is refused as well', async () => {
    const t = transmitter();
    await t.create();
    const reply = await t.call('PATCH', '/ssf/stream', {
      body: { stream_id: 's1', delivery: { ...PUSH, endpoint_url: 'https://10.0.0.8/' } },
    });
    expect(reply.status).toBe(400);
    expect((await t.streams.get('s1', 'acme'))?.delivery).toMatchObject({ endpointUrl: RECEIVER });
  });
});

describe('SSF 1.0 §8: authorization, and streams scoped per tenant and receiver', () => {
  const routes: [string, string, unknown][] = [
    ['GET', '/ssf/stream', undefined],
    ['POST', '/ssf/stream', { delivery: PUSH }],
    ['PATCH', '/ssf/stream', { stream_id: 's1' }],
    ['PUT', '/ssf/stream', { stream_id: 's1', delivery: PUSH }],
    ['DELETE', '/ssf/stream?stream_id=s1', undefined],
    ['GET', '/ssf/status?stream_id=s1', undefined],
    ['POST', '/ssf/status', { stream_id: 's1', status: 'paused' }],
    [
      'POST',
      '/ssf/subjects:add',
      { stream_id: 's1', subject: { format: 'scim', uri: '/Users/1' } },
    ],
    [
      'POST',
      '/ssf/subjects:remove',
      { stream_id: 's1', subject: { format: 'scim', uri: '/Users/1' } },
    ],
    ['POST', '/ssf/verify', { stream_id: 's1' }],
  ];

  it('§8: every management endpoint answers 401 when authorization fails or is missing', async () => {
    const t = transmitter();
    await t.create();
    for (const [method, path, body] of routes) {
      for (const as of [null, 'stranger']) {
        const reply = await t.call(method, path, { body, as });
        expect(reply.status, `${method} ${path}`).toBe(401);
        expect(reply.headers.get('www-authenticate')).toBe('Bearer');
      }
    }
    expect(await t.streams.get('s1', 'acme')).toMatchObject({ status: 'enabled' });
  });

  it.each([
    ['another tenant', 'globex'],
    ['another receiver of the same tenant', 'okta'],
  ])(
    '§8.1.1.2: a stream of %s answers 404, exactly as a missing one, and is left as it was',
    async (_who, as) => {
      const t = transmitter();
      await t.create();
      // A SET of s1 waits in the queue: a DELETE that reached s1 would remove it.
      expect((await t.call('POST', '/ssf/verify', { body: { stream_id: 's1' } })).status).toBe(204);
      const before = await t.streams.get('s1', 'acme');
      // Every route that names stream s1 (all but list and create).
      for (const [method, path, body] of routes.slice(2)) {
        const foreign = await t.call(method, path, { body, as });
        const missing = await t.call(method, path.replace('s1', 'nope'), {
          body: typeof body === 'object' ? { ...body, stream_id: 'nope' } : body,
          as,
        });
        expect(foreign.status, `${method} ${path}`).toBe(404);
        expect(foreign.body).toEqual(
          JSON.parse(JSON.stringify(missing.body).replace('nope', 's1')),
        );
      }
      expect((await t.call('GET', '/ssf/stream', { as })).body).toEqual([]);
      expect(await t.streams.get('s1', 'acme')).toEqual(before);
      const queued = await t.queue.list('s1');
      expect(queued.map((set) => set.eventUris)).toEqual([[SSF_VERIFICATION_EVENT_URI]]);
    },
  );

  it('§8: two receivers of one tenant each see and change only the streams they created', async () => {
    const t = transmitter();
    await t.create();
    await t.create({ delivery: { method: POLL_DELIVERY_METHOD } }, 'okta');
    expect(await t.streams.get('s1', 'acme')).toMatchObject({ owner: 'acme' });
    expect(await t.streams.get('s2', 'acme')).toMatchObject({ owner: 'okta' });
    const ids = async (as: string) =>
      ((await t.call('GET', '/ssf/stream', { as })).body as { stream_id: string }[]).map(
        (stream) => stream.stream_id,
      );
    expect(await ids('acme')).toEqual(['s1']);
    expect(await ids('okta')).toEqual(['s2']);
    const pause = (id: string, as: string) =>
      t.call('POST', '/ssf/status', { body: { stream_id: id, status: 'paused' }, as });
    expect((await pause('s2', 'acme')).status).toBe(404);
    expect((await pause('s2', 'okta')).status).toBe(200);
    expect((await t.call('DELETE', '/ssf/stream?stream_id=s1', { as: 'okta' })).status).toBe(404);
    expect((await t.call('DELETE', '/ssf/stream?stream_id=s1')).status).toBe(204);
  });

  it("§8: a stream the operator created (no owner) is invisible to every receiver of its tenant, and its URL's secrets stay unshown", async () => {
    const t = transmitter();
    const at = t.now().toISOString();
    await t.streams.put({
      id: 'op1',
      tenant: 'acme',
      audience: 'https://receiver.example.com',
      delivery: { method: 'push', endpointUrl: `${RECEIVER}?api_key=k-7f3a` },
      eventsRequested: [],
      status: 'enabled',
      defaultSubjects: 'all',
      subjectsAdded: [],
      subjectsRemoved: [],
      createdAt: at,
      updatedAt: at,
    });
    const before = await t.streams.get('op1', 'acme');
    const replies: Reply[] = [await t.call('GET', '/ssf/stream')];
    for (const [method, path, body] of routes.slice(2))
      replies.push(
        await t.call(method, path.replace('s1', 'op1'), {
          body: typeof body === 'object' ? { ...body, stream_id: 'op1' } : body,
        }),
      );
    expect(replies[0]?.body).toEqual([]);
    expect(replies.slice(1).map((reply) => reply.status)).toEqual(routes.slice(2).map(() => 404));
    expect(JSON.stringify(replies.map((reply) => reply.body))).not.toContain('k-7f3a');
    expect(await t.streams.get('op1', 'acme')).toEqual(before);
  });

  it("a grant without a receiver answers 500 and reaches onError, rather than matching the operator's streams", async () => {
    const errors: unknown[] = [];
    const t = transmitter({
      authorize: () => ({ tenant: 'acme' }) as unknown as SsfGrant,
      onError: (error) => errors.push(error),
    });
    const reply = await t.call('GET', '/ssf/stream');
    expect(reply.status).toBe(500);
    expect(String(errors[0])).toMatch(/receiver/);
  });

  it('a throwing onError does not reject the handler: the answer is still the 500', async () => {
    const t = transmitter({
      authorize: () => ({ tenant: 'acme' }) as unknown as SsfGrant,
      onError: () => {
        throw new Error('the logger is down');
      },
    });
    expect((await t.call('GET', '/ssf/stream')).status).toBe(500);
  });

  it("§8: an authorization for one tenant does not cover another tenant's endpoints (403)", async () => {
    const t = transmitter();
    const response = await t.ssf(
      new Request(`${BASE}/stream`, { headers: { authorization: 'Bearer globex-token' } }),
      { tenant: 'acme' },
    );
    expect(response?.status).toBe(403);
  });
});

describe('malformed requests answer 400 with { error, description }, never a 5xx', () => {
  /** Label → route and body: a string is sent as is, anything else as JSON. */
  const create = 'POST /ssf/stream';
  const malformed: Record<string, [string, unknown]> = {
    'truncated JSON': [create, '{"delivery":'],
    'an array body': [create, '[]'],
    'an empty body': [create, ''],
    'a __proto__ member': [create, '{"__proto__":{"polluted":true}}'],
    'a nested __proto__': [create, '{"delivery":{"__proto__":{}}}'],
    'a body over 64 KiB': [create, `{"description":"${'x'.repeat(70_000)}"}`],
    'an unknown delivery method': [create, { delivery: { method: 'urn:example:pigeon' } }],
    'push without endpoint_url': [create, { delivery: { method: PUSH_DELIVERY_METHOD } }],
    'events_requested not an array': [create, { delivery: PUSH, events_requested: 'all' }],
    'events_requested empty': [create, { delivery: PUSH, events_requested: [] }],
    'description not a string': [create, { delivery: PUSH, description: 7 }],
    'a header-injecting authorization_header': [
      create,
      { delivery: { ...PUSH, authorization_header: 'Bearer a\r\nX: y' } },
    ],
    'PATCH without stream_id': ['PATCH /ssf/stream', { description: 'no stream_id' }],
    'PUT without delivery': ['PUT /ssf/stream', { stream_id: 's1' }],
    'an unknown status': ['POST /ssf/status', { stream_id: 's1', status: 'stopped' }],
    'reason not a string': ['POST /ssf/status', { stream_id: 's1', status: 'paused', reason: [] }],
    'state not a string': ['POST /ssf/verify', { stream_id: 's1', state: 42 }],
    'stream_id not a string': ['POST /ssf/verify', { stream_id: 3 }],
    'DELETE without stream_id': ['DELETE /ssf/stream', undefined],
    'status without stream_id': ['GET /ssf/status', undefined],
    'stream_id given twice': ['GET /ssf/stream?stream_id=s1&stream_id=s2', undefined],
  };

  it.each(Object.entries(malformed))('%s', async (_label, [route, body]) => {
    const t = transmitter();
    await t.create();
    const [method = '', path = ''] = route.split(' ');
    const reply = await t.call(method, path, typeof body === 'string' ? { text: body } : { body });
    expect(reply.status).toBe(400);
    const { error, description } = reply.body as Record<string, unknown>;
    expect(error).toBe('invalid_request');
    expect(typeof description).toBe('string');
    expect(String(description)).not.toMatch(/\bat .+:\d+:\d+/);
    expect(Object.prototype).not.toHaveProperty('polluted');
  });

  it('a body in another media type is a 400', async () => {
    const t = transmitter();
    const response = await t.ssf(
      new Request(`${BASE}/stream`, {
        method: 'POST',
        headers: { authorization: 'Bearer acme-token', 'content-type': 'text/plain' },
        body: '{}',
      }),
    );
    expect(response?.status).toBe(400);
  });

  it('fast-check: arbitrary JSON bodies to every route give a 2xx or 4xx, never a 5xx', async () => {
    const t = transmitter({ onError: (error) => expect.fail(String(error)) });
    await t.create();
    const member = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constant('s1'), fc.constant(PUSH));
    const bodies = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value)),
      fc.string(),
      fc
        .record(
          {
            stream_id: fc.oneof(fc.constant('s1'), fc.jsonValue({ maxDepth: 1 })),
            delivery: member,
            events_requested: fc.oneof(member, fc.array(fc.constantFrom(...SCIM_EVENT_URIS))),
            description: member,
            status: fc.oneof(fc.constantFrom('enabled', 'paused', 'disabled'), member),
            reason: member,
            state: member,
            subject: fc.oneof(
              member,
              fc.record({ format: fc.constantFrom('scim', 'email'), uri: fc.string() }),
            ),
            aud: member,
          },
          { requiredKeys: [] },
        )
        .map((value) => JSON.stringify(value)),
    );
    const routes = fc.constantFrom(
      ['POST', '/ssf/stream'],
      ['PATCH', '/ssf/stream'],
      ['PUT', '/ssf/stream'],
      ['POST', '/ssf/status'],
      ['POST', '/ssf/subjects:add'],
      ['POST', '/ssf/subjects:remove'],
      ['POST', '/ssf/verify'],
    );
    await fc.assert(
      fc.asyncProperty(routes, bodies, async ([method = 'POST', path = '/'], text) => {
        const reply = await t.call(method, path, { text });
        expect(reply.status).toBeLessThan(500);
        if (reply.status >= 400) {
          const { error, description } = reply.body as Record<string, unknown>;
          expect([typeof error, typeof description]).toEqual(['string', 'string']);
        }
      }),
      { numRuns: 300 },
    );
  });
});
