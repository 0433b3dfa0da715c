// What only a real socket shows: methods a Web Request cannot carry, a body over the limit while the
// client is still sending it, and the abort signal a store sees, against Express 4 and 5.
import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import express5 from 'express';
import express4 from 'express4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScimError } from '@scim/core';
import { scimErrorHandler, scimMiddleware } from '@scim/express';
import type { ScimHandlerOptions } from '@scim/server';
import { rawExchange, rawRequest, sendLargeBody } from './raw-http.ts';
import { driverLikeStore, holdingStore, writeWithBodies } from './signal-store.ts';

const TOKEN = 'Bearer transport';
const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const LIMIT = 64 * 1024;

function listen(app: (req: never, res: never) => void): Promise<{ server: Server; port: number }> {
  const server = createServer(app as Parameters<typeof createServer>[1]);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ server, port: (server.address() as AddressInfo).port }),
    ),
  );
}

function options(stores: ScimHandlerOptions['stores']): ScimHandlerOptions {
  return {
    stores,
    limits: { maxPayloadBytes: LIMIT },
    hashPassword: (password) => Promise.resolve(`test:${password.length}`),
    authenticate: (request) => {
      if (request.headers.get('authorization') !== TOKEN)
        throw ScimError.unauthorized('A valid bearer token is required');
      return { principal: 'test' };
    },
  };
}

const json = { authorization: TOKEN, 'content-type': 'application/scim+json' };

