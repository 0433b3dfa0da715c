// The replica (issue 14): the example started as a transmitter (SCIM_EVENTS_PUSH_URL) pushes its
// SETs to receiver-app.mjs, which verifies them with the keys found through the transmitter's
// /.well-known/ssf-configuration and applies them to its own SQLite file; its read-only SCIM API
// then answers what the transmitter's does. Pushes without the push token or signed by another key
// are refused, and so are writes through the replica's SCIM API.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ERROR_URN,
  GROUP_SCHEMA_URN,
  PATCH_OP_URN,
  PROV_CREATE_FULL_EVENT_URI,
  SECEVENT_JWT_MEDIA_TYPE,
  USER_SCHEMA_URN,
} from '@scim/core';
import {
  createSigningKeySet,
  generateSigningKey,
  signSet,
  type SetClaims,
  type SigningKey,
} from '@scim/events';
import { discoverTransmitter, replicationSettingsFromEnv } from '../replication.mjs';
import {
  A_TOKEN,
  B_TOKEN,
  eventually,
  listen,
  PUSH_TOKEN,
  scim,
  snapshot,
  startReplica,
  startTransmitter,
  type Replica,
  type Transmitter,
} from './replica.ts';

const root = realpathSync(mkdtempSync(join(tmpdir(), 'scim-example-replica-')));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let databases = 0;
const replicaFile = () => `sqlite:${join(root, `replica-${databases++}.db`)}`;

const user = (userName: string, extra: Record<string, unknown> = {}) => ({
  schemas: [USER_SCHEMA_URN],
  userName,
  active: true,
  ...extra,
});
const patch = (...Operations: unknown[]) => ({ schemas: [PATCH_OP_URN], Operations });

/**
 * A and B wired as the README's two terminals: the push token on both, and on B a token of A's SCIM
 * API unless `source` is false.
 */
async function startPair({ source = true } = {}): Promise<{ a: Transmitter; b: Replica }> {
  const listening = await listen();
  const a = await startTransmitter({
    SCIM_EVENTS_PUSH_URL: `${listening.origin}/events`,
    SCIM_EVENTS_PUSH_TOKEN: PUSH_TOKEN,
  });
  const b = await startReplica(
    listening,
    {
      SCIM_RECEIVER_ISSUER: a.origin,
      SCIM_RECEIVER_PUSH_TOKEN: PUSH_TOKEN,
      ...(source ? { SCIM_RECEIVER_SOURCE_TOKEN: A_TOKEN } : {}),
    },
    replicaFile(),
  );
  return { a, b };
}

/** Writes on A; each must succeed. Returns the id of what it created. */
async function write(a: Transmitter, method: string, path: string, body?: unknown) {
  const answer = await scim(a.baseUrl, A_TOKEN, method, path, body);
  expect(answer.status, `${method} ${path}: ${JSON.stringify(answer.body)}`).toBeLessThan(300);
  return String(answer.body.id);
}

const converged = (a: Transmitter, b: Replica) =>
  eventually(
    async () =>
      (await snapshot(a.baseUrl, A_TOKEN, b.baseUrl)) === (await snapshot(b.baseUrl, B_TOKEN)),
  );

/** A user create SET as A would sign it for B, about a user A does not have. */
const plantedUser = (a: Transmitter, b: Replica, id: string): SetClaims => ({
  iss: a.origin,
  aud: b.origin,
  iat: Math.floor(Date.now() / 1000),
  jti: randomUUID(),
  txn: randomUUID(),
  sub_id: { format: 'scim', uri: `/Users/${id}` },
  events: {
    [PROV_CREATE_FULL_EVENT_URI]: {
      data: { schemas: [USER_SCHEMA_URN], id, userName: `planted-${id}`, active: true },
    },
  },
});

/** POSTs a SET to B's push endpoint, with this Authorization header. */
const push = (b: Replica, token: string, authorization?: string) =>
  fetch(`${b.origin}/events`, {
    method: 'POST',
    headers: {
      'content-type': SECEVENT_JWT_MEDIA_TYPE,
      ...(authorization === undefined ? {} : { authorization }),
    },
    body: token,
  });

/** A's signing key, as its events were made with it. */
function activeKey(a: Transmitter): SigningKey {
  if (a.events === undefined) throw new Error('A has no events');
  return a.events.keys.active;
}

