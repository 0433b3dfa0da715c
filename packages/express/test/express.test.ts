// The shared conformance kit against Express 4 and 5, over a real HTTP server on an ephemeral port.
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express5 from 'express';
import express4 from 'express4';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScimError } from '@scim/core';
import { scimErrorHandler, scimMiddleware } from '@scim/express';
import { createMemoryStore } from '@scim/server/memory';
import { conformanceCases } from '@scim/server/testing';
import type { RequestLogRecord } from '@scim/server';

const TOKEN = 'Bearer conformance';

function app(factory: typeof express5, options: { bodyParser: boolean; mount: string }) {
  const instance = factory();
  if (options.bodyParser)
    instance.use(factory.json({ type: ['application/json', 'application/scim+json'] }));
  instance.use(
    options.mount,
    scimMiddleware({
      basePath: options.mount,
      stores: { User: createMemoryStore(), Group: createMemoryStore() },
      hashPassword: (password) => Promise.resolve(`test:${password.length}`),
      authenticate: (request) => {
        if (request.headers.get('authorization') !== TOKEN)
          throw ScimError.unauthorized('A valid bearer token is required');
        return { principal: 'test' };
      },
    }),
    scimErrorHandler(),
  );
  return instance;
}

for (const [label, factory] of [
  ['Express 5', express5],
  // Express 4's types differ in detail; the middleware only relies on what both versions share.
  ['Express 4', express4 as unknown as typeof express5],
] as const) {
  for (const bodyParser of [false, true]) {
    describe(`${label}${bodyParser ? ' behind express.json()' : ''}`, () => {
      const mount = '/tenant-a/scim/v2';
      const server: Server = createServer(app(factory, { bodyParser, mount }));
      let baseUrl = '';
      beforeAll(async () => {
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}${mount}`;
      });
      afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

      const target = {
        fetch: (request: Request) => fetch(request),
        get baseUrl() {
          return baseUrl;
        },
        headers: { authorization: TOKEN },
      };
      for (const conformance of conformanceCases(target))
        it(`${conformance.id}: ${conformance.name}`, conformance.run);

      it('meta.location keeps the mount path (req.originalUrl)', async () => {
        const response = await fetch(`${baseUrl}/Users`, {
          method: 'POST',
          headers: { authorization: TOKEN, 'content-type': 'application/scim+json' },
          body: JSON.stringify({
            schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
            userName: `mount-${bodyParser}`,
          }),
        });
        const body = (await response.json()) as { meta: { location: string } };
        expect(body.meta.location.startsWith(`${baseUrl}/Users/`)).toBe(true);
        expect(response.headers.get('location')).toBe(body.meta.location);
      });
    });
  }
}

describe('the debug log record behind Express', () => {
  it('lists the request headers as the client sent them (req.rawHeaders), Authorization redacted', async () => {
    const records: RequestLogRecord[] = [];
    const instance = express5();
    instance.use(
      '/scim/v2',
      scimMiddleware({
        stores: { User: createMemoryStore(), Group: createMemoryStore() },
        authenticate: () => ({ principal: 'test' }),
        debug: true,
        log: (record) => void records.push(record),
      }),
    );
    const server = createServer(instance);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      // node:http sends a list of headers in the case and order given (fetch would lowercase them).
      const status = await new Promise<number | undefined>((resolve, reject) => {
        const sent = request(
          {
            host: '127.0.0.1',
            port,
            path: '/scim/v2/Users',
            headers: [
              'X-Trace',
              'first',
              'Authorization',
              TOKEN,
              'x-TRACE',
              'second',
              'Host',
              `127.0.0.1:${port}`,
            ],
          },
          (response) => {
            response.resume();
            response.on('end', () => resolve(response.statusCode));
          },
        );
        sent.on('error', reject);
        sent.end();
      });
      expect(status).toBe(200);
      const headers = records[0]?.requestHeaders ?? [];
      expect(headers.slice(0, 6)).toEqual([
        'X-Trace',
        'first',
        'Authorization',
        '[redacted]',
        'x-TRACE',
        'second',
      ]);
      expect(JSON.stringify(records)).not.toContain('conformance');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
