// The issuer's JWKS fetched from its jwks_uri (RFC 7517 §5, RFC 8414 §2): jwtAuthenticator fetches
// it with jose's createRemoteJWKSet, keeps it, fetches again for a kid it has not seen (at most once
// per cooldown), so a key rotation needs no restart, and answers 401 rather than hang or 500 when
// the issuer cannot be reached. The JWKS is served by a loopback node:http server in the test.
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  jwtAuthenticator,
  type JwtAuthenticatorOptions,
  type JwtPublicKey,
  type JwtRejection,
} from '@scim/server';
import { expectError, server, type Reply } from './helpers.js';
import { AUDIENCE, ISSUER, issuerKey as jwtIssuerKey } from './fixtures/jwt-issuer.js';

/** An ES256 key of the issuer, and a signer of tokens valid for an hour from now. */
const issuerKey = (kid: string) =>
  jwtIssuerKey({ kid, claims: { scope: 'scim:read' }, expiresIn: '1h' });

type Mode = 'ok' | 'error' | 'hang' | 'stall-body' | 'not-json' | 'not-a-key-set';

/** A JWKS endpoint on loopback: what it serves, how it behaves and how often it was asked. */
interface JwksServer {
  readonly url: string;
  keys: JwtPublicKey[];
  mode: Mode;
  fetches: number;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const running of servers.splice(0)) {
    running.closeAllConnections();
    await new Promise((resolve) => running.close(resolve));
  }
});

async function jwksServer(keys: JwtPublicKey[] = []): Promise<JwksServer> {
  const state = { url: '', keys, mode: 'ok' as Mode, fetches: 0 };
  const answer = (response: ServerResponse) => {
    switch (state.mode) {
      case 'hang':
        return; // Never answers.
      case 'error':
        return void response.writeHead(500).end('internal error at 10.1.2.3');
      case 'stall-body':
        response.writeHead(200, { 'content-type': 'application/json' });
        return void response.write('{"keys":[');
      case 'not-json':
        return void response.writeHead(200).end('<html>login</html>');
      case 'not-a-key-set':
        return void response.writeHead(200).end('{"keys":"none"}');
      default:
        response.writeHead(200, { 'content-type': 'application/jwk-set+json' });
        response.end(JSON.stringify({ keys: state.keys }));
    }
  };
  const running = createServer((_request, response) => {
    state.fetches += 1;
    answer(response);
  });
  servers.push(running);
  await new Promise<void>((resolve) => running.listen(0, '127.0.0.1', resolve));
  state.url = `http://127.0.0.1:${(running.address() as AddressInfo).port}/jwks.json`;
  return state;
}

function endpoint(jwks: JwksServer, options: Partial<JwtAuthenticatorOptions> = {}) {
  const rejections: JwtRejection[] = [];
  const { call } = server({
    authenticate: jwtAuthenticator({
      jwksUri: jwks.url,
      issuer: ISSUER,
      audience: AUDIENCE,
      onRejected: (rejection) => void rejections.push(rejection),
      ...options,
    }),
  });
  const as = (token: string): Promise<Reply> =>
    call('GET', '/Users', undefined, { authorization: `Bearer ${token}` });
  return { as, rejections };
}

