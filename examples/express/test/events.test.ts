// The example's security events (issue 14): with SCIM_EVENTS_PUSH_URL set, each change reaches a
// loopback receiver as RFC 8935 SETs that verify against the keys the example publishes through
// /.well-known/ssf-configuration; without it, nothing is pushed and those documents answer 404.
import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PATCH_OP_URN,
  PROV_CREATE_FULL_EVENT_URI,
  PROV_DEACTIVATE_EVENT_URI,
  PROV_DELETE_EVENT_URI,
  PROV_PATCH_FULL_EVENT_URI,
  PUSH_DELIVERY_METHOD,
  SECEVENT_JWT_MEDIA_TYPE,
  USER_SCHEMA_URN,
} from '@scim/core';
import {
  createMemoryReplayCache,
  verifySet,
  type JsonWebKeySet,
  type SetClaims,
} from '@scim/events';
import { hashBearerToken } from '@scim/server';
import { createMemoryStorage } from '@scim/server/memory';
import { createApp } from '../app.mjs';
import { createSecurityEvents, eventsSettingsFromEnv } from '../events.mjs';
import { startReceiver, type TestReceiver } from './event-receiver.ts';
import { startExample, type ExampleProcess } from './example-process.ts';

const SCIM_TOKEN = 'events-scim-token';
const PUSH_TOKEN = 'events-push-token';

interface RunningExample {
  readonly origin: string;
  readonly baseUrl: string;
  readonly lines: string[];
  readonly app: ReturnType<typeof createApp>;
  stop(): Promise<void>;
}

/** The example in this process, wired as server.mjs wires it, from `env`. */
async function startInProcess(
  env: Record<string, string>,
  options: { drainMs?: number } = {},
): Promise<RunningExample> {
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const baseUrl = `${origin}/scim/v2`;
  const lines: string[] = [];
  const log = (line: string) => lines.push(line);
  const settings = await eventsSettingsFromEnv(env);
  const events =
    settings === undefined
      ? undefined
      : await createSecurityEvents({ ...settings, issuer: baseUrl, log, ...options });
  const app = createApp({
    storage: createMemoryStorage(),
    tokens: [await hashBearerToken(SCIM_TOKEN)],
    baseUrl,
    log,
    events,
  });
  server.on('request', app);
  const stop = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await app.close();
  };
  return { origin, baseUrl, lines, app, stop };
}

