// The Hono example passes the shared conformance kit in each preset.
import { describe, expect, it } from 'vitest';
import { conformanceCases } from '@scim/server/testing';
import { createApp } from '../app.mjs';

for (const compatibility of ['default', 'entra', 'okta'] as const) {
  describe(`examples/hono (${compatibility})`, () => {
    const lines: string[] = [];
    const app = createApp({ token: 'hono-token', compatibility, log: (line) => lines.push(line) });
    const target = {
      fetch: (request: Request) => Promise.resolve(app.fetch(request)),
      baseUrl: 'http://127.0.0.1/scim/v2',
      headers: { authorization: 'Bearer hono-token' },
    };
    for (const conformance of conformanceCases(target, {
      entra: compatibility === 'entra',
      okta: compatibility === 'okta',
    })) {
      it(`${conformance.id}: ${conformance.name}`, conformance.run);
    }

    it('refuses a wrong token with 401 and logs without secrets', async () => {
      const response = await app.fetch(
        new Request('http://127.0.0.1/scim/v2/Users', {
          headers: { authorization: 'Bearer nope' },
        }),
      );
      expect(response.status).toBe(401);
      expect(lines.some((line) => line.startsWith('GET /scim/v2/Users 401'))).toBe(true);
      expect(lines.join('\n')).not.toContain('hono-token');
    });
  });
}
