// The history's memory is bounded by bytes as well as by count: a request or response body over
// `maxBodyBytes` is kept as a marker, and past `historyBodyBytes` the oldest requests lose their
// bodies first. Five hundred requests of 1 MiB bodies would otherwise hold a gigabyte.
import { describe, expect, it } from 'vitest';
import { createScimConsole } from '../src/index.ts';
import { jsonSize } from '../src/lib/history.ts';
import { CONSOLE_TOKEN, createFixture, postRecord as record, USER_SCHEMA } from './fixture.ts';

const bearer = { authorization: `Bearer ${CONSOLE_TOKEN}` };

const manyEmails = (count: number) => ({
  schemas: [USER_SCHEMA],
  userName: 'big@example.com',
  emails: Array.from({ length: count }, (_, i) => ({ value: `user${i}@example.com` })),
});

describe('console history bounded by bytes', () => {
  it('RFC 7644 §3.12 (a request is shown with its bodies): a body over maxBodyBytes is kept as a [truncated] marker, a smaller one whole', async () => {
    const fixture = await createFixture({ maxBodyBytes: 4096 });
    const big = await fixture.scim('POST', '/Users', manyEmails(200));
    expect(big.status).toBe(201);
    const answered = await big.text();
    const small = await fixture.scim('POST', '/Users', manyEmails(2));
    expect(small.status).toBe(409);
    const list = (await (await fixture.page('/api/requests', { headers: bearer })).json()) as {
      requests: { seq: number }[];
    };
    const [newest, oldest] = await Promise.all(
      list.requests.map(
        async (request) =>
          (await (
            await fixture.page(`/api/requests/${request.seq}`, { headers: bearer })
          ).json()) as { requestBody: unknown; responseBody: unknown },
      ),
    );
    // Sized as the server's record gives them: the bytes sent and answered.
    const bytes = (text: string) => new TextEncoder().encode(text).length;
    const sent = JSON.stringify(manyEmails(200));
    expect(oldest?.requestBody).toEqual({ '[truncated]': `${bytes(sent)} bytes` });
    expect(oldest?.responseBody).toEqual({ '[truncated]': `${bytes(answered)} bytes` });
    expect(newest?.requestBody).toMatchObject({ userName: 'big@example.com' });
    expect(newest?.responseBody).toMatchObject({ scimType: 'uniqueness' });
  });

  it('RFC 7644 §3.12: past historyBodyBytes the oldest requests lose their bodies first, and keep the rest', async () => {
    const scimConsole = createScimConsole({
      basePath: '/c',
      credential: CONSOLE_TOKEN,
      maxBodyBytes: 10_000,
      historyBodyBytes: 25_000,
    });
    const body = manyEmails(100);
    const size = jsonSize(body, Number.POSITIVE_INFINITY);
    expect(size).toBeGreaterThan(3_000);
    expect(size).toBeLessThan(5_000);
    // Each record counts its two bodies: three fit in 25,000 bytes, a fourth does not.
    for (let i = 1; i <= 5; i++) scimConsole.record(record(i, body));
    const bodies = [];
    for (let i = 1; i <= 5; i++) {
      const reply = await scimConsole.fetch(
        new Request(`https://x.example/c/api/requests/${i}`, { headers: bearer }),
      );
      const detail = (await reply.json()) as { status: number; requestBody: unknown };
      expect(detail.status).toBe(201);
      bodies.push(detail.requestBody);
    }
    const dropped = { '[truncated]': 'dropped: the history keeps newer bodies (historyBodyBytes)' };
    expect(bodies.slice(0, 2)).toEqual([dropped, dropped]);
    for (const kept of bodies.slice(2)) expect(kept).toEqual(body);
  });

  it("takes a request body's size from its Content-Length where it has one", async () => {
    const scimConsole = createScimConsole({
      basePath: '/c',
      credential: CONSOLE_TOKEN,
      maxBodyBytes: 4096,
    });
    scimConsole.record(record(1, manyEmails(200), ['Content-Length', '6400']));
    const reply = await scimConsole.fetch(
      new Request('https://x.example/c/api/requests/1', { headers: bearer }),
    );
    expect(await reply.json()).toMatchObject({
      requestBody: { '[truncated]': '6400 bytes' },
      responseBody: { '[truncated]': 'more than 4096 bytes' },
    });
  });

  it('without sizes in the record (one made elsewhere than the server), sizes a body by a walk that stops at the bound', async () => {
    const scimConsole = createScimConsole({
      basePath: '/c',
      credential: CONSOLE_TOKEN,
      maxBodyBytes: 4096,
    });
    scimConsole.record(record(1, manyEmails(200)));
    const reply = await scimConsole.fetch(
      new Request('https://x.example/c/api/requests/1', { headers: bearer }),
    );
    expect(await reply.json()).toMatchObject({
      requestBody: { '[truncated]': 'more than 4096 bytes' },
      responseBody: { '[truncated]': 'more than 4096 bytes' },
    });
  });

  it('sizes a body roughly as its JSON text, and stops counting once past the bound', () => {
    const body = manyEmails(1000);
    const exact = JSON.stringify(body).length;
    const size = jsonSize(body, Number.POSITIVE_INFINITY);
    expect(size).toBeGreaterThan(exact * 0.9);
    expect(size).toBeLessThan(exact * 1.2);
    expect(jsonSize(body, 1000)).toBeLessThan(1200);
  });

  it("keeps the server's text of each body (log's second argument) rather than serialising the value", async () => {
    const scimConsole = createScimConsole({ basePath: '/c', credential: CONSOLE_TOKEN });
    const sent = { schemas: [USER_SCHEMA], userName: 'as-sent' };
    // The value and the text differ here only to show which one is kept.
    scimConsole.record(record(1, { userName: 'value' }), {
      requestBody: JSON.stringify(sent),
      responseBody: '{"id":"1"}',
    });
    const reply = await scimConsole.fetch(
      new Request('https://x.example/c/api/requests/1', { headers: bearer }),
    );
    expect(await reply.json()).toMatchObject({ requestBody: sent, responseBody: { id: '1' } });
  });

  it('keeps a copy: a body changed after it was recorded shows as it was', async () => {
    const scimConsole = createScimConsole({ basePath: '/c', credential: CONSOLE_TOKEN });
    const body = { schemas: [USER_SCHEMA], userName: 'before' };
    scimConsole.record(record(1, body));
    body.userName = 'after';
    const reply = await scimConsole.fetch(
      new Request('https://x.example/c/api/requests/1', { headers: bearer }),
    );
    expect(await reply.json()).toMatchObject({
      requestBody: { userName: 'before' },
      responseBody: { userName: 'before' },
    });
  });

  it('a text of more UTF-8 bytes than maxBodyBytes, though fewer characters, is kept as a marker with its size', async () => {
    const scimConsole = createScimConsole({
      basePath: '/c',
      credential: CONSOLE_TOKEN,
      maxBodyBytes: 100,
    });
    const text = JSON.stringify({ userName: 'ü'.repeat(60) });
    scimConsole.record(record(1, JSON.parse(text) as unknown), {
      requestBody: text,
      responseBody: text,
    });
    const reply = await scimConsole.fetch(
      new Request('https://x.example/c/api/requests/1', { headers: bearer }),
    );
    const size = `${new TextEncoder().encode(text).length} bytes`;
    expect(await reply.json()).toMatchObject({
      requestBody: { '[truncated]': size },
      responseBody: { '[truncated]': size },
    });
  });

  it('rejects a negative or fractional byte bound at start-up', () => {
    for (const bad of [{ maxBodyBytes: -1 }, { historyBodyBytes: 1.5 }])
      expect(() =>
        createScimConsole({ basePath: '/c', credential: CONSOLE_TOKEN, ...bad }),
      ).toThrow(TypeError);
  });
});
