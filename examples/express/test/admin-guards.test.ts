// The example's admin route (issue 15) against what an attacker would send: a label that forges log
// lines (CWE-117), and request shapes the other tests do not send (raw paths, methods, body keys).
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ACME_TOKEN,
  ADMIN_TOKEN,
  call,
  startTenantExample,
  TENANTS,
  type RunningExample,
} from './tenant-example.ts';

/** A request sent with its path exactly as written: no client-side dot-segment removal. */
function raw(
  origin: string,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: string }> {
  const { hostname, port } = new URL(origin);
  return new Promise((resolve, reject) => {
    const sent = httpRequest({ hostname, port, method, path, headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    sent.on('error', reject);
    sent.end();
  });
}

describe('examples/express admin route: hostile input', () => {
  let example: RunningExample;
  let origin: string;
  const acmeTokens = () => `${example.adminUrl}/tenants/acme/tokens`;
  beforeAll(async () => {
    example = await startTenantExample({ SCIM_TENANTS: TENANTS, SCIM_ADMIN_TOKEN: ADMIN_TOKEN });
    origin = new URL(example.adminUrl).origin;
  });
  afterAll(() => example.stop());

  it('a label cannot forge lines in the admin log (CWE-117): one action, one line', async () => {
    const forged = 'entra) of acme\nadmin: revoked token configured-0000 (SCIM_TENANTS';
    const reply = await call(ADMIN_TOKEN, 'POST', acmeTokens(), { label: forged });
    if (reply.status === 201)
      for (const line of example.logged.filter((entry) => entry.startsWith('admin: ')))
        expect(line).not.toMatch(/[\r\n\u2028\u2029]/);
    else expect(reply.status).toBe(400);
  });

  it('CWE-117: a label with a control character or line break is 400, saying why', async () => {
    for (const control of ['\r', '\u001b[2K', '\u0085', '\u2028']) {
      const reply = await call(ADMIN_TOKEN, 'POST', acmeTokens(), { label: `entra${control}x` });
      expect(reply.status).toBe(400);
      expect(JSON.stringify(reply.body)).toContain(
        'label must not contain control characters or line breaks',
      );
    }
  });

  it('guard: no path spelling or method reaches the token routes without the admin token', async () => {
    const paths = [
      '//admin/tenants/acme/tokens',
      '/ADMIN/tenants/acme/tokens',
      '/admin/tenants/acme/tokens/',
      '/admin/./tenants/acme/tokens',
      '/admin/tenants/acme/tokens;x',
      '/admin%2ftenants/acme/tokens',
      '/scim/v2/../admin/tenants/acme/tokens',
      '/scim/v2/acme/../../admin/tenants/acme/tokens',
    ];
    for (const path of paths)
      for (const method of ['GET', 'HEAD', 'OPTIONS', 'POST'])
        for (const headers of [
          {},
          { authorization: `Bearer ${ACME_TOKEN}`, 'x-http-method-override': 'GET' },
        ]) {
          const reply = await raw(origin, method, path, headers);
          expect(reply.status, `${method} ${path}`).toBeGreaterThanOrEqual(400);
          expect(reply.body).not.toContain('"tokens"');
        }
    // The control: the same client reaches the list with the admin token.
    const listed = await raw(origin, 'GET', '/admin/tenants/acme/tokens', {
      authorization: `Bearer ${ADMIN_TOKEN}`,
    });
    expect(listed.body).toContain('"tokens"');
  });

  it('guard: __proto__ and constructor in the body are unknown fields, 400', async () => {
    for (const body of ['{"__proto__":{"scopes":["scim:read"]}}', '{"constructor":{}}']) {
      const reply = await call(ADMIN_TOKEN, 'POST', acmeTokens(), body);
      expect(reply.status).toBe(400);
    }
  });
});
