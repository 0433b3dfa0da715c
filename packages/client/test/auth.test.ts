// Authentication (RFC 7644 §2): bearer tokens, OAuth 2.0 client credentials (RFC 6749 §4.4) cached
// until shortly before expiry and renewed once on 401, and headers from a function.
import { describe, expect, it } from 'vitest';
import { USER_SCHEMA_URN } from '@scim/core';
import { createScimClient, isScimClientError } from '../src/index.js';
import { BASE, inProcess, recording, TOKEN } from './helpers.js';

const USER = { schemas: [USER_SCHEMA_URN], id: '1', userName: 'u' };
const TOKEN_URL = 'https://idp.example.com/oauth2/token';

/** A token endpoint and a SCIM endpoint that accepts only the tokens listed as valid. */
function world(options: { expiresIn?: number; valid?: (token: string) => boolean } = {}) {
  let issued = 0;
  const valid = options.valid ?? (() => true);
  const { fetch, sent } = recording(async (request) => {
    if (request.url === TOKEN_URL) {
      issued += 1;
      return new Response(
        JSON.stringify({
          access_token: `token-${issued}`,
          token_type: 'Bearer',
          ...(options.expiresIn === undefined ? {} : { expires_in: options.expiresIn }),
        }),
        { status: 200, headers: { 'content-type': 'application/json' } },
      );
    }
    const token = request.headers.get('authorization')?.replace('Bearer ', '') ?? '';
    await Promise.resolve();
    return valid(token)
      ? new Response(JSON.stringify(USER), { status: 200 })
      : new Response(JSON.stringify({ status: '401', detail: 'expired' }), { status: 401 });
  });
  const client = createScimClient({
    baseUrl: BASE,
    fetch,
    auth: {
      clientCredentials: {
        tokenUrl: TOKEN_URL,
        clientId: 'scim client',
        clientSecret: 's3cr:t',
        scope: ['scim.read', 'scim.write'],
        audience: 'https://api.example.com',
      },
    },
  });
  return { client, sent, tokenRequests: () => sent.filter((request) => request.url === TOKEN_URL) };
}

describe('authentication', () => {
  it('a bearer token is sent as Authorization: Bearer on every request', async () => {
    const { client, sent } = inProcess();
    await client.users.create({ userName: 'auth' });
    expect(sent[0]?.headers.get('authorization')).toBe(`Bearer ${TOKEN}`);
  });

  it("P-HTTP-07: a wrong token is the server's 401 ScimClientError", async () => {
    const { client } = inProcess({ auth: { bearer: 'wrong' } });
    const error = await client.users.get('1').catch((caught: unknown) => caught);
    expect(isScimClientError(error) && error.status).toBe(401);
    expect(isScimClientError(error) && error.headers['www-authenticate']).toContain('Bearer');
  });

  it('client credentials: the token request is a form POST with HTTP Basic client authentication', async () => {
    const { client, tokenRequests } = world();
    await client.users.get('1');
    const [request] = tokenRequests();
    expect(request?.method).toBe('POST');
    expect(request?.headers.get('content-type')).toBe('application/x-www-form-urlencoded');
    // RFC 6749 §2.3.1: id and secret are form-encoded before Base64.
    expect(request?.headers.get('authorization')).toBe(`Basic ${btoa('scim+client:s3cr%3At')}`);
    const form = new URLSearchParams(request?.body as string);
    expect(Object.fromEntries(form)).toEqual({
      grant_type: 'client_credentials',
      scope: 'scim.read scim.write',
      audience: 'https://api.example.com',
    });
  });

  it('client credentials: the token is cached and shared by concurrent requests', async () => {
    const { client, sent, tokenRequests } = world({ expiresIn: 3600 });
    await Promise.all([client.users.get('1'), client.users.get('1'), client.users.get('1')]);
    await client.users.get('1');
    expect(tokenRequests()).toHaveLength(1);
    const scim = sent.filter((request) => request.url !== TOKEN_URL);
    expect(scim.every((request) => request.headers.get('authorization') === 'Bearer token-1')).toBe(
      true,
    );
  });

  it('client credentials: a token is renewed once expires_in (less the skew) has passed', async () => {
    // expires_in 1 s: the skew is capped at half the life, so it is renewed after 0.5 s.
    const { client, tokenRequests } = world({ expiresIn: 1 });
    await client.users.get('1');
    await new Promise((resolve) => setTimeout(resolve, 600));
    await client.users.get('1');
    expect(tokenRequests()).toHaveLength(2);
  });

  it('client credentials: a 401 fetches a new token once and repeats the request', async () => {
    const { client, sent, tokenRequests } = world({
      expiresIn: 3600,
      valid: (token) => token !== 'token-1',
    });
    expect((await client.users.get('1')).id).toBe('1');
    expect(tokenRequests()).toHaveLength(2);
    const scim = sent.filter((request) => request.url !== TOKEN_URL);
    expect(scim.map((request) => request.headers.get('authorization'))).toEqual([
      'Bearer token-1',
      'Bearer token-2',
    ]);
  });

  it('client credentials: a second 401 is the answer, not a loop', async () => {
    const { client, tokenRequests } = world({ valid: () => false });
    await expect(client.users.get('1')).rejects.toMatchObject({ status: 401, detail: 'expired' });
    expect(tokenRequests()).toHaveLength(2);
  });

  it("client credentials: the token endpoint's OAuth error is a ScimClientError naming it", async () => {
    const { fetch } = recording(() =>
      Promise.resolve(
        new Response(
          JSON.stringify({
            error: 'invalid_client',
            error_description: 'Client authentication failed',
          }),
          { status: 401 },
        ),
      ),
    );
    const client = createScimClient({
      baseUrl: BASE,
      fetch,
      auth: {
        clientCredentials: {
          tokenUrl: TOKEN_URL,
          clientId: 'c',
          clientSecret: 's',
          clientAuthentication: 'body',
        },
      },
    });
    await expect(client.users.get('1')).rejects.toMatchObject({
      status: 401,
      url: TOKEN_URL,
      detail: 'Client authentication failed',
    });
  });

  it('a function gives headers per request, seeing its method and URL', async () => {
    const seen: string[] = [];
    const { client, sent } = inProcess({
      auth: ({ method, url }) => {
        seen.push(`${method} ${url}`);
        return { authorization: `Bearer ${TOKEN}`, 'x-tenant': 'acme' };
      },
    });
    await client.users.create({ userName: 'fn' });
    expect(seen).toEqual([`POST ${BASE}/Users`]);
    expect(sent[0]?.headers.get('x-tenant')).toBe('acme');
  });
});
