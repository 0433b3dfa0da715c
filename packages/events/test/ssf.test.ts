// Stream management through the OpenID Shared Signals Framework 1.0 (issue 14, "Streams" and
// "Receiver URLs"), over the memory stream store and SET queue. Each test names the SSF 1.0 rule it
// holds the endpoints to (https://openid.net/specs/openid-sharedsignals-framework-1_0.html).
import fc from 'fast-check';
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  FEED_ADD_EVENT_URI,
  FEED_REMOVE_EVENT_URI,
  OPAQUE_SUBJECT_FORMAT,
  POLL_DELIVERY_METHOD,
  PROV_CREATE_FULL_EVENT_URI,
  PROV_DELETE_EVENT_URI,
  PUSH_DELIVERY_METHOD,
  SCIM_EVENT_URIS,
  SSF_STREAM_UPDATED_EVENT_URI,
  SSF_VERIFICATION_EVENT_URI,
} from '@scim/core';
import {
  createSigningKeySet,
  generateSigningKey,
  verifySet,
  type QueuedSet,
  type SigningKeySet,
} from '@scim/events';
import { createMemorySetQueue } from '../src/lib/memory-queue.ts';
import { createMemoryStreamStore } from '../src/lib/memory-streams.ts';
import { createQueuedSetSigner } from '../src/lib/sign.ts';
import { createSsfEndpoints, type SsfEndpointsOptions, type SsfGrant } from '../src/lib/ssf.ts';

const ISSUER = 'https://scim.example.com';
const BASE = 'https://scim.example.com/ssf';
const RECEIVER = 'https://receiver.example.com/events';
const PUSH = { method: PUSH_DELIVERY_METHOD, endpoint_url: RECEIVER };
const UNKNOWN_EVENT = 'urn:example:secevent:events:unknown';
/**
 * Bearer token → what the app's `authorize` grants it: `acme` and `okta` are two receivers of one
 * tenant, `globex` a receiver of another.
 */
const GRANTS = new Map([
  ['Bearer acme-token', { tenant: 'acme', receiver: 'acme' }],
  ['Bearer okta-token', { tenant: 'acme', receiver: 'okta' }],
  ['Bearer globex-token', { tenant: 'globex', receiver: 'globex' }],
]);

const signingKey = await generateSigningKey({ kid: 'k1' });

interface Reply {
  readonly status: number;
  readonly body: unknown;
  readonly headers: Headers;
}

/**
 * A queued SET as the deliverer or the poll endpoint hands it out: its claims signed with the
 * tenant's active key.
 */
async function handedOut(
  t: { readonly keys: SigningKeySet },
  queued: QueuedSet | undefined,
): Promise<string> {
  const [token = ''] = await createQueuedSetSigner(t.keys)([queued?.payload ?? ''], 'acme');
  return token;
}

