// Both kinds of request the bridge can hand the handler (the lightweight one, and the real one it
// falls back to where a runtime cannot copy the lightweight one) held to the same behaviour.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { toWebRequest, type BodySource } from '../src/lib/node-request.ts';

interface Exchange {
  readonly method?: string;
  readonly body?: BodySource['kind'];
  readonly headers?: Record<string, string>;
  readonly text?: string;
}

/** Serves one request: `look` gets the bridged request; its result is answered as JSON. */
async function serve(
  light: boolean,
  exchange: Exchange,
  look: (request: Request) => Promise<unknown>,
): Promise<unknown> {
  let seen: Promise<unknown> = Promise.resolve(undefined);
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const method = (req.method ?? 'GET').toUpperCase();
    const { request } = toWebRequest(
      {
        req,
        res,
        url: `http://localhost${req.url ?? '/'}`,
        method,
        forbidden: method === 'TRACE',
        body: { kind: exchange.body ?? 'none' } as BodySource,
      },
      light,
    );
    seen = look(request);
    seen.then(
      (value) => res.end(JSON.stringify(value ?? null)),
      (error: unknown) => res.end(JSON.stringify({ error: String(error) })),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const response = await fetch(`http://127.0.0.1:${port}/scim/v2/Users?x=1`, {
      method: exchange.method ?? 'GET',
      headers: exchange.headers ?? {},
      ...(exchange.text === undefined ? {} : { body: exchange.text }),
    });
    await response.text();
    return await seen;
  } finally {
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

for (const light of [true, false]) {
  describe(light ? 'the lightweight request' : 'the real request (fallback)', () => {
    it('is a Request with the url, method and headers the client sent', async () => {
      const seen = await serve(light, { headers: { 'x-one': 'a' } }, (request) =>
        Promise.resolve({
          instance: request instanceof Request,
          url: request.url,
          method: request.method,
          header: request.headers.get('X-One'),
          body: request.body,
          aborted: request.signal.aborted,
        }),
      );
      expect(seen).toEqual({
        instance: true,
        url: 'http://localhost/scim/v2/Users?x=1',
        method: 'GET',
        header: 'a',
        body: null,
        aborted: false,
      });
    });

    it('streams the body, and can be copied with new Request()', async () => {
      const seen = await serve(
        light,
        { method: 'POST', body: 'stream', text: '{"a":1}', headers: { 'x-one': 'a' } },
        async (request) => {
          const copy = new Request(request);
          return {
            copy: [copy.url, copy.method, copy.headers.get('x-one')],
            text: await copy.text(),
            used: request.bodyUsed,
          };
        },
      );
      expect(seen).toEqual({
        copy: ['http://localhost/scim/v2/Users?x=1', 'POST', 'a'],
        text: '{"a":1}',
        used: true,
      });
    });

    it('once the body is read, reads as a used Request (bodyUsed, clone(), inspect)', async () => {
      const seen = await serve(
        light,
        { method: 'POST', body: 'stream', text: '{"a":1}' },
        async (request) => {
          const reader = (request.body as ReadableStream<Uint8Array>).getReader();
          while (!(await reader.read()).done);
          let clone = 'cloned';
          try {
            request.clone();
          } catch (error) {
            clone = (error as Error).name;
          }
          return { used: request.bodyUsed, clone, inspect: inspect(request).startsWith('Request') };
        },
      );
      expect(seen).toEqual({ used: true, clone: 'TypeError', inspect: true });
    });

    it('reports TRACE, which a Web Request refuses, as its method', async () => {
      const socketReply = await new Promise<string>((resolve) => {
        const server = createServer((req, res) => {
          const { request } = toWebRequest(
            {
              req,
              res,
              url: 'http://localhost/',
              method: 'TRACE',
              forbidden: true,
              body: { kind: 'none' },
            },
            light,
          );
          res.end(`${request.method} ${request.body === null ? 'null' : 'a body'}`);
        });
        server.listen(0, '127.0.0.1', () => {
          const { port } = server.address() as AddressInfo;
          const socket = connect(port, '127.0.0.1', () =>
            socket.write('TRACE / HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n'),
          );
          let text = '';
          socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
          socket.on('close', () => server.close(() => resolve(text)));
        });
      });
      expect(socketReply.split('\r\n\r\n')[1]).toBe('TRACE null');
    });

    it('its signal aborts when the client leaves, whether read before or after', async () => {
      const outcome = await new Promise<[boolean, boolean]>((resolve) => {
        const server = createServer((req, res) => {
          const parts = {
            req,
            res,
            url: 'http://localhost/',
            method: 'GET',
            forbidden: false,
            body: { kind: 'none' } as const,
          };
          const early = toWebRequest(parts, light).request;
          const watched = early.signal;
          const late = toWebRequest(parts, light).request;
          res.once('close', () =>
            setImmediate(() => {
              const result: [boolean, boolean] = [watched.aborted, late.signal.aborted];
              server.close(() => resolve(result));
            }),
          );
        });
        server.listen(0, '127.0.0.1', () => {
          const { port } = server.address() as AddressInfo;
          const socket = connect(port, '127.0.0.1', () => {
            socket.write('GET / HTTP/1.1\r\nhost: localhost\r\n\r\n');
            setTimeout(() => socket.destroy(), 30);
          });
        });
      });
      expect(outcome).toEqual([true, true]);
    });
  });
}
