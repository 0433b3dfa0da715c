// The RFC 8936 poll endpoint over the reference memory queue and stream store: each test queues
// SETs directly, polls as a receiver would, and checks the answer and what the queue then holds.
import fc from 'fast-check';
import { decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { createSigningKeySet, generateSigningKey, type SigningKeySet } from '../src/lib/keys.ts';
import { createMemorySetQueue } from '../src/lib/memory-queue.ts';
import { createMemoryStreamStore } from '../src/lib/memory-streams.ts';
import { createPollEndpoint, type PollEndpointOptions } from '../src/lib/poll.ts';
import type { PerTenant } from '../src/lib/per-tenant.ts';
import type { EventStream, SetQueue, StreamStore } from '../src/lib/streams.ts';
import { verifySet } from '../src/lib/verify.ts';
import { testKeys } from './fixtures/event-server.ts';

const URL_BASE = 'https://scim.example.com/events/streams';
const TOKEN = 'Bearer rx-7c1f';
const START = Date.parse('2026-12-03T10:00:00.000Z');
const LEASE_MS = 60_000;
const ISSUER = 'https://scim.example.com';
const AUDIENCE = 'https://receiver.example.com';

/** The claims queued for `jti`, as JSON text: what the publisher queues for a poll stream. */
function claimsText(jti: string): string {
  return JSON.stringify({
    iss: ISSUER,
    iat: Math.floor(START / 1000),
    jti,
    aud: AUDIENCE,
    txn: `txn-${jti}`,
    sub_id: { format: 'scim', uri: `/Users/${jti}` },
    events: { 'urn:ietf:params:scim:event:prov:create:notice': { attributes: ['userName'] } },
  });
}

function stream(extra: Partial<EventStream> = {}): EventStream {
  return {
    id: 'f67e39a0',
    tenant: 'acme',
    audience: AUDIENCE,
    delivery: { method: 'poll' },
    eventsRequested: [],
    status: 'enabled',
    defaultSubjects: 'all',
    subjectsAdded: [],
    subjectsRemoved: [],
    createdAt: '2026-12-01T00:00:00.000Z',
    updatedAt: '2026-12-01T00:00:00.000Z',
    ...extra,
  };
}

interface Setup {
  readonly streams: StreamStore;
  readonly queue: SetQueue;
  readonly keys: SigningKeySet;
  readonly clock: { ms: number };
  readonly errors: unknown[];
  readonly poll: (
    body?: unknown,
    init?: {
      readonly streamId?: string;
      readonly tenant?: string | undefined;
      readonly signal?: AbortSignal;
      readonly headers?: Record<string, string>;
      readonly method?: string;
      readonly raw?: string;
    },
  ) => Promise<{
    readonly status: number;
    readonly headers: Headers;
    readonly body: Record<string, unknown>;
    readonly ms: number;
  }>;
  /** Queues SETs for the stream: `set-1` … for subjects given, or one subject each. */
  readonly queueSets: (jtis: readonly string[], subjects?: readonly string[]) => Promise<void>;
}

async function setup(
  options: PollEndpointOptions['options'] = {},
  streamExtra: Partial<EventStream> = {},
  queueOverride?: (queue: SetQueue) => SetQueue,
  keysOverride?: PerTenant<SigningKeySet>,
): Promise<Setup> {
  const keys = await testKeys();
  const streams = createMemoryStreamStore();
  const realQueue = createMemorySetQueue();
  const queue = queueOverride === undefined ? realQueue : queueOverride(realQueue);
  await streams.put(stream(streamExtra));
  const clock = { ms: START };
  const errors: unknown[] = [];
  const endpoint = createPollEndpoint({
    streams,
    queue,
    keys: keysOverride ?? keys,
    authorize: (request) => request.headers.get('authorization') === TOKEN,
    options: { leaseMs: LEASE_MS, ...options },
    now: () => new Date(clock.ms),
    onError: (error) => errors.push(error),
  });
  return {
    streams,
    queue: realQueue,
    keys,
    clock,
    errors,
    async poll(body = {}, init = {}) {
      const streamId = init.streamId ?? 'f67e39a0';
      const method = init.method ?? 'POST';
      const request = new Request(`${URL_BASE}/${streamId}/poll`, {
        method,
        headers: { authorization: TOKEN, 'content-type': 'application/json', ...init.headers },
        ...(method === 'POST' ? { body: init.raw ?? JSON.stringify(body) } : {}),
      });
      const started = performance.now();
      const response = await endpoint(request, {
        streamId,
        tenant: 'tenant' in init ? init.tenant : 'acme',
        ...(init.signal === undefined ? {} : { signal: init.signal }),
      });
      const ms = performance.now() - started;
      const text = await response.text();
      return {
        status: response.status,
        headers: response.headers,
        body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
        ms,
      };
    },
    async queueSets(jtis, subjects) {
      await realQueue.enqueue(
        jtis.map((jti, index) => ({
          streamId: 'f67e39a0',
          key: `key-${jti}`,
          subject: subjects?.[index] ?? `acme /Users/${jti}`,
          jti,
          txn: `txn-${jti}`,
          eventUris: ['urn:ietf:params:SCIM:event:prov:create:notice'],
          payload: claimsText(jti),
          queuedAt: new Date(START - 1_000 + index).toISOString(),
        })),
      );
    },
  };
}

const now = { returnImmediately: true } as const;

describe('RFC 8936 §2.3 poll response', () => {
  it('E-DELIV-03: returns the queued SETs keyed by jti, as uncached JSON', async () => {
    const { poll, queueSets } = await setup();
    await queueSets(['set-1', 'set-2']);
    const reply = await poll(now);
    expect(reply.status).toBe(200);
    expect(reply.headers.get('content-type')).toBe('application/json');
    expect(reply.headers.get('cache-control')).toBe('no-store');
    expect(reply.body).toEqual({
      sets: { 'set-1': expect.any(String) as string, 'set-2': expect.any(String) as string },
      moreAvailable: false,
    });
  });

  it('E-DELIV-05 (SETs are always signed): each SET is handed out signed with the tenant’s active key, carrying the claims queued', async () => {
    const { poll, queueSets, keys } = await setup();
    await queueSets(['set-1']);
    const token = ((await poll(now)).body['sets'] as Record<string, string>)['set-1'] ?? '';
    const verified = await verifySet(token, {
      keys: keys.jwks(),
      issuer: ISSUER,
      audience: AUDIENCE,
      replayCache: false,
      now: () => new Date(START),
    });
    expect(verified).toMatchObject({
      ok: true,
      value: { claims: JSON.parse(claimsText('set-1')) as object },
    });
  });

  it('a SET queued before a key rotation is handed out signed with the key active when it is polled', async () => {
    const first = await generateSigningKey();
    const keys = createSigningKeySet({ active: first });
    const { poll, queueSets } = await setup({}, {}, undefined, (tenant) => {
      expect(tenant).toBe('acme');
      return keys;
    });
    await queueSets(['set-1']);
    const next = await keys.rotate();
    const token = ((await poll(now)).body['sets'] as Record<string, string>)['set-1'] ?? '';
    expect(decodeProtectedHeader(token)).toEqual({
      alg: 'ES256',
      kid: next.kid,
      typ: 'secevent+jwt',
    });
  });

  it('per-tenant keys are looked up once per answer, whatever the number of SETs it signs', async () => {
    const keys = await testKeys();
    const asked: (string | undefined)[] = [];
    const { poll, queueSets } = await setup({}, {}, undefined, (tenant) => {
      asked.push(tenant);
      return keys;
    });
    await queueSets(['set-1', 'set-2', 'set-3']);
    expect(Object.keys((await poll(now)).body['sets'] as object)).toHaveLength(3);
    expect(asked).toEqual(['acme']);
  });

  it('a SET queued already signed (a compact JWS) is handed out as it is', async () => {
    const { poll, queue } = await setup();
    const jws = 'eyJ0eXAiOiJzZWNldmVudCtqd3QifQ.e30.c2ln';
    await queue.enqueue([
      {
        streamId: 'f67e39a0',
        key: 'signed',
        subject: 'acme /Users/signed',
        jti: 'signed',
        txn: 'txn-signed',
        eventUris: [],
        payload: jws,
        queuedAt: new Date(START - 1_000).toISOString(),
      },
    ]);
    expect((await poll(now)).body['sets']).toEqual({ signed: jws });
  });

  it('E-DELIV-03: maxEvents limits the SETs returned, and moreAvailable says whether more wait', async () => {
    const { poll, queueSets } = await setup();
    await queueSets(['set-1', 'set-2', 'set-3']);
    const first = await poll({ ...now, maxEvents: 2 });
    expect(Object.keys(first.body['sets'] as object)).toEqual(['set-1', 'set-2']);
    expect(first.body['moreAvailable']).toBe(true);
    const second = await poll({ ...now, maxEvents: 2, ack: ['set-1', 'set-2'] });
    expect(Object.keys(second.body['sets'] as object)).toEqual(['set-3']);
    expect(second.body['moreAvailable']).toBe(false);
  });

  it('moreAvailable is false when the only other SETs are leased to an earlier poll', async () => {
    const { poll, queueSets } = await setup();
    await queueSets(['set-1', 'set-2']);
    await poll({ ...now, maxEvents: 1 });
    const second = await poll({ ...now, maxEvents: 1 });
    expect(Object.keys(second.body['sets'] as object)).toEqual(['set-2']);
    expect(second.body['moreAvailable']).toBe(false);
  });

  it('moreAvailable is false when the only SETs left wait behind one of their subject just handed out', async () => {
    const { poll, queueSets } = await setup();
    await queueSets(['set-1', 'set-2'], ['acme /Users/2819c223', 'acme /Users/2819c223']);
    const first = await poll({ ...now, maxEvents: 1 });
    expect(Object.keys(first.body['sets'] as object)).toEqual(['set-1']);
    expect(first.body['moreAvailable']).toBe(false);
    // What moreAvailable promised: the next poll, before set-1 is acknowledged, returns nothing.
    expect((await poll(now)).body['sets']).toEqual({});
  });

  it('never returns more SETs than maxEventsLimit, whatever maxEvents asks for', async () => {
    const { poll, queueSets } = await setup({ maxEventsLimit: 2 });
    await queueSets(['set-1', 'set-2', 'set-3', 'set-4', 'set-5']);
    const asked = await poll({ ...now, maxEvents: 50 });
    expect(Object.keys(asked.body['sets'] as object)).toEqual(['set-1', 'set-2']);
    expect(asked.body['moreAvailable']).toBe(true);
    const unasked = await poll(now);
    expect(Object.keys(unasked.body['sets'] as object)).toEqual(['set-3', 'set-4']);
  });
});

describe('RFC 8936 §2.2 acknowledgement and errors', () => {
  it('E-DELIV-04: ack marks the SET delivered', async () => {
    const { poll, queue, queueSets, clock } = await setup();
    await queueSets(['set-1']);
    await poll(now);
    clock.ms += 5_000;
    const reply = await poll({ ...now, ack: ['set-1'] });
    expect(reply.status).toBe(200);
    const [set] = await queue.list('f67e39a0');
    expect(set).toMatchObject({
      state: 'delivered',
      deliveredAt: new Date(clock.ms).toISOString(),
    });
  });

  it('E-DELIV-04: acknowledged SETs are never returned again, not even after the lease', async () => {
    const { poll, queueSets, clock } = await setup();
    await queueSets(['set-1', 'set-2']);
    await poll(now);
    await poll({ ...now, maxEvents: 0, ack: ['set-1'] });
    clock.ms += LEASE_MS * 3;
    const again = await poll(now);
    expect(Object.keys(again.body['sets'] as object)).toEqual(['set-2']);
  });

  it('E-DELIV-04: SETs handed out and not acknowledged come back once their lease ends', async () => {
    const { poll, queueSets, clock } = await setup();
    await queueSets(['set-1']);
    expect(Object.keys((await poll(now)).body['sets'] as object)).toEqual(['set-1']);
    clock.ms += LEASE_MS - 1;
    expect((await poll(now)).body['sets']).toEqual({});
    clock.ms += 1;
    expect(Object.keys((await poll(now)).body['sets'] as object)).toEqual(['set-1']);
  });

  it('setErrs marks the SET dead with the receiver error, masked and cut for the delivery log', async () => {
    const { poll, queue, queueSets, clock } = await setup();
    await queueSets(['set-1', 'set-2']);
    await poll(now);
    const description = `aud does not match for bjensen@example.com ${'x'.repeat(600)}`;
    const reply = await poll({
      ...now,
      ack: ['set-2'],
      setErrs: { 'set-1': { err: 'invalid_audience', description } },
    });
    expect(reply.status).toBe(200);
    clock.ms += LEASE_MS * 2;
    expect((await poll(now)).body['sets']).toEqual({});
    const [dead] = await queue.list('f67e39a0', { state: 'dead' });
    expect(dead?.jti).toBe('set-1');
    expect(dead?.lastError).toMatch(/^invalid_audience: aud does not match for \[email\] x+…$/);
    expect(dead?.lastError?.length).toBeLessThanOrEqual(501);
  });

  it('setErrs descriptions are masked as the deliverer masks its log: bearer tokens and URL queries are taken out', async () => {
    const { poll, queue, queueSets } = await setup();
    await queueSets(['set-1']);
    await poll(now);
    const description =
      'sent Authorization: Bearer abc123DEF456ghi789 to https://idp.example.com/hook?api_key=k-93f1#x';
    await poll({ ...now, setErrs: { 'set-1': { err: 'invalid_key', description } } });
    const [dead] = await queue.list('f67e39a0', { state: 'dead' });
    expect(dead?.lastError).toBe(
      'invalid_key: sent Authorization: Bearer [redacted] to https://idp.example.com/hook',
    );
  });

  it('maxEvents 0 is an acknowledge-only request: acks apply, no SET is returned, and it does not wait', async () => {
    const { poll, queue, queueSets } = await setup({ longPollMs: 5_000 });
    await queueSets(['set-1', 'set-2']);
    await poll({ ...now, maxEvents: 1 });
    const reply = await poll({ maxEvents: 0, ack: ['set-1'] });
    expect(reply.body).toEqual({ sets: {}, moreAvailable: true });
    expect(reply.ms).toBeLessThan(1_000);
    expect((await queue.list('f67e39a0', { state: 'delivered' })).map((s) => s.jti)).toEqual([
      'set-1',
    ]);
    expect((await queue.list('f67e39a0', { state: 'pending' }))[0]?.nextAttemptAt).toBe(
      new Date(START - 1_000 + 1).toISOString(),
    );
  });
});

describe('RFC 8936 §2.2 returnImmediately and long polling (RFC 6202 §2)', () => {
  it('returnImmediately true answers at once with empty sets when nothing is queued', async () => {
    const { poll } = await setup({ longPollMs: 10_000 });
    const reply = await poll(now);
    expect(reply.body).toEqual({ sets: {}, moreAvailable: false });
    expect(reply.ms).toBeLessThan(1_000);
  });

  it('a long poll answers as soon as a SET is queued, well before longPollMs', async () => {
    // recheckMs as long as the poll: only the queue's change signal can end the wait early.
    const { poll, queueSets } = await setup({ longPollMs: 10_000, recheckMs: 10_000 });
    const pending = poll({});
    setTimeout(() => void queueSets(['set-1']), 50);
    const reply = await pending;
    expect(Object.keys(reply.body['sets'] as object)).toEqual(['set-1']);
    expect(reply.ms).toBeGreaterThanOrEqual(40);
    expect(reply.ms).toBeLessThan(2_000);
  });

  it('a long poll answers with empty sets once longPollMs has passed', async () => {
    const { poll } = await setup({ longPollMs: 150, recheckMs: 50 });
    const reply = await poll({});
    expect(reply.body).toEqual({ sets: {}, moreAvailable: false });
    expect(reply.ms).toBeGreaterThanOrEqual(140);
    expect(reply.ms).toBeLessThan(2_000);
  });

  it('aborting the request ends the long poll with empty sets', async () => {
    const { poll } = await setup({ longPollMs: 10_000, recheckMs: 10_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const reply = await poll({}, { signal: controller.signal });
    expect(reply.body).toEqual({ sets: {}, moreAvailable: false });
    expect(reply.ms).toBeLessThan(2_000);
  });

  it('a paused stream applies acks but returns no SET, and delivers once enabled during the wait', async () => {
    const { poll, queue, queueSets, streams } = await setup({ longPollMs: 5_000, recheckMs: 30 });
    await queueSets(['set-1', 'set-2']);
    await poll({ ...now, maxEvents: 1 });
    await streams.put(stream({ status: 'paused' }));
    const paused = await poll({ ...now, ack: ['set-1'] });
    expect(paused.body).toEqual({ sets: {}, moreAvailable: false });
    expect((await queue.list('f67e39a0', { state: 'delivered' })).map((s) => s.jti)).toEqual([
      'set-1',
    ]);
    const waiting = poll({});
    setTimeout(() => void streams.put(stream({ status: 'enabled' })), 60);
    const resumed = await waiting;
    expect(Object.keys(resumed.body['sets'] as object)).toEqual(['set-2']);
    expect(resumed.ms).toBeLessThan(2_000);
  });
});

describe('access to the poll endpoint', () => {
  it('E-DELIV-06: access to event recovery is limited: no credentials → 401 Bearer, nothing applied', async () => {
    const { poll, queue, queueSets } = await setup();
    await queueSets(['set-1']);
    for (const authorization of ['', 'Bearer wrong']) {
      const reply = await poll({ ...now, ack: ['set-1'] }, { headers: { authorization } });
      expect(reply.status).toBe(401);
      expect(reply.headers.get('www-authenticate')).toBe('Bearer');
      expect(reply.body['err']).toBe('authentication_failed');
    }
    expect((await queue.list('f67e39a0'))[0]?.state).toBe('pending');
  });

  it("another tenant's stream id answers 404, exactly as an id that exists nowhere", async () => {
    const { poll } = await setup();
    const otherTenant = await poll(now, { tenant: 'globex' });
    const noTenant = await poll(now, { tenant: undefined });
    const unknown = await poll(now, { streamId: 'no-such-stream' });
    expect(otherTenant.status).toBe(404);
    expect(otherTenant.body).toEqual(unknown.body);
    expect(noTenant.body).toEqual(unknown.body);
  });

  it('a push stream has no poll endpoint: 404', async () => {
    const { poll } = await setup(
      {},
      { delivery: { method: 'push', endpointUrl: 'https://receiver.example.com/events' } },
    );
    const reply = await poll(now);
    expect(reply.status).toBe(404);
    expect(reply.body['err']).toBe('invalid_request');
  });

  it('a disabled stream answers 409 access_denied rather than an empty, all-clear 200', async () => {
    const { poll } = await setup({}, { status: 'disabled' });
    const reply = await poll(now);
    expect(reply.status).toBe(409);
    expect(reply.body['err']).toBe('access_denied');
  });

  it('only POST polls (RFC 8936 §2.1): 405 with Allow', async () => {
    const { poll } = await setup();
    const reply = await poll(undefined, { method: 'GET' });
    expect(reply.status).toBe(405);
    expect(reply.headers.get('allow')).toBe('POST');
  });
});

describe('malformed poll requests (RFC 8936 §2.2)', () => {
  const invalid: readonly [string, string][] = [
    ['not JSON', '{"maxEvents":'],
    ['a JSON array', '[]'],
    ['a JSON string', '"poll"'],
    ['null', 'null'],
    ['negative maxEvents', '{"maxEvents":-1}'],
    ['fractional maxEvents', '{"maxEvents":1.5}'],
    ['maxEvents as text', '{"maxEvents":"2"}'],
    ['returnImmediately as text', '{"returnImmediately":"true"}'],
    ['ack not an array', '{"ack":"set-1"}'],
    ['ack holding a number', '{"ack":[1]}'],
    ['ack holding an empty jti', '{"ack":[""]}'],
    ['ack of 1,001 jtis', JSON.stringify({ ack: Array.from({ length: 1001 }, (_, i) => `j${i}`) })],
    ['setErrs as an array', '{"setErrs":[]}'],
    ['setErrs without err', '{"setErrs":{"set-1":{"description":"bad"}}}'],
    ['setErrs err with spaces', '{"setErrs":{"set-1":{"err":"bad key","description":"x"}}}'],
    ['setErrs description not text', '{"setErrs":{"set-1":{"err":"invalid_key","description":5}}}'],
    ['a __proto__ member', '{"__proto__":{"polluted":true}}'],
    ['a __proto__ jti in setErrs', '{"setErrs":{"__proto__":{"err":"invalid_key"}}}'],
    ['a jti both acked and refused', '{"ack":["a"],"setErrs":{"a":{"err":"invalid_key"}}}'],
  ];
  for (const [name, raw] of invalid)
    it(`${name} → 400 invalid_request`, async () => {
      const { poll } = await setup({ longPollMs: 0 });
      const reply = await poll(undefined, { raw });
      expect(reply.status).toBe(400);
      expect(reply.body['err']).toBe('invalid_request');
      expect(typeof reply.body['description']).toBe('string');
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    });

  it('a body over 1 MiB → 413 invalid_request', async () => {
    const { poll } = await setup({ longPollMs: 0 });
    const reply = await poll(undefined, { raw: `{"pad":"${'x'.repeat(1_048_576)}"}` });
    expect(reply.status).toBe(413);
    expect(reply.body['err']).toBe('invalid_request');
  });

  it('a body that is not JSON by its media type → 415', async () => {
    const { poll } = await setup({ longPollMs: 0 });
    const reply = await poll(now, { headers: { 'content-type': 'text/plain' } });
    expect(reply.status).toBe(415);
  });

  it('an empty body is a poll with every member left out', async () => {
    const { poll, queueSets } = await setup({ longPollMs: 0 });
    await queueSets(['set-1']);
    const reply = await poll(undefined, { raw: '' });
    expect(Object.keys(reply.body['sets'] as object)).toEqual(['set-1']);
  });

  it('arbitrary JSON bodies never produce a 5xx', async () => {
    const { poll, queueSets, errors } = await setup({ longPollMs: 0 });
    await queueSets(['set-1', 'set-2']);
    const member = fc.oneof(fc.jsonValue(), fc.constantFrom('set-1', 'set-2', 0, 1, true));
    const body = fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          maxEvents: member,
          returnImmediately: member,
          ack: fc.oneof(member, fc.array(member, { maxLength: 4 })),
          setErrs: fc.oneof(
            member,
            fc.dictionary(
              fc.oneof(fc.string(), fc.constantFrom('set-1', '__proto__')),
              fc.oneof(member, fc.record({ err: member, description: member })),
            ),
          ),
        },
        { requiredKeys: [] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(body, async (value) => {
        const reply = await poll(undefined, { raw: JSON.stringify(value) ?? '' });
        expect(reply.status).toBeLessThan(500);
      }),
      { numRuns: 200 },
    );
    expect(errors).toEqual([]);
  });
});

describe('unexpected failures', () => {
  it('become a 500 that echoes nothing, and reach onError', async () => {
    const { poll, errors } = await setup({}, {}, (queue) => ({
      ...queue,
      claim: () => Promise.reject(new Error('connection to db-7.internal:5432 refused')),
    }));
    const reply = await poll(now);
    expect(reply.status).toBe(500);
    expect(JSON.stringify(reply.body)).not.toContain('db-7');
    expect(reply.body['err']).toBeUndefined();
    expect(errors).toHaveLength(1);
  });

  it('keys that cannot be resolved: a 500 that reaches onError, and the SETs are handed out again once their lease ends', async () => {
    let failing = true;
    const { poll, queueSets, errors, clock } = await setup({}, {}, undefined, async () => {
      if (failing) throw new Error('the key vault is unreachable');
      return testKeys();
    });
    await queueSets(['set-1']);
    expect((await poll(now)).status).toBe(500);
    expect(errors).toHaveLength(1);
    failing = false;
    clock.ms += LEASE_MS;
    expect(Object.keys((await poll(now)).body['sets'] as object)).toEqual(['set-1']);
  });
});
