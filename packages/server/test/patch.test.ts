import { describe, expect, it } from 'vitest';
import type { HookEvent } from '@scim/server';
import { bj, EU, expectError, G, PO, server, U } from './helpers.js';

const ops = (...operations: unknown[]) => ({ schemas: [PO], Operations: operations });

describe('PATCH over HTTP (RFC 7644 §3.5.2)', () => {
  it('P-PATCH-16: 200 with the resource by default, 204 when configured, 200 again with attributes', async () => {
    const plain = server();
    const user = await plain.call('POST', '/Users', bj);
    const reply = await plain.call(
      'PATCH',
      `/Users/${user.body.id as string}`,
      ops({ op: 'replace', path: 'title', value: 'X' }),
    );
    expect(reply.status).toBe(200);
    expect(reply.body.title).toBe('X');

    const quiet = server({ patchResponse: { Group: 'noContent' } });
    const group = await quiet.call('POST', '/Groups', { schemas: [G], displayName: 'G' });
    const gid = group.body.id as string;
    const silent = await quiet.call(
      'PATCH',
      `/Groups/${gid}`,
      ops({ op: 'replace', path: 'displayName', value: 'G2' }),
    );
    expect(silent.status).toBe(204);
    // P-PATCH-17: a 204 still carries ETag and Location.
    expect(silent.headers.get('etag')).toMatch(/^W\//);
    expect(silent.headers.get('location')).toContain(`/Groups/${gid}`);
    const projected = await quiet.call(
      'PATCH',
      `/Groups/${gid}?attributes=displayName`,
      ops({ op: 'replace', path: 'displayName', value: 'G3' }),
    );
    expect(projected.status).toBe(200);
    expect(projected.body).toEqual({ schemas: [G], id: gid, displayName: 'G3' });
  });

  it('P-PATCH-10: a failing operation changes nothing, ETag included', async () => {
    const { call } = server();
    const user = await call('POST', '/Users', bj);
    const id = user.body.id as string;
    expectError(
      await call(
        'PATCH',
        `/Users/${id}`,
        ops({ op: 'replace', path: 'title', value: 'X' }, { op: 'remove' }),
      ),
      400,
      'noTarget',
    );
    const after = await call('GET', `/Users/${id}`);
    expect(after.body.title).toBe('Tour Guide');
    expect(after.headers.get('etag')).toBe(user.headers.get('etag'));
  });

  it('S-COMMON-13/S-COMMON-14/P-ETAG-03: a change advances lastModified and the ETag; a no-op keeps both', async () => {
    let tick = Date.UTC(2026, 0, 1);
    const { call } = server({ now: () => new Date((tick += 1000)) });
    const user = await call('POST', '/Users', bj);
    const id = user.body.id as string;
    const noop = await call(
      'PATCH',
      `/Users/${id}`,
      ops({ op: 'add', path: 'emails', value: [{ value: 'babs@jensen.org', type: 'home' }] }),
    );
    expect(noop.body.meta).toEqual(user.body.meta);
    const changed = await call(
      'PATCH',
      `/Users/${id}`,
      ops({ op: 'replace', path: 'title', value: 'X' }),
    );
    const meta = changed.body.meta as Record<string, string>;
    expect(
      String(meta.lastModified) > String((user.body.meta as Record<string, string>).lastModified),
    ).toBe(true);
    expect(meta.version).not.toBe((user.body.meta as Record<string, string>).version);
  });

  it('P-PATCH-13/S-CHAR-27: a PATCH that takes another user name is 409', async () => {
    const { call } = server();
    await call('POST', '/Users', bj);
    const other = await call('POST', '/Users', { schemas: [U], userName: 'other' });
    expectError(
      await call(
        'PATCH',
        `/Users/${other.body.id as string}`,
        ops({ op: 'replace', path: 'userName', value: 'bjensen' }),
      ),
      409,
      'uniqueness',
    );
  });

  it('P-CRUD-12: PATCH of an unknown id is 404', async () => {
    const { call } = server();
    expectError(
      await call('PATCH', '/Users/nope', ops({ op: 'replace', path: 'title', value: 'x' })),
      404,
    );
  });

  it('P-PATCH-51: replacing members changes what the users list as groups', async () => {
    const { call } = server();
    const a = await call('POST', '/Users', { schemas: [U], userName: 'a' });
    const b = await call('POST', '/Users', { schemas: [U], userName: 'b' });
    const group = await call('POST', '/Groups', {
      schemas: [G],
      displayName: 'G',
      members: [{ value: a.body.id }],
    });
    await call(
      'PATCH',
      `/Groups/${group.body.id as string}`,
      ops({ op: 'replace', path: 'members', value: [{ value: b.body.id }] }),
    );
    expect((await call('GET', `/Users/${a.body.id as string}`)).body).not.toHaveProperty('groups');
    expect((await call('GET', `/Users/${b.body.id as string}`)).body.groups).toMatchObject([
      { value: group.body.id },
    ]);
  });

  it('a PATCH that adds a member that does not exist is invalidValue', async () => {
    const { call } = server();
    const group = await call('POST', '/Groups', { schemas: [G], displayName: 'G' });
    expectError(
      await call(
        'PATCH',
        `/Groups/${group.body.id as string}`,
        ops({ op: 'add', path: 'members', value: [{ value: 'ghost' }] }),
      ),
      400,
      'invalidValue',
    );
  });

  it('U-03: a password change is stored hashed and not echoed', async () => {
    const { call } = server();
    const user = await call('POST', '/Users', bj);
    const reply = await call(
      'PATCH',
      `/Users/${user.body.id as string}`,
      ops({ op: 'replace', path: 'password', value: 'n3w' }),
    );
    expect(reply.status).toBe(200);
    expect(reply.text).not.toContain('n3w');
  });
});

describe('lifecycle hooks', () => {
  it('onDeactivate fires when active turns false by PATCH or PUT, and afterDelete on delete', async () => {
    const events: string[] = [];
    const record = (name: string) => (event: HookEvent) => {
      events.push(`${name}:${event.resource.userName as string}`);
    };
    const { call } = server({
      hooks: {
        onDeactivate: record('deactivate'),
        afterDelete: record('delete'),
        afterCreate: record('create'),
      },
    });
    const user = await call('POST', '/Users', { ...bj, active: true });
    const id = user.body.id as string;
    await call('PATCH', `/Users/${id}`, ops({ op: 'replace', path: 'active', value: false }));
    await call('PATCH', `/Users/${id}`, ops({ op: 'replace', path: 'active', value: false }));
    await call('PUT', `/Users/${id}`, { schemas: [U], userName: 'bjensen', active: true });
    await call('PUT', `/Users/${id}`, { schemas: [U], userName: 'bjensen', active: false });
    await call('DELETE', `/Users/${id}`);
    expect(events).toEqual([
      'create:bjensen',
      'deactivate:bjensen',
      'deactivate:bjensen',
      'delete:bjensen',
    ]);
  });
});

describe('client sequences (../shared/spec/idp-quirks.md)', () => {
  it('Entra: create, match, patch in its dialect, disable, delete', async () => {
    const { call } = server({ compatibility: 'entra' });
    expect(
      (await call('GET', '/Users?filter=userName eq "7a1c1d3e-0000-4000-8000-000000000000"')).body
        .totalResults,
    ).toBe(0);
    const created = await call('POST', '/Users', {
      schemas: [U, EU],
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName: 'Test_User_ab6490ee',
      active: 'True',
      emails: [{ primary: true, type: 'work', value: 'Test_User_fd0ea19b@testuser.com' }],
      meta: { resourceType: 'User' },
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      roles: [],
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const boss = await call('POST', '/Users', {
      schemas: [U],
      userName: 'boss',
      displayName: 'The Boss',
    });
    expect(
      (await call('GET', '/Users?filter=userName eq "test_user_AB6490EE"')).body.totalResults,
    ).toBe(1);
    const patched = await call(
      'PATCH',
      `/Users/${id}`,
      ops(
        { op: 'Replace', path: 'emails[type eq "work"].value', value: 'updated@microsoft.com' },
        { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' },
        { op: 'Add', path: `${EU}:manager`, value: boss.body.id },
      ),
    );
    expect(patched.status).toBe(200);
    expect(patched.body[EU]).toMatchObject({
      manager: { value: boss.body.id, displayName: 'The Boss' },
    });
    expectError(
      await call(
        'PATCH',
        `/Users/${id}`,
        ops({ op: 'Add', path: `${EU}:manager`, value: 'ghost' }),
      ),
      400,
      'invalidValue',
    );
    const disabled = await call(
      'PATCH',
      `/Users/${id}`,
      ops({ op: 'Replace', path: 'active', value: 'False' }),
    );
    expect(disabled.body.active).toBe(false);
    // A disabled user is still returned by GET and by filter (Entra requirement 4).
    expect(
      (await call('GET', '/Users?filter=userName eq "Test_User_ab6490ee"')).body.Resources?.[0],
    ).toMatchObject({ active: false });
    expect((await call('DELETE', `/Users/${id}`)).status).toBe(204);
  });

  it('Entra: groups are created empty, members added with $ref null and removed by value list', async () => {
    const { call } = server({ compatibility: 'entra', patchResponse: { Group: 'noContent' } });
    const u1 = await call('POST', '/Users', { schemas: [U], userName: 'u1' });
    const u2 = await call('POST', '/Users', { schemas: [U], userName: 'u2' });
    const group = await call('POST', '/Groups', {
      schemas: [G, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
      displayName: 'displayName',
      meta: { resourceType: 'Group' },
    });
    expect(group.status).toBe(201);
    const gid = group.body.id as string;
    expect(
      (
        await call(
          'PATCH',
          `/Groups/${gid}`,
          ops({
            op: 'Add',
            path: 'members',
            value: [{ $ref: null, value: u1.body.id }, { value: u2.body.id }],
          }),
        )
      ).status,
    ).toBe(204);
    expect(
      (
        await call(
          'PATCH',
          `/Groups/${gid}`,
          ops({ op: 'Remove', path: 'members', value: [{ value: u1.body.id }] }),
        )
      ).status,
    ).toBe(204);
    const read = await call('GET', `/Groups/${gid}`);
    expect((read.body.members as Record<string, unknown>[]).map((m) => m.value)).toEqual([
      u2.body.id,
    ]);
    expect(
      (await call('GET', `/Groups/${gid}?excludedAttributes=members`)).body,
    ).not.toHaveProperty('members');
  });

  it('Okta: dedup query with paging, create with password and groups, PUT to deactivate, group rename with its id', async () => {
    const { call } = server({ compatibility: 'okta' });
    expect(
      (await call('GET', '/Users?filter=userName%20eq%20%22a%40b.c%22&startIndex=1&count=100'))
        .body,
    ).toMatchObject({ totalResults: 0, Resources: [] });
    const created = await call('POST', '/Users', {
      schemas: [U],
      userName: 'a@b.c',
      name: { givenName: 'A', familyName: 'B' },
      emails: [{ primary: true, value: 'a@b.c', type: 'work' }],
      password: '1mz050nq',
      groups: [],
      active: true,
    });
    expect(created.status).toBe(201);
    expectError(
      await call('POST', '/Users', { schemas: [U], userName: 'A@B.C' }),
      409,
      'uniqueness',
    );
    const id = created.body.id as string;
    const full = (await call('GET', `/Users/${id}`)).body;
    const put = await call('PUT', `/Users/${id}`, { ...full, active: false });
    expect(put.body.active).toBe(false);
    const group = await call('POST', '/Groups', {
      schemas: [G],
      displayName: 'Okta Group',
      members: [],
    });
    const gid = group.body.id as string;
    const renamed = await call(
      'PATCH',
      `/Groups/${gid}`,
      ops({ op: 'replace', value: { id: gid, displayName: 'Test SCIMv2' } }),
    );
    expect(renamed.body.displayName).toBe('Test SCIMv2');
  });
});
