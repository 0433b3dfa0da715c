import { describe, expect, it } from 'vitest';
import { UserResourceType } from '@scim/core';
import { createMemoryStorage, createMemoryStore } from '@scim/server/memory';
import { bj, BASE, EU, expectError, G, PO, server, U } from './helpers.js';

describe('create (RFC 7644 §3.3)', () => {
  it('P-CRUD-01/U-01/P-CRUD-02/P-CRUD-03/P-CRUD-04: 201 with the full resource, Location and ETag', async () => {
    const { call } = server();
    const reply = await call('POST', '/Users', bj);
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({
      userName: 'bjensen',
      emails: bj.emails,
      meta: { resourceType: 'User' },
    });
    expect(reply.body).not.toHaveProperty('password');
    const meta = reply.body.meta as Record<string, string>;
    expect(reply.headers.get('location')).toBe(meta.location);
    expect(meta.location).toBe(`${BASE}/Users/${reply.body.id as string}`);
    expect(reply.headers.get('etag')).toBe(meta.version);
    expect(meta.version).toMatch(/^W\/"/);
    expect(meta.created).toBe(meta.lastModified);
  });

  it('S-COMMON-05/S-COMMON-10: client id and meta are ignored', async () => {
    const { call } = server();
    const reply = await call('POST', '/Users', {
      ...bj,
      id: 'client-1',
      meta: { resourceType: 'Group', created: '2000-01-01T00:00:00Z' },
    });
    expect(reply.body.id).not.toBe('client-1');
    expect(reply.body.meta).toMatchObject({ resourceType: 'User' });
    expect((reply.body.meta as Record<string, string>).created).not.toBe('2000-01-01T00:00:00Z');
  });

  it('S-CHAR-26/S-CHAR-28: a duplicate userName in any case is 409 uniqueness', async () => {
    const { call } = server();
    await call('POST', '/Users', bj);
    expectError(await call('POST', '/Users', bj), 409, 'uniqueness');
    expectError(await call('POST', '/Users', { ...bj, userName: 'BJensen' }), 409, 'uniqueness');
  });

  it('P-SEC-04/S-USER-02: a full-width userName is the same user name (PRECIS): 409, and a filter finds it', async () => {
    const { call } = server();
    await call('POST', '/Users', bj);
    expectError(
      await call('POST', '/Users', { ...bj, userName: 'ｂｊｅｎｓｅｎ' }),
      409,
      'uniqueness',
    );
    const found = await call(
      'GET',
      `/Users?filter=${encodeURIComponent('userName eq "ＢＪＥＮＳＥＮ"')}`,
    );
    expect(found.body.totalResults).toBe(1);
  });

  it('S-CHAR-30/S-COMMON-09: non-unique attributes may repeat', async () => {
    const { call } = server();
    expect(
      (
        await call('POST', '/Users', {
          schemas: [U],
          userName: 'a',
          displayName: 'Same',
          externalId: 'x',
        })
      ).status,
    ).toBe(201);
    expect(
      (
        await call('POST', '/Users', {
          schemas: [U],
          userName: 'b',
          displayName: 'Same',
          externalId: 'x',
        })
      ).status,
    ).toBe(201);
  });

  it('S-CHAR-07/P-CRUD-06: a missing required attribute or malformed JSON is 400', async () => {
    const { call } = server();
    expectError(await call('POST', '/Users', { schemas: [U] }), 400, 'invalidValue');
    expectError(await call('POST', '/Users', '{'), 400, 'invalidSyntax');
    expectError(await call('POST', '/Users', ''), 400, 'invalidSyntax');
  });

  it('S-USER-04/S-USER-05/P-SEC-03: the password reaches the store hashed (PBKDF2 by default) and is never returned', async () => {
    const users = createMemoryStore();
    const { call } = server({
      stores: { User: users, Group: createMemoryStore() },
      hashPassword: undefined,
    });
    const created = await call('POST', '/Users', bj);
    const id = created.body.id as string;
    const context = {
      resourceType: UserResourceType,
      principal: undefined,
      tenant: undefined,
      signal: new AbortController().signal,
    };
    const persisted = (await users.get(id, context))?.password;
    expect(persisted).toMatch(/^pbkdf2-sha256\$\d+\$/);
    expect(persisted).not.toContain('t1meMa$heen');
    const read = await call('GET', `/Users/${id}?attributes=password`);
    const listed = await call('GET', '/Users');
    for (const text of [created.text, read.text, listed.text]) {
      expect(text).not.toContain('t1meMa$heen');
      expect(text).not.toContain('pbkdf2');
    }
    expect(read.body).not.toHaveProperty('password');
  });

  it('S-GROUP-05: a group with empty members is created', async () => {
    const { call } = server();
    const reply = await call('POST', '/Groups', { schemas: [G], displayName: 'E', members: [] });
    expect(reply.status).toBe(201);
    expect(reply.body).not.toHaveProperty('members');
  });

  it('S-CHAR-36: a member that does not exist is invalidValue', async () => {
    const { call } = server();
    expectError(
      await call('POST', '/Groups', {
        schemas: [G],
        displayName: 'G',
        members: [{ value: 'nonexistent' }],
      }),
      400,
      'invalidValue',
    );
  });
});

describe('read, replace, delete', () => {
  it('P-CRUD-07/P-CRUD-20: GET returns the resource with ETag, Location and Content-Location', async () => {
    const { call } = server();
    const { body } = await call('POST', '/Users', bj);
    const reply = await call('GET', `/Users/${body.id as string}`);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual(body);
    expect(reply.headers.get('content-location')).toBe(
      (body.meta as Record<string, string>).location,
    );
    expect(reply.headers.get('etag')).toBe((body.meta as Record<string, string>).version);
  });

  it('P-CRUD-08: an unknown id is 404 with an error body', async () => {
    const { call } = server();
    expectError(await call('GET', '/Users/does-not-exist'), 404);
  });

  it('P-CRUD-10/P-PUT-02/P-PUT-03: PUT replaces and clears what it omits', async () => {
    const { call } = server();
    const { body } = await call('POST', '/Users', bj);
    const reply = await call('PUT', `/Users/${body.id as string}`, {
      schemas: [U],
      userName: 'bjensen',
      title: 'New',
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ title: 'New' });
    expect(reply.body).not.toHaveProperty('emails');
    expect(reply.headers.get('etag')).not.toBe((body.meta as Record<string, string>).version);
    expect((reply.body.meta as Record<string, string>).created).toBe(
      (body.meta as Record<string, string>).created,
    );
  });

  it('P-CRUD-11: PUT never creates', async () => {
    const { call } = server();
    expectError(await call('PUT', '/Users/new-id', { schemas: [U], userName: 'x' }), 404);
    expectError(await call('GET', '/Users/new-id'), 404);
  });

  it('P-PUT-07: a different id in the PUT body is ignored', async () => {
    const { call } = server();
    const { body } = await call('POST', '/Users', bj);
    const reply = await call('PUT', `/Users/${body.id as string}`, {
      schemas: [U],
      id: 'other',
      userName: 'bjensen',
    });
    expect(reply.body.id).toBe(body.id);
  });

  it('P-PUT-09/S-CHAR-27: a PUT that takes another user name is 409 and changes nothing', async () => {
    const { call } = server();
    await call('POST', '/Users', bj);
    const other = await call('POST', '/Users', { schemas: [U], userName: 'other' });
    expectError(
      await call('PUT', `/Users/${other.body.id as string}`, { schemas: [U], userName: 'BJENSEN' }),
      409,
      'uniqueness',
    );
    expect((await call('GET', `/Users/${other.body.id as string}`)).body.userName).toBe('other');
  });

  it('S-CHAR-31: keeping its own unique value is not a conflict', async () => {
    const { call } = server();
    const { body } = await call('POST', '/Users', bj);
    expect((await call('PUT', `/Users/${body.id as string}`, bj)).status).toBe(200);
  });

  it('P-CRUD-13/P-CRUD-14/P-CRUD-15/P-CRUD-16: DELETE is 204, then everything is 404, and the name is free again', async () => {
    const { call } = server();
    const { body } = await call('POST', '/Users', bj);
    const id = body.id as string;
    const reply = await call('DELETE', `/Users/${id}`);
    expect(reply.status).toBe(204);
    expect(reply.text).toBe('');
    expectError(await call('GET', `/Users/${id}`), 404);
    expectError(await call('PUT', `/Users/${id}`, bj), 404);
    expectError(
      await call('PATCH', `/Users/${id}`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'remove', path: 'title' }],
      }),
      404,
    );
    expectError(await call('DELETE', `/Users/${id}`), 404);
    expect((await call('GET', '/Users?filter=userName eq "bjensen"')).body.totalResults).toBe(0);
    expect((await call('POST', '/Users', bj)).status).toBe(201);
  });

  it('P-CRUD-17: deleting a user removes it from its groups', async () => {
    const { call } = server();
    const user = await call('POST', '/Users', bj);
    const group = await call('POST', '/Groups', {
      schemas: [G],
      displayName: 'Tour Guides',
      members: [{ value: user.body.id }],
    });
    await call('DELETE', `/Users/${user.body.id as string}`);
    expect((await call('GET', `/Groups/${group.body.id as string}`)).body).not.toHaveProperty(
      'members',
    );
  });

  it('P-CRUD-17: a user whose id a group also has leaves that group when deleted', async () => {
    // RFC 7643 §3.1 makes an id unique across every resource, but a `generateId` numbering each
    // table from 1 gives user 1 and group 1. The user is still not the group: it leaves it.
    const ids = ['1', '1'];
    const { call, handler } = server({
      ...createMemoryStorage(),
      conflictRetryMs: 500,
      generateId: () => ids.shift() ?? crypto.randomUUID(),
    });
    expect((await call('POST', '/Users', bj)).body.id).toBe('1');
    const group = await call('POST', '/Groups', {
      schemas: [G],
      displayName: 'Ones',
      members: [{ value: '1', type: 'User' }],
    });
    expect(group.body.id).toBe('1');
    expect((await call('DELETE', '/Users/1')).status).toBe(204);
    expect((await call('GET', '/Groups/1')).body).not.toHaveProperty('members');
    const removals = (await handler.outbox.list())
      .map(({ event }) => event)
      .filter((event) => event.type === 'membersRemoved');
    expect(removals).toMatchObject([{ resourceId: '1', members: ['1'], operation: 'cascade' }]);
  });

  it('P-CRUD-17: a group listed among its own members is deleted, and leaves only the other groups', async () => {
    // The storage an application has: a transaction and an outbox, so the delete checks the version.
    const { call, handler } = server({ ...createMemoryStorage(), conflictRetryMs: 500 });
    const group = await call('POST', '/Groups', { schemas: [G], displayName: 'Loop' });
    const id = group.body.id as string;
    const inner = await call('POST', '/Groups', {
      schemas: [G],
      displayName: 'Inner',
      members: [{ value: id, type: 'Group' }],
    });
    const added = await call('PATCH', `/Groups/${id}`, {
      schemas: [PO],
      Operations: [{ op: 'add', path: 'members', value: [{ value: id, type: 'Group' }] }],
    });
    expect(added.status).toBeLessThan(300);
    // Removing it from itself first gave it a new version, which the delete then refused as a
    // change, on every rerun: a 503 an identity provider could never get past.
    expect((await call('DELETE', `/Groups/${id}`)).status).toBe(204);
    expectError(await call('GET', `/Groups/${id}`), 404);
    expect((await call('GET', `/Groups/${inner.body.id as string}`)).body).not.toHaveProperty(
      'members',
    );
    const removals = (await handler.outbox.list())
      .map(({ event }) => event)
      .filter((event) => event.type === 'membersRemoved');
    expect(removals.map((event) => event.resourceId)).toEqual([inner.body.id]);
  });
});

