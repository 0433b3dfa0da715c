// What the RFC 8936 poll endpoint refuses, and how it fails: polls without access or for a stream
// that is not the caller's to poll, malformed requests (RFC 8936 §2.2), which answer 4xx and never a
// 5xx, and failures of the queue or the keys, which answer 500 and lose no SET.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { testKeys } from './fixtures/event-server.ts';
import { LEASE_MS, now, setup } from './fixtures/poll-endpoint.ts';

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
