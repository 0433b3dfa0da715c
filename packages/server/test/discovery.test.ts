import { describe, expect, it } from 'vitest';
import { SchemaResourceType, validateResource } from '@scim/core';
import { BASE, expectError, LR, server } from './helpers.js';

const SPC = 'urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig';

describe('discovery (RFC 7644 §4)', () => {
  it('P-DISC-01/P-DISC-02/P-DISC-03: ServiceProviderConfig is one object with every required feature', async () => {
    const { call } = server();
    const { status, body } = await call('GET', '/ServiceProviderConfig');
    expect(status).toBe(200);
    expect(body.schemas).toEqual([SPC]);
    expect(body).not.toHaveProperty('Resources');
    expect(body).toMatchObject({
      patch: { supported: true },
      bulk: { supported: true, maxOperations: 1000, maxPayloadSize: 1048576 },
      filter: { supported: true, maxResults: 1000 },
      changePassword: { supported: true },
      sort: { supported: true },
      etag: { supported: true },
    });
    for (const scheme of body.authenticationSchemes as Record<string, unknown>[]) {
      expect(scheme).toHaveProperty('type');
      expect(scheme).toHaveProperty('name');
      expect(scheme).toHaveProperty('description');
    }
  });

  it('RFC 7643 §3.1: the User and Group schemas list the common attribute externalId, as Entra gallery validation needs (LA-15)', async () => {
    const { call } = server();
    for (const id of [
      'urn:ietf:params:scim:schemas:core:2.0:User',
      'urn:ietf:params:scim:schemas:core:2.0:Group',
    ]) {
      const schema = (await call('GET', `/Schemas/${id}`)).body;
      const names = (schema.attributes as { name: string }[]).map((attribute) => attribute.name);
      expect(names.filter((name) => name === 'externalId')).toHaveLength(1);
      expect(validateResource(schema, SchemaResourceType, { mode: 'response' }).ok).toBe(true);
    }
    const enterprise = (
      await call('GET', '/Schemas/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User')
    ).body;
    expect((enterprise.attributes as { name: string }[]).map((a) => a.name)).not.toContain(
      'externalId',
    );
  });

  it('P-DISC-04: discovery is readable without authentication', async () => {
    const { call } = server();
    expect(
      (await call('GET', '/ServiceProviderConfig', undefined, { authorization: '' })).status,
    ).toBe(200);
    expect((await call('GET', '/Schemas', undefined, { authorization: '' })).status).toBe(200);
    expectError(await call('GET', '/Users', undefined, { authorization: '' }), 401);
  });

  it('P-DISC-06: filter.maxResults caps a page', async () => {
    const { call } = server({ limits: { maxResults: 5 } });
    for (let i = 0; i < 8; i++)
      await call('POST', '/Users', {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
        userName: `u${i}`,
      });
    const { body } = await call('GET', '/Users?count=50');
    expect(body.itemsPerPage).toBe(5);
    expect(body.totalResults).toBe(8);
  });

  it('P-DISC-08/P-DISC-09: ResourceTypes lists User and Group, each retrievable', async () => {
    const { call } = server();
    const list = await call('GET', '/ResourceTypes');
    expect(list.body.schemas).toEqual([LR]);
    expect(list.body.Resources?.map((rt) => rt.name)).toEqual(['User', 'Group']);
    const user = await call('GET', '/ResourceTypes/User');
    expect(user.body).toMatchObject({
      endpoint: '/Users',
      schema: 'urn:ietf:params:scim:schemas:core:2.0:User',
      meta: { resourceType: 'ResourceType', location: `${BASE}/ResourceTypes/User` },
    });
  });

  it('P-DISC-10: an unknown resource type or schema is 404', async () => {
    const { call } = server();
    expectError(await call('GET', '/ResourceTypes/Nope'), 404);
    expectError(await call('GET', '/Schemas/urn:x:y'), 404);
  });

  it('P-DISC-11/P-DISC-12/P-DISC-13/P-DISC-15/P-DISC-18: Schemas serves every schema the resource types use, valid against the meta-schema', async () => {
    const { call } = server();
    const { body } = await call('GET', '/Schemas');
    const ids = body.Resources?.map((schema) => schema.id);
    expect(ids).toEqual([
      'urn:ietf:params:scim:schemas:core:2.0:User',
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
      'urn:ietf:params:scim:schemas:core:2.0:Group',
    ]);
    for (const id of ids as string[])
      expect(id.startsWith('urn:ietf:params:scim:api:')).toBe(false);
    const user = await call('GET', '/Schemas/urn:ietf:params:scim:schemas:core:2.0:User');
    expect(user.body.id).toBe('urn:ietf:params:scim:schemas:core:2.0:User');
    const result = validateResource(user.body, SchemaResourceType, {
      mode: 'response',
      unknownAttributes: 'reject',
    });
    expect(result.ok ? [] : result.issues).toEqual([]);
    for (const rt of (await call('GET', '/ResourceTypes')).body.Resources ?? []) {
      expect((await call('GET', `/Schemas/${rt.schema as string}`)).status).toBe(200);
    }
  });

  it('P-DISC-16: paging and sorting parameters are ignored on discovery', async () => {
    const { call } = server();
    expect(
      (await call('GET', '/Schemas?count=1&startIndex=2&sortBy=name')).body.Resources,
    ).toHaveLength(3);
  });

  it('P-DISC-17: a filter on discovery is 403', async () => {
    const { call } = server();
    expectError(await call('GET', '/ResourceTypes?filter=name eq "User"'), 403);
  });

  it('P-DISC-19: discovery resources are read-only: 405 with Allow', async () => {
    const { call } = server();
    const reply = await call('DELETE', '/Schemas/urn:ietf:params:scim:schemas:core:2.0:User');
    expectError(reply, 405);
    expect(reply.headers.get('allow')).toBe('GET');
    expectError(await call('POST', '/ServiceProviderConfig', {}), 405);
  });
});
