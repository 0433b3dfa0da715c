// The `misc:asyncresp` SET (RFC 9967 §2.5.1.3) and what surrounds it: built from the completion
// records a real @scim/server writes for asynchronous requests, published to streams and webhooks,
// named for in-process handlers, and advertised in `securityEvents`.
import {
  MISC_ASYNCRESP_EVENT_URI,
  PROV_PUT_FULL_EVENT_URI,
  SCIM_EVENT_URIS,
  SCIM_MEDIA_TYPE,
} from '@scim/core';
import { createScimHandler, type LifecycleEvent, type ScimHandlerOptions } from '@scim/server';
import { createMemoryStorage } from '@scim/server/memory';
import { describe, expect, it } from 'vitest';
import { toSetClaims } from '../src/lib/build.ts';
import { toSecurityEventsConfig } from '../src/lib/discovery.ts';
import { createEventHandlers, toEventName } from '../src/lib/handlers.ts';
import { createMemorySetQueue } from '../src/lib/memory-queue.ts';
import { createMemoryStreamStore } from '../src/lib/memory-streams.ts';
import { createEventPublisher, type WebhookEventBody } from '../src/lib/publisher.ts';
import { claimsOf, stream } from './fixtures/event-server.ts';
import { BASE, bj, buildOptions, RESOURCE_TYPES, U } from './helpers.ts';

const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const ERR = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** A server taking asynchronous requests; `call` answers with the reply and its Set-Txn. */
function asyncServer(hooks?: ScimHandlerOptions['hooks']) {
  const handler = createScimHandler({
    ...createMemoryStorage(),
    hashPassword: (password) => Promise.resolve(`test-hash:${password.length}`),
    authenticate: () => ({ principal: 'test-client' }),
    asyncRequests: { mode: 'request' },
    delivery: { pollMs: 0 },
    ...(hooks === undefined ? {} : { hooks }),
  });
  async function call(method: string, path: string, body?: unknown, prefer?: string) {
    const headers: Record<string, string> = { 'content-type': SCIM_MEDIA_TYPE };
    if (prefer !== undefined) headers.prefer = prefer;
    const init: RequestInit = { method, headers };
    if (body !== undefined) init.body = JSON.stringify(body);
    const response = await handler.fetch(new Request(`${BASE}${path}`, init));
    const text = await response.text();
    return {
      status: response.status,
      txn: response.headers.get('set-txn'),
      etag: response.headers.get('etag'),
      location: response.headers.get('location'),
      body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    };
  }
  /** Waits for the accepted requests (close), then lists what the outbox holds. */
  async function settle(): Promise<LifecycleEvent[]> {
    await handler.close();
    return (await handler.outbox.list()).map((entry) => entry.event);
  }
  return { handler, call, settle };
}

const completionsOf = (events: readonly LifecycleEvent[]) =>
  events.filter((event) => event.type === 'asyncCompleted');

function onlySet(event: LifecycleEvent | undefined) {
  if (event === undefined) throw new Error('no completion record');
  const result = toSetClaims(event, buildOptions());
  if (!result.ok) throw new Error(JSON.stringify(result.issues));
  expect(result.value).toHaveLength(1);
  return result.value[0] as NonNullable<(typeof result.value)[number]>;
}

