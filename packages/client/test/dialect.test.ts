// Dialects: the client sends what Entra ID and Okta send (shared/spec/idp-quirks.md §3.1, §3.2), so a
// server can be tested with that traffic; the real server's default preset accepts all of it.
import { describe, expect, it } from 'vitest';
import { CLIENT_DIALECTS, createScimClient, f, patch } from '../src/index.js';
import { inProcess } from './helpers.js';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

describe('entra dialect', () => {
  it('X-ENTRA-01/X-ENTRA-03: PATCH ops are capitalised and booleans sent as "True"/"False"', async () => {
    const { client, sent } = inProcess({ dialect: 'entra' });
    const user = await client.users.create({ userName: 'entra1', active: true });
    const updated = await client.users.update(user.id, (current) => ({
      ...current,
      active: false,
    }));
    const request = sent.find((r) => r.method === 'PATCH');
    expect(request?.body).toEqual({
      schemas: [PATCH_OP],
      Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
    });
    expect(updated.active).toBe(false);
  });

  it('X-ENTRA-02: a member is removed with a value list, not a value filter', async () => {
    const { client, sent } = inProcess({ dialect: 'entra' });
    const a = await client.users.create({ userName: 'ma' });
    const b = await client.users.create({ userName: 'mb' });
    const group = await client.groups.create({
      displayName: 'Entra group',
      members: [{ value: a.id }, { value: b.id }],
    });
    await client.groups.patch(
      group.id,
      patch()
        .remove(f.path('members', f.eq('value', a.id)))
        .remove(f.path('members', f.eq('value', b.id))),
    );
    expect(sent.at(-1)?.body).toEqual({
      schemas: [PATCH_OP],
      Operations: [{ op: 'Remove', path: 'members', value: [{ value: a.id }, { value: b.id }] }],
    });
    expect(
      (await client.groups.get(group.id, { attributes: ['members'] })).members,
    ).toBeUndefined();
  });

  it('a user is looked up by userName before it is created', async () => {
    const { client, sent } = inProcess({ dialect: 'entra' });
    await client.users.create({ userName: 'looked up' });
    expect(sent.map((r) => `${r.method} ${decodeURIComponent(r.path)}`)).toEqual([
      'GET /Users?filter=userName eq "looked up"',
      'POST /Users',
    ]);
  });

  it('E10: group reads and queries ask for excludedAttributes=members', async () => {
    const { client, sent } = inProcess({ dialect: 'entra' });
    const group = await client.groups.create({ displayName: 'No members please' });
    await client.groups.get(group.id);
    await client.groups.list({ filter: f.eq('displayName', 'No members please') }).toArray();
    expect(sent.slice(-2).map((r) => decodeURIComponent(r.path))).toEqual([
      `/Groups/${group.id}?excludedAttributes=members`,
      '/Groups?filter=displayName eq "No members please"&excludedAttributes=members&startIndex=1',
    ]);
  });

  it('lists page by index, as Entra does, even where cursors are offered', async () => {
    const { client, sent } = inProcess({ dialect: CLIENT_DIALECTS.entra });
    await client.users.list({ pageSize: 5 }).toArray();
    expect(sent.map((r) => r.path)).toEqual(['/Users?startIndex=1&count=5']);
  });
});

describe('okta dialect', () => {
  it('Okta 3.2.1: the dedup query carries startIndex=1&count=100 before the POST', async () => {
    const { client, sent } = inProcess({ dialect: 'okta' });
    await client.users.create({ userName: 'okta@example.com' });
    expect(sent.map((r) => `${r.method} ${decodeURIComponent(r.path)}`)).toEqual([
      'GET /Users?filter=userName eq "okta@example.com"&startIndex=1&count=100',
      'POST /Users',
    ]);
  });

  it('Okta 3.2.3: update() reads the user and PUTs it back whole', async () => {
    const { client, sent } = inProcess({ dialect: 'okta' });
    const user = await client.users.create({ userName: 'okta-put', name: { givenName: 'A' } });
    await client.users.update(user.id, (current) => ({ ...current, name: { givenName: 'B' } }));
    const put = sent.find((r) => r.method === 'PUT');
    expect(put?.body).toMatchObject({
      id: user.id,
      userName: 'okta-put',
      name: { givenName: 'B' },
    });
    expect(put?.body).toHaveProperty('meta');
  });

  it('Okta 3.2.4/3.2.6: a replace of a top-level value goes path-less; a group rename carries its id', async () => {
    const { client, sent } = inProcess({ dialect: 'okta' });
    const user = await client.users.create({ userName: 'okta-deactivate' });
    await client.users.patch(user.id, patch().replace('active', false));
    expect(sent.at(-1)?.body).toEqual({
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', value: { active: false } }],
    });
    const group = await client.groups.create({ displayName: 'Before' });
    const renamed = await client.groups.patch(group.id, patch().replace('displayName', 'After'));
    expect(sent.at(-1)?.body).toEqual({
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', value: { id: group.id, displayName: 'After' } }],
    });
    expect(renamed?.displayName).toBe('After');
  });

  it('lists page by index with count=100', async () => {
    const { client, sent } = inProcess({ dialect: 'okta' });
    await client.users.list().toArray();
    expect(sent.map((r) => r.path)).toEqual(['/Users?startIndex=1&count=100']);
  });

  it('an unknown dialect name is refused when the client is made', () => {
    expect(() =>
      createScimClient({ baseUrl: 'https://x.example.com', dialect: 'onelogin' as 'rfc' }),
    ).toThrow(/Unknown dialect/);
  });
});
