// Push delivery (RFC 8935) against real receivers on loopback: each test starts a node:http server on
// 127.0.0.1 and pushes to a made-up name that an injected resolver maps to it. The name does not
// resolve anywhere else, so a delivery that arrives proves the connection went to the vetted address.
// Where the connection may go (the SSRF check, TLS) is in push-transport-connection.test.ts.
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { pushSet, parseRetryAfter } from '../src/lib/push-transport.ts';
import { SET, loopbackReceivers, nearby, reply } from './fixtures/push-receiver.ts';

const { servers, receiver } = loopbackReceivers();

describe('RFC 8935 §2.1: the SET is POSTed as application/secevent+jwt', () => {
  it('E-DELIV-01 (the publisher POSTs the SET with Content-Type application/secevent+jwt): method, media types, body and authorization', async () => {
    const { port, seen } = await receiver(reply(202));
    await pushSet(SET, `http://receiver.test:${port}/events?stream=1`, {
      ...nearby,
      authorization: 'Bearer h480djs93hd8',
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      method: 'POST',
      url: '/events?stream=1',
      body: SET,
      headers: {
        'content-type': 'application/secevent+jwt',
        accept: 'application/json',
        authorization: 'Bearer h480djs93hd8',
      },
    });
  });

  it('connects to the vetted address while sending the original Host', async () => {
    const { port, seen } = await receiver(reply(202));
    // receiver.test resolves nowhere (RFC 6761), so only the vetted 127.0.0.1 could have answered.
    expect(await pushSet(SET, `http://receiver.test:${port}/`, nearby)).toEqual({
      outcome: 'delivered',
      status: 202,
    });
    expect(seen[0]?.headers.host).toBe(`receiver.test:${port}`);
  });

  it('asks the authorization function once per delivery', async () => {
    const { port, seen } = await receiver(reply(202));
    let n = 0;
    const authorization = () => Promise.resolve(`Bearer token-${++n}`);
    await pushSet(SET, `http://receiver.test:${port}/`, { ...nearby, authorization });
    await pushSet(SET, `http://receiver.test:${port}/`, { ...nearby, authorization });
    expect(seen.map((s) => s.headers.authorization)).toEqual(['Bearer token-1', 'Bearer token-2']);
  });

  it('turns a failing authorization function into a retry, without a stack trace', async () => {
    const { port, seen } = await receiver(reply(202));
    const result = await pushSet(SET, `http://receiver.test:${port}/`, {
      ...nearby,
      authorization: () => Promise.reject(new Error('token endpoint answered 503')),
    });
    expect(result).toEqual({
      outcome: 'retry',
      reason: 'no authorization for the receiver: token endpoint answered 503',
    });
    expect(seen).toHaveLength(0);
  });
});

describe('RFC 8935 §2.2: a 202 acknowledges the SET', () => {
  it('E-DELIV-02 (a receiver 202 is an acknowledgement): 202 is delivered', async () => {
    const { port } = await receiver(reply(202));
    expect(await pushSet(SET, `http://receiver.test:${port}/`, nearby)).toEqual({
      outcome: 'delivered',
      status: 202,
    });
  });

  it('takes another 2xx as delivered too: the receiver took the SET', async () => {
    const { port } = await receiver(reply(200, 'ok'));
    expect(await pushSet(SET, `http://receiver.test:${port}/`, nearby)).toEqual({
      outcome: 'delivered',
      status: 200,
    });
  });
});

