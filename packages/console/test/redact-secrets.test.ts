// Secrets that reach the console outside a body's `password`: credentials in request headers that
// proxies and platforms add (an allow-list shows the rest by name only), a token or a password in
// the query string, and secrets in a tenant's settings however their names are spelled.
import { describe, expect, it } from 'vitest';
import { createScimConsole } from '../src/index.ts';
import { CONSOLE_TOKEN, createFixture, PATCH_SCHEMA, SCIM_TOKEN, USER_SCHEMA } from './fixture.ts';

const bearer = { authorization: `Bearer ${CONSOLE_TOKEN}` };

/** Every answer of the requests endpoints, as one text. */
async function everything(page: (path: string) => Promise<Response>): Promise<string> {
  const list = (await (await page('/api/requests')).json()) as { requests: { seq: number }[] };
  const answers = [JSON.stringify(list)];
  for (const request of list.requests)
    answers.push(await (await page(`/api/requests/${request.seq}`)).text());
  return answers.join('\n');
}

describe('console redaction of headers, queries and settings', () => {
  it('RFC 6750 §5.3 (bearer tokens must not leak): request headers show values only of an allow-list, so platform and proxy credentials are redacted', async () => {
    const fixture = await createFixture();
    const credentials = {
      'x-ms-token-aad-access-token': 'aad-access-token-value',
      'x-ms-token-aad-id-token': 'aad-id-token-value',
      'x-api-key': 'api-key-value',
      'x-auth-token': 'auth-token-value',
      'cf-access-jwt-assertion': 'cf-jwt-value',
      'x-goog-iap-jwt-assertion': 'iap-jwt-value',
      'x-amz-security-token': 'amz-token-value',
      'x-forwarded-client-cert': 'client-cert-value',
    };
    const created = await fixture.handler.fetch(
      new Request('https://scim.example.com/scim/v2/Users', {
        method: 'POST',
        headers: {
          authorization: `Bearer ${SCIM_TOKEN}`,
          'content-type': 'application/scim+json',
          'user-agent': 'Okta SCIM Client 1.0.0',
          ...credentials,
        },
        body: JSON.stringify({ schemas: [USER_SCHEMA], userName: 'headers@example.com' }),
      }),
    );
    expect(created.status).toBe(201);
    const text = await everything((path) => fixture.page(path, { headers: bearer }));
    for (const secret of Object.values(credentials)) expect(text).not.toContain(secret);
    const detail = JSON.parse(text.split('\n')[1] ?? '{}') as {
      requestHeaders: Record<string, string>;
    };
    // What the page shows stays: the client and the media type.
    expect(detail.requestHeaders).toMatchObject({
      'user-agent': 'Okta SCIM Client 1.0.0',
      'content-type': 'application/scim+json',
      'x-api-key': '[redacted]',
      'x-ms-token-aad-access-token': '[redacted]',
    });
  });

  it('RFC 6750 §2.3 (access_token in the query) and RFC 7643 §4.1.1 (password is never returned): the query, the error and the body show neither the token nor the values of a filter on password', async () => {
    const fixture = await createFixture();
    const secrets = [
      'query-token-value',
      'filter-password-value',
      'bare-password-value',
      'patch-path-password',
    ];
    await fixture.handler.fetch(
      new Request(
        `https://scim.example.com/scim/v2/Users?access_token=${secrets[0]}&filter=${encodeURIComponent('userName eq "x"')}`,
      ),
    );
    await fixture.scim('GET', `/Users?filter=${encodeURIComponent(`password eq "${secrets[1]}"`)}`);
    // Entra's bare words (`bareWordValues`), and a PATCH path whose value filter quotes a password.
    await fixture.scim('GET', `/Users?filter=${encodeURIComponent(`password eq ${secrets[2]}`)}`);
    const user = (await (
      await fixture.scim('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'q@example.com' })
    ).json()) as { id: string };
    const patched = await fixture.scim('PATCH', `/Users/${user.id}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'replace', path: `password[value eq "${secrets[3]}"]`, value: 'x' }],
    });
    // Refused with a detail that quotes the path, and so the value its filter compares.
    expect(patched.status).toBe(400);
    const text = await everything((path) => fixture.page(path, { headers: bearer }));
    for (const secret of secrets) expect(text).not.toContain(secret);
    expect(text).toContain('access_token=[redacted]');
    expect(text).toContain(encodeURIComponent('password eq "[redacted]"'));
  });

  it('RFC 7517 §4 (JWK private members) and RFC 3986 §3.2.1 (userinfo passwords are deprecated): tenant settings hide keys, tokens, passwords and URL passwords however named', async () => {
    const settings = {
      compatibility: 'entra',
      events: {
        signingKey: 'signing-key-value',
        jwk: { kty: 'EC', crv: 'P-256', x: 'public-x', d: 'jwk-private-d' },
        symmetric: { kty: 'oct', k: 'jwk-symmetric-k' },
        pushUrl: 'https://user:url-password-value@receiver.example/events',
        headers: { 'X-Api-Key': 'header-api-key', 'X-Auth-Token': 'header-auth-token' },
      },
      database: { connectionString: 'postgres://scim:db-password-value@db/scim' },
      hmacKey: 'hmac-key-value',
      pwd: 'pwd-value',
      bearer: 'bearer-value',
      'client-credential': 'client-credential-value',
    };
    const scimConsole = createScimConsole({
      basePath: '/console',
      credential: CONSOLE_TOKEN,
      tenants: { names: () => ['acme'], settings: () => settings },
    });
    const reply = await scimConsole.fetch(
      new Request('https://scim.example.com/console/api/tenants', { headers: bearer }),
    );
    const text = await reply.text();
    for (const secret of [
      'signing-key-value',
      'jwk-private-d',
      'jwk-symmetric-k',
      'url-password-value',
      'header-api-key',
      'header-auth-token',
      'db-password-value',
      'hmac-key-value',
      'pwd-value',
      'bearer-value',
      'client-credential-value',
    ])
      expect(text, secret).not.toContain(secret);
    // What is not secret stays readable: the public key, the URL without its password.
    expect(text).toContain('public-x');
    expect(text).toContain('https://user:[redacted]@receiver.example/events');
    expect(text).toContain('"compatibility":"entra"');
  });
});
