// Per-tenant configuration (issue 15): each tenant's dialect, schema extensions, resource types,
// limits, advertised features, cursor secret and rate limit, and nothing of one tenant's
// configuration reaching another's.
import { describe, expect, it } from 'vitest';
import { defineResourceType, defineSchema } from '@scim/core';
import {
  createMultiTenantHandler,
  type MultiTenantHandlerOptions,
  type RequestLogRecord,
  type TenantConfig,
} from '@scim/server';
import { createMemoryStorage, createMemoryStore } from '@scim/server/memory';
import { expectError, U } from './helpers.js';
import { tenantServer } from './fixtures/tenants.js';

const ACME_URN = 'urn:example:params:scim:schemas:extension:acme:2.0:User';
const AcmeExtension = defineSchema({
  id: ACME_URN,
  name: 'AcmeUser',
  attributes: [{ name: 'costCenter', type: 'string' }],
} as const);
const DeviceSchema = defineSchema({
  id: 'urn:example:params:scim:schemas:core:2.0:Device',
  name: 'Device',
  attributes: [{ name: 'serial', type: 'string', required: true }],
} as const);
const DeviceType = defineResourceType({
  name: 'Device',
  endpoint: '/Devices',
  schema: DeviceSchema,
});

/** acme and globex, each with a token, over one storage. */
async function twoTenants(overrides: Partial<MultiTenantHandlerOptions> = {}) {
  const server = tenantServer({ tenantFrom: 'url', ...overrides });
  const tokens = { acme: await server.tokenFor('acme'), globex: await server.tokenFor('globex') };
  const as = (tenant: 'acme' | 'globex', method: string, path: string, body?: unknown) =>
    server.call(tokens[tenant], method, `/scim/v2/${tenant}${path}`, body);
  return { ...server, as };
}

describe('per-tenant configuration', () => {
  it("reads each tenant's requests in its own dialect", async () => {
    const { as } = await twoTenants({
      tenants: { acme: { compatibility: 'entra' }, globex: { compatibility: 'rfc' } },
    });
    const query = `/Users?filter=${encodeURIComponent("userName eq 'bjensen'")}`;
    expect((await as('acme', 'GET', query)).status).toBe(200);
    expectError(await as('globex', 'GET', query), 400, 'invalidFilter');
  });

  it("logs each tenant's requests under its own dialect", async () => {
    const records: RequestLogRecord[] = [];
    const { as } = await twoTenants({
      log: (record) => {
        records.push(record);
      },
      tenants: { acme: { compatibility: 'entra' }, globex: { compatibility: 'okta' } },
    });
    await as('acme', 'GET', '/Users');
    await as('globex', 'GET', '/Users');
    await as('acme', 'GET', '/Users');
    expect(records.map(({ tenant, dialect }) => [tenant, dialect])).toEqual([
      ['acme', 'entra'],
      ['globex', 'okta'],
      ['acme', 'entra'],
    ]);
  });

  it("serves a tenant's schema extension in its discovery and its resources only", async () => {
    const { as } = await twoTenants({
      tenants: {
        acme: { schemaExtensions: { User: [{ schema: AcmeExtension, required: false }] } },
        globex: {},
      },
    });
    const schemaIds = async (tenant: 'acme' | 'globex') =>
      ((await as(tenant, 'GET', '/Schemas')).body.Resources ?? []).map((schema) => schema.id);
    expect(await schemaIds('acme')).toContain(ACME_URN);
    expect(await schemaIds('globex')).not.toContain(ACME_URN);
    const userType = (await as('acme', 'GET', '/ResourceTypes/User')).body;
    expect(userType.schemaExtensions).toContainEqual({ schema: ACME_URN, required: false });
    const body = { schemas: [U, ACME_URN], userName: 'b', [ACME_URN]: { costCenter: '42' } };
    expect((await as('acme', 'POST', '/Users', body)).body[ACME_URN]).toEqual({ costCenter: '42' });
    const inGlobex = await as('globex', 'POST', '/Users', body);
    expect(inGlobex.status).toBe(201);
    expect(inGlobex.body).not.toHaveProperty(ACME_URN);
  });

  it('serves a resource type only the tenant has', async () => {
    const { as } = await twoTenants({
      tenants: {
        acme: { resourceTypes: [DeviceType], stores: { Device: createMemoryStore() } },
        globex: {},
      },
    });
    const device = { schemas: [DeviceSchema.id], serial: 'X1' };
    expect((await as('acme', 'POST', '/Devices', device)).status).toBe(201);
    expect((await as('acme', 'GET', '/Devices')).body.totalResults).toBe(1);
    expect((await as('globex', 'GET', '/Devices')).status).toBe(404);
    const typeNames = async (tenant: 'acme' | 'globex') =>
      ((await as(tenant, 'GET', '/ResourceTypes')).body.Resources ?? []).map((type) => type.name);
    expect(await typeNames('acme')).toEqual(['User', 'Group', 'Device']);
    expect(await typeNames('globex')).toEqual(['User', 'Group']);
  });

  it("tells hooks about a tenant's own resource type, with the tenant", async () => {
    const heard: string[] = [];
    const { as, handler } = await twoTenants({
      hooks: {
        afterCreate: (event) =>
          void heard.push(`${String(event.tenant)}:${event.resourceType.name}`),
      },
      tenants: {
        acme: { resourceTypes: [DeviceType], stores: { Device: createMemoryStore() } },
        globex: {},
      },
    });
    await as('acme', 'POST', '/Devices', { schemas: [DeviceSchema.id], serial: 'X1' });
    await as('globex', 'POST', '/Users', { schemas: [U], userName: 'b' });
    await handler.deliverDue();
    expect(heard.sort()).toEqual(['acme:Device', 'globex:User']);
  });

  it("advertises each tenant's limits and features, and answers by them", async () => {
    const { as } = await twoTenants({
      limits: { maxResults: 50 },
      tenants: { acme: { limits: { maxResults: 5 }, features: { patch: false } }, globex: {} },
    });
    const config = async (tenant: 'acme' | 'globex') =>
      (await as(tenant, 'GET', '/ServiceProviderConfig')).body;
    expect((await config('acme')).filter).toEqual({ supported: true, maxResults: 5 });
    expect((await config('acme')).patch).toEqual({ supported: false });
    expect((await config('globex')).filter).toEqual({ supported: true, maxResults: 50 });
    expect((await config('globex')).patch).toEqual({ supported: true });
    const patch = { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [] };
    expect((await as('acme', 'PATCH', '/Users/x', patch)).status).toBe(501);
  });

  it("signs cursors with the tenant's secret, so every instance behind a load balancer takes them", async () => {
    const storage = createMemoryStorage();
    // Three instances over one storage; the caller is the same on each, as cursors are bound to it.
    const instance = (acme: TenantConfig) =>
      tenantServer(
        {
          tenantFrom: 'credential',
          tenants: { acme },
          authenticate: () => ({ principal: 'p', tenant: 'acme' }),
        },
        storage,
      );
    const withSecret = { pagination: { secret: 'acme-cursor-secret' } };
    const [first, second, third] = [instance(withSecret), instance(withSecret), instance({})];
    for (const userName of ['a', 'b', 'c'])
      await first.call(undefined, 'POST', '/scim/v2/Users', { schemas: [U], userName });
    const page = await first.call(undefined, 'GET', '/scim/v2/Users?cursor&count=1');
    const next = `/scim/v2/Users?count=1&cursor=${String(page.body.nextCursor)}`;
    expect((await second.call(undefined, 'GET', next)).status).toBe(200);
    expectError(await third.call(undefined, 'GET', next), 400, 'invalidCursor');
  });

  it("limits each tenant by its own rate, and keeps counting when the tenant's engine is rebuilt", async () => {
    const { as, handler } = await twoTenants({
      tenants: { acme: { rateLimit: { requests: 1, windowSeconds: 3600 } }, globex: {} },
      now: () => new Date('2026-03-01T12:00:00Z'),
    });
    expect((await as('acme', 'GET', '/Users')).status).toBe(200);
    expect((await as('acme', 'GET', '/Users')).status).toBe(429);
    expect((await as('globex', 'GET', '/Users')).status).toBe(200);
    expect((await as('globex', 'GET', '/Users')).status).toBe(200);
    handler.forgetTenant('acme');
    expect((await as('acme', 'GET', '/Users')).status).toBe(429);
  });

  it('hands back the opaque events slot it never reads', async () => {
    const events = { streams: ['push'], signingKey: 'kid-1' };
    const { handler } = await twoTenants({ tenants: { acme: { events }, globex: {} } });
    expect((await handler.tenantConfig('acme'))?.events).toBe(events);
    expect(await handler.tenantConfig('initech')).toBeUndefined();
  });
});

