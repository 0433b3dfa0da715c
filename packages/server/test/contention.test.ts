// Issue 12, "Ordinary contention is refused": identity providers send no If-Match and count a 412
// as a failed push. Through a store that takes 3 ms per call, as a database does, concurrent writes
// to one resource must all succeed, and a delete must leave no group holding the deleted user.
import { describe, expect, it } from 'vitest';
import { ScimError } from '@scim/core';
import { G, PO, U, expectError, server } from './helpers.js';
import { createRecordingStore } from './fixtures/recording-store.js';

const LATENCY_MS = 3;

function slowServer(options: Parameters<typeof server>[0] = {}) {
  const users = createRecordingStore({ latencyMs: LATENCY_MS });
  const groups = createRecordingStore({ latencyMs: LATENCY_MS });
  return { ...server({ stores: { User: users, Group: groups }, ...options }), users, groups };
}

async function createUsers(call: ReturnType<typeof server>['call'], count: number, prefix: string) {
  const ids: string[] = [];
  for (let i = 0; i < count; i++)
    ids.push(
      (await call('POST', '/Users', { schemas: [U], userName: `${prefix}${i}` })).body.id as string,
    );
  return ids;
}

const addMember = (value: string) => ({
  schemas: [PO],
  Operations: [{ op: 'add', path: 'members', value: [{ value }] }],
});

describe('version conflicts without If-Match are retried (RFC 7644 §3.14: 412 is for If-Match)', () => {
  it('50 concurrent add-member PATCHes to one group all succeed, and all 50 members are there', async () => {
    const { call } = slowServer();
    const ids = await createUsers(call, 50, 'm');
    const group = (await call('POST', '/Groups', { schemas: [G], displayName: 'Busy' })).body
      .id as string;
    const replies = await Promise.all(
      ids.map((id) => call('PATCH', `/Groups/${group}`, addMember(id))),
    );
    // A member PATCH answers 204 by default (patchResponse 'minimal'), whatever the group's size.
    expect(replies.map((reply) => reply.status)).toEqual(ids.map(() => 204));
    const members = (await call('GET', `/Groups/${group}`)).body.members as { value: string }[];
    expect(members.map((member) => member.value).sort()).toEqual([...ids].sort());
  });

  it('a deactivation racing 10 other PATCHes to the same user succeeds and stays deactivated', async () => {
    const deactivated: string[] = [];
    const { call } = slowServer({
      hooks: { onDeactivate: ({ resource }) => void deactivated.push(String(resource.id)) },
    });
    const [id] = await createUsers(call, 1, 'leaver');
    await call('PATCH', `/Users/${id}`, {
      schemas: [PO],
      Operations: [{ op: 'replace', path: 'active', value: true }],
    });
    const others = Array.from({ length: 10 }, (_, i) =>
      call('PATCH', `/Users/${id}`, {
        schemas: [PO],
        Operations: [{ op: 'replace', path: 'title', value: `t${i}` }],
      }),
    );
    const deactivation = call('PATCH', `/Users/${id}`, {
      schemas: [PO],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    });
    const replies = await Promise.all([deactivation, ...others]);
    expect(replies.map((reply) => reply.status)).toEqual(replies.map(() => 200));
    expect((await call('GET', `/Users/${id}`)).body.active).toBe(false);
    expect(deactivated).toEqual([id]);
  });

  it('concurrent PUTs without If-Match all succeed; the last one written is what is stored', async () => {
    const { call } = slowServer();
    const [id] = await createUsers(call, 1, 'put');
    const replies = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        call('PUT', `/Users/${id}`, { schemas: [U], userName: 'put0', title: `t${i}` }),
      ),
    );
    expect(replies.map((reply) => reply.status)).toEqual(replies.map(() => 200));
    const titles = replies.map((reply) => reply.body.title);
    expect(titles).toContain((await call('GET', `/Users/${id}`)).body.title);
  });

  it('with If-Match the client asked for the conflict: a stale version is still 412 at once (P-ETAG-06)', async () => {
    const { call } = slowServer();
    const [id] = await createUsers(call, 1, 'etag');
    const stale = (await call('GET', `/Users/${id}`)).headers.get('etag') as string;
    await call('PATCH', `/Users/${id}`, {
      schemas: [PO],
      Operations: [{ op: 'replace', path: 'title', value: 'x' }],
    });
    expectError(
      await call(
        'PATCH',
        `/Users/${id}`,
        { schemas: [PO], Operations: [{ op: 'replace', path: 'title', value: 'y' }] },
        { 'if-match': stale },
      ),
      412,
    );
  });

  it('conflictRetryMs: 0 answers the first conflict with 412, as before', async () => {
    const { call } = slowServer({ conflictRetryMs: 0 });
    const ids = await createUsers(call, 10, 'z');
    const group = (await call('POST', '/Groups', { schemas: [G], displayName: 'NoRetry' })).body
      .id as string;
    const replies = await Promise.all(
      ids.map((id) => call('PATCH', `/Groups/${group}`, addMember(id))),
    );
    expect(replies.some((reply) => reply.status === 412)).toBe(true);
  });

  it('a conflict that never ends is 503 with Retry-After once conflictRetryMs has passed, never a 412', async () => {
    const users = createRecordingStore();
    const { call } = server({
      stores: {
        User: { ...users, replace: () => Promise.reject(ScimError.preconditionFailed('changed')) },
        Group: createRecordingStore(),
      },
      conflictRetryMs: 50,
      onError: () => {},
    });
    const [id] = await createUsers(call, 1, 'never');
    const started = performance.now();
    const reply = await call('PATCH', `/Users/${id}`, {
      schemas: [PO],
      Operations: [{ op: 'replace', path: 'title', value: 'x' }],
    });
    expectError(reply, 503);
    expect(reply.headers.get('retry-after')).toBe('1');
    expect(performance.now() - started).toBeGreaterThanOrEqual(50);
    // Only conflicts are retried: the read-only calls before each attempt show how many there were.
    expect(users.calls.filter((c) => c === 'get').length).toBeGreaterThan(2);
  });
});

