// The OAuth 2.0 client-credentials token source (RFC 6749 §4.4) against a real token endpoint on
// loopback, and handed to the push transport as its authorization.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createClientCredentials,
  type ClientCredentialsOptions,
} from '../src/lib/client-credentials.ts';
import { pushSet } from '../src/lib/push-transport.ts';
import { closeServers } from './fixtures/loopback.js';

interface Seen {
  readonly headers: IncomingMessage['headers'];
  readonly form: URLSearchParams;
}

const servers: Server[] = [];
afterEach(() => closeServers(servers));

/** A token endpoint on 127.0.0.1; `answer` gets the request count so far. */
async function tokenEndpoint(
  answer: (count: number, res: ServerResponse) => void,
): Promise<{ readonly url: string; readonly seen: Seen[] }> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      seen.push({
        headers: req.headers,
        form: new URLSearchParams(Buffer.concat(chunks).toString('utf8')),
      });
      answer(seen.length, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  servers.push(server);
  const { port } = server.address() as AddressInfo;
  return { url: `http://idp.test:${port}/oauth2/token`, seen };
}

const json =
  (status: number, body: unknown) =>
  (_count: number, res: ServerResponse): void => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  };

const tokenAnswer = (accessToken: string, expiresIn: number | string = 3600) => ({
  access_token: accessToken,
  token_type: 'Bearer',
  expires_in: expiresIn,
});

/** Options for a token endpoint on loopback. */
function nearby(
  url: string,
  more: Partial<ClientCredentialsOptions> = {},
): ClientCredentialsOptions {
  return {
    tokenEndpoint: url,
    clientId: 'scim-events',
    clientSecret: 'the-client-secret',
    allowPrivate: true,
    allowHttp: true,
    resolve: () => Promise.resolve(['127.0.0.1']),
    ...more,
  };
}

