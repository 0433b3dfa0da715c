// Create, read, replace, patch and delete against the real server in process (RFC 7644 §3.3–§3.6).
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  defineResourceType,
  defineSchema,
  ENTERPRISE_USER_SCHEMA_URN,
  GroupResourceType,
  isScimError,
  UserResourceType,
  USER_SCHEMA_URN,
  type ScimMeta,
} from '@scim/core';
import { createMemoryStore } from '@scim/server/memory';
import {
  isScimClientError,
  patch,
  ScimClientError,
  type ResourceClient,
  type ScimClient,
} from '../src/index.js';
import { inProcess } from './helpers.js';

describe('resources (RFC 7644 §3.3–§3.6)', () => {
  it('P-CRUD: create fills in schemas from the resource type and answers the created resource', async () => {
    const { client, sent } = inProcess();
    const user = await client.users.create({ userName: 'bjensen', name: { givenName: 'Barbara' } });
    expect(sent[0]).toMatchObject({ method: 'POST', path: '/Users' });
    expect(sent[0]?.body).toEqual({
      schemas: [USER_SCHEMA_URN],
      userName: 'bjensen',
      name: { givenName: 'Barbara' },
    });
    expect(sent[0]?.headers.get('content-type')).toBe('application/scim+json');
    expect(user.id).toEqual(expect.any(String));
    expect(user.meta?.resourceType).toBe('User');
  });

  it('create lists an extension URN in schemas when the resource carries the extension', async () => {
    const { client, sent } = inProcess();
    const user = await client.users.create({
      userName: 'ext',
      [ENTERPRISE_USER_SCHEMA_URN]: { department: 'Tour' },
    });
    expect((sent[0]?.body as { schemas: string[] }).schemas).toEqual([
      USER_SCHEMA_URN,
      ENTERPRISE_USER_SCHEMA_URN,
    ]);
    expect(user[ENTERPRISE_USER_SCHEMA_URN]?.department).toBe('Tour');
  });

  it('P-CRUD: get reads by id, with attributes and excludedAttributes as query parameters', async () => {
    const { client, sent } = inProcess();
    const created = await client.users.create({ userName: 'reader', displayName: 'R' });
    const user = await client.users.get(created.id, { attributes: ['userName'] });
    expect(sent[1]?.path).toBe(`/Users/${created.id}?attributes=userName`);
    expect(user.userName).toBe('reader');
    expect(user.displayName).toBeUndefined();
  });

  it('P-PUT: replace sends PUT with the whole resource', async () => {
    const { client, sent } = inProcess();
    const user = await client.users.create({ userName: 'put', title: 'Old' });
    const replaced = await client.users.replace({ ...user, title: 'New' });
    expect(sent[1]).toMatchObject({ method: 'PUT', path: `/Users/${user.id}` });
    expect(replaced.title).toBe('New');
  });

  it('P-PATCH: patch takes a builder and answers the patched resource', async () => {
    const { client, sent } = inProcess();
    const user = await client.users.create({ userName: 'patched' });
    const patched = await client.users.patch(user.id, patch().replace('active', false));
    expect(sent[1]?.body).toEqual({
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    });
    expect(patched?.active).toBe(false);
  });

  it('P-PATCH: a 204 answer (a group membership change) gives undefined', async () => {
    const { client } = inProcess();
    const user = await client.users.create({ userName: 'member' });
    const group = await client.groups.create({ displayName: 'G' });
    const answer = await client.groups.patch(group.id, [
      { op: 'add', path: 'members', value: [{ value: user.id }] },
    ]);
    expect(answer).toBeUndefined();
    expect((await client.groups.get(group.id)).members?.[0]?.value).toBe(user.id);
  });

  it('an empty PATCH sends nothing', async () => {
    const { client, sent } = inProcess();
    expect(await client.users.patch('any', [])).toBeUndefined();
    expect(sent).toHaveLength(0);
  });

  it('P-CRUD: delete sends DELETE, and a later get is a 404 ScimClientError', async () => {
    const { client, sent } = inProcess();
    const user = await client.users.create({ userName: 'gone' });
    await client.users.delete(user.id);
    expect(sent[1]).toMatchObject({ method: 'DELETE', path: `/Users/${user.id}` });
    const error = await client.users.get(user.id).catch((caught: unknown) => caught);
    expect(isScimClientError(error)).toBe(true);
    expect(isScimError(error)).toBe(true);
    expect(error).toMatchObject({
      status: 404,
      method: 'GET',
      url: expect.stringContaining(user.id) as unknown,
    });
  });

  it("P-ERR-05: a duplicate userName throws the server's 409 uniqueness with its detail", async () => {
    const { client } = inProcess();
    await client.users.create({ userName: 'twice' });
    const error = (await client.users
      .create({ userName: 'twice' })
      .catch((caught: unknown) => caught)) as ScimClientError;
    expect(error).toBeInstanceOf(ScimClientError);
    expect(error).toMatchObject({ status: 409, scimType: 'uniqueness', method: 'POST' });
    expect(error.detail).toEqual(expect.any(String));
  });

  it('ids are percent-encoded in paths, so an id cannot reach another endpoint', async () => {
    const { client, sent } = inProcess();
    await client.users.get('../Groups').catch(() => undefined);
    expect(sent[0]?.path).toBe('/Users/..%2FGroups');
  });

  it('users and groups are typed by the resource types, extensions included', () => {
    type User = Awaited<ReturnType<ScimClient['users']['get']>>;
    expectTypeOf<User['userName']>().toEqualTypeOf<string>();
    expectTypeOf<User['emails']>().toEqualTypeOf<
      { value?: string; display?: string; type?: string; primary?: boolean }[] | undefined
    >();
    expectTypeOf<
      NonNullable<User[typeof ENTERPRISE_USER_SCHEMA_URN]>['department']
    >().toEqualTypeOf<string | undefined>();
    type Group = Awaited<ReturnType<ScimClient['groups']['get']>>;
    expectTypeOf<Group['displayName']>().toEqualTypeOf<string>();
  });

  it('a custom resource type is typed and served through client.resource(definition)', async () => {
    const DeviceSchema = defineSchema({
      id: 'urn:example:params:scim:schemas:core:2.0:Device',
      attributes: [
        { name: 'serialNumber', required: true },
        { name: 'retired', type: 'boolean' },
      ],
    });
    const Device = defineResourceType({
      name: 'Device',
      endpoint: '/Devices',
      schema: DeviceSchema,
    });
    const { client } = inProcess(
      {},
      {
        resourceTypes: [UserResourceType, GroupResourceType, Device],
        stores: {
          User: createMemoryStore(),
          Group: createMemoryStore(),
          Device: createMemoryStore(),
        },
      },
    );
    const devices = client.resource(Device);
    expectTypeOf(devices).toEqualTypeOf<
      ResourceClient<{
        schemas: string[];
        id: string;
        externalId?: string;
        meta?: ScimMeta;
        serialNumber: string;
        retired?: boolean;
      }>
    >();
    const device = await devices.create({ serialNumber: 'SN-1' });
    expect(device.schemas).toEqual([DeviceSchema.id]);
    const patched = await devices.update(device.id, (d) => ({ ...d, retired: true }));
    expect(patched.retired).toBe(true);
  });

  it('P-DISC: discover() learns a custom resource type, so client.resource(name) fills its schemas', async () => {
    const Badge = defineSchema({
      id: 'urn:example:params:scim:schemas:core:2.0:Badge',
      attributes: [{ name: 'code', required: true }],
    });
    const BadgeType = defineResourceType({ name: 'Badge', endpoint: '/Badges', schema: Badge });
    const { client } = inProcess(
      {},
      {
        resourceTypes: [UserResourceType, GroupResourceType, BadgeType],
        stores: {
          User: createMemoryStore(),
          Group: createMemoryStore(),
          Badge: createMemoryStore(),
        },
      },
    );
    const discovery = await client.discover();
    expect(discovery.issues).toEqual([]);
    expect(discovery.resourceTypes.map((type) => type.name)).toEqual(['User', 'Group', 'Badge']);
    const badges = client.resource('Badge');
    expect(badges.endpoint).toBe('/Badges');
    const badge = await badges.create({ code: 'B-1' });
    expect(badge.schemas).toEqual([Badge.id]);
  });
});
