// Stream management through the OpenID Shared Signals Framework 1.0 (issue 14, "Streams"), over the
// memory stream store and SET queue: discovery, stream configuration, status, verification and
// subjects. Each test names the SSF 1.0 rule it holds the endpoints to
// (https://openid.net/specs/openid-sharedsignals-framework-1_0.html); what the endpoints refuse is in
// ssf-refusals.test.ts.
import { describe, expect, it } from 'vitest';
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
import { verifySet } from '@scim/events';
import {
  BASE,
  ISSUER,
  PUSH,
  RECEIVER,
  UNKNOWN_EVENT,
  handedOut,
  transmitter,
} from './fixtures/ssf-transmitter.ts';

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
