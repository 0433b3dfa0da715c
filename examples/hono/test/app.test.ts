// The Hono example passes the shared conformance kit in each preset, each on a SQLite database of
// its own (in memory: the same SQL storage as the default file, and nothing left behind).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashBearerToken } from '@scim/server';
import { conformanceCases } from '@scim/server/testing';
import { createApp } from '../app.mjs';
import { openStorage } from '../storage.mjs';

const baseUrl = 'http://127.0.0.1/scim/v2';

for (const compatibility of ['default', 'entra', 'okta'] as const) {
  describe(`examples/hono (${compatibility})`, () => {
    const lines: string[] = [];
    let app: ReturnType<typeof createApp>;
    let close: () => Promise<void>;
    beforeAll(async () => {
      const tokens = [await hashBearerToken('hono-token')];
      const opened = await openStorage('sqlite::memory:', { log: () => {} });
      close = opened.close;
      const { storage } = opened;
      app = createApp({ storage, tokens, baseUrl, compatibility, log: (line) => lines.push(line) });
    });
    afterAll(async () => {
      await app.close();
      await close();
    });
    const target = {
      fetch: (request: Request) => Promise.resolve(app.fetch(request)),
      baseUrl,
      headers: { authorization: 'Bearer hono-token' },
    };
    for (const conformance of conformanceCases(target, { dialect: compatibility }))
      it(`${conformance.id}: ${conformance.name}`, conformance.run);

    it('links use the configured base URL whatever Host the request names (issue 11)', async () => {
      const response = await app.fetch(
        new Request('http://attacker.example/scim/v2/Users', {
          method: 'POST',
          headers: { authorization: 'Bearer hono-token', 'content-type': 'application/scim+json' },
          body: JSON.stringify({
            schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
            userName: `host-${compatibility}`,
          }),
        }),
      );
      expect(response.status).toBe(201);
      expect(response.headers.get('location')?.startsWith(`${baseUrl}/Users/`)).toBe(true);
    });

    it('refuses a wrong token with 401, logs the detail under it, and never the token', async () => {
      const response = await app.fetch(
        new Request(`${baseUrl}/Users`, { headers: { authorization: 'Bearer nope' } }),
      );
      expect(response.status).toBe(401);
      const logged = lines.find((line) => line.startsWith('GET /scim/v2/Users 401'));
      expect(logged?.split('\n')[1]).toBe('  The bearer token is not valid');
      expect(lines.join('\n')).not.toContain('hono-token');
    });
  });
}