describe('examples/express replicated to receiver-app.mjs', () => {
  let a: Transmitter;
  let b: Replica;
  const ids: Record<string, string> = {};
  beforeAll(async () => {
    ({ a, b } = await startPair());
    ids.u1 = await write(a, 'POST', '/Users', user('bjensen', { name: { givenName: 'Barbara' } }));
    ids.u2 = await write(a, 'POST', '/Users', user('jsmith'));
    ids.u3 = await write(a, 'POST', '/Users', user('mpepper'));
    ids.g1 = await write(a, 'POST', '/Groups', {
      schemas: [GROUP_SCHEMA_URN],
      displayName: 'Tour Guides',
      members: [{ value: ids.u1 }, { value: ids.u2 }],
    });
    ids.g2 = await write(a, 'POST', '/Groups', {
      schemas: [GROUP_SCHEMA_URN],
      displayName: 'Leads',
      members: [{ value: ids.u3 }],
    });
    await write(
      a,
      'PATCH',
      `/Users/${ids.u2}`,
      patch({ op: 'replace', path: 'active', value: false }),
    );
    await write(
      a,
      'PATCH',
      `/Groups/${ids.g1}`,
      patch(
        { op: 'add', path: 'members', value: [{ value: ids.u3 }] },
        { op: 'remove', path: `members[value eq "${ids.u2}"]` },
      ),
    );
    await write(a, 'PUT', `/Users/${ids.u3}`, user('mpepper', { displayName: 'Pepper Potts' }));
    await write(a, 'DELETE', `/Users/${ids.u1}`);
    await write(a, 'DELETE', `/Groups/${ids.g2}`);
  }, 30_000);
  afterAll(async () => {
    await a.stop();
    await b.stop();
  });

  it("RFC 9967 §2: after creates, a deactivation, member changes, a PUT and deletes on A, B's GET /Users and /Groups equal A's, but for the base URL", async () => {
    expect(await converged(a, b)).toBe(true);
    // The same text once more, to see the difference should the line above fail.
    expect(await snapshot(b.baseUrl, B_TOKEN)).toBe(await snapshot(a.baseUrl, A_TOKEN, b.baseUrl));
  }, 30_000);

  it('copies keep their ids and versions: a resource on B has the ETag it has on A', async () => {
    expect(await converged(a, b)).toBe(true);
    for (const path of [`/Users/${ids.u2}`, `/Groups/${ids.g1}`]) {
      const onA = await scim(a.baseUrl, A_TOKEN, 'GET', path);
      const onB = await scim(b.baseUrl, B_TOKEN, 'GET', path);
      expect(onB.status).toBe(200);
      expect(onB.headers.get('etag')).toBe(onA.headers.get('etag'));
    }
  }, 30_000);

  it('what A deleted is gone on B: 404', async () => {
    expect(await converged(a, b)).toBe(true);
    for (const path of [`/Users/${ids.u1}`, `/Groups/${ids.g2}`])
      expect((await scim(b.baseUrl, B_TOKEN, 'GET', path)).status).toBe(404);
  }, 30_000);

  it('with the source, a SET A signed about a user A does not have plants nothing: B reads it back', async () => {
    const id = randomUUID();
    const response = await push(
      b,
      await signSet(plantedUser(a, b, id), activeKey(a)),
      `Bearer ${PUSH_TOKEN}`,
    );
    expect(response.status).toBe(202);
    expect((await scim(b.baseUrl, B_TOKEN, 'GET', `/Users/${id}`)).status).toBe(404);
  });

  it('B logs one line per push: the subject, its events and the answer', async () => {
    expect(await converged(a, b)).toBe(true);
    expect(b.lines).toContain(`events: POST 202 /Users/${ids.u1} prov:create:full`);
    expect(b.lines).toContain(`events: POST 202 /Users/${ids.u1} prov:delete`);
  }, 30_000);
});