function expectInvalidToken(reply: Reply, detail: string): void {
  expectError(reply, 401);
  expect(reply.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
  expect(reply.body.detail).toBe(detail);
}

const UNAVAILABLE = 'The signing keys could not be obtained; try again later';

describe('a remote JWKS (jwksUri)', () => {
  it('verifies tokens with the keys it serves, fetched once for many requests', async () => {
    const key = await issuerKey('k1');
    const jwks = await jwksServer([key.jwk]);
    const { as } = endpoint(jwks);
    const token = await key.sign();
    for (let i = 0; i < 3; i += 1) expect((await as(token)).status).toBe(200);
    expect(jwks.fetches).toBe(1);
  });

  it('makes one fetch for requests that arrive together before any keys are known', async () => {
    const key = await issuerKey('k1');
    const jwks = await jwksServer([key.jwk]);
    const { as } = endpoint(jwks);
    const token = await key.sign();
    const replies = await Promise.all(Array.from({ length: 5 }, () => as(token)));
    expect(replies.map(({ status }) => status)).toEqual([200, 200, 200, 200, 200]);
    expect(jwks.fetches).toBe(1);
  });

  it('follows a key rotation: a new kid in the JWKS is accepted after a refetch', async () => {
    const old = await issuerKey('2026-01');
    const next = await issuerKey('2026-02');
    const jwks = await jwksServer([old.jwk]);
    const { as, rejections } = endpoint(jwks, { jwksCooldownMs: 0 });
    expect((await as(await old.sign())).status).toBe(200);
    jwks.keys = [next.jwk];
    expect((await as(await next.sign())).status).toBe(200);
    expect(jwks.fetches).toBe(2);
    // The retired key is gone from the set: its tokens stop working once the set is fetched again.
    expectInvalidToken(
      await as(await old.sign()),
      'The access token is signed with a key this endpoint does not know',
    );
    expect(rejections.map(({ code }) => code)).toEqual(['unknown_key']);
  });

  it('refetches for an unknown kid at most once per cooldown', async () => {
    const key = await issuerKey('k1');
    const stranger = await issuerKey('k2');
    const jwks = await jwksServer([key.jwk]);
    const { as } = endpoint(jwks); // the default cooldown, 30 s
    expect((await as(await key.sign())).status).toBe(200);
    for (let i = 0; i < 3; i += 1)
      expectInvalidToken(
        await as(await stranger.sign()),
        'The access token is signed with a key this endpoint does not know',
      );
    expect(jwks.fetches).toBe(1);
  });

  it('fetches the keys again once jwksCacheMaxAgeMs has passed', async () => {
    const key = await issuerKey('k1');
    const jwks = await jwksServer([key.jwk]);
    const { as } = endpoint(jwks, { jwksCacheMaxAgeMs: 20 });
    const token = await key.sign();
    expect((await as(token)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 40));
    expect((await as(token)).status).toBe(200);
    expect(jwks.fetches).toBe(2);
  });
});

describe('an issuer that cannot be reached fails closed, in bounded time', () => {
  it.each([
    ['answers 500', 'error'],
    ['answers something that is not JSON', 'not-json'],
    ['answers JSON that is not a key set', 'not-a-key-set'],
  ] as const)('is 401 keys_unavailable when the JWKS endpoint %s', async (_, mode) => {
    const key = await issuerKey('k1');
    const jwks = await jwksServer([key.jwk]);
    jwks.mode = mode;
    const { as, rejections } = endpoint(jwks);
    const reply = await as(await key.sign());
    expectInvalidToken(reply, UNAVAILABLE);
    expect(reply.text).not.toContain('127.0.0.1');
    expect(reply.text).not.toContain('10.1.2.3');
    expect(rejections.map(({ code }) => code)).toEqual(['keys_unavailable']);
    expect(rejections[0]?.cause).toBeDefined();
  });

  it('is 401 keys_unavailable when nothing listens at the jwksUri', async () => {
    const key = await issuerKey('k1');
    const jwks = await jwksServer([key.jwk]);
    const closed = servers.pop() as Server;
    await new Promise((resolve) => closed.close(resolve));
    const { as } = endpoint(jwks);
    expectInvalidToken(await as(await key.sign()), UNAVAILABLE);
  });

  it.each([
    ['sends no answer', 'hang'],
    ['stops sending halfway through the body', 'stall-body'],
  ] as const)('is 401 within jwksTimeoutMs when the JWKS endpoint %s', async (_, mode) => {
    const key = await issuerKey('k1');
    const jwks = await jwksServer([key.jwk]);
    jwks.mode = mode;
    const { as, rejections } = endpoint(jwks, { jwksTimeoutMs: 200 });
    const token = await key.sign();
    const started = performance.now();
    expectInvalidToken(await as(token), UNAVAILABLE);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(rejections[0]?.code).toBe('keys_unavailable');
  });

  it('recovers by itself once the JWKS endpoint answers again', async () => {
    const key = await issuerKey('k1');
    const jwks = await jwksServer([key.jwk]);
    jwks.mode = 'error';
    const { as } = endpoint(jwks);
    const token = await key.sign();
    expect((await as(token)).status).toBe(401);
    jwks.mode = 'ok';
    expect((await as(token)).status).toBe(200);
  });

  it('refuses a jwksUri over plain http except on loopback', () => {
    const make = (jwksUri: string) => () =>
      jwtAuthenticator({ jwksUri, issuer: ISSUER, audience: AUDIENCE });
    expect(make('http://login.example.com/keys')).toThrow(/jwksUri must be https/);
    expect(make('not a url')).toThrow(/jwksUri must be an absolute URL/);
    expect(make('http://localhost:8080/keys')).not.toThrow();
    expect(make('https://login.example.com/keys')).not.toThrow();
  });

  it('refuses JWKS timing options that are not whole milliseconds', () => {
    const make = (options: Partial<JwtAuthenticatorOptions>) => () =>
      jwtAuthenticator({
        jwksUri: 'https://login.example.com/keys',
        issuer: ISSUER,
        audience: AUDIENCE,
        ...options,
      });
    expect(make({ jwksTimeoutMs: 0 })).toThrow(/jwksTimeoutMs/);
    expect(make({ jwksCooldownMs: Number.NaN })).toThrow(/jwksCooldownMs/);
    expect(make({ jwksCacheMaxAgeMs: -1 })).toThrow(/jwksCacheMaxAgeMs/);
  });
});