describe('groups and members', () => {
  it("S-ENT-02/S-CHAR-36: manager must exist; its displayName is the manager's, never the client's", async () => {
    const { call } = server();
    const boss = await call('POST', '/Users', {
      schemas: [U],
      userName: 'boss',
      displayName: 'The Boss',
    });
    const user = await call('POST', '/Users', {
      schemas: [U],
      userName: 'u',
      [EU]: { manager: { value: boss.body.id, displayName: 'Fake' } },
    });
    expect(user.body[EU]).toEqual({
      manager: {
        value: boss.body.id,
        displayName: 'The Boss',
        $ref: `${BASE}/Users/${boss.body.id as string}`,
      },
    });
    expectError(
      await call('POST', '/Users', {
        schemas: [U],
        userName: 'v',
        [EU]: { manager: { value: 'ghost' } },
      }),
      400,
      'invalidValue',
    );
  });

  it('S-USER-07/S-GROUP-03: a user lists its groups, and members carry $ref and type', async () => {
    const { call } = server();
    const user = await call('POST', '/Users', bj);
    const id = user.body.id as string;
    const group = await call('POST', '/Groups', {
      schemas: [G],
      displayName: 'Tour Guides',
      members: [{ value: id }],
    });
    expect(group.body.members).toEqual([{ value: id, type: 'User', $ref: `${BASE}/Users/${id}` }]);
    const read = await call('GET', `/Users/${id}`);
    expect(read.body.groups).toEqual([
      {
        value: group.body.id,
        $ref: `${BASE}/Groups/${group.body.id as string}`,
        type: 'direct',
        display: 'Tour Guides',
      },
    ]);
  });

  it('S-GROUP-04: a user lists the groups it is in through other groups as indirect, in reads and in lists', async () => {
    const { call } = server();
    const id = (await call('POST', '/Users', bj)).body.id as string;
    const other = (await call('POST', '/Users', { schemas: [U], userName: 'other' })).body
      .id as string;
    const group = async (displayName: string, members: string[]) =>
      (
        await call('POST', '/Groups', {
          schemas: [G],
          displayName,
          members: members.map((value) => ({ value })),
        })
      ).body.id as string;
    const team = await group('Team', [id]);
    const department = await group('Department', [team]);
    const company = await group('Company', [department, id]);
    // A cycle back to the team must not make the walk loop.
    await call('PATCH', `/Groups/${team}`, {
      schemas: [PO],
      Operations: [{ op: 'add', path: 'members', value: [{ value: company }] }],
    });
    const expected = [
      { value: team, type: 'direct', display: 'Team' },
      { value: company, type: 'direct', display: 'Company' },
      { value: department, type: 'indirect', display: 'Department' },
    ].map((entry) => ({ ...entry, $ref: `${BASE}/Groups/${entry.value}` }));
    const sorted = (groups: unknown) =>
      [...(groups as { value: string }[])].sort((a, b) => a.value.localeCompare(b.value));
    expect(sorted((await call('GET', `/Users/${id}`)).body.groups)).toEqual(sorted(expected));
    const list = (await call('GET', '/Users')).body.Resources ?? [];
    expect(sorted(list.find((user) => user.id === id)?.groups)).toEqual(sorted(expected));
    expect(list.find((user) => user.id === other)).not.toHaveProperty('groups');
    // A page of many users reads every group with members at once; the answer is the same.
    for (let i = 0; i < 600; i++)
      await call('POST', '/Users', { schemas: [U], userName: `many${i}` });
    const page = (await call('GET', '/Users?count=700')).body.Resources ?? [];
    expect(page.length).toBe(602);
    expect(sorted(page.find((user) => user.id === id)?.groups)).toEqual(sorted(expected));
  });

  it('S-GROUP-02: a group may be a member of another group', async () => {
    const { call } = server();
    const inner = await call('POST', '/Groups', { schemas: [G], displayName: 'Inner' });
    const outer = await call('POST', '/Groups', {
      schemas: [G],
      displayName: 'Outer',
      members: [{ value: inner.body.id }],
    });
    expect(outer.body.members).toMatchObject([{ value: inner.body.id, type: 'Group' }]);
  });
});