describe('the replica refuses what does not come from the transmitter', () => {
  let a: Transmitter;
  let b: Replica;
  // Without a source, B writes a verified SET's data as it is: the checks below are all it has.
  beforeAll(async () => {
    ({ a, b } = await startPair({ source: false }));
  }, 30_000);
  afterAll(async () => {
    await a.stop();
    await b.stop();
  });

  const signedByA = (claims: SetClaims) => signSet(claims, activeKey(a));
  const onB = async (id: string) => (await scim(b.baseUrl, B_TOKEN, 'GET', `/Users/${id}`)).status;

  it('RFC 8935 §2.3: a push without the push token, or with another one, is 401 authentication_failed, and nothing is applied', async () => {
    const id = randomUUID();
    const token = await signedByA(plantedUser(a, b, id));
    for (const authorization of [undefined, 'Bearer not-the-push-token']) {
      const response = await push(b, token, authorization);
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(await response.json()).toMatchObject({ err: 'authentication_failed' });
    }
    expect(await onB(id)).toBe(404);
    // The same SET with the push token is applied: the token was all that was wrong.
    expect((await push(b, token, `Bearer ${PUSH_TOKEN}`)).status).toBe(202);
    expect(await onB(id)).toBe(200);
  });

  it("RFC 8935 §2.4: a SET signed by another key under the kid of A's key is 400 invalid_key; under a kid B's copy of A's keys lacks, 503 until B may fetch them again; nothing is applied", async () => {
    // A SET of A's own: B has just fetched A's keys, and fetches them again only after its cooldown.
    const genuine = randomUUID();
    const signed = await signedByA(plantedUser(a, b, genuine));
    expect((await push(b, signed, `Bearer ${PUSH_TOKEN}`)).status).toBe(202);
    const kid = a.events?.keys.active.kid;
    const forged = async (forger: Awaited<ReturnType<typeof generateSigningKey>>) => {
      const id = randomUUID();
      const token = await signSet(
        plantedUser(a, b, id),
        createSigningKeySet({ active: forger }).active,
      );
      return { id, response: await push(b, token, `Bearer ${PUSH_TOKEN}`) };
    };
    const underAsKid = await forged(await generateSigningKey({ kid }));
    expect(underAsKid.response.status).toBe(400);
    expect(await underAsKid.response.json()).toMatchObject({ err: 'invalid_key' });
    expect(await onB(underAsKid.id)).toBe(404);
    // Its kid may be a key A has just rotated to: retried, it is refused once B has fetched A's
    // keys again and still lacks it.
    const underNewKid = await forged(await generateSigningKey());
    expect(underNewKid.response.status).toBe(503);
    expect(await onB(underNewKid.id)).toBe(404);
  });

  it("RFC 8935 §2.4: a SET for another audience than B's origin is 400 invalid_audience", async () => {
    const id = randomUUID();
    const response = await push(
      b,
      await signedByA({ ...plantedUser(a, b, id), aud: 'https://elsewhere.example' }),
      `Bearer ${PUSH_TOKEN}`,
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ err: 'invalid_audience' });
    expect(await onB(id)).toBe(404);
  });

  it('RFC 8935 §2.3: a body over 1 MiB is 400 invalid_request', async () => {
    const response = await push(b, 'x'.repeat(1_048_577), `Bearer ${PUSH_TOKEN}`);
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ err: 'invalid_request' });
  });

  it('RFC 8935 §2.1: the push endpoint takes POST only: 405 with Allow: POST', async () => {
    const response = await fetch(`${b.origin}/events`);
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
  });

  it("writes through B's SCIM API are 403: the copy is written by A's events alone", async () => {
    const { body: created } = await scim(
      a.baseUrl,
      A_TOKEN,
      'POST',
      '/Users',
      user('written-on-a'),
    );
    const id = String(created.id);
    expect(await eventually(async () => (await onB(id)) === 200)).toBe(true);
    const writes: [string, string, unknown][] = [
      ['POST', '/Users', user('written-on-b')],
      ['PUT', `/Users/${id}`, user('written-on-a', { displayName: 'Changed on B' })],
      ['PATCH', `/Users/${id}`, patch({ op: 'replace', path: 'active', value: false })],
      ['DELETE', `/Users/${id}`, undefined],
      ['POST', '/Bulk', { schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'] }],
    ];
    for (const [method, path, body] of writes) {
      const answer = await scim(b.baseUrl, B_TOKEN, method, path, body);
      expect(answer.status, `${method} ${path}`).toBe(403);
      expect(answer.body).toMatchObject({ schemas: [ERROR_URN], status: '403' });
      expect(String(answer.body.detail)).toContain(`read-only replica of ${a.origin}`);
    }
    const copy = await scim(b.baseUrl, B_TOKEN, 'GET', `/Users/${id}`);
    expect(copy.body).toMatchObject({ userName: 'written-on-a', active: true });
  });

  it("B's token is checked before the refusal: a write without it is 401", async () => {
    const answer = await scim(b.baseUrl, 'wrong-token', 'POST', '/Users', user('anonymous'));
    expect(answer.status).toBe(401);
  });

  it('reads are allowed, POST .search included (RFC 7644 §3.4.3)', async () => {
    const answer = await scim(b.baseUrl, B_TOKEN, 'POST', '/Users/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'userName sw "planted"',
    });
    expect(answer.status).toBe(200);
  });

  it('/ServiceProviderConfig says what the replica does: no PATCH, no bulk', async () => {
    const { body } = await scim(b.baseUrl, B_TOKEN, 'GET', '/ServiceProviderConfig');
    expect(body).toMatchObject({ patch: { supported: false }, bulk: { supported: false } });
  });
});

