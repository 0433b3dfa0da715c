// The request the handler gets and the response the client gets, as the bridge makes them without
// a real undici Request per call: what a Request gives must still be there, and a URL must read
// exactly as `new URL(…).href` spells it however little of it was parsed.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scimErrorHandler, scimMiddleware } from '@scim/express';
import { createScimHandler, type ScimHandler } from '@scim/server';
import { createMemoryStore } from '@scim/server/memory';
import { rawExchange } from './raw-http.ts';

interface Seen {
  request: Request;
  url: string;
  instance: boolean;
  text?: string;
  cloned?: string;
}

const TOKEN = 'Bearer request';
const seen: Seen[] = [];
/** Set by a test to run once the handler has the request, before it reads anything else. */
let pause: ((request: Request) => Promise<void>) | undefined;
const handed: Response[] = [];

const inner = createScimHandler({
  stores: { User: createMemoryStore(), Group: createMemoryStore() },
  authenticate: (request) => {
    if (request.headers.get('authorization') !== TOKEN) throw new Error('unexpected caller');
    return { principal: 'test' };
  },
});

// A handler that looks at the request as user code (a hook, a wrapper) might, then lets the real
// one answer.
const handler = {
  ...inner,
  fetch: async (request: Request) => {
    const entry: Seen = { request, url: request.url, instance: request instanceof Request };
    seen.push(entry);
    if (pause !== undefined) await pause(request);
    if (request.headers.get('x-read') === 'clone') {
      entry.cloned = await request.clone().text();
      entry.text = await request.text();
      return new Response(null, { status: 204 });
    }
    // A signature check in front of the handler reads a copy of the body, then passes the request on.
    if (request.headers.get('x-read') === 'clone-then-handle')
      entry.cloned = await request.clone().text();
    if (request.headers.get('x-answer') === 'cookies') {
      const headers = new Headers();
      headers.append('set-cookie', 'a=1');
      headers.append('set-cookie', 'b=2');
      return new Response('{}', { status: 200, headers });
    }
    const response = await inner.fetch(request);
    handed.push(response);
    return response;
  },
} satisfies ScimHandler;

const app = express();
app.use('/scim/v2', scimMiddleware(handler), scimErrorHandler());
let server: Server;
let port = 0;

beforeAll(async () => {
  server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function get(target: string, host: string, extra = ''): Promise<{ status: number }> {
  return rawExchange(
    port,
    `GET ${target} HTTP/1.1\r\nhost: ${host}\r\nauthorization: ${TOKEN}\r\n${extra}connection: close\r\n\r\n`,
  );
}

describe('the request the handler gets', () => {
  it('is a Request: instanceof holds, and clone() and text() read the streamed body', async () => {
    seen.length = 0;
    const body = JSON.stringify({ hello: 'world' });
    const response = await fetch(`http://127.0.0.1:${port}/scim/v2/Users`, {
      method: 'POST',
      headers: { authorization: TOKEN, 'content-type': 'application/json', 'x-read': 'clone' },
      body,
    });
    expect(response.status).toBe(204);
    expect(seen[0]?.instance).toBe(true);
    expect(seen[0]?.cloned).toBe(body);
    expect(seen[0]?.text).toBe(body);
    expect(seen[0]?.request.method).toBe('POST');
    expect(seen[0]?.request.headers.get('content-type')).toBe('application/json');
  });

  it('a body a clone() has read is still whole for the handler, streamed in chunks without a Content-Length', async () => {
    seen.length = 0;
    // A group, so the user listings of the other tests stay empty.
    const user = JSON.stringify({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'chunked',
    });
    const chunk = (text: string) => `${Buffer.byteLength(text).toString(16)}\r\n${text}\r\n`;
    const reply = await rawExchange(
      port,
      `POST /scim/v2/Groups HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: ${TOKEN}\r\n` +
        `content-type: application/scim+json\r\nx-read: clone-then-handle\r\n` +
        `transfer-encoding: chunked\r\nconnection: close\r\n\r\n` +
        chunk(user.slice(0, 20)) +
        chunk(user.slice(20)) +
        '0\r\n\r\n',
    );
    expect(seen[0]?.cloned).toBe(user);
    expect(reply.status).toBe(201);
  });

  it('has the URL a parser gives, for plain and for unusual Hosts and paths', async () => {
    const cases: [target: string, host: string, url: string][] = [
      [
        '/scim/v2/Users?count=2',
        `127.0.0.1:${port}`,
        `http://127.0.0.1:${port}/scim/v2/Users?count=2`,
      ],
      // The same origin spelled as a parser would not: the case and the default port go.
      ['/scim/v2/Users', 'LocalHost:80', 'http://localhost/scim/v2/Users'],
      // Dot segments, plain and percent-encoded, are resolved.
      ['/scim/v2/x/../Users', 'localhost', 'http://localhost/scim/v2/Users'],
      ['/scim/v2/x/%2E%2e/Users', 'localhost', 'http://localhost/scim/v2/Users'],
      // Characters a parser encodes are encoded.
      [
        "/scim/v2/Users?filter=userName%20eq%20'a'",
        'localhost',
        'http://localhost/scim/v2/Users?filter=userName%20eq%20%27a%27',
      ],
      [
        '/scim/v2/Users?filter=%22a%22',
        'localhost',
        'http://localhost/scim/v2/Users?filter=%22a%22',
      ],
    ];
    for (const [target, host, url] of cases) {
      seen.length = 0;
      await get(target, host);
      expect(seen[0]?.url, `${host} ${target}`).toBe(url);
      expect(seen[0]?.url).toBe(new URL(url).href);
    }
  });

  it('a Host the middleware has seen with credentials is refused every time, not only the first', async () => {
    for (let attempt = 0; attempt < 2; attempt++) {
      const reply = await get('/scim/v2/Users', 'user@localhost');
      expect(reply.status).toBe(400);
    }
  });

  it('context.signal is aborted when the client went away before anything read it', async () => {
    seen.length = 0;
    let aborted: boolean | undefined;
    const done = new Promise<void>((resolve) => {
      pause = async (request) => {
        // Wait for the connection to be gone before the signal is first touched.
        await new Promise((wait) => setTimeout(wait, 100));
        aborted = request.signal.aborted;
        resolve();
      };
    });
    const { connect } = await import('node:net');
    const socket = connect(port, '127.0.0.1', () => {
      socket.write(
        `GET /scim/v2/Users HTTP/1.1\r\nhost: localhost\r\nauthorization: ${TOKEN}\r\n\r\n`,
      );
      setTimeout(() => socket.destroy(), 20);
    });
    await done;
    pause = undefined;
    expect(aborted).toBe(true);
  });
});

describe('the response the client gets', () => {
  it("writes the handler's own responses without reading their body stream", async () => {
    handed.length = 0;
    const response = await fetch(`http://127.0.0.1:${port}/scim/v2/Users`, {
      headers: { authorization: TOKEN },
    });
    expect(response.status).toBe(200);
    expect(JSON.parse(await response.text())).toMatchObject({ totalResults: 0 });
    expect(response.headers.get('content-length')).not.toBeNull();
    expect(handed[0]?.bodyUsed).toBe(false);
  });

  it('keeps repeated response headers (Set-Cookie) apart', async () => {
    const response = await fetch(`http://127.0.0.1:${port}/scim/v2/Users`, {
      headers: { authorization: TOKEN, 'x-answer': 'cookies' },
    });
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    await response.text();
  });
});