describe('RFC 8935 §2.3–2.4: a 400 with an err code is a refusal, never retried', () => {
  it('E-DELIV-02 (a 400 `err` is never retried): 400 {"err":"invalid_audience"} is rejected', async () => {
    const body = JSON.stringify({
      err: 'invalid_audience',
      description: 'aud is not this receiver',
    });
    const { port, seen } = await receiver(reply(400, body, { 'content-type': 'application/json' }));
    expect(await pushSet(SET, `http://receiver.test:${port}/`, nearby)).toEqual({
      outcome: 'rejected',
      status: 400,
      err: 'invalid_audience',
      description: 'aud is not this receiver',
    });
    expect(seen).toHaveLength(1);
  });

  it('keeps an err code registered after RFC 8935 as the receiver spelled it', async () => {
    const { port } = await receiver(reply(400, '{"err":"invalid_subject"}'));
    expect(await pushSet(SET, `http://receiver.test:${port}/`, nearby)).toMatchObject({
      outcome: 'rejected',
      err: 'invalid_subject',
      description: '',
    });
  });

  it('retries a 400 without an RFC 8935 err body (a proxy’s or firewall’s page), saying so', async () => {
    for (const body of [
      '<html>Bad Request</html>',
      '{"error":"nope"}',
      '{"err":42}',
      '["invalid_key"]',
      '',
    ]) {
      const { port } = await receiver(reply(400, body, { 'retry-after': '30' }));
      expect(await pushSet(SET, `http://receiver.test:${port}/`, nearby), body).toEqual({
        outcome: 'retry',
        status: 400,
        reason:
          'the receiver answered 400 without an RFC 8935 error body ' +
          '(perhaps a proxy or firewall in front of it); retrying',
        retryAfterMs: 30_000,
      });
    }
  });

  it('keeps a receiver description to one bounded line', async () => {
    const description = `first\r\nsecond ${'x'.repeat(2000)}`;
    const { port } = await receiver(
      reply(400, JSON.stringify({ err: 'invalid_key', description })),
    );
    const result = await pushSet(SET, `http://receiver.test:${port}/`, nearby);
    expect(result.outcome === 'rejected' && result.description).toMatch(/^first second x+…$/);
    expect(result.outcome === 'rejected' && result.description.length).toBeLessThanOrEqual(501);
  });
});

