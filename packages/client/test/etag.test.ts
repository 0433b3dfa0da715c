// Versioned writes (RFC 7644 §3.14): If-Match from meta.version, 412 when stale, and update()'s
// read-change-write loop that starts again on 412 when asked to.
import { describe, expect, it } from 'vitest';
import { USER_SCHEMA_URN } from '@scim/core';
import { createScimClient, isScimClientError } from '../src/index.js';
import { BASE, inProcess, scripted } from './helpers.js';

describe('ETags (RFC 7644 §3.14)', () => {
  it('P-ETAG-06: replace with a stale If-Match is a 412 ScimClientError and changes nothing', async () => {
    const { client, sent } = inProcess();
    const user = await client.users.create({ userName: 'stale', title: 'A' });
    await client.users.replace({ ...user, title: 'B' }, { ifMatch: user.meta?.version });
    expect(sent[1]?.headers.get('if-match')).toBe(user.meta?.version);
    const error = await client.users
      .replace({ ...user, title: 'C' }, { ifMatch: user.meta?.version })
      .catch((caught: unknown) => caught);
    expect(isScimClientError(error) && error.status).toBe(412);
    expect((await client.users.get(user.id)).title).toBe('B');
  });

  it('P-ETAG-01: meta.version is taken from the ETag header when the body has none', async () => {
    const { fetch } = scripted([
      {
        status: 200,
        body: { schemas: [USER_SCHEMA_URN], id: '1', userName: 'u' },
        headers: { etag: 'W/"7"' },
      },
    ]);
    const client = createScimClient({ baseUrl: BASE, fetch });
    expect((await client.users.get('1')).meta?.version).toBe('W/"7"');
  });

  it('update() sends the smallest PATCH with If-Match set to the version it read', async () => {
    const { client, sent } = inProcess();
    const user = await client.users.create({ userName: 'upd', title: 'A', displayName: 'D' });
    const updated = await client.users.update(user.id, (current) => ({ ...current, title: 'B' }));
    expect(updated.title).toBe('B');
    const patchRequest = sent.find((request) => request.method === 'PATCH');
    expect(patchRequest?.headers.get('if-match')).toBe(user.meta?.version);
    expect((patchRequest?.body as { Operations: unknown[] }).Operations).toEqual([
      { op: 'replace', path: 'title', value: 'B' },
    ]);
  });

  it('update() that changes nothing sends no write', async () => {
    const { client, sent } = inProcess();
    const user = await client.users.create({ userName: 'same' });
    await client.users.update(user.id, () => undefined);
    expect(sent.map((request) => request.method)).toEqual(['POST', 'GET']);
  });

  it('update() retries on 412 from a fresh read when asked, and the other writer keeps its change', async () => {
    const { client, sent } = inProcess();
    const user = await client.users.create({ userName: 'race', title: 'A' });
    let first = true;
    const updated = await client.users.update(
      user.id,
      async (current) => {
        if (first) {
          first = false;
          // Another writer changes the resource between our read and our write.
          await client.users.patch(user.id, [
            { op: 'replace', path: 'displayName', value: 'Other' },
          ]);
        }
        return { ...current, title: 'Mine' };
      },
      { retries: 2 },
    );
    expect(updated).toMatchObject({ title: 'Mine', displayName: 'Other' });
    const statuses = sent.filter((request) => request.method === 'PATCH').length;
    expect(statuses).toBe(3); // the other writer's, our stale one (412), our retry
  });

  it('update() without retries throws the 412', async () => {
    const { client } = inProcess();
    const user = await client.users.create({ userName: 'noretry' });
    const error = await client.users
      .update(user.id, async (current) => {
        await client.users.patch(user.id, [{ op: 'replace', path: 'title', value: 'X' }]);
        return { ...current, displayName: 'Mine' };
      })
      .catch((caught: unknown) => caught);
    expect(isScimClientError(error) && error.status).toBe(412);
  });

  it("update({ method: 'put' }) replaces the whole resource with If-Match", async () => {
    const { client, sent } = inProcess();
    const user = await client.users.create({ userName: 'putter' });
    await client.users.update(user.id, (current) => ({ ...current, nickName: 'P' }), {
      method: 'put',
    });
    const put = sent.find((request) => request.method === 'PUT');
    expect(put?.headers.get('if-match')).toBe(user.meta?.version);
    expect(put?.body).toMatchObject({ userName: 'putter', nickName: 'P' });
  });
});
