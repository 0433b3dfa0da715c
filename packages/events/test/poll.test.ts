// The RFC 8936 poll endpoint over the reference memory queue and stream store: each test queues
// SETs directly, polls as a receiver would, and checks the answer and what the queue then holds.
// What the endpoint refuses, and how it fails, is in poll-refusals.test.ts.
import { decodeProtectedHeader } from 'jose';
import { describe, expect, it } from 'vitest';
import { createSigningKeySet, generateSigningKey } from '../src/lib/keys.ts';
import { verifySet } from '../src/lib/verify.ts';
import { testKeys } from './fixtures/event-server.ts';
import {
  AUDIENCE,
  ISSUER,
  LEASE_MS,
  START,
  claimsText,
  now,
  setup,
  stream,
} from './fixtures/poll-endpoint.ts';

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