describe('E-TYPE-10: misc:asyncresp carries the Bulk response operation, txn the Set-Txn', () => {
  it('E-TYPE-10: an async PUT → asyncresp {method:"PUT", status:"200", version, location}, txn == Set-Txn', async () => {
    const { call, settle } = asyncServer();
    const created = await call('POST', '/Users', bj);
    const id = created.body.id as string;
    const put = await call('PUT', `/Users/${id}`, { ...bj, displayName: 'B' }, 'respond-async');
    expect(put.status).toBe(202);
    const events = await settle();
    const claims = onlySet(completionsOf(events)[0]);
    const version = events.find((event) => event.type === 'updated')?.version;
    expect(claims.txn).toBe(put.txn);
    expect(claims.sub_id).toEqual({ format: 'scim', uri: `/Users/${id}` });
    expect(claims.events).toEqual({
      [MISC_ASYNCRESP_EVENT_URI]: {
        method: 'PUT',
        location: `${BASE}/Users/${id}`,
        version,
        status: '200',
      },
    });
    expect(typeof version).toBe('string');
  });

  it("E-TYPE-10: the write's prov:put SET and the asyncresp SET share txn", async () => {
    const { call, settle } = asyncServer();
    const id = (await call('POST', '/Users', bj)).body.id as string;
    const put = await call('PUT', `/Users/${id}`, { ...bj, displayName: 'B' }, 'respond-async');
    const events = await settle();
    const updated = toSetClaims(
      events.find((event) => event.type === 'updated') as LifecycleEvent,
      buildOptions(),
    );
    expect(updated.ok && updated.value[0]?.txn).toBe(put.txn);
    expect(updated.ok && Object.keys(updated.value[0]?.events ?? {})).toEqual([
      PROV_PUT_FULL_EVENT_URI,
    ]);
  });

  it('E-TYPE-10: a failed async POST → status and response (ERR body, scimType, status string), sub_id the endpoint', async () => {
    const { call, settle } = asyncServer();
    await call('POST', '/Users', bj);
    const post = await call('POST', '/Users', bj, 'respond-async');
    expect(post.status).toBe(202);
    const claims = onlySet(completionsOf(await settle())[0]);
    expect(claims.txn).toBe(post.txn);
    expect(claims.sub_id).toEqual({ format: 'scim', uri: '/Users' });
    expect(claims.events[MISC_ASYNCRESP_EVENT_URI]).toEqual({
      method: 'POST',
      status: '409',
      response: expect.objectContaining({
        schemas: [ERR],
        scimType: 'uniqueness',
        status: '409',
      }) as unknown,
    });
  });

  it('E-TYPE-10: an async bulk POST carries its bulkId, and the SETs are numbered by operation (E-ASYNC-06)', async () => {
    const { call, settle } = asyncServer();
    const bulk = await call(
      'POST',
      '/Bulk',
      {
        schemas: [BULK],
        Operations: [
          { method: 'POST', path: '/Users', bulkId: 'q', data: bj },
          { method: 'POST', path: '/Users', bulkId: 'r', data: { schemas: [U], userName: 'r' } },
        ],
      },
      'respond-async',
    );
    const sets = completionsOf(await settle()).map(onlySet);
    expect(sets.map((claims) => claims.txn)).toEqual([`${bulk.txn}:0`, `${bulk.txn}:1`]);
    expect(sets.map((claims) => claims.events[MISC_ASYNCRESP_EVENT_URI])).toEqual([
      expect.objectContaining({ method: 'POST', bulkId: 'q', status: '201' }),
      expect.objectContaining({ method: 'POST', bulkId: 'r', status: '201' }),
    ]);
    for (const claims of sets) {
      const { location } = claims.events[MISC_ASYNCRESP_EVENT_URI] as { location: string };
      expect(`${BASE}${claims.sub_id.uri as string}`).toBe(location);
    }
  });

  it('E-TYPE-10: a completion record without its outcome is a missing_state issue, not a throw', () => {
    const record: LifecycleEvent = {
      id: 'e1',
      changeId: 't1',
      type: 'asyncCompleted',
      resourceType: 'User',
      resourceId: 'u1',
      operation: 'replace',
      tenant: undefined,
      principal: undefined,
      occurredAt: '2026-12-03T10:00:00.000Z',
      requestId: 'r1',
    };
    const result = toSetClaims(record, buildOptions());
    expect(result.ok).toBe(false);
    expect(!result.ok && result.issues[0]?.code).toBe('missing_state');
  });

  it('E-TYPE-10: a completion whose status is not a string is a missing_state issue', () => {
    const record = {
      id: 'e1',
      changeId: 't1',
      type: 'asyncCompleted',
      resourceType: 'User',
      resourceId: 'u1',
      operation: 'replace',
      tenant: undefined,
      principal: undefined,
      occurredAt: '2026-12-03T10:00:00.000Z',
      requestId: 'r1',
      subjectUri: '/Users/u1',
      asyncResponse: { method: 'PUT', status: 200 },
    } as unknown as LifecycleEvent;
    const result = toSetClaims(record, buildOptions());
    expect(!result.ok && result.issues[0]?.code).toBe('missing_state');
  });

  it('E-TYPE-10: a completion needs no resource type among the options', () => {
    const record: LifecycleEvent = {
      id: 'e1',
      changeId: 't1:0',
      type: 'asyncCompleted',
      resourceType: '',
      resourceId: 't1:0',
      operation: 'bulk',
      tenant: undefined,
      principal: undefined,
      occurredAt: '2026-12-03T10:00:00.000Z',
      requestId: 'r1',
      subjectUri: '/Bulk',
      asyncResponse: { status: '400', response: { schemas: [ERR], status: '400' } },
    };
    const claims = onlySet(record);
    expect(claims.sub_id).toEqual({ format: 'scim', uri: '/Bulk' });
    expect(claims.txn).toBe('t1:0');
  });
});