/** A transmitter over fresh memory stores, a fixed clock, numbered ids and a fake DNS. */
function transmitter(extra: Partial<SsfEndpointsOptions> = {}) {
  const streams = createMemoryStreamStore();
  const queue = createMemorySetQueue();
  const keys = createSigningKeySet({ active: signingKey });
  let clock = new Date('2026-12-03T10:00:00.000Z');
  let ids = 0;
  let authorizations = 0;
  const ssf = createSsfEndpoints({
    streams,
    queue,
    keys,
    issuer: ISSUER,
    baseUrl: BASE,
    authorize: (request) => {
      authorizations += 1;
      return GRANTS.get(request.headers.get('authorization') ?? '') ?? false;
    },
    pollEndpointUrl: (id) => `${BASE}/poll/${id}`,
    resolve: (host) =>
      Promise.resolve(
        host === 'receiver.example.com'
          ? ['93.184.215.14']
          : host === 'internal.example.com'
            ? ['10.1.2.3']
            : [],
      ),
    now: () => clock,
    newId: () => `s${++ids}`,
    ...extra,
  });

  async function call(
    method: string,
    path: string,
    options: { body?: unknown; text?: string; as?: string | null } = {},
  ): Promise<Reply> {
    const headers = new Headers({ 'content-type': 'application/json' });
    const as = options.as === undefined ? 'acme' : options.as;
    if (as !== null) headers.set('authorization', `Bearer ${as}-token`);
    const init: RequestInit = { method, headers };
    if (options.text !== undefined) init.body = options.text;
    else if (options.body !== undefined) init.body = JSON.stringify(options.body);
    const response = await ssf(new Request(`https://scim.example.com${path}`, init));
    if (response === undefined) throw new Error(`${method} ${path} is not an SSF route`);
    const text = await response.text();
    return {
      status: response.status,
      body: text === '' ? undefined : (JSON.parse(text) as unknown),
      headers: response.headers,
    };
  }

  async function create(body: Record<string, unknown> = { delivery: PUSH }, as = 'acme') {
    const reply = await call('POST', '/ssf/stream', { body, as });
    expect(reply.status).toBe(201);
    return reply.body as Record<string, unknown> & { stream_id: string };
  }

  return {
    ssf,
    streams,
    queue,
    keys,
    call,
    create,
    advance: (seconds: number) => (clock = new Date(clock.getTime() + seconds * 1000)),
    now: () => clock,
    authorizations: () => authorizations,
  };
}

describe('SSF 1.0 §7 transmitter configuration discovery', () => {
  it('§7.1, §7.2.3: the configuration document lists the issuer, jwks_uri, both delivery methods and every endpoint, as JSON without authorization', async () => {
    const t = transmitter({ authorizationSchemes: ['urn:ietf:rfc:6750'] });
    const reply = await t.call('GET', '/ssf/.well-known/ssf-configuration', { as: null });
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toMatch(/^application\/json/);
    expect(reply.body).toEqual({
      spec_version: '1_0',
      issuer: ISSUER,
      jwks_uri: `${BASE}/jwks.json`,
      delivery_methods_supported: [PUSH_DELIVERY_METHOD, POLL_DELIVERY_METHOD],
      configuration_endpoint: `${BASE}/stream`,
      status_endpoint: `${BASE}/status`,
      add_subject_endpoint: `${BASE}/subjects:add`,
      remove_subject_endpoint: `${BASE}/subjects:remove`,
      verification_endpoint: `${BASE}/verify`,
      authorization_schemes: [{ spec_urn: 'urn:ietf:rfc:6750' }],
      default_subjects: 'ALL',
    });
    expect(t.authorizations()).toBe(0);
  });

  it('§7.2: the document is also served with "/.well-known/ssf-configuration" inserted before the issuer\'s path, per tenant', async () => {
    const t = transmitter({
      issuer: (tenant) => `${ISSUER}/tenants/${tenant ?? 'none'}`,
      baseUrl: (tenant) => `${ISSUER}/tenants/${tenant ?? 'none'}/ssf`,
    });
    const response = await t.ssf(
      new Request(`${ISSUER}/.well-known/ssf-configuration/tenants/acme`),
      { tenant: 'acme' },
    );
    expect(response?.status).toBe(200);
    const body = (await response?.json()) as Record<string, unknown>;
    expect(body.issuer).toBe(`${ISSUER}/tenants/acme`);
    expect(body.configuration_endpoint).toBe(`${ISSUER}/tenants/acme/ssf/stream`);
  });

  it('§7.2.3: claims with zero elements are omitted, and poll is not offered without a poll endpoint', async () => {
    const t = transmitter({ pollEndpointUrl: undefined });
    const { body } = await t.call('GET', '/ssf/.well-known/ssf-configuration', { as: null });
    expect(body).not.toHaveProperty('authorization_schemes');
    expect(body).toMatchObject({ delivery_methods_supported: [PUSH_DELIVERY_METHOD] });
  });

  it('§7.1 jwks_uri, §4.1.4 signature key resolution: the JWKS holds only public key members (no "d"), briefly cacheable so rotated keys propagate', async () => {
    const t = transmitter();
    await t.keys.rotate();
    const reply = await t.call('GET', '/ssf/jwks.json', { as: null });
    expect(reply.status).toBe(200);
    const { keys } = reply.body as { keys: Record<string, unknown>[] };
    expect(keys).toHaveLength(2);
    for (const key of keys) {
      expect(key).not.toHaveProperty('d');
      expect(key).toMatchObject({ kty: 'EC', use: 'sig' });
    }
    expect(reply.headers.get('cache-control')).toMatch(/max-age=\d{1,3}\b/);
    expect(t.authorizations()).toBe(0);
  });
});