async function scim(baseUrl: string, method: string, path: string, body?: unknown) {
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${SCIM_TOKEN}`, 'content-type': 'application/scim+json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>,
  };
}

const createUser = (baseUrl: string, userName: string) =>
  scim(baseUrl, 'POST', '/Users', { schemas: [USER_SCHEMA_URN], userName, active: true });

describe('examples/express with SCIM_EVENTS_PUSH_URL: a user created, deactivated and deleted', () => {
  let receiver: TestReceiver;
  let example: RunningExample;
  let userId = '';
  beforeAll(async () => {
    receiver = await startReceiver();
    example = await startInProcess({
      SCIM_EVENTS_PUSH_URL: receiver.url,
      SCIM_EVENTS_PUSH_TOKEN: PUSH_TOKEN,
    });
    const created = await createUser(example.baseUrl, 'bjensen@example.com');
    expect(created.status).toBe(201);
    userId = String(created.body.id);
    const patched = await scim(example.baseUrl, 'PATCH', `/Users/${userId}`, {
      schemas: [PATCH_OP_URN],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    });
    expect(patched.status).toBe(200);
    expect((await scim(example.baseUrl, 'DELETE', `/Users/${userId}`)).status).toBe(204);
    await receiver.waitFor(3);
  }, 30_000);
  afterAll(async () => {
    await example.stop();
    await receiver.close();
  });

  /** The receiver's SETs, verified with the keys found through the well-known document. */
  const verifiedSets = async (): Promise<SetClaims[]> => {
    const configuration = (await (
      await fetch(`${example.origin}/.well-known/ssf-configuration`)
    ).json()) as { issuer: string; jwks_uri: string };
    const jwks = (await (await fetch(configuration.jwks_uri)).json()) as JsonWebKeySet;
    const replayCache = createMemoryReplayCache();
    const claims: SetClaims[] = [];
    for (const { body } of receiver.received) {
      const result = await verifySet(body, {
        keys: jwks,
        issuer: configuration.issuer,
        audience: new URL(receiver.url).origin,
        replayCache,
      });
      expect(result.ok ? [] : result.issues).toEqual([]);
      if (result.ok) claims.push(result.value.claims);
    }
    return claims;
  };

  it('E-DELIV-01: each SET is POSTed to the push URL as application/secevent+jwt', () => {
    expect(receiver.received).toHaveLength(3);
    for (const request of receiver.received) {
      expect(request.method).toBe('POST');
      expect(request.path).toBe('/events');
      expect(request.headers['content-type']).toBe(SECEVENT_JWT_MEDIA_TYPE);
    }
  });

  it('RFC 8935 §2: each push carries SCIM_EVENTS_PUSH_TOKEN as its bearer token', () => {
    for (const request of receiver.received)
      expect(request.headers.authorization).toBe(`Bearer ${PUSH_TOKEN}`);
  });

  it('E-DELIV-05: every SET verifies against the JWKS that /.well-known/ssf-configuration names, issued by the example origin to the push URL origin', async () => {
    const claims = await verifiedSets();
    expect(claims).toHaveLength(3);
    for (const set of claims) {
      expect(set.iss).toBe(example.origin);
      expect(set.aud).toBe(new URL(receiver.url).origin);
    }
  });

  it('E-SET-05, E-TYPE-07, E-TYPE-08: the subject SETs arrive in order: create:full, patch:full with deactivate, delete', async () => {
    const claims = await verifiedSets();
    const subject = { format: 'scim', uri: `/Users/${userId}` };
    expect(claims.map((set) => set.sub_id)).toEqual([subject, subject, subject]);
    expect(claims.map((set) => Object.keys(set.events).sort())).toEqual([
      [PROV_CREATE_FULL_EVENT_URI],
      [PROV_DEACTIVATE_EVENT_URI, PROV_PATCH_FULL_EVENT_URI].sort(),
      [PROV_DELETE_EVENT_URI],
    ]);
  });

  it('SSF 1.0 §7.1: /.well-known/ssf-configuration is public and offers push only, with the JWKS on the example origin', async () => {
    const response = await fetch(`${example.origin}/.well-known/ssf-configuration`);
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('public, max-age=300');
    expect(await response.json()).toEqual({
      spec_version: '1_0',
      issuer: example.origin,
      jwks_uri: `${example.origin}/ssf/jwks.json`,
      delivery_methods_supported: [PUSH_DELIVERY_METHOD],
    });
  });

  it('the JWKS is public and holds public keys only', async () => {
    const response = await fetch(`${example.origin}/ssf/jwks.json`);
    expect(response.status).toBe(200);
    const { keys } = (await response.json()) as JsonWebKeySet;
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    expect(keys[0]).not.toHaveProperty('d');
  });

  it('the typed hooks still run beside the publisher: onDeactivate and afterDelete log their lines', () => {
    expect(example.lines).toContain('deactivated bjensen@example.com');
    expect(example.lines).toContain('deleted bjensen@example.com');
  });
});

describe('examples/express without SCIM_EVENTS_PUSH_URL', () => {
  it('no URL (or an empty one) means no events, whatever else is set', async () => {
    const receiver = await startReceiver();
    const env = {
      SCIM_EVENTS_PUSH_URL: '',
      SCIM_EVENTS_PUSH_TOKEN: PUSH_TOKEN,
      SCIM_EVENTS_AUDIENCE: receiver.url,
    };
    expect(await eventsSettingsFromEnv(env)).toBeUndefined();
    const example = await startInProcess(env);
    expect((await createUser(example.baseUrl, 'no-events')).status).toBe(201);
    // close() returns once the hooks in flight are done: any push would have been made by then.
    await example.stop();
    expect(receiver.received).toEqual([]);
    await receiver.close();
  });

  it('/.well-known/ssf-configuration and the JWKS answer 404: the example is no transmitter then', async () => {
    const example = await startInProcess({});
    for (const path of ['/.well-known/ssf-configuration', '/ssf/jwks.json']) {
      const response = await fetch(`${example.origin}${path}`);
      expect(response.status).toBe(404);
      await response.text();
    }
    await example.stop();
  });
});

describe('SCIM_EVENTS_PUSH_URL checks at start-up', () => {
  it('plain http is allowed for a loopback receiver only', async () => {
    for (const url of ['http://127.0.0.1:9/events', 'http://localhost:9/events'])
      expect(await eventsSettingsFromEnv({ SCIM_EVENTS_PUSH_URL: url })).toMatchObject({
        pushUrl: url,
      });
    await expect(
      eventsSettingsFromEnv({ SCIM_EVENTS_PUSH_URL: 'http://203.0.113.7/events' }),
    ).rejects.toThrow(/^SCIM_EVENTS_PUSH_URL is refused: .*http/);
  });

  it('loopback is the only non-public address admitted: private and metadata addresses are refused', async () => {
    for (const url of ['https://10.0.0.1/events', 'https://169.254.169.254/latest'])
      await expect(eventsSettingsFromEnv({ SCIM_EVENTS_PUSH_URL: url })).rejects.toThrow(
        /^SCIM_EVENTS_PUSH_URL is refused: /,
      );
  });

  it('the audience is SCIM_EVENTS_AUDIENCE, else the push URL origin', async () => {
    const url = 'http://127.0.0.1:9/events';
    expect(await eventsSettingsFromEnv({ SCIM_EVENTS_PUSH_URL: url })).toMatchObject({
      audience: 'http://127.0.0.1:9',
    });
    expect(
      await eventsSettingsFromEnv({
        SCIM_EVENTS_PUSH_URL: url,
        SCIM_EVENTS_AUDIENCE: 'urn:example:receiver',
      }),
    ).toMatchObject({ audience: 'urn:example:receiver' });
  });
});

describe('SCIM_EVENTS_SIGNING_KEY', () => {
  const URL_ONLY = { SCIM_EVENTS_PUSH_URL: 'http://127.0.0.1:9/events' };
  const privateJwk = () =>
    generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'jwk' });

  it('signs with the private JWK it holds: every start publishes the same public key', async () => {
    const jwk = privateJwk();
    const env = { ...URL_ONLY, SCIM_EVENTS_SIGNING_KEY: JSON.stringify(jwk) };
    const first = await eventsSettingsFromEnv(env);
    const second = await eventsSettingsFromEnv(env);
    expect(first?.keys.jwks()).toEqual(second?.keys.jwks());
    expect(first?.keys.jwks().keys[0]).toMatchObject({ x: jwk.x, y: jwk.y });
    expect(first?.keyMadeForThisRun).toBe(false);
  });

  it('without it, each start makes a key of its own, and the start-up line says so', async () => {
    const first = await eventsSettingsFromEnv(URL_ONLY);
    const second = await eventsSettingsFromEnv(URL_ONLY);
    expect(first?.keys.active.kid).not.toBe(second?.keys.active.kid);
    if (first === undefined) throw new Error('events are on');
    const events = await createSecurityEvents({ ...first, issuer: 'http://127.0.0.1:1/scim/v2' });
    expect(events.summary).toContain('made for this run');
  });

  it('a value that is not a private JWK is refused without being repeated', async () => {
    const { d: _private, ...publicOnly } = privateJwk();
    for (const value of ['not-json-but-secret', JSON.stringify(publicOnly)]) {
      const failure = eventsSettingsFromEnv({ ...URL_ONLY, SCIM_EVENTS_SIGNING_KEY: value });
      await expect(failure).rejects.toThrow(/^SCIM_EVENTS_SIGNING_KEY is /);
      await expect(failure).rejects.not.toThrow(value);
    }
  });
});

describe('stopping with security events on', () => {
  it("close() lets a delivery in flight finish: the receiver's late 202 still counts", async () => {
    const receiver = await startReceiver({ hold: true });
    const example = await startInProcess({ SCIM_EVENTS_PUSH_URL: receiver.url });
    expect((await createUser(example.baseUrl, 'in-flight')).status).toBe(201);
    await receiver.waitFor(1);
    const stopping = example.stop();
    // Long enough for close() to have cut the delivery off, had it not waited for it.
    await new Promise((resolve) => setTimeout(resolve, 200));
    receiver.release();
    await stopping;
    expect(example.lines.filter((line) => line.includes('not delivered'))).toEqual([]);
    await receiver.close();
  });

  it('close() does not hang on a receiver that never answers: after drainMs it stops and says what was dropped', async () => {
    const receiver = await startReceiver({ hold: true });
    const example = await startInProcess({ SCIM_EVENTS_PUSH_URL: receiver.url }, { drainMs: 100 });
    expect((await createUser(example.baseUrl, 'never-answered')).status).toBe(201);
    await receiver.waitFor(1);
    await example.stop();
    expect(example.lines).toContain(
      `security events: 1 SET(s) not delivered to ${receiver.url} are dropped`,
    );
    await receiver.close();
  });
});

describe('examples/express as a process with SCIM_EVENTS_PUSH_URL', () => {
  let receiver: TestReceiver;
  let example: ExampleProcess;
  beforeAll(async () => {
    receiver = await startReceiver();
    example = await startExample('express', SCIM_TOKEN, {
      SCIM_EVENTS_PUSH_URL: `${receiver.url}?key=in-the-query`,
      SCIM_EVENTS_PUSH_TOKEN: PUSH_TOKEN,
    });
  }, 30_000);
  afterAll(async () => {
    example.child.kill('SIGKILL');
    await receiver.close();
  });

  it('start-up prints one line naming the push URL, without its query or the token', () => {
    const lines = example.output().split('\n');
    expect(lines.filter((line) => line.startsWith('security events: pushed to '))).toEqual([
      `security events: pushed to ${receiver.url} as RFC 8935 SETs (aud ${new URL(receiver.url).origin}; keys at http://127.0.0.1:${example.port}/ssf/jwks.json, made for this run)`,
    ]);
    expect(example.output()).not.toContain(PUSH_TOKEN);
    expect(example.output()).not.toContain('in-the-query');
  });

  it('a user created through the process is pushed, and SIGTERM then exits 0', async () => {
    expect((await createUser(example.baseUrl, 'process-user')).status).toBe(201);
    await receiver.waitFor(1);
    expect(receiver.received[0]?.headers.authorization).toBe(`Bearer ${PUSH_TOKEN}`);
    example.child.kill('SIGTERM');
    expect(await example.exited).toBe(0);
  }, 30_000);
});
