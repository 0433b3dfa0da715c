// The SQL storage under the server, request by request, on every engine: the deprovisioning
// guarantee (a failing hook is retried from the outbox table), membership as rows (a user's groups,
// member adds answering 204, a deleted user leaving every group) and concurrent requests.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScimError, SCIM_MEDIA_TYPE } from '@scim/core';
import {
  createScimHandler,
  type LifecycleEvent,
  type LifecycleHooks,
  type ScimHandler,
} from '@scim/server';
import { createSqlStorage, type SqlStorage } from '@scim/sql';
import { ENGINES, type TestDatabase } from './fixtures/databases.js';

const BASE = 'https://app.example.com/scim/v2';
const U = 'urn:ietf:params:scim:schemas:core:2.0:User';
const G = 'urn:ietf:params:scim:schemas:core:2.0:Group';
const PO = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

function serve(storage: SqlStorage, hooks: LifecycleHooks = {}, maxAttempts = 5) {
  const handler: ScimHandler = createScimHandler({
    ...storage,
    hooks,
    delivery: { backoffMs: 1, maxBackoffMs: 1, pollMs: 0, maxAttempts },
    onError: () => undefined,
    hashPassword: (password) => Promise.resolve(`test-hash:${password.length}`),
    authenticate: (request) => {
      if (request.headers.get('authorization') !== 'Bearer secret')
        throw ScimError.unauthorized('A valid bearer token is required');
      return { principal: 'sql-test' };
    },
  });
  const call = async (method: string, path: string, body?: unknown): Promise<Reply> => {
    const headers: Record<string, string> = { authorization: 'Bearer secret' };
    if (body !== undefined) headers['content-type'] = SCIM_MEDIA_TYPE;
    const response = await handler.fetch(
      new Request(`${BASE}${path}`, {
        method,
        headers,
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      }),
    );
    const text = await response.text();
    return {
      status: response.status,
      body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
    };
  };
  return { handler, call };
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const ids = (entries: readonly { readonly event: LifecycleEvent }[]) =>
  entries.map((entry) => entry.event.id);

for (const engine of ENGINES) {
  describe.skipIf(engine.skipped !== undefined)(`the server on ${engine.name}`, () => {
    let database: TestDatabase;
    let storage: SqlStorage;
    beforeAll(async () => {
      database = await engine.open();
    }, 120_000);
    afterAll(async () => database?.close());
    const fresh = async () => {
      storage = createSqlStorage({ db: database.db, tablePrefix: database.tablePrefix });
      await storage.clear();
      return storage;
    };

    it('deprovisioning: onDeactivate that throws twice is delivered on the third attempt from the outbox table, with one event id', async () => {
      const seen: { id: string; attempt: number }[] = [];
      const { call, handler } = serve(await fresh(), {
        onDeactivate: (event) => {
          seen.push({ id: event.id, attempt: event.attempt });
          if (event.attempt < 3) throw new Error('identity sessions service is down');
        },
      });
      const created = await call('POST', '/Users', {
        schemas: [U],
        userName: 'leaver',
        active: true,
      });
      expect(created.status).toBe(201);
      const patched = await call('PATCH', `/Users/${created.body.id as string}`, {
        schemas: [PO],
        Operations: [{ op: 'replace', path: 'active', value: false }],
      });
      expect(patched.status).toBe(200);
      for (let pass = 0; pass < 10 && seen.length < 3; pass++) {
        await pause(5);
        await handler.deliverDue();
      }
      expect(seen.map((s) => s.attempt)).toEqual([1, 2, 3]);
      expect(new Set(seen.map((s) => s.id)).size).toBe(1);
      expect(await storage.outbox.list({ state: 'pending' })).toEqual([]);
      const delivered = await storage.outbox.list({ state: 'delivered' });
      expect(delivered.map((entry) => entry.event.type)).toContain('deactivated');
    });

    it('deprovisioning: a hook that keeps failing goes dead after maxAttempts, and retry makes it pending again', async () => {
      const { call, handler } = serve(
        await fresh(),
        {
          afterDelete: () => {
            throw new Error('down');
          },
        },
        2,
      );
      const created = await call('POST', '/Users', { schemas: [U], userName: 'stuck' });
      expect((await call('DELETE', `/Users/${created.body.id as string}`)).status).toBe(204);
      for (let pass = 0; pass < 5; pass++) {
        await pause(5);
        await handler.deliverDue();
      }
      const dead = await storage.outbox.list({ state: 'dead' });
      expect(dead.map((entry) => [entry.event.type, entry.attempts, entry.lastError])).toEqual([
        ['deleted', 2, 'down'],
      ]);
      expect(await storage.outbox.retry(dead[0]?.event.id as string)).toBe(true);
      expect((await storage.outbox.list({ state: 'pending' })).length).toBe(1);
    });

    it('a retried dead event waits for a later event of its resource out for delivery, never for an earlier one', async () => {
      const { outbox } = await fresh();
      const start = Date.now();
      const at = (seconds: number) => new Date(start + seconds * 1000);
      const event = (id: string): LifecycleEvent => ({
        id,
        type: 'deactivated',
        resourceType: 'User',
        resourceId: 'one-user',
        operation: 'patch',
        tenant: undefined,
        principal: 'entra',
        occurredAt: at(0).toISOString(),
        requestId: `request-${id}`,
      });
      // e0 and e1 of one resource; e1 goes dead; e0 is claimed (leased for 60 s); e1 is retried.
      await outbox.append([event('e0'), event('e1'), event('e2')], at(-1), { tenant: undefined });
      await outbox.fail('e1', 'down', undefined);
      expect(ids(await outbox.claim({ limit: 1, now: at(0), leaseUntil: at(60) }))).toEqual(['e0']);
      expect(await outbox.retry('e1')).toBe(true);
      // e0 comes first whatever e1's due time is: e1 is due at once.
      const retried = (await outbox.list({ state: 'pending' })).find((e) => e.event.id === 'e1');
      expect(Date.parse(retried?.nextAttemptAt ?? '')).toBeLessThan(start + 30_000);
      // e0 delivered, e2 (later) claimed, e0's retry… a later event out for delivery holds e1 back.
      await outbox.complete('e0');
      await outbox.fail('e1', 'down again', undefined);
      expect(ids(await outbox.claim({ limit: 5, now: at(1), leaseUntil: at(90) }))).toEqual(['e2']);
      expect(await outbox.retry('e1')).toBe(true);
      const held = (await outbox.list({ state: 'pending' })).find((e) => e.event.id === 'e1');
      expect(Date.parse(held?.nextAttemptAt ?? '')).toBe(start + 90_000);
    });

    it('membership as rows: member add answers 204, the user shows the group, and deleting the user removes it from every group', async () => {
      const { call } = serve(await fresh());
      const user = await call('POST', '/Users', { schemas: [U], userName: 'member' });
      const id = user.body.id as string;
      const groups: string[] = [];
      for (const name of ['Admins', 'Tour Guides', 'Everyone']) {
        const group = await call('POST', '/Groups', { schemas: [G], displayName: name });
        groups.push(group.body.id as string);
        const added = await call('PATCH', `/Groups/${group.body.id as string}`, {
          schemas: [PO],
          Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }],
        });
        expect(added.status).toBe(204);
      }
      const read = await call('GET', `/Users/${id}`);
      expect(
        (read.body.groups as { value: string; display: string }[]).map((g) => g.display),
      ).toEqual(['Admins', 'Tour Guides', 'Everyone']);
      const filtered = await call(
        'GET',
        `/Groups?filter=${encodeURIComponent(`members[value eq "${id}"]`)}&excludedAttributes=members`,
      );
      expect(filtered.body.totalResults).toBe(3);
      expect((await call('DELETE', `/Users/${id}`)).status).toBe(204);
      for (const group of groups) {
        const after = await call('GET', `/Groups/${group}`);
        expect(after.body.members ?? []).toEqual([]);
      }
    });

    it('concurrency: 30 concurrent member adds and 30 concurrent creates all succeed', async () => {
      const { call } = serve(await fresh());
      const group = await call('POST', '/Groups', { schemas: [G], displayName: 'Crowd' });
      const users = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          call('POST', '/Users', { schemas: [U], userName: `crowd${i}` }),
        ),
      );
      expect(users.map((reply) => reply.status)).toEqual(users.map(() => 201));
      const adds = await Promise.all(
        users.map((user) =>
          call('PATCH', `/Groups/${group.body.id as string}`, {
            schemas: [PO],
            Operations: [{ op: 'add', path: 'members', value: [{ value: user.body.id }] }],
          }),
        ),
      );
      expect(adds.map((reply) => reply.status)).toEqual(adds.map(() => 204));
      const read = await call('GET', `/Groups/${group.body.id as string}`);
      expect((read.body.members as unknown[]).length).toBe(30);
    });

    it('uniqueness (RFC 7643 §4.1.1 userName): a userName differing only in case answers 409 uniqueness, and nothing is written', async () => {
      const { call } = serve(await fresh());
      expect((await call('POST', '/Users', { schemas: [U], userName: 'Bjensen' })).status).toBe(
        201,
      );
      const duplicate = await call('POST', '/Users', { schemas: [U], userName: 'BJENSEN' });
      expect([duplicate.status, duplicate.body.scimType]).toEqual([409, 'uniqueness']);
      const list = await call('GET', '/Users');
      expect(list.body.totalResults).toBe(1);
    });
  });
}