describe('SSF 1.0 §8.1.1 stream configuration', () => {
  it('§8.1.1.1–§8.1.1.5: a stream is created (201), read, updated (PATCH), replaced (PUT) and deleted (204)', async () => {
    const t = transmitter();
    const created = await t.create({
      delivery: { ...PUSH, authorization_header: 'Bearer receiver-secret' },
      events_requested: [PROV_CREATE_FULL_EVENT_URI],
      description: 'HR sync',
    });
    expect(created).toEqual({
      stream_id: 's1',
      iss: ISSUER,
      aud: 'https://receiver.example.com',
      delivery: PUSH,
      events_supported: SCIM_EVENT_URIS,
      events_requested: [PROV_CREATE_FULL_EVENT_URI],
      events_delivered: [PROV_CREATE_FULL_EVENT_URI],
      description: 'HR sync',
      min_verification_interval: 30,
    });
    const stored = await t.streams.get('s1', 'acme');
    expect(stored?.delivery).toMatchObject({
      method: 'push',
      endpointUrl: RECEIVER,
      authorization: { kind: 'bearer', token: 'receiver-secret' },
    });

    const read = await t.call('GET', '/ssf/stream?stream_id=s1');
    expect(read).toMatchObject({ status: 200, body: created });
    expect(read.headers.get('cache-control')).toBe('no-store');
    expect((await t.call('GET', '/ssf/stream')).body).toEqual([created]);

    const patched = await t.call('PATCH', '/ssf/stream', {
      body: { stream_id: 's1', description: 'HR sync v2', iss: ISSUER },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({ ...created, description: 'HR sync v2' });

    // A replacement without events_requested or description deletes them (§8.1.1.4); the bearer
    // token, never shown, is kept for the same endpoint.
    const replaced = await t.call('PUT', '/ssf/stream', {
      body: { stream_id: 's1', delivery: PUSH },
    });
    expect(replaced.status).toBe(200);
    const { description: _d, events_requested: _r, ...rest } = created;
    expect(replaced.body).toEqual({ ...rest, events_delivered: SCIM_EVENT_URIS });
    expect((await t.streams.get('s1', 'acme'))?.delivery).toMatchObject({
      authorization: { kind: 'bearer', token: 'receiver-secret' },
    });

    const deleted = await t.call('DELETE', '/ssf/stream?stream_id=s1');
    expect(deleted).toMatchObject({ status: 204, body: undefined });
    expect(await t.streams.get('s1', 'acme')).toBeUndefined();
    expect((await t.call('GET', '/ssf/stream?stream_id=s1')).status).toBe(404);
    expect((await t.call('GET', '/ssf/stream')).body).toEqual([]);
  });

  it('§8.1.1: events_delivered is the intersection of events_requested and events_supported; unknown URIs are ignored', async () => {
    const t = transmitter({ eventsSupported: [PROV_CREATE_FULL_EVENT_URI, PROV_DELETE_EVENT_URI] });
    const created = await t.create({
      delivery: PUSH,
      events_requested: [UNKNOWN_EVENT, PROV_DELETE_EVENT_URI],
    });
    expect(created.events_supported).toEqual([PROV_CREATE_FULL_EVENT_URI, PROV_DELETE_EVENT_URI]);
    expect(created.events_requested).toEqual([UNKNOWN_EVENT, PROV_DELETE_EVENT_URI]);
    expect(created.events_delivered).toEqual([PROV_DELETE_EVENT_URI]);
  });

  it('§8.1.1.1: without delivery the stream is poll, and the transmitter supplies its endpoint_url', async () => {
    const t = transmitter();
    const created = await t.create({});
    expect(created.delivery).toEqual({
      method: POLL_DELIVERY_METHOD,
      endpoint_url: `${BASE}/poll/s1`,
    });
    expect((await t.streams.get('s1', 'acme'))?.delivery).toEqual({ method: 'poll' });
  });

  it('§8.1.1.1: a delivery method the transmitter does not support is a 400', async () => {
    const t = transmitter({ pollEndpointUrl: undefined });
    const poll = await t.call('POST', '/ssf/stream', { body: {} });
    expect(poll.status).toBe(400);
    const other = await t.call('POST', '/ssf/stream', {
      body: {
        delivery: { method: 'https://schemas.openid.net/secevent/risc/delivery-method/push' },
      },
    });
    expect(other).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
  });

  it('§8.1.1.3: transmitter-supplied members in an update must match the stream, and aud cannot change', async () => {
    const t = transmitter();
    await t.create();
    for (const mismatch of [
      { aud: 'https://attacker.example.com' },
      { iss: 'https://other.example.com' },
      { events_delivered: [PROV_DELETE_EVENT_URI] },
      { inactivity_timeout: 3600 },
    ]) {
      const reply = await t.call('PATCH', '/ssf/stream', {
        body: { stream_id: 's1', ...mismatch },
      });
      expect(reply, JSON.stringify(mismatch)).toMatchObject({ status: 400 });
    }
    expect((await t.streams.get('s1', 'acme'))?.audience).toBe('https://receiver.example.com');
  });

  it("§8.1.1.2: a push endpoint_url's query and fragment are never shown, and sent back unchanged they keep the stored URL and token", async () => {
    const t = transmitter();
    const secretUrl = `${RECEIVER}?api_key=k-7f3a#frag`;
    const created = await t.create({
      delivery: { ...PUSH, endpoint_url: secretUrl, authorization_header: 'Bearer tok-1234abcd' },
    });
    expect(created.delivery).toEqual(PUSH);
    const read = await t.call('GET', '/ssf/stream?stream_id=s1');
    expect(read.body).toMatchObject({ delivery: PUSH });
    expect(JSON.stringify([created, read.body])).not.toMatch(/k-7f3a|frag|tok-1234abcd/);
    const patched = await t.call('PATCH', '/ssf/stream', {
      body: { ...(read.body as object), description: 'read, modified, written' },
    });
    expect(patched.status).toBe(200);
    expect((await t.streams.get('s1', 'acme'))?.delivery).toEqual({
      method: 'push',
      endpointUrl: secretUrl,
      authorization: { kind: 'bearer', token: 'tok-1234abcd' },
    });
  });

  it('§8.1.1.5: deleting a stream forgets its queued SETs', async () => {
    const t = transmitter();
    await t.create();
    await t.call('POST', '/ssf/verify', { body: { stream_id: 's1' } });
    expect(await t.queue.list('s1')).toHaveLength(1);
    await t.call('DELETE', '/ssf/stream?stream_id=s1');
    expect(await t.queue.list('s1')).toHaveLength(0);
  });
});

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

describe('SSF 1.0 §8.1.2 stream status', () => {
  it('§8.1.2.2, §8.1.5: a status change answers the new status and queues a stream-updated SET that verifySet accepts against keys.jwks()', async () => {
    const t = transmitter();
    await t.create();
    expect((await t.call('GET', '/ssf/status?stream_id=s1')).body).toEqual({
      stream_id: 's1',
      status: 'enabled',
    });
    const reply = await t.call('POST', '/ssf/status', {
      body: { stream_id: 's1', status: 'paused', reason: 'maintenance' },
    });
    expect(reply).toMatchObject({
      status: 200,
      body: { stream_id: 's1', status: 'paused', reason: 'maintenance' },
    });
    expect((await t.call('GET', '/ssf/status?stream_id=s1')).body).toEqual(reply.body);

    const [queued, ...more] = await t.queue.list('s1');
    expect(more).toEqual([]);
    expect(queued?.eventUris).toEqual([SSF_STREAM_UPDATED_EVENT_URI]);
    // Queued as its claims, like the publisher's SETs: signed when it is handed out.
    expect(JSON.parse(queued?.payload ?? '')).toMatchObject({ iss: ISSUER, jti: queued?.jti });
    const result = await verifySet(await handedOut(t, queued), {
      keys: t.keys.jwks(),
      issuer: ISSUER,
      audience: 'https://receiver.example.com',
      replayCache: false,
      now: t.now,
    });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.value.header.kid).toBe('k1');
    expect(result.value.claims.sub_id).toEqual({ format: OPAQUE_SUBJECT_FORMAT, id: 's1' });
    expect(result.value.claims.events).toEqual({
      [SSF_STREAM_UPDATED_EVENT_URI]: { status: 'paused', reason: 'maintenance' },
    });

    // The same status again changes nothing, so nothing more is queued.
    await t.call('POST', '/ssf/status', { body: { stream_id: 's1', status: 'paused' } });
    expect(await t.queue.list('s1')).toHaveLength(1);
  });
});

describe('SSF 1.0 §8.1.4 verification', () => {
  it('§8.1.4.1, §8.1.4.2: a verification request answers 204 and queues a verification SET that echoes state, about the stream', async () => {
    const t = transmitter();
    await t.create();
    const reply = await t.call('POST', '/ssf/verify', {
      body: { stream_id: 's1', state: 'VGhpcyBpcyBh' },
    });
    expect(reply).toMatchObject({ status: 204, body: undefined });
    const [queued] = await t.queue.list('s1');
    const result = await verifySet(await handedOut(t, queued), {
      keys: t.keys.jwks(),
      issuer: ISSUER,
      audience: 'https://receiver.example.com',
      replayCache: false,
      now: t.now,
    });
    if (!result.ok) throw new Error(JSON.stringify(result.issues));
    expect(result.value.claims).toMatchObject({
      sub_id: { format: OPAQUE_SUBJECT_FORMAT, id: 's1' },
      events: { [SSF_VERIFICATION_EVENT_URI]: { state: 'VGhpcyBpcyBh' } },
    });
  });

  it('§8.1.1 min_verification_interval: a second request within the interval is a 429 with Retry-After', async () => {
    const t = transmitter({ minVerificationIntervalSeconds: 60 });
    await t.create();
    expect((await t.call('POST', '/ssf/verify', { body: { stream_id: 's1' } })).status).toBe(204);
    t.advance(20);
    const limited = await t.call('POST', '/ssf/verify', { body: { stream_id: 's1' } });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('40');
    t.advance(40);
    expect((await t.call('POST', '/ssf/verify', { body: { stream_id: 's1' } })).status).toBe(204);
    expect(await t.queue.list('s1')).toHaveLength(2);
  });
});

describe('SSF 1.0 §8.1.3 subjects', () => {
  const user = { format: 'scim', uri: '/Users/2819c223' };

  it("§8.1.3.2, §8.1.3.3: adding a SCIM subject (200) and removing it (204) change the stream's subject filters", async () => {
    const t = transmitter();
    await t.create();
    const added = await t.call('POST', '/ssf/subjects:add', {
      body: { stream_id: 's1', subject: user, verified: true },
    });
    expect(added).toMatchObject({ status: 200, body: undefined });
    expect(await t.streams.get('s1', 'acme')).toMatchObject({
      subjectsAdded: ['/Users/2819c223'],
      subjectsRemoved: [],
    });
    const removed = await t.call('POST', '/ssf/subjects:remove', {
      body: { stream_id: 's1', subject: user },
    });
    expect(removed.status).toBe(204);
    expect(await t.streams.get('s1', 'acme')).toMatchObject({
      subjectsAdded: [],
      subjectsRemoved: ['/Users/2819c223'],
    });
  });

  async function feedEvents(t: ReturnType<typeof transmitter>) {
    const events = [];
    for (const queued of await t.queue.list('s1')) {
      const result = await verifySet(await handedOut(t, queued), {
        keys: t.keys.jwks(),
        issuer: ISSUER,
        audience: 'https://receiver.example.com',
        replayCache: false,
        now: t.now,
      });
      if (!result.ok) throw new Error(JSON.stringify(result.issues));
      events.push({ sub_id: result.value.claims.sub_id, events: result.value.claims.events });
    }
    return events;
  }

  it('E-TYPE-09: a subject leaving and rejoining the feed queues feed:remove then feed:add, each with a {} payload and no prov:create', async () => {
    const t = transmitter();
    await t.create();
    // Streams start with every subject: adding one already in the feed changes nothing.
    await t.call('POST', '/ssf/subjects:add', { body: { stream_id: 's1', subject: user } });
    expect(await t.queue.list('s1')).toEqual([]);
    await t.call('POST', '/ssf/subjects:remove', { body: { stream_id: 's1', subject: user } });
    await t.call('POST', '/ssf/subjects:remove', { body: { stream_id: 's1', subject: user } });
    await t.call('POST', '/ssf/subjects:add', { body: { stream_id: 's1', subject: user } });
    expect(await feedEvents(t)).toEqual([
      { sub_id: user, events: { [FEED_REMOVE_EVENT_URI]: {} } },
      { sub_id: user, events: { [FEED_ADD_EVENT_URI]: {} } },
    ]);
    // Ordered with the resource's own SETs: the publisher's key, tenant then sub_id URI.
    expect((await t.queue.list('s1')).map((queued) => queued.subject)).toEqual([
      'acme /Users/2819c223',
      'acme /Users/2819c223',
    ]);
  });

  it('E-TYPE-09: feed events follow the stream: none when it asked for other events, none when disabled', async () => {
    const t = transmitter();
    await t.create({ delivery: PUSH, events_requested: [PROV_DELETE_EVENT_URI] });
    await t.call('POST', '/ssf/subjects:remove', { body: { stream_id: 's1', subject: user } });
    expect(await t.queue.list('s1')).toEqual([]);

    await t.create({ delivery: PUSH });
    await t.call('POST', '/ssf/status', { body: { stream_id: 's2', status: 'disabled' } });
    const before = (await t.queue.list('s2')).length;
    await t.call('POST', '/ssf/subjects:remove', { body: { stream_id: 's2', subject: user } });
    expect(await t.queue.list('s2')).toHaveLength(before);
  });

  it.each([
    { format: 'email', email: 'bjensen@example.com' },
    { format: 'opaque', id: 's1' },
    { format: 'scim', uri: 'Users/2819c223' },
    { format: 'scim', uri: '/Users/' },
    { format: 'scim' },
    'bjensen',
  ])(
    '§8.1.3.2: a subject that is not {format: "scim", uri: "/Users/{id}"} is a 400: %j',
    async (subject) => {
      const t = transmitter();
      await t.create();
      const reply = await t.call('POST', '/ssf/subjects:add', {
        body: { stream_id: 's1', subject },
      });
      expect(reply).toMatchObject({ status: 400, body: { error: 'invalid_request' } });
      expect(await t.streams.get('s1', 'acme')).toMatchObject({ subjectsAdded: [] });
    },
  );
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

describe('routing', () => {
  it('a path that is not an SSF route is left to the app (undefined); a wrong method is a 405 with Allow', async () => {
    const t = transmitter();
    expect(await t.ssf(new Request(`${ISSUER}/scim/v2/Users`))).toBeUndefined();
    expect(await t.ssf(new Request(`${BASE}/streams`))).toBeUndefined();
    const wrong = await t.ssf(new Request(`${BASE}/verify`, { method: 'GET' }));
    expect(wrong?.status).toBe(405);
    expect(wrong?.headers.get('allow')).toBe('POST');
  });
});
