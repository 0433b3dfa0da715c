// With `debug`, `log` gets the record's bodies as JSON text too (its second argument): the request
// as the client sent it, the response as written, redacted as the record's values are. A log that
// keeps or prints bodies (the provisioning console) then stores a string it would otherwise have to
// serialise from the values (RFC 7644 §3.12; RFC 7643 §4.1.1: the password is never returned).
import { describe, expect, it } from 'vitest';
import type { RequestLogRecord, RequestLogText } from '@scim/server';
import { BASE, PO, U, server } from './helpers.js';

function logged(debug: boolean) {
  const calls: { record: RequestLogRecord; text: RequestLogText | undefined; count: number }[] = [];
  const { handler } = server({
    debug,
    log: (...args: [RequestLogRecord, RequestLogText?]) =>
      void calls.push({ record: args[0], text: args[1], count: args.length }),
  });
  const send = async (method: string, path: string, body?: string) => {
    const response = await handler.fetch(
      new Request(`${BASE}${path}`, {
        method,
        headers: { authorization: 'Bearer secret', 'content-type': 'application/scim+json' },
        body: body ?? null,
      }),
    );
    return { status: response.status, text: await response.text() };
  };
  return { calls, send };
}

describe('log text: the bodies of a debug record as JSON text (RFC 7644 §3.12)', () => {
  it('gives the request text as the client sent it and the response text as written', async () => {
    const { calls, send } = logged(true);
    // Spaced and ordered as no serialiser would: the text is the client's, not a re-serialisation.
    const sent = `{ "userName" : "zoë",\n  "schemas": ["${U}"] }`;
    const answer = await send('POST', '/Users', sent);
    expect(answer.status).toBe(201);
    expect(calls[0]?.text).toEqual({ requestBody: sent, responseBody: answer.text });
    expect(JSON.parse(calls[0]?.text?.responseBody ?? '')).toEqual(calls[0]?.record.responseBody);
  });

  it('gives no text for a body the record does not have: a GET sends none, a 204 answers none', async () => {
    const { calls, send } = logged(true);
    const created = JSON.parse(
      (await send('POST', '/Users', JSON.stringify({ schemas: [U], userName: 'bjensen' }))).text,
    ) as { id: string };
    await send('GET', `/Users/${created.id}`);
    await send('DELETE', `/Users/${created.id}`);
    expect(calls[1]?.text).toEqual({ responseBody: expect.any(String) as string });
    expect(calls[2]?.text).toEqual({});
  });

  it('RFC 7643 §4.1.1: a body naming a password gives the text of its redacted value', async () => {
    const { calls, send } = logged(true);
    const created = JSON.parse(
      (
        await send(
          'POST',
          '/Users',
          JSON.stringify({ schemas: [U], userName: 'bjensen', password: 'hunter2' }),
        )
      ).text,
    ) as { id: string };
    await send(
      'PATCH',
      `/Users/${created.id}`,
      JSON.stringify({
        schemas: [PO],
        Operations: [{ op: 'replace', path: 'password', value: 'hunter3' }],
      }),
    );
    for (const { record, text } of calls) {
      expect(JSON.stringify(text)).not.toMatch(/hunter/);
      expect(JSON.parse(text?.requestBody ?? '')).toEqual(record.requestBody);
    }
    expect(JSON.parse(calls[0]?.text?.requestBody ?? '')).toMatchObject({
      password: '[redacted]',
    });
  });

  it('a body that only names the word password keeps its text as sent', async () => {
    const { calls, send } = logged(true);
    const sent = `{"schemas":["${U}"],"userName":"password-reset-bot"}`;
    expect((await send('POST', '/Users', sent)).status).toBe(201);
    expect(calls[0]?.text?.requestBody).toBe(sent);
  });

  it('without debug, log is called with the record alone', async () => {
    const { calls, send } = logged(false);
    await send('POST', '/Users', JSON.stringify({ schemas: [U], userName: 'bjensen' }));
    expect(calls[0]?.count).toBe(1);
    expect(calls[0]?.text).toBeUndefined();
  });
});
