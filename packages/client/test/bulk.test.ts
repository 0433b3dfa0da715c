// Bulk (RFC 7644 §3.7): bulkIds, references to resources created in the same request, and each
// operation's outcome.
import { describe, expect, it } from 'vitest';
import { BULK_REQUEST_URN, USER_SCHEMA_URN } from '@scim/core';
import { inProcess } from './helpers.js';

describe('bulk (RFC 7644 §3.7)', () => {
  it('P-BULK-13/P-BULK-14: a group created in the same request holds the new user by its bulkId', async () => {
    const { client, sent } = inProcess();
    const bulk = client.bulk();
    // The reference is used before the user's operation: the server resolves it (P-BULK-14).
    const alice = { bulkId: 'alice', ref: 'bulkId:alice' };
    const tour = bulk.create(client.groups, {
      displayName: 'Tour Guides',
      members: [{ value: alice.ref }],
    });
    bulk.create(client.users, { userName: 'alice' }, { bulkId: alice.bulkId });
    const result = await bulk.send();
    expect(sent[0]?.body).toMatchObject({
      schemas: [BULK_REQUEST_URN],
      Operations: [
        { method: 'POST', path: '/Groups', bulkId: tour.bulkId },
        { method: 'POST', path: '/Users', bulkId: 'alice', data: { schemas: [USER_SCHEMA_URN] } },
      ],
    });
    expect(result.ok).toBe(true);
    expect(result.operations.map((op) => op.status)).toEqual([201, 201]);
    const group = await client.groups.get(result.idOf(tour) as string);
    expect(group.members?.[0]?.value).toBe(result.idOf('alice'));
  });

  it('P-BULK-08/P-BULK-09: a failed operation carries its ScimClientError; the others still apply', async () => {
    // Without a transaction, processing continues past errors (with one, bulk is all-or-nothing).
    const { client } = inProcess({}, { transaction: undefined });
    const existing = await client.users.create({ userName: 'taken' });
    const bulk = client.bulk();
    const dup = bulk.create(client.users, { userName: 'taken' });
    bulk.patch(client.users, existing.id, [{ op: 'replace', path: 'title', value: 'Boss' }]);
    const result = await bulk.send();
    expect(result.ok).toBe(false);
    expect(result.idOf(dup)).toBeUndefined();
    expect(result.operations[0]?.error).toMatchObject({ status: 409, scimType: 'uniqueness' });
    expect(result.operations[1]).toMatchObject({ status: 200, id: existing.id, error: undefined });
    expect((await client.users.get(existing.id)).title).toBe('Boss');
  });

  it('P-BULK-18: an operation version acts as If-Match', async () => {
    const { client, sent } = inProcess({}, { transaction: undefined });
    const user = await client.users.create({ userName: 'versioned' });
    await client.users.patch(user.id, [{ op: 'replace', path: 'title', value: 'Changed' }]);
    const result = await client
      .bulk()
      .replace(
        client.users,
        user.id,
        { ...user, title: 'Mine' },
        { version: user.meta?.version as string },
      )
      .delete(client.users, 'missing-id')
      .send({ failOnErrors: 5 });
    expect(sent.at(-1)?.body).toMatchObject({ failOnErrors: 5 });
    expect(result.operations.map((op) => op.status)).toEqual([412, 404]);
  });
});
