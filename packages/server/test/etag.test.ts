import { describe, expect, it } from 'vitest';
import { ScimError } from '@scim/core';
import { createMemoryStore } from '@scim/server/memory';
import { bj, expectError, PO, server, U } from './helpers.js';

async function created() {
  const instance = server();
  const user = await instance.call('POST', '/Users', bj);
  return { ...instance, id: user.body.id as string, etag: user.headers.get('etag') as string };
}

describe('conditional requests (RFC 7644 §3.14)', () => {
  it('P-ETAG-01: GET, POST, PUT and PATCH (200 and 204) all carry an ETag equal to meta.version', async () => {
    const { call, id, etag } = await created();
    const tags: (string | null)[] = [etag];
    const read = await call('GET', `/Users/${id}`);
    expect(read.headers.get('etag')).toBe((read.body.meta as { version: string }).version);
    expect(read.headers.get('etag')).toBe(etag);
    tags.push(read.headers.get('etag'));
    const put = await call('PUT', `/Users/${id}`, {
      schemas: [U],
      userName: 'bjensen',
      title: 'Y',
    });
    expect(put.headers.get('etag')).toBe((put.body.meta as { version: string }).version);
    const patch = await call('PATCH', `/Users/${id}`, {
      schemas: [PO],
      Operations: [{ op: 'replace', path: 'title', value: 'Z' }],
    });
    expect(patch.headers.get('etag')).toBe((patch.body.meta as { version: string }).version);
    const quiet = server({ patchResponse: 'noContent' });
    const user = await quiet.call('POST', '/Users', { schemas: [U], userName: 'quiet' });
    const noContent = await quiet.call('PATCH', `/Users/${user.body.id as string}`, {
      schemas: [PO],
      Operations: [{ op: 'replace', path: 'title', value: 'Q' }],
    });
    expect(noContent.status).toBe(204);
    const after = await quiet.call('GET', `/Users/${user.body.id as string}`);
    expect(noContent.headers.get('etag')).toBe(after.headers.get('etag'));
    expect(noContent.headers.get('etag')).not.toBe(user.headers.get('etag'));
    for (const tag of tags) expect(tag).toMatch(/^W\/".+"$/);
  });

  it('P-ETAG-04/P-ETAG-05: If-None-Match with the current tag is 304 without a body; another tag is 200', async () => {
    const { call, id, etag } = await created();
    const fresh = await call('GET', `/Users/${id}`, undefined, { 'if-none-match': etag });
    expect(fresh.status).toBe(304);
    expect(fresh.text).toBe('');
    expect(fresh.headers.get('etag')).toBe(etag);
    expect(
      (await call('GET', `/Users/${id}`, undefined, { 'if-none-match': 'W/"other"' })).status,
    ).toBe(200);
  });

  it('P-PUT-11/P-ETAG-06/P-ETAG-09/P-PATCH-18: a stale If-Match on PUT, PATCH or DELETE is 412 and changes nothing', async () => {
    const { call, id } = await created();
    const stale = { 'if-match': 'W/"stale"' };
    expectError(
      await call('PUT', `/Users/${id}`, { schemas: [U], userName: 'bjensen', title: 'X' }, stale),
      412,
    );
    expectError(
      await call(
        'PATCH',
        `/Users/${id}`,
        { schemas: [PO], Operations: [{ op: 'replace', path: 'title', value: 'X' }] },
        stale,
      ),
      412,
    );
    expectError(await call('DELETE', `/Users/${id}`, undefined, stale), 412);
    expect((await call('GET', `/Users/${id}`)).body.title).toBe('Tour Guide');
  });

  it('P-ETAG-07: If-Match compares weak tags, with or without W/', async () => {
    const { call, id, etag } = await created();
    expect(
      (
        await call(
          'PUT',
          `/Users/${id}`,
          { schemas: [U], userName: 'bjensen' },
          { 'if-match': etag },
        )
      ).status,
    ).toBe(200);
    const next = (await call('GET', `/Users/${id}`)).headers.get('etag') as string;
    expect(
      (
        await call(
          'PATCH',
          `/Users/${id}`,
          { schemas: [PO], Operations: [{ op: 'replace', path: 'title', value: 'T' }] },
          { 'if-match': next.replace(/^W\//, '') },
        )
      ).status,
    ).toBe(200);
  });

  it('P-ETAG-08: If-Match * matches any existing resource, and a missing one is 412', async () => {
    const { call, id } = await created();
    expect((await call('DELETE', `/Users/${id}`, undefined, { 'if-match': '*' })).status).toBe(204);
    expectError(await call('DELETE', `/Users/${id}`, undefined, { 'if-match': '*' }), 412);
  });

  it('P-ETAG-10/P-DISC-07: with ETags off, If-Match is ignored', async () => {
    const { call } = server({ features: { etag: false } });
    const user = await call('POST', '/Users', bj);
    expect(
      (
        await call(
          'PUT',
          `/Users/${user.body.id as string}`,
          { schemas: [U], userName: 'bjensen' },
          { 'if-match': 'W/"stale"' },
        )
      ).status,
    ).toBe(200);
  });

  it('requireIfMatch: a write without If-Match is 428, with the current tag it succeeds', async () => {
    const { call } = server({ requireIfMatch: true });
    const user = await call('POST', '/Users', bj);
    const id = user.body.id as string;
    expectError(await call('PUT', `/Users/${id}`, { schemas: [U], userName: 'bjensen' }), 428);
    expectError(await call('DELETE', `/Users/${id}`), 428);
    expect(
      (
        await call(
          'PUT',
          `/Users/${id}`,
          { schemas: [U], userName: 'bjensen' },
          { 'if-match': user.headers.get('etag') as string },
        )
      ).status,
    ).toBe(200);
  });

  describe("a write landing between the DELETE's read and its delete", () => {
    // The users' store runs `between` once, just before its first delete: the server has read the
    // user and checked If-Match by then, so a PATCH there is the race a stale check would miss.
    function racing() {
      const users = createMemoryStore();
      let between: (() => Promise<unknown>) | undefined;
      const deletes: (string | undefined)[] = [];
      const instance = server({
        stores: {
          User: {
            ...users,
            delete: async (id, context) => {
              deletes.push(context.expectedVersion);
              const run = between;
              between = undefined;
              await run?.();
              return users.delete(id, context);
            },
          },
          Group: createMemoryStore(),
        },
      });
      const retitle = (id: string) => () =>
        instance.call('PATCH', `/Users/${id}`, {
          schemas: [PO],
          Operations: [{ op: 'replace', path: 'title', value: 'Changed meanwhile' }],
        });
      return {
        ...instance,
        before: (write: () => Promise<unknown>) => void (between = write),
        retitle,
        deletes,
      };
    }

    it('P-ETAG-06: with If-Match it is 412 and the user stays, as the write left it', async () => {
      const { call, before, retitle } = racing();
      const user = await call('POST', '/Users', bj);
      const id = user.body.id as string;
      before(retitle(id));
      const reply = await call('DELETE', `/Users/${id}`, undefined, {
        'if-match': user.headers.get('etag') as string,
      });
      expectError(reply, 412);
      expect((await call('GET', `/Users/${id}`)).body.title).toBe('Changed meanwhile');
    });

    it('RFC 7644 §3.14: a conflict while the user still has the If-Match version is rerun, not a 412', async () => {
      // A store may refuse a delete for a change elsewhere (@scim/sql: a group that listed the
      // user changed meanwhile); the user's version still matches, so the client's condition holds.
      const users = createMemoryStore();
      let refusals = 1;
      const { call } = server({
        stores: {
          User: {
            ...users,
            delete: (id, context) => {
              if (refusals-- > 0)
                return Promise.reject(ScimError.preconditionFailed('A group changed meanwhile'));
              return users.delete(id, context);
            },
          },
          Group: createMemoryStore(),
        },
      });
      const user = await call('POST', '/Users', bj);
      const id = user.body.id as string;
      const reply = await call('DELETE', `/Users/${id}`, undefined, {
        'if-match': user.headers.get('etag') as string,
      });
      expect(reply.status).toBe(204);
      expect(refusals).toBe(-1);
      expectError(await call('GET', `/Users/${id}`), 404);
    });

    it('without If-Match the delete reads again and succeeds', async () => {
      const { call, before, retitle, deletes } = racing();
      const created = await call('POST', '/Users', bj);
      const id = created.body.id as string;
      before(retitle(id));
      expect((await call('DELETE', `/Users/${id}`)).status).toBe(204);
      expectError(await call('GET', `/Users/${id}`), 404);
      // Refused at the version first read, then deleted at the one the PATCH wrote.
      expect(deletes).toHaveLength(2);
      expect(deletes[0]).toBe(created.headers.get('etag'));
      expect(deletes[1]).not.toBe(deletes[0]);
    });
  });
});
