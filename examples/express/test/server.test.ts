// The example server passes the shared conformance kit, over HTTP, in each preset.
import { request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conformanceCases } from '@scim/server/testing';
import { createApp } from '../app.mjs';

for (const compatibility of ['default', 'entra', 'okta'] as const) {
  describe(`examples/express (${compatibility})`, () => {
    const lines: string[] = [];
    const server: Server = createApp({
      token: 'example-token',
      compatibility,
      log: (line) => lines.push(line),
    }).listen(0, '127.0.0.1');
    let baseUrl = '';
    beforeAll(async () => {
      if (!server.listening) await new Promise((resolve) => server.once('listening', resolve));
      baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/scim/v2`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const target = {
      fetch: (request: Request) => fetch(request),
      get baseUrl() {
        return baseUrl;
      },
      headers: { authorization: 'Bearer example-token' },
    };
    const dialects = { entra: compatibility === 'entra', okta: compatibility === 'okta' };
    for (const conformance of conformanceCases(target, dialects))
      it(`${conformance.id}: ${conformance.name}`, conformance.run);

    it('P-SEC-01: refuses plain HTTP for a public host, unless a local proxy says the client used https', async () => {
      const status = (headers: Record<string, string>) =>
        new Promise<number>((resolve, reject) => {
          const url = new URL(`${baseUrl}/ServiceProviderConfig`);
          httpRequest(
            { host: url.hostname, port: url.port, path: url.pathname, headers },
            (response) => {
              response.resume();
              resolve(response.statusCode ?? 0);
            },
          )
            .on('error', reject)
            .end();
        });
      expect(await status({ host: 'scim.example.com' })).toBe(403);
      expect(await status({ host: 'scim.example.com', 'x-forwarded-proto': 'https' })).toBe(200);
    });

    it('refuses a wrong token with 401 and logs requests without secrets', async () => {
      const response = await fetch(`${baseUrl}/Users`, {
        headers: { authorization: 'Bearer wrong' },
      });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      await response.text();
      // The line is written on the server's 'finish', which can come after the client has the
      // response: wait for it rather than race it.
      const logged = () => lines.some((line) => line.startsWith('GET /scim/v2/Users 401'));
      for (let waited = 0; !logged() && waited < 2_000; waited += 10)
        await new Promise((resolve) => setTimeout(resolve, 10));
      expect(logged()).toBe(true);
      expect(lines.join('\n')).not.toContain('example-token');
    });
  });
}