describe('a replica without SCIM_RECEIVER_SOURCE_TOKEN', () => {
  it("writes users from their events' data, refuses group events (notices), and says so at start-up", async () => {
    const listening = await listen();
    const a = await startTransmitter({ SCIM_EVENTS_PUSH_URL: `${listening.origin}/events` });
    const b = await startReplica(listening, { SCIM_RECEIVER_ISSUER: a.origin }, 'memory:');
    expect(b.lines).toContain(
      'groups: not replicated, their events are notices: set SCIM_RECEIVER_SOURCE_TOKEN to read them back',
    );
    const userId = await write(a, 'POST', '/Users', user('data-only'));
    const groupId = await write(a, 'POST', '/Groups', {
      schemas: [GROUP_SCHEMA_URN],
      displayName: 'Notice only',
    });
    const refused = (line: string) =>
      line.startsWith(`events: POST 400 /Groups/${groupId} prov:create:notice `) &&
      line.includes('"err":"invalid_request"');
    expect(await eventually(() => Promise.resolve(b.lines.some(refused)))).toBe(true);
    expect((await scim(b.baseUrl, B_TOKEN, 'GET', `/Users/${userId}`)).body).toMatchObject({
      userName: 'data-only',
    });
    expect((await scim(b.baseUrl, B_TOKEN, 'GET', `/Groups/${groupId}`)).status).toBe(404);
    await a.stop();
    await b.stop();
  }, 30_000);
});

describe('replica settings and discovery', () => {
  it('SCIM_RECEIVER_ISSUER is required, and is an origin or URL without a trailing slash', () => {
    expect(() => replicationSettingsFromEnv({})).toThrow(/^SCIM_RECEIVER_ISSUER is not set/);
    expect(
      replicationSettingsFromEnv({ SCIM_RECEIVER_ISSUER: 'http://127.0.0.1:8080/' }),
    ).toMatchObject({ issuer: 'http://127.0.0.1:8080', source: undefined });
  });

  it('the issuer, and the source a token goes to, are https unless on this machine', () => {
    expect(() =>
      replicationSettingsFromEnv({ SCIM_RECEIVER_ISSUER: 'http://scim.example.com' }),
    ).toThrow(/^SCIM_RECEIVER_ISSUER must be https/);
    expect(() =>
      replicationSettingsFromEnv({
        SCIM_RECEIVER_ISSUER: 'https://scim.example.com',
        SCIM_RECEIVER_SOURCE_URL: 'http://scim.example.com/scim/v2',
        SCIM_RECEIVER_SOURCE_TOKEN: 'secret',
      }),
    ).toThrow(/^SCIM_RECEIVER_SOURCE_URL must be https/);
  });

  it("the source defaults to the issuer's /scim/v2", () => {
    expect(
      replicationSettingsFromEnv({
        SCIM_RECEIVER_ISSUER: 'https://scim.example.com',
        SCIM_RECEIVER_SOURCE_TOKEN: 'secret',
      }).source,
    ).toEqual({ baseUrl: 'https://scim.example.com/scim/v2', token: 'secret' });
  });

  it("SSF 1.0 §7.2: the jwks_uri comes from the issuer's /.well-known/ssf-configuration", async () => {
    const a = await startTransmitter({ SCIM_EVENTS_PUSH_URL: 'http://127.0.0.1:9/events' });
    expect(await discoverTransmitter(a.origin)).toEqual({
      configurationUrl: `${a.origin}/.well-known/ssf-configuration`,
      jwksUri: `${a.origin}/ssf/jwks.json`,
    });
    await a.stop();
  });

  it('SSF 1.0 §7.2: a configuration naming another issuer is refused', async () => {
    const served = (document: unknown) => () => Promise.resolve(Response.json(document));
    await expect(
      discoverTransmitter('http://127.0.0.1:8080', {
        fetch: served({ issuer: 'http://127.0.0.1:9999', jwks_uri: 'http://127.0.0.1:8080/k' }),
      }),
    ).rejects.toThrow(/names the issuer "http:\/\/127.0.0.1:9999", not http:\/\/127.0.0.1:8080/);
  });

  it('a transmitter without events (404) is named as the likely cause', async () => {
    const a = await startTransmitter({});
    await expect(discoverTransmitter(a.origin)).rejects.toThrow(
      /answered 404\. Is the transmitter running with SCIM_EVENTS_PUSH_URL set\?/,
    );
    await a.stop();
  });
});
