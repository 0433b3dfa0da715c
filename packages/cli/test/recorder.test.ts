// The recording fetch between the kit and the server: it redacts secrets, knows what each request
// created (so cleanup can delete it, even after an interruption), and turns a server that does not
// answer into a failed check instead of a hang.
import { describe, expect, it } from 'vitest';
import { runCheck } from '@scim/cli';
import { createRecorder, Interrupted, redactBody } from '../src/lib/check/recorder.js';
import { BROKEN_TOKEN, createBrokenServer } from './fixtures/broken-server.js';

const baseUrl = 'http://127.0.0.1/scim/v2';

async function userCount(fetch: (request: Request) => Promise<Response>): Promise<number> {
  const response = await fetch(
    new Request(`${baseUrl}/Users?count=0`, {
      headers: { authorization: `Bearer ${BROKEN_TOKEN}` },
    }),
  );
  return ((await response.json()) as { totalResults: number }).totalResults;
}

describe('redaction', () => {
  it('replaces password values, PATCH values whose path is a password, and the token anywhere', () => {
    expect(JSON.parse(redactBody('{"userName":"a","password":"p1"}', []))).toEqual({
      userName: 'a',
      password: '[redacted]',
    });
    const patch = {
      Operations: [
        { op: 'replace', path: 'password', value: 'p2' },
        { op: 'replace', value: { active: true, Password: 'p3' } },
        { op: 'replace', path: 'title', value: 'kept' },
      ],
    };
    expect(JSON.parse(redactBody(JSON.stringify(patch), []))).toEqual({
      Operations: [
        { op: 'replace', path: 'password', value: '[redacted]' },
        { op: 'replace', value: { active: true, Password: '[redacted]' } },
        { op: 'replace', path: 'title', value: 'kept' },
      ],
    });
    expect(redactBody('not json, token s3cr3t-value inside', ['s3cr3t-value'])).toBe(
      'not json, token [redacted] inside',
    );
  });
});

describe('what a run created', () => {
  it('is every 201 of a POST and every 201 inside a bulk response, less what was deleted since', async () => {
    const answers: Record<string, Response> = {
      'POST /scim/v2/Users': Response.json({ id: 'u1' }, { status: 201 }),
      'POST /scim/v2/Bulk': Response.json({
        Operations: [
          { method: 'POST', status: '201', location: 'https://public.example/scim/v2/Groups/g1' },
          { method: 'POST', status: '400' },
        ],
      }),
      'DELETE /scim/v2/Users/u1': new Response(null, { status: 204 }),
    };
    const recorder = createRecorder({
      fetch: (request) => {
        const answer = answers[`${request.method} ${new URL(request.url).pathname}`];
        return Promise.resolve(answer ?? new Response('', { status: 404 }));
      },
      baseUrl,
      timeoutMs: 1000,
      signal: new AbortController().signal,
      secrets: [],
    });
    await recorder.fetch(new Request(`${baseUrl}/Users`, { method: 'POST', body: '{}' }));
    await recorder.fetch(new Request(`${baseUrl}/Bulk`, { method: 'POST', body: '{}' }));
    expect(recorder.created()).toEqual([`${baseUrl}/Users/u1`, `${baseUrl}/Groups/g1`]);
    await recorder.fetch(new Request(`${baseUrl}/Users/u1`, { method: 'DELETE' }));
    expect(recorder.created()).toEqual([`${baseUrl}/Groups/g1`]);
    expect(recorder.createdCount()).toBe(2);
  });
});

describe('a server that does not answer', () => {
  it('fails the check waiting for it, with the request and the time waited, and the run goes on', async () => {
    const server = createBrokenServer([]);
    const report = await runCheck({
      baseUrl,
      token: BROKEN_TOKEN,
      timeoutMs: 200,
      only: ['P-CRUD-06', 'P-CRUD-08'],
      fetch: (request) =>
        request.method === 'POST' ? new Promise<Response>(() => {}) : server.fetch(request),
    });
    const hung = report.results.find((r) => r.id === 'P-CRUD-06');
    expect(hung?.status).toBe('failed');
    expect(hung?.message).toBe('no response: POST /scim/v2/Users: timed out after 0.2 s');
    expect(hung?.exchanges?.[0]?.error).toBe('timed out after 0.2 s');
    expect(hung?.hint).toMatch(/did not answer in time/);
    expect(report.results.find((r) => r.id === 'P-CRUD-08')?.status).toBe('passed');
  });
});

describe('an interrupted run', { timeout: 30_000 }, () => {
  it('lets the request in flight finish, stops, marks the rest not run, and deletes what was created', async () => {
    const server = createBrokenServer([]);
    const controller = new AbortController();
    let posts = 0;
    const report = await runCheck({
      baseUrl,
      token: BROKEN_TOKEN,
      signal: controller.signal,
      fetch: async (request) => {
        const creating = request.method === 'POST' && !controller.signal.aborted;
        if (creating) {
          posts += 1;
          // Ctrl-C while the fifth POST (P-FILTER-08's user, the third created) is in flight: the
          // user is created all the same.
          if (posts === 5) controller.abort();
        }
        return server.fetch(request);
      },
    });
    expect(report.interrupted).toBe(true);
    expect(report.ok).toBe(false);
    expect(report.summary.notRun).toBeGreaterThan(10);
    expect(report.results.filter((r) => r.status === 'not-run')[0]?.skipReason).toBe('interrupted');
    expect(report.cleanup).toMatchObject({ created: 3, deleted: 3, leftover: [] });
    expect(await userCount(server.fetch)).toBe(0);
  });

  it('the recorder throws Interrupted once the exchange in flight is complete', async () => {
    const controller = new AbortController();
    const recorder = createRecorder({
      fetch: () => {
        controller.abort();
        return Promise.resolve(Response.json({ id: 'late' }, { status: 201 }));
      },
      baseUrl,
      timeoutMs: 1000,
      signal: controller.signal,
      secrets: [],
    });
    const exchanges = recorder.begin();
    await expect(
      recorder.fetch(new Request(`${baseUrl}/Users`, { method: 'POST', body: '{}' })),
    ).rejects.toBeInstanceOf(Interrupted);
    expect(recorder.created()).toEqual([`${baseUrl}/Users/late`]);
    expect(exchanges[0]?.response?.status).toBe(201);
  });
});