describe('RFC 6749 §4.4.2: the access token request', () => {
  it('POSTs grant_type=client_credentials as a form, with scope and audience', async () => {
    const endpoint = await tokenEndpoint(json(200, tokenAnswer('tok-1')));
    const tokens = createClientCredentials(
      nearby(endpoint.url, {
        scope: ['events:write', 'events:read'],
        audience: 'https://receiver.example.com',
      }),
    );
    await tokens.token();
    const [request] = endpoint.seen;
    expect(request?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(request?.headers.accept).toBe('application/json');
    expect(Object.fromEntries(request?.form ?? [])).toEqual({
      grant_type: 'client_credentials',
      scope: 'events:write events:read',
      audience: 'https://receiver.example.com',
    });
  });

  it('RFC 6749 §2.3.1: authenticates with HTTP Basic by default, id and secret form-encoded first', async () => {
    const endpoint = await tokenEndpoint(json(200, tokenAnswer('tok-1')));
    const tokens = createClientCredentials(
      nearby(endpoint.url, { clientId: 'svc:events', clientSecret: 'p@ss word/+' }),
    );
    await tokens.token();
    const basic = endpoint.seen[0]?.headers.authorization ?? '';
    expect(basic.startsWith('Basic ')).toBe(true);
    expect(Buffer.from(basic.slice(6), 'base64').toString('utf8')).toBe(
      'svc%3Aevents:p%40ss+word%2F%2B',
    );
    expect(endpoint.seen[0]?.form.has('client_secret')).toBe(false);
  });

  it('RFC 6749 §2.3.1: sends client_id and client_secret in the body when told to', async () => {
    const endpoint = await tokenEndpoint(json(200, tokenAnswer('tok-1')));
    await createClientCredentials(nearby(endpoint.url, { clientAuthentication: 'body' })).token();
    const [request] = endpoint.seen;
    expect(request?.headers.authorization).toBeUndefined();
    expect(request?.form.get('client_id')).toBe('scim-events');
    expect(request?.form.get('client_secret')).toBe('the-client-secret');
  });
});

describe('RFC 6749 §5.1: the access token response, cached until shortly before it expires', () => {
  it('gives `Bearer <token>` for the push transport', async () => {
    const endpoint = await tokenEndpoint(json(200, tokenAnswer('tok-1')));
    expect(await createClientCredentials(nearby(endpoint.url)).authorization()).toBe(
      'Bearer tok-1',
    );
  });

  it('reuses the token until refreshBeforeMs before expires_in runs out', async () => {
    const endpoint = await tokenEndpoint((count, res) =>
      json(200, tokenAnswer(`tok-${count}`, 3600))(count, res),
    );
    let clock = 1_000_000;
    const tokens = createClientCredentials(
      nearby(endpoint.url, { now: () => clock, refreshBeforeMs: 60_000 }),
    );
    expect(await tokens.authorization()).toBe('Bearer tok-1');
    clock += 3_539_000; // 61 s before expiry
    expect(await tokens.authorization()).toBe('Bearer tok-1');
    clock += 2_000; // 59 s before expiry
    expect(await tokens.authorization()).toBe('Bearer tok-2');
    expect(endpoint.seen).toHaveLength(2);
  });

  it('sends one request however many deliveries ask at once', async () => {
    const endpoint = await tokenEndpoint((count, res) => {
      setTimeout(() => json(200, tokenAnswer(`tok-${count}`))(count, res), 50);
    });
    const tokens = createClientCredentials(nearby(endpoint.url));
    const all = await Promise.all(Array.from({ length: 5 }, () => tokens.authorization()));
    expect(new Set(all)).toEqual(new Set(['Bearer tok-1']));
    expect(endpoint.seen).toHaveLength(1);
  });

  it('fetches again after invalidate(), as after a receiver answered 401', async () => {
    const endpoint = await tokenEndpoint((count, res) =>
      json(200, tokenAnswer(`tok-${count}`))(count, res),
    );
    const tokens = createClientCredentials(nearby(endpoint.url));
    expect(await tokens.authorization()).toBe('Bearer tok-1');
    tokens.invalidate();
    expect(await tokens.authorization()).toBe('Bearer tok-2');
  });

  it('accepts expires_in sent as a string of digits, and a lowercase token_type', async () => {
    const endpoint = await tokenEndpoint(
      json(200, { access_token: 'tok-1', token_type: 'bearer', expires_in: '3599' }),
    );
    const result = await createClientCredentials(nearby(endpoint.url, { now: () => 0 })).token();
    expect(result).toEqual({ ok: true, value: { accessToken: 'tok-1', expiresAt: 3_599_000 } });
  });

  it('refuses an answer that is not a bearer token', async () => {
    const answers: Record<string, unknown> = {
      'not JSON': '<html>',
      'no access_token': { token_type: 'Bearer' },
      'a token that would split a header': { access_token: 'a\r\nX-Evil: 1', token_type: 'Bearer' },
      'a MAC token': { access_token: 'tok', token_type: 'mac' },
      'a negative expires_in': { access_token: 'tok', token_type: 'Bearer', expires_in: -1 },
    };
    for (const [name, body] of Object.entries(answers)) {
      const endpoint = await tokenEndpoint((_count, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(typeof body === 'string' ? body : JSON.stringify(body));
      });
      const result = await createClientCredentials(nearby(endpoint.url)).token();
      expect(result.ok ? undefined : result.issues[0].code, name).toBe('invalid_response');
    }
  });
});

describe('RFC 6749 §5.2: an OAuth error is a clear result', () => {
  it('reports the error code and description, never the secret', async () => {
    const endpoint = await tokenEndpoint(
      json(401, { error: 'invalid_client', error_description: 'Client authentication failed' }),
    );
    const result = await createClientCredentials(nearby(endpoint.url)).token();
    expect(result).toEqual({
      ok: false,
      issues: [
        {
          code: 'oauth_error',
          error: 'invalid_client',
          status: 401,
          message: 'the token endpoint answered 401 invalid_client: Client authentication failed',
        },
      ],
    });
    expect(JSON.stringify(result)).not.toContain('the-client-secret');
  });

  it('makes authorization() throw that message, so the push is retried and says why', async () => {
    const endpoint = await tokenEndpoint(json(400, { error: 'invalid_scope' }));
    const tokens = createClientCredentials(nearby(endpoint.url));
    await expect(tokens.authorization()).rejects.toThrow(
      'the token endpoint answered 400 invalid_scope',
    );
    const result = await pushSet('a.b.c', 'https://receiver.example.com/', {
      resolve: () => Promise.resolve(['93.184.215.14']),
      authorization: tokens.authorization,
    });
    expect(result).toEqual({
      outcome: 'retry',
      reason: 'no authorization for the receiver: the token endpoint answered 400 invalid_scope',
    });
  });

  it('does not cache a failure: the next call asks again', async () => {
    const endpoint = await tokenEndpoint((count, res) =>
      count === 1 ? json(503, {})(count, res) : json(200, tokenAnswer('tok-2'))(count, res),
    );
    const tokens = createClientCredentials(nearby(endpoint.url));
    expect(await tokens.token()).toMatchObject({
      ok: false,
      issues: [{ code: 'http_error', status: 503 }],
    });
    expect(await tokens.authorization()).toBe('Bearer tok-2');
  });

  it('reports a token endpoint that does not answer in time as a network issue', async () => {
    const endpoint = await tokenEndpoint(() => undefined);
    const result = await createClientCredentials(nearby(endpoint.url, { timeoutMs: 100 })).token();
    expect(result).toEqual({
      ok: false,
      issues: [{ code: 'network', message: 'token endpoint: no answer within 100 ms (timeout)' }],
    });
  });

  it('checks the token endpoint against SSRF too', async () => {
    const result = await createClientCredentials({
      tokenEndpoint: 'https://idp.example.com/token',
      clientId: 'a',
      clientSecret: 'b',
      resolve: () => Promise.resolve(['169.254.169.254']),
    }).token();
    expect(result).toMatchObject({ ok: false, issues: [{ code: 'refused_url' }] });
  });
});

describe('number options are checked when the source is made', () => {
  it('a timeoutMs that is NaN, negative, fractional, zero or past the timer limit is a RangeError', () => {
    for (const timeoutMs of [Number.NaN, -5, 1.5, 0, Number.POSITIVE_INFINITY, 2 ** 31])
      expect(
        () => createClientCredentials(nearby('https://idp.example.com/token', { timeoutMs })),
        String(timeoutMs),
      ).toThrow(RangeError);
  });

  it('a refreshBeforeMs that is NaN or negative is a RangeError', () => {
    for (const refreshBeforeMs of [Number.NaN, -1])
      expect(
        () => createClientCredentials(nearby('https://idp.example.com/token', { refreshBeforeMs })),
        String(refreshBeforeMs),
      ).toThrow(RangeError);
  });
});

describe('RFC 8935 §3 with RFC 6749 §4.4: a push authorized by client credentials', () => {
  it('sends the fetched token to the receiver', async () => {
    const endpoint = await tokenEndpoint(json(200, tokenAnswer('tok-1')));
    const seen: (string | undefined)[] = [];
    const receiver = createServer((req, res) => {
      seen.push(req.headers.authorization);
      res.writeHead(202).end();
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    servers.push(receiver);
    const { port } = receiver.address() as AddressInfo;
    const tokens = createClientCredentials(nearby(endpoint.url));
    const options = {
      allowPrivate: true,
      allowHttp: true,
      resolve: () => Promise.resolve(['127.0.0.1']),
      authorization: tokens.authorization,
    };
    expect(await pushSet('a.b.c', `http://receiver.test:${port}/`, options)).toMatchObject({
      outcome: 'delivered',
    });
    expect(await pushSet('a.b.c', `http://receiver.test:${port}/`, options)).toMatchObject({
      outcome: 'delivered',
    });
    expect(seen).toEqual(['Bearer tok-1', 'Bearer tok-1']);
    expect(endpoint.seen).toHaveLength(1);
  });
});