describe('ids and meta (RFC 7643 §3.1)', () => {
  it('S-COMMON-04: ids are assigned by the server, distinct, stable, and not reissued after a delete', async () => {
    const { call } = server();
    const first = (await call('POST', '/Users', { schemas: [U], userName: 'one', id: 'mine' }))
      .body;
    const second = (await call('POST', '/Users', { schemas: [U], userName: 'two' })).body;
    expect(first.id).not.toBe('mine');
    expect(first.id).not.toBe(second.id);
    expect((await call('GET', `/Users/${first.id as string}`)).body.id).toBe(first.id);
    await call('DELETE', `/Users/${first.id as string}`);
    const third = (await call('POST', '/Users', { schemas: [U], userName: 'one' })).body;
    expect(third.id).not.toBe(first.id);
  });

  it('S-COMMON-06: generated ids never contain "bulkId"; a generator that makes one is a 500 reported to onError', async () => {
    const ids = new Set<string>();
    const { call } = server();
    for (let i = 0; i < 200; i++)
      ids.add(
        (await call('POST', '/Users', { schemas: [U], userName: `u${i}` })).body.id as string,
      );
    expect([...ids].some((id) => id.includes('bulkId'))).toBe(false);
    expect(ids.size).toBe(200);
    const errors: unknown[] = [];
    const broken = server({
      generateId: () => 'x-bulkId-1',
      onError: (error) => errors.push(error),
    });
    expect((await broken.call('POST', '/Users', { schemas: [U], userName: 'b' })).status).toBe(500);
    expect(String(errors[0])).toContain('bulkId');
  });

  it('S-COMMON-11/S-COMMON-15: meta.resourceType follows the endpoint, and meta.location is the Location and Content-Location', async () => {
    const { call } = server();
    const group = await call('POST', '/Groups', { schemas: [G], displayName: 'g' });
    const meta = group.body.meta as { resourceType: string; location: string };
    expect(meta.resourceType).toBe('Group');
    expect(group.headers.get('location')).toBe(meta.location);
    const read = await call('GET', `/Groups/${group.body.id as string}`);
    expect(read.headers.get('content-location')).toBe(meta.location);
    expect(meta.location.endsWith(`/Groups/${group.body.id as string}`)).toBe(true);
  });

  it('S-CHAR-29: uniqueness "global" is enforced like "server"', async () => {
    const { defineSchema, defineResourceType } = await import('@scim/core');
    const schema = defineSchema({
      id: 'urn:example:2.0:Device',
      name: 'Device',
      attributes: [{ name: 'serial', type: 'string', uniqueness: 'global', required: true }],
    });
    const Device = defineResourceType({ name: 'Device', endpoint: '/Devices', schema });
    const { call } = server({
      resourceTypes: [Device],
      stores: { Device: createMemoryStore() },
    });
    await call('POST', '/Devices', { schemas: [schema.id], serial: 'A1' });
    expectError(
      await call('POST', '/Devices', { schemas: [schema.id], serial: 'a1' }),
      409,
      'uniqueness',
    );
  });

  it('P-FILTER-38: a filter on a single-resource GET is ignored', async () => {
    const { call } = server();
    const id = (await call('POST', '/Users', bj)).body.id as string;
    const read = await call(
      'GET',
      `/Users/${id}?filter=${encodeURIComponent('userName eq "nobody"')}`,
    );
    expect(read.status).toBe(200);
    expect(read.body.id).toBe(id);
  });
});
