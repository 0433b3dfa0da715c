// Retries: 429 and 503 with Retry-After (RFC 6585 §4, RFC 9110 §10.2.3), backoff, the retry
// budget, and the per-attempt deadline.
import { describe, expect, it } from 'vitest';
import { USER_SCHEMA_URN } from '@scim/core';
import {
  createScimClient,
  isScimClientError,
  ScimTransportError,
  type RetryEvent,
  type RetryOptions,
} from '../src/index.js';
import { BASE, recording, scripted } from './helpers.js';

const USER = { schemas: [USER_SCHEMA_URN], id: '1', userName: 'u' };
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

function clientWith(
  fetch: ReturnType<typeof scripted>['fetch'],
  retry: RetryOptions = {},
  timeoutMs?: number,
) {
  const waits: number[] = [];
  const events: RetryEvent[] = [];
  const client = createScimClient({
    baseUrl: BASE,
    fetch,
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    retry: {
      sleep: (ms) => {
        waits.push(ms);
        return Promise.resolve();
      },
      onRetry: (event) => events.push(event),
      ...retry,
    },
  });
  return { client, waits, events };
}

describe('retries', () => {
  it('429 is retried after the Retry-After seconds the server asked for', async () => {
    const { fetch, sent } = scripted([
      { status: 429, body: { schemas: [ERROR], status: '429' }, headers: { 'retry-after': '2' } },
      { status: 200, body: USER },
    ]);
    const { client, waits, events } = clientWith(fetch);
    expect((await client.users.get('1')).userName).toBe('u');
    expect(sent).toHaveLength(2);
    expect(waits).toEqual([2000]);
    expect(events[0]).toMatchObject({ method: 'GET', attempt: 1, delayMs: 2000, reason: '429' });
  });

  it('Retry-After as an HTTP date is honoured', async () => {
    const later = new Date(Date.now() + 5_000).toUTCString();
    const { fetch } = scripted([
      { status: 503, headers: { 'retry-after': later } },
      { status: 200, body: USER },
    ]);
    const { client, waits } = clientWith(fetch);
    await client.users.get('1');
    expect(waits[0]).toBeGreaterThan(3_000);
    expect(waits[0]).toBeLessThanOrEqual(5_000);
  });

  it('503 without Retry-After is retried with exponential backoff under maxDelayMs', async () => {
    const { fetch, sent } = scripted([
      { status: 503 },
      { status: 503 },
      { status: 200, body: USER },
    ]);
    const { client, waits } = clientWith(fetch, { baseDelayMs: 100, maxDelayMs: 150 });
    await client.users.get('1');
    expect(sent).toHaveLength(3);
    expect(waits[0]).toBeLessThanOrEqual(100);
    expect(waits[1]).toBeLessThanOrEqual(150);
  });

  it('a POST answered 429 is retried too: the server did not do the work', async () => {
    const { fetch, sent } = scripted([
      { status: 429, headers: { 'retry-after': '1' } },
      { status: 201, body: USER },
    ]);
    const { client } = clientWith(fetch);
    await client.users.create({ userName: 'u' });
    expect(sent.map((request) => request.method)).toEqual(['POST', 'POST']);
  });

  it('after maxRetries the last 429 is thrown, marked retriesExhausted', async () => {
    const { fetch, sent } = scripted(
      Array.from({ length: 3 }, () => ({ status: 429, headers: { 'retry-after': '1' } })),
    );
    const { client } = clientWith(fetch, { maxRetries: 2 });
    const error = await client.users.get('1').catch((caught: unknown) => caught);
    expect(sent).toHaveLength(3);
    expect(isScimClientError(error) && error).toMatchObject({
      status: 429,
      attempts: 3,
      retriesExhausted: true,
    });
  });

  it('the retry budget is shared: once spent, a 503 is thrown at once', async () => {
    const { fetch, sent } = scripted([
      { status: 503 },
      { status: 503 },
      { status: 503 },
      { status: 503 },
    ]);
    const { client } = clientWith(fetch, { budget: 2, budgetRefill: 0, maxRetries: 10 });
    const first = await client.users.get('1').catch((caught: unknown) => caught);
    expect(sent).toHaveLength(3); // one attempt and the two retries the budget holds
    expect(isScimClientError(first) && first.retriesExhausted).toBe(true);
    const second = await client.users.get('1').catch((caught: unknown) => caught);
    expect(sent).toHaveLength(4); // no retry left for the next request
    expect(isScimClientError(second) && second.status).toBe(503);
  });

  it('a Retry-After longer than maxRetryAfterMs is not waited for', async () => {
    const { fetch, sent } = scripted([{ status: 429, headers: { 'retry-after': '3600' } }]);
    const { client, waits } = clientWith(fetch, { maxRetryAfterMs: 60_000 });
    const error = await client.users.get('1').catch((caught: unknown) => caught);
    expect(sent).toHaveLength(1);
    expect(waits).toEqual([]);
    expect(isScimClientError(error) && error.headers['retry-after']).toBe('3600');
  });

  it('retry: false makes one attempt', async () => {
    const { fetch, sent } = scripted([{ status: 503 }]);
    const client = createScimClient({ baseUrl: BASE, fetch, retry: false });
    await expect(client.users.get('1')).rejects.toMatchObject({ status: 503 });
    expect(sent).toHaveLength(1);
  });

  it('other errors (400, 404, 409, 500) are not retried', async () => {
    const { fetch, sent } = scripted([{ status: 500 }]);
    const { client } = clientWith(fetch);
    await expect(client.users.get('1')).rejects.toMatchObject({ status: 500 });
    expect(sent).toHaveLength(1);
  });
});