describe('RFC 8935 §4 (delivery reliability): transient failures are retried', () => {
  it('retries a 500', async () => {
    const { port } = await receiver(reply(500, 'oops'));
    expect(await pushSet(SET, `http://receiver.test:${port}/`, nearby)).toEqual({
      outcome: 'retry',
      status: 500,
      reason: 'the receiver answered 500: a server error',
    });
  });

  it('retries a 429 no sooner than Retry-After seconds', async () => {
    const { port } = await receiver(reply(429, '', { 'retry-after': '120' }));
    expect(await pushSet(SET, `http://receiver.test:${port}/`, nearby)).toEqual({
      outcome: 'retry',
      status: 429,
      reason: 'the receiver answered 429: too many requests',
      retryAfterMs: 120_000,
    });
  });

  it('reads a Retry-After HTTP date on a 503', async () => {
    const at = new Date(Date.now() + 60_000).toUTCString();
    const { port } = await receiver(reply(503, '', { 'retry-after': at }));
    const result = await pushSet(SET, `http://receiver.test:${port}/`, nearby);
    expect(result.outcome === 'retry' && result.retryAfterMs).toBeGreaterThan(55_000);
    expect(result.outcome === 'retry' && result.retryAfterMs).toBeLessThanOrEqual(60_000);
  });

  it('reads Retry-After as delay-seconds or an HTTP date, and ignores anything else', () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter('Thu, 01 Jan 2026 00:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Wed, 31 Dec 2025 00:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('-5', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });

  it('RFC 8935 §3: retries a 401 or 403, saying the credentials were refused, and never shows them', async () => {
    for (const status of [401, 403]) {
      const { port } = await receiver(reply(status));
      const result = await pushSet(SET, `http://receiver.test:${port}/`, {
        ...nearby,
        authorization: 'Bearer sekrit-token',
      });
      expect(result).toMatchObject({ outcome: 'retry', status });
      expect(result.outcome === 'retry' && result.reason).toMatch(/credentials/);
      expect(JSON.stringify(result)).not.toContain('sekrit');
    }
  });

  it('does not follow a redirect, which could lead inside the network', async () => {
    const inside = await receiver(reply(202));
    const { port } = await receiver(
      reply(307, '', { location: `http://127.0.0.1:${inside.port}/admin` }),
    );
    const result = await pushSet(SET, `http://receiver.test:${port}/`, nearby);
    expect(result).toMatchObject({ outcome: 'retry', status: 307 });
    expect(inside.seen).toHaveLength(0);
  });

  it('retries a receiver that never answers, once the timeout passes', async () => {
    const { port } = await receiver(() => undefined);
    const started = Date.now();
    expect(
      await pushSet(SET, `http://receiver.test:${port}/`, { ...nearby, timeoutMs: 150 }),
    ).toEqual({
      outcome: 'retry',
      reason: 'no answer within 150 ms (timeout)',
    });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('retries a receiver that closes the connection without answering', async () => {
    const { port } = await receiver((req) => req.socket.destroy());
    expect(await pushSet(SET, `http://receiver.test:${port}/`, nearby)).toEqual({
      outcome: 'retry',
      reason: 'the connection was closed before an answer (ECONNRESET)',
    });
  });

  it('retries when nothing listens, without a stack trace in the reason', async () => {
    const { port } = await receiver(reply(202));
    await new Promise<void>((resolve) => servers.pop()?.close(() => resolve()));
    const result = await pushSet(SET, `http://receiver.test:${port}/`, nearby);
    expect(result).toEqual({
      outcome: 'retry',
      reason: 'the connection was refused (ECONNREFUSED)',
    });
  });

  it('returns a cancelled delivery as a retry', async () => {
    const { port } = await receiver(() => undefined);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    expect(
      await pushSet(SET, `http://receiver.test:${port}/`, { ...nearby, signal: controller.signal }),
    ).toEqual({ outcome: 'retry', reason: 'the delivery was cancelled' });
  });

  it('reads at most 64 KiB of an answer, even one that never ends', async () => {
    const { port } = await receiver((_req, res) => {
      res.writeHead(400, { 'content-type': 'application/json' });
      const chunk = `{"err":"${'x'.repeat(16 * 1024)}`;
      for (let i = 0; i < 8; i++) res.write(chunk);
      // …and never res.end()
    });
    const started = Date.now();
    const result = await pushSet(SET, `http://receiver.test:${port}/`, {
      ...nearby,
      timeoutMs: 5_000,
    });
    // Cut at 64 KiB, the body is no longer an RFC 8935 error: retried, not dead-lettered.
    expect(result).toMatchObject({ outcome: 'retry', status: 400 });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('counts a status line followed by a stalled body as the answer', async () => {
    const { port } = await receiver((_req, res) => {
      res.writeHead(202, { 'content-length': '10' });
      res.write('abc');
    });
    expect(
      await pushSet(SET, `http://receiver.test:${port}/`, { ...nearby, timeoutMs: 150 }),
    ).toEqual({
      outcome: 'delivered',
      status: 202,
    });
  });
});

describe('the time limit covers the whole delivery, and pushSet never throws', () => {
  it('returns retry for a timeoutMs that is NaN, negative, fractional, zero or too long, sending nothing', async () => {
    const { port, seen } = await receiver(reply(202));
    for (const timeoutMs of [Number.NaN, -1, 1.5, 0, Number.POSITIVE_INFINITY, 2 ** 31]) {
      const result = await pushSet(SET, `http://receiver.test:${port}/`, { ...nearby, timeoutMs });
      expect(result, String(timeoutMs)).toMatchObject({ outcome: 'retry' });
      expect(result.outcome === 'retry' && result.reason, String(timeoutMs)).toMatch(
        /^invalid options: pushSet: timeoutMs must be/,
      );
    }
    expect(seen).toHaveLength(0);
  });

  it('an authorization function that never settles is a retry once the time limit passes', async () => {
    const { port, seen } = await receiver(reply(202));
    const started = Date.now();
    const result = await pushSet(SET, `http://receiver.test:${port}/`, {
      ...nearby,
      timeoutMs: 100,
      authorization: () => new Promise<string>(() => undefined),
    });
    expect(result).toEqual({
      outcome: 'retry',
      reason: 'no authorization for the receiver within 100 ms (timeout)',
    });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(seen).toHaveLength(0);
  });

  it('a cancelled delivery stops waiting for authorization', async () => {
    const { port } = await receiver(reply(202));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 20);
    expect(
      await pushSet(SET, `http://receiver.test:${port}/`, {
        ...nearby,
        signal: controller.signal,
        authorization: () => new Promise<string>(() => undefined),
      }),
    ).toEqual({
      outcome: 'retry',
      reason: 'the delivery was cancelled while waiting for authorization',
    });
  });

  it('leaves nothing attached to a long-lived caller signal once a delivery is over', async () => {
    const { port } = await receiver(reply(202));
    const { signal } = new AbortController();
    for (let i = 0; i < 5; i++)
      expect(
        await pushSet(SET, `http://receiver.test:${port}/`, { ...nearby, signal }),
      ).toMatchObject({ outcome: 'delivered' });
    expect(getEventListeners(signal, 'abort')).toHaveLength(0);
    // AbortSignal.any keeps a reference to each combined signal on its source (Node's internal
    // kDependantSignals set, never pruned on Node 20): one more per delivery, for as long as the
    // caller's signal lives.
    const dependants = Object.getOwnPropertySymbols(signal).find(
      (symbol) => symbol.description === 'kDependantSignals',
    );
    const held: unknown =
      dependants === undefined
        ? undefined
        : (signal as unknown as Record<symbol, unknown>)[dependants];
    // Node's own Set, from another realm than the test's: read its size without instanceof.
    const size = (held as { readonly size?: unknown } | undefined)?.size;
    expect(typeof size === 'number' ? size : 0).toBe(0);
  });
});