describe('a delete leaves no group holding the user, even while the groups are being written', () => {
  it('DELETE racing member adds to the 20 groups it belongs to removes it from all 20 (P-CRUD-17)', async () => {
    const deleted: string[] = [];
    const { call } = slowServer({
      hooks: { afterDelete: ({ resource }) => void deleted.push(String(resource.id)) },
    });
    const [leaver, ...others] = await createUsers(call, 21, 'd');
    const groups: string[] = [];
    for (let i = 0; i < 20; i++)
      groups.push(
        (
          await call('POST', '/Groups', {
            schemas: [G],
            displayName: `g${i}`,
            members: [{ value: leaver }],
          })
        ).body.id as string,
      );
    const racing = groups.map((group, i) =>
      call('PATCH', `/Groups/${group}`, addMember(others[i] as string)),
    );
    const [removal, ...adds] = await Promise.all([call('DELETE', `/Users/${leaver}`), ...racing]);
    expect(removal.status).toBe(204);
    expect(adds.map((reply) => reply.status)).toEqual(adds.map(() => 204));
    for (const [i, group] of groups.entries()) {
      const members = ((await call('GET', `/Groups/${group}`)).body.members ?? []) as {
        value: string;
      }[];
      expect(members.map((member) => member.value)).toEqual([others[i]]);
    }
    expect(deleted).toEqual([leaver]);
  });

  it('the clean-up finishes when the client goes away after the user is deleted, through a conflict', async () => {
    const users = createRecordingStore();
    const groups = createRecordingStore();
    const client = new AbortController();
    let conflicts = 1;
    const { handler, call } = server({
      stores: {
        User: {
          ...users,
          delete: async (id, context) => {
            const deleted = await users.delete(id, context);
            client.abort();
            return deleted;
          },
        },
        Group: {
          ...groups,
          replace: (resource, context) =>
            conflicts-- > 0
              ? Promise.reject(ScimError.preconditionFailed('changed'))
              : groups.replace(resource, context),
        },
      },
    });
    const [leaver] = await createUsers(call, 1, 'gone');
    const group = (
      await call('POST', '/Groups', {
        schemas: [G],
        displayName: 'g',
        members: [{ value: leaver }],
      })
    ).body.id as string;
    await handler.fetch(
      new Request(`https://app.example.com/scim/v2/Users/${leaver}`, {
        method: 'DELETE',
        headers: { authorization: 'Bearer secret' },
        signal: client.signal,
      }),
    );
    expect((await call('GET', `/Groups/${group}`)).body.members).toBeUndefined();
  });
});