describe('timeouts and network failures', () => {
  const never = (request: Request) =>
    new Promise<never>((_, reject) => {
      if (request.signal.aborted) reject(request.signal.reason as Error);
      request.signal.addEventListener('abort', () => reject(request.signal.reason as Error));
    });

  it('an attempt that outlives timeoutMs is a ScimTransportError timeout', async () => {
    const { fetch } = recording(never);
    const { client } = clientWith(fetch, { maxRetries: 0 }, 20);
    const error = await client.users.get('1').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ScimTransportError);
    expect(error).toMatchObject({ code: 'timeout', method: 'GET' });
  });

  it('a body that stalls past timeoutMs is a timeout too, not a hang', async () => {
    const { fetch } = recording((request) => {
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(new TextEncoder().encode('{"id":'));
          request.signal.addEventListener('abort', () => controller.error(request.signal.reason));
        },
      });
      return Promise.resolve(new Response(body, { status: 200 }));
    });
    const { client } = clientWith(fetch, { maxRetries: 0 }, 30);
    await expect(client.users.get('1')).rejects.toMatchObject({ code: 'timeout' });
  });

  it('a GET that timed out is tried again; a POST is not', async () => {
    let calls = 0;
    const { fetch, sent } = recording(async (request) => {
      calls += 1;
      if (calls === 1 || request.method === 'POST') return never(request);
      return new Response(JSON.stringify(USER), { status: 200 });
    });
    const { client } = clientWith(fetch, {}, 20);
    expect((await client.users.get('1')).id).toBe('1');
    expect(sent).toHaveLength(2);
    await expect(client.users.create({ userName: 'u' })).rejects.toMatchObject({
      code: 'timeout',
    });
    expect(sent).toHaveLength(3);
  });

  it("the caller's signal aborts at once, without retrying", async () => {
    const { fetch, sent } = recording(never);
    const { client } = clientWith(fetch, {}, 10_000);
    const controller = new AbortController();
    const pending = client.users.get('1', { signal: controller.signal });
    controller.abort();
    await expect(pending).rejects.toMatchObject({ code: 'aborted' });
    expect(sent).toHaveLength(1);
  });

  it('a failed connection is a ScimTransportError network, retried for GET', async () => {
    let calls = 0;
    const { fetch } = recording(() => {
      calls += 1;
      return Promise.reject(new TypeError('fetch failed', { cause: new Error('ECONNREFUSED') }));
    });
    const { client } = clientWith(fetch, { maxRetries: 2 });
    const error = await client.users.get('1').catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'network', attempts: 3 });
    expect((error as Error).message).toContain('ECONNREFUSED');
    expect(calls).toBe(3);
  });
});