/** Options where `undefined` leaves an option out. */
type Loose = { [K in keyof MultiTenantHandlerOptions]?: MultiTenantHandlerOptions[K] | undefined };

describe('configuration mistakes stop the application at start-up', () => {
  const storage = createMemoryStorage();
  const authenticate = () => ({ principal: 'p', tenant: 'acme' });
  const make = (options: Loose) => () =>
    createMultiTenantHandler({
      ...storage,
      authenticate,
      tenantFrom: 'url',
      tenants: {},
      ...options,
    } as MultiTenantHandlerOptions);

  it.each<[string, Loose, RegExp]>([
    [
      'an unknown preset in the tenants map',
      { tenants: { acme: { compatibility: 'azure' as 'entra' } } },
      /unknown preset/,
    ],
    [
      "a tenant's authenticate when the credential names the tenant",
      { tenantFrom: 'both', tenants: { acme: { authenticate } } },
      /only with tenantFrom 'url'/,
    ],
    [
      'both tenants and resolveTenantConfig',
      { resolveTenantConfig: () => undefined },
      /either tenants or resolveTenantConfig/,
    ],
    [
      'neither tenants nor resolveTenantConfig',
      { tenants: undefined },
      /either tenants or resolveTenantConfig/,
    ],
    [
      'a basePath without {tenant} when the URL names it',
      { basePath: '/scim/v2' },
      /basePath must hold \{tenant\}/,
    ],
    [
      'a baseUrl without {tenant} when the URL names it',
      { baseUrl: 'https://scim.example.com/scim/v2' },
      /baseUrl must hold \{tenant\}/,
    ],
    [
      '{tenant} in the path when the credential names it',
      { tenantFrom: 'credential', basePath: '/scim/{tenant}' },
      /names no tenant/,
    ],
    [
      'anonymous access when the credential names the tenant',
      { tenantFrom: 'both', authenticate: 'anonymous' },
      /must be a function/,
    ],
    ['an unknown tenantFrom', { tenantFrom: 'header' as 'url' }, /tenantFrom must be/],
    ['a maxTenants below 1', { tenantCache: { maxTenants: 0 } }, /maxTenants/],
  ])('%s', (_, options, message) => {
    expect(make(options)).toThrow(message);
  });
});