for (const [label, factory] of [
  ['Express 5', express5],
  ['Express 4', express4 as unknown as typeof express5],
] as const) {
  describe(label, () => {
    const users = driverLikeStore();
    const groups = driverLikeStore();
    let slowCreate: { started: () => void; seen: (aborted: boolean) => void } | undefined;
    const slow = holdingStore({
      started: () => slowCreate?.started(),
      seen: (aborted) => slowCreate?.seen(aborted),
    });
    const app = factory();
    // What method-override middleware (or another HTTP stack than Node's) does: deliver a method
    // Node's own parser never passes on.
    app.use((req, _res, next) => {
      const override = req.headers['x-http-method-override'];
      if (typeof override === 'string') req.method = override;
      next();
    });
    app.use(
      '/scim/v2',
      scimMiddleware(options({ User: users.store, Group: groups.store })),
      scimErrorHandler(),
    );
    app.use(
      '/slow/scim/v2',
      scimMiddleware({
        ...options({ User: slow, Group: groups.store }),
        basePath: '/slow/scim/v2',
        // The abandoned request ends in the store's abort error, which no client is left to see.
        onError: () => undefined,
      }),
    );
    app.use(
      '/parsed/scim/v2',
      factory.json({ limit: '1kb', type: ['application/json', 'application/scim+json'] }),
      scimMiddleware({
        ...options({ User: users.store, Group: groups.store }),
        basePath: '/parsed/scim/v2',
      }),
      scimErrorHandler(),
    );
    let server: Server;
    let port = 0;
    let base = '';
    beforeAll(async () => {
      ({ server, port } = await listen(app));
      base = `http://127.0.0.1:${port}/scim/v2`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('P-CRUD-22: TRACE (a method a Web Request refuses) answers 405 with an ERR body and Allow', async () => {
      for (const [path, allow] of [
        ['/Users', 'GET, POST'],
        ['/ServiceProviderConfig', 'GET'],
      ] as const) {
        const reply = await rawRequest(`${base}${path}`, 'TRACE', { authorization: TOKEN });
        expect(reply.status).toBe(405);
        expect(reply.headers.allow).toBe(allow);
        expect(reply.headers['content-type']).toBe('application/scim+json');
        expect(JSON.parse(reply.body)).toMatchObject({ status: '405' });
      }
    });

    it('P-CRUD-22: TRACK and CONNECT, when they reach the app, answer 405 too', async () => {
      for (const method of ['TRACK', 'CONNECT', 'connect']) {
        const reply = await rawRequest(`${base}/Users`, 'POST', {
          authorization: TOKEN,
          'x-http-method-override': method,
        });
        expect(reply.status).toBe(405);
        expect(reply.headers.allow).toBe('GET, POST');
        expect(JSON.parse(reply.body)).toMatchObject({ status: '405' });
      }
    });

    it('P-CRUD-22: a method Node knows but SCIM does not (PROPFIND) answers 405', async () => {
      const reply = await rawRequest(`${base}/Users`, 'PROPFIND', { authorization: TOKEN });
      expect(reply.status).toBe(405);
      expect(JSON.parse(reply.body)).toMatchObject({ status: '405' });
    });

    it('a Host header that makes no URL answers 400 with an ERR body, not 500', async () => {
      for (const host of ['a b', '[::1', 'ex%ample', 'user@127.0.0.1', 'u:p@localhost']) {
        const reply = await rawExchange(
          port,
          `GET /scim/v2/ServiceProviderConfig HTTP/1.1\r\nhost: ${host}\r\nconnection: close\r\n\r\n`,
        );
        expect(reply.status).toBe(400);
        expect(JSON.parse(reply.body)).toMatchObject({ status: '400' });
      }
    });

    for (const chunked of [false, true]) {
      it(`P-SEC-13: a body far over the limit (${chunked ? 'chunked' : 'Content-Length'}) gets the whole 413 with Connection: close, the connection closes cleanly, and the next connection works`, async () => {
        const reply = await sendLargeBody(
          port,
          `POST /scim/v2/Users HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: ${TOKEN}\r\ncontent-type: application/scim+json`,
          128 * LIMIT,
          { chunked },
        );
        expect(reply.error).toBeUndefined();
        expect(reply.status).toBe(413);
        expect(reply.headers.connection).toBe('close');
        expect(JSON.parse(reply.body)).toMatchObject({ status: '413' });
        const next = await fetch(`${base}/Users`, { headers: { authorization: TOKEN } });
        expect(next.status).toBe(200);
        await next.text();
      });
    }

    it('P-SEC-13: express.json() refusing a body over its own limit answers a SCIM 413 with Connection: close', async () => {
      const reply = await sendLargeBody(
        port,
        `POST /parsed/scim/v2/Users HTTP/1.1\r\nhost: 127.0.0.1\r\n${`authorization: ${TOKEN}`}\r\ncontent-type: application/scim+json`,
        1024 * 1024,
      );
      expect(reply.error).toBeUndefined();
      expect(reply.status).toBe(413);
      expect(reply.headers.connection).toBe('close');
      expect(reply.headers['content-type']).toBe('application/scim+json');
      expect(JSON.parse(reply.body)).toMatchObject({ status: '413' });
    });

    it('a request body the handler never reads (401 before the body) still gets the whole answer', async () => {
      const reply = await sendLargeBody(
        port,
        'POST /scim/v2/Users HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/scim+json',
        16 * LIMIT,
      );
      expect(reply.error).toBeUndefined();
      expect(reply.status).toBe(401);
      expect(reply.headers.connection).toBe('close');
    });

    it('context.signal stays unaborted for POST, PUT, PATCH and Bulk once Node has read the body', async () => {
      await writeWithBodies(
        (path, method, body) =>
          fetch(`${base}${path}`, { method, headers: json, body: JSON.stringify(body) }),
        `signal-${label}`,
      );
      expect([...users.aborted, ...groups.aborted]).toEqual([]);
    });

    it('context.signal aborts when the client goes away before the answer', async () => {
      const outcome = new Promise<boolean>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1');
        const body = JSON.stringify({ schemas: [U], userName: `gone-${label}` });
        slowCreate = {
          started: () => socket.destroy(),
          seen: resolve,
        };
        socket.on('error', reject);
        socket.write(
          `POST /slow/scim/v2/Users HTTP/1.1\r\nhost: 127.0.0.1\r\nauthorization: ${TOKEN}\r\ncontent-type: application/scim+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
        );
      });
      const started = Date.now();
      expect(await outcome).toBe(true);
      expect(Date.now() - started).toBeLessThan(2_000);
      slowCreate = undefined;
    });
  });
}
