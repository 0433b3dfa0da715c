import { describe, expect, it } from 'vitest';
import { bj, expectError, G, PO, server, U } from './helpers.js';

describe('features and remaining error rows', () => {
  it('P-DISC-05/P-PATCH-19: with PATCH and Bulk switched off, the config says so and both are 501', async () => {
    const { call } = server({ features: { patch: false, bulk: false } });
    expect((await call('GET', '/ServiceProviderConfig')).body).toMatchObject({
      patch: { supported: false },
      bulk: { supported: false },
    });
    const user = await call('POST', '/Users', bj);
    expectError(
      await call('PATCH', `/Users/${user.body.id as string}`, {
        schemas: [PO],
        Operations: [{ op: 'remove', path: 'title' }],
      }),
      501,
    );
    expectError(
      await call('POST', '/Bulk', {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
        Operations: [],
      }),
      501,
    );
  });

  it('P-DISC-07: filter off is invalidFilter, sort off ignores sortBy, etag off drops ETag and version', async () => {
    const { call } = server({ features: { filter: false, sort: false, etag: false } });
    const created = await call('POST', '/Users', bj);
    expect(created.headers.get('etag')).toBeNull();
    expect(created.body.meta).not.toHaveProperty('version');
    expectError(await call('GET', '/Users?filter=userName eq "bjensen"'), 400, 'invalidFilter');
    expect((await call('GET', '/Users?sortBy=nope')).status).toBe(200);
    expect((await call('GET', '/ServiceProviderConfig')).body).toMatchObject({
      filter: { supported: false },
      sort: { supported: false },
      etag: { supported: false },
    });
  });

  it('P-HTTP-08/P-ERR-10/P-ERR-11: errors carry the HTTP status and a body with the scimType', async () => {
    const { call } = server();
    expectError(await call('POST', '/Users', { schemas: [U], userName: 5 }), 400, 'invalidValue');
    expectError(await call('GET', 'https://app.example.com/scim/v9/Users'), 400, 'invalidVers');
  });

  it('P-ERR-04: tooMany (see P-CRUD-19) and P-ERR-09: noTarget (see P-PATCH-31) come back as SCIM errors', async () => {
    const { call } = server({ limits: { maxScan: 0 } });
    const user = (await call('POST', '/Users', bj)).body;
    expectError(await call('GET', '/?filter=userName pr'), 400, 'tooMany');
    expectError(
      await call('PATCH', `/Users/${user.id as string}`, {
        schemas: [PO],
        Operations: [{ op: 'remove' }],
      }),
      400,
      'noTarget',
    );
  });

  it('P-PROJ-13: a PATCH with attributes answers 200 with the projected resource', async () => {
    const { call } = server();
    const user = await call('POST', '/Users', bj);
    const reply = await call('PATCH', `/Users/${user.body.id as string}?attributes=title`, {
      schemas: [PO],
      Operations: [{ op: 'replace', path: 'title', value: 'T' }],
    });
    expect(reply.body).toEqual({ schemas: [U], id: user.body.id, title: 'T' });
  });
});

describe('PUT (RFC 7644 §3.5.1)', () => {
  const TX = 'urn:example:test:2.0:User';

  it('P-PUT-01/P-PUT-10: PUT works for every resource type and answers the whole resource', async () => {
    const { call } = server();
    const group = await call('POST', '/Groups', { schemas: [G], displayName: 'G' });
    const reply = await call('PUT', `/Groups/${group.body.id as string}`, {
      schemas: [G],
      displayName: 'G2',
    });
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({
      id: group.body.id,
      displayName: 'G2',
      meta: { resourceType: 'Group' },
    });
    expect(reply.headers.get('etag')).toBe((reply.body.meta as Record<string, string>).version);
    expect(reply.headers.get('location')).toBe(
      (reply.body.meta as Record<string, string>).location,
    );
  });

  it('P-PUT-05: null or [] in a PUT unassigns', async () => {
    const { call } = server();
    const user = await call('POST', '/Users', bj);
    const reply = await call('PUT', `/Users/${user.body.id as string}`, {
      schemas: [U],
      userName: 'bjensen',
      nickName: null,
      emails: [],
    });
    expect(reply.body).not.toHaveProperty('emails');
    expect(reply.body).not.toHaveProperty('nickName');
  });

  it('P-PUT-06/P-ERR-06: an immutable value cannot change by PUT', async () => {
    const { TestUserResourceType } = await import('../../../test/fixtures/checklist.js');
    const { GroupResourceType } = await import('@scim/core');
    const { call } = server({ resourceTypes: [TestUserResourceType, GroupResourceType] });
    const user = await call('POST', '/Users', {
      schemas: [U, TX],
      userName: 'x',
      [TX]: { badge: 'A' },
    });
    expectError(
      await call('PUT', `/Users/${user.body.id as string}`, {
        schemas: [U, TX],
        userName: 'x',
        [TX]: { badge: 'B' },
      }),
      400,
      'mutability',
    );
    expect(
      (await call('PUT', `/Users/${user.body.id as string}`, { schemas: [U], userName: 'x' })).body[
        TX
      ],
    ).toEqual({ badge: 'A' });
  });

  it('P-PUT-08: a PUT without a required attribute is invalidValue', async () => {
    const { call } = server();
    const user = await call('POST', '/Users', bj);
    expectError(
      await call('PUT', `/Users/${user.body.id as string}`, { schemas: [U], title: 'x' }),
      400,
      'invalidValue',
    );
  });

  it('P-PUT-12: a PUT without the extension clears it', async () => {
    const { call } = server();
    const EU = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
    const user = await call('POST', '/Users', {
      schemas: [U, EU],
      userName: 'x',
      [EU]: { department: 'D' },
    });
    const reply = await call('PUT', `/Users/${user.body.id as string}`, {
      schemas: [U],
      userName: 'x',
    });
    expect(reply.body).not.toHaveProperty(EU);
    expect(reply.body.schemas).toEqual([U]);
  });
});

describe('strict validation', () => {
  it('S-CHAR-34/S-USER-09/S-EXT-12: validation strict refuses non-canonical values, non-ISO countries and unknown attributes, on POST, PUT and PATCH', async () => {
    const strict = server({
      validation: { canonicalValues: 'strict', unknownAttributes: 'reject' },
    });
    const lenient = server();
    const odd = { schemas: [U], userName: 'odd', emails: [{ value: 'a@x.org', type: 'custom' }] };
    expectError(await strict.call('POST', '/Users', odd), 400, 'invalidValue');
    expect((await lenient.call('POST', '/Users', odd)).status).toBe(201);
    expectError(
      await strict.call('POST', '/Users', {
        schemas: [U],
        userName: 'usa',
        addresses: [{ country: 'USA' }],
      }),
      400,
      'invalidValue',
    );
    expectError(
      await strict.call('POST', '/Users', { schemas: [U], userName: 'x', shoeSize: 42 }),
      400,
      'invalidSyntax',
    );
    const id = (
      await strict.call('POST', '/Users', {
        schemas: [U],
        userName: 'ok',
        addresses: [{ country: 'de' }],
      })
    ).body.id as string;
    expectError(
      await strict.call('PUT', `/Users/${id}`, { ...odd, userName: 'ok' }),
      400,
      'invalidValue',
    );
    expectError(
      await strict.call('PATCH', `/Users/${id}`, {
        schemas: [PO],
        Operations: [{ op: 'add', path: 'emails', value: [{ value: 'b@x.org', type: 'custom' }] }],
      }),
      400,
      'invalidValue',
    );
  });
});
