// The example server passes the shared conformance kit, over HTTP, in each preset.
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashBearerToken } from '@scim/server';
import { createMemoryStorage } from '@scim/server/memory';
import { conformanceCases } from '@scim/server/testing';
import { createApp } from '../app.mjs';

/**
 * Listens first, then mounts the app with the base URL that names the port picked; each server has
 * a storage of its own (memory here; database.test.ts runs the kit on the SQL databases).
 */
async function start(
  options: Omit<Parameters<typeof createApp>[0], 'baseUrl' | 'tokens' | 'storage'>,
) {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/scim/v2`;
  const tokens = [await hashBearerToken('example-token')];
  server.on('request', createApp({ ...options, storage: createMemoryStorage(), tokens, baseUrl }));
  return { server, baseUrl };
}

/** A raw request, so the Host header can be anything. */
function statusAndLocation(url: URL, method: string, headers: Record<string, string>, body = '') {
  return new Promise<{ status: number; location: string | undefined }>((resolve, reject) => {
    const outgoing = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname, method, headers },
      (response) => {
        response.resume();
        resolve({ status: response.statusCode ?? 0, location: response.headers.location });
      },
    ).on('error', reject);
    outgoing.end(body);
  });
}

for (const compatibility of ['default', 'entra', 'okta'] as const) {
  describe(`examples/express (${compatibility})`, () => {
    const lines: string[] = [];
    let server: Server;
    let baseUrl = '';
    beforeAll(async () => {
      ({ server, baseUrl } = await start({ compatibility, log: (line) => lines.push(line) }));
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const target = {
      fetch: (request: Request) => fetch(request),
      get baseUrl() {
        return baseUrl;
      },
      headers: { authorization: 'Bearer example-token' },
    };
    for (const conformance of conformanceCases(target, { dialect: compatibility }))
      it(`${conformance.id}: ${conformance.name}`, conformance.run);

    it('links use the configured base URL whatever Host the request names (issue 11)', async () => {
      const reply = await statusAndLocation(
        new URL(`${baseUrl}/Users`),
        'POST',
        {
          host: 'attacker.example',
          authorization: 'Bearer example-token',
          'content-type': 'application/scim+json',
        },
        JSON.stringify({
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName: `host-${compatibility}`,
        }),
      );
      expect(reply.status).toBe(201);
      expect(reply.location?.startsWith(`${baseUrl}/Users/`)).toBe(true);
    });

    it('accepts the scheme in any case (RFC 7235 §2.1) and refuses a wrong token with 401', async () => {
      const ok = await fetch(`${baseUrl}/Users`, {
        headers: { authorization: 'bearer example-token' },
      });
      expect(ok.status).toBe(200);
      await ok.text();
      const response = await fetch(`${baseUrl}/Users`, {
        headers: { authorization: 'Bearer wrong' },
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      await response.text();
    });

    it('logs one line per request, the error detail under a 4xx, and never the token', async () => {
      const response = await fetch(`${baseUrl}/Users?filter=userName%20eq`, {
        headers: { authorization: 'Bearer example-token' },
      });
      expect(response.status).toBe(400);
      await response.text();
      const logged = lines.find((line) =>
        line.startsWith('GET /scim/v2/Users?filter=userName eq 400'),
      );
      expect(logged).toBeDefined();
      expect(logged?.split('\n')[1]).toMatch(/^ {2}invalidFilter: /);
      expect(lines.join('\n')).not.toContain('example-token');
    });
  });
}

describe('examples/express with a public base URL', () => {
  it('P-SEC-01: a plain-HTTP public base URL is refused; an https one says TLS ends in front', async () => {
    const { server, baseUrl } = await start({ log: () => {} });
    const url = new URL(`${baseUrl}/ServiceProviderConfig`);
    server.removeAllListeners('request');
    const tokens = [await hashBearerToken('example-token')];
    const storage = createMemoryStorage();
    server.on(
      'request',
      createApp({ storage, tokens, baseUrl: 'http://scim.example.com/scim/v2', log: () => {} }),
    );
    expect((await statusAndLocation(url, 'GET', {})).status).toBe(403);
    server.removeAllListeners('request');
    server.on(
      'request',
      createApp({ storage, tokens, baseUrl: 'https://scim.example.com/scim/v2', log: () => {} }),
    );
    expect((await statusAndLocation(url, 'GET', {})).status).toBe(200);
    await new Promise<void>((resolve) => server.close(() => resolve()));
  });
});