describe('E-ASYNC-08: securityEvents advertises asynchronous requests', () => {
  it('E-ASYNC-08: asyncRequest as given, and misc:asyncresp among eventUris when it is not none', () => {
    const config = toSecurityEventsConfig({
      resourceTypes: RESOURCE_TYPES,
      asyncRequest: 'request',
    });
    expect(config.asyncRequest).toBe('request');
    expect(config.eventUris).toContain(MISC_ASYNCRESP_EVENT_URI);
    for (const uri of config.eventUris) expect(SCIM_EVENT_URIS).toContain(uri);
  });

  it("E-ASYNC-08: by default asyncRequest is 'none' and asyncresp is not listed", () => {
    expect(toSecurityEventsConfig({ resourceTypes: RESOURCE_TYPES }).eventUris).not.toContain(
      MISC_ASYNCRESP_EVENT_URI,
    );
  });

  it('E-ASYNC-08: the server advertises what toSecurityEventsConfig gives, with its own mode', async () => {
    const handler = createScimHandler({
      ...createMemoryStorage(),
      authenticate: 'anonymous',
      asyncRequests: { mode: 'long' },
      securityEvents: toSecurityEventsConfig({ resourceTypes: RESOURCE_TYPES }),
    });
    const spc = (await (
      await handler.fetch(new Request(`${BASE}/ServiceProviderConfig`))
    ).json()) as { securityEvents: { asyncRequest: string; eventUris: string[] } };
    expect(spc.securityEvents.asyncRequest).toBe('long');
    expect(spc.securityEvents.eventUris).toContain(MISC_ASYNCRESP_EVENT_URI);
  });
});

describe('completions for handlers, streams and webhooks', () => {
  it("E-TYPE-10: createEventHandlers names completions 'async.completed', which 'user.*' does not match", async () => {
    const completed: string[] = [];
    const users: string[] = [];
    const handlers = createEventHandlers()
      .on('async.completed', ({ asyncResponse, changeId }) => {
        completed.push(`${changeId} ${asyncResponse.status}`);
      })
      .on('user.*', ({ name }) => void users.push(name));
    const { call, settle } = asyncServer({ onEvent: handlers.onEvent });
    const post = await call('POST', '/Users', bj, 'respond-async');
    await settle();
    expect(completed).toEqual([`${post.txn} 201`]);
    expect(users).toEqual(['user.created']);
    expect(toEventName({ resourceType: '', type: 'asyncCompleted' })).toBe('async.completed');
  });

  it('E-TYPE-10: the publisher queues the asyncresp SET for a stream, and a webhook async.completed with the outcome', async () => {
    const streams = createMemoryStreamStore();
    const queue = createMemorySetQueue();
    await streams.put(stream({ id: 'poll' }));
    await streams.put(
      stream({
        id: 'hook',
        delivery: { method: 'webhook', endpointUrl: 'https://hooks.example.com', secrets: ['s'] },
      }),
    );
    const publisher = createEventPublisher({
      streams,
      queue,
      issuer: 'https://scim.example.com',
      resourceTypes: RESOURCE_TYPES,
    });
    const { call, settle } = asyncServer({ onEvent: publisher.onEvent });
    const post = await call('POST', '/Users', { schemas: [U], userName: 'x' }, 'respond-async');
    const again = await call('POST', '/Users', { schemas: [U], userName: 'x' }, 'respond-async');
    await settle();
    const polled = (await queue.list('poll')).filter((set) =>
      set.eventUris.includes(MISC_ASYNCRESP_EVENT_URI),
    );
    const subjects = new Map(polled.map((set) => [claimsOf(set.payload).txn, set.subject]));
    expect(subjects.get(post.txn)).toMatch(/^ \/Users\/.+/);
    // The POST that created nothing has the endpoint for sub_id, but is ordered by its own txn, so
    // such completions never wait for one another.
    expect(subjects.get(again.txn)).toBe(` txn:${again.txn}`);
    const hooks = (await queue.list('hook')).map(
      (set) => JSON.parse(set.payload) as WebhookEventBody,
    );
    const body = hooks.find((hook) => hook.type === 'async.completed' && hook.txn === post.txn);
    expect(body).toMatchObject({
      txn: post.txn,
      events: [MISC_ASYNCRESP_EVENT_URI],
      asyncResponse: { method: 'POST', status: '201' },
    });
  });
});
