import { describe, expect, it } from 'vitest';
import { BASE, bj, expectError, G, PO, server, U } from './helpers.js';

const BQ = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const BR = 'urn:ietf:params:scim:api:messages:2.0:BulkResponse';
const EU = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

type Result = Record<string, unknown> & { status: string; response?: Record<string, unknown> };
const results = (body: Record<string, unknown>) => body.Operations as Result[];
const bulk = (operations: unknown[], extra: Record<string, unknown> = {}) => ({
  schemas: [BQ],
  Operations: operations,
  ...extra,
});

describe('Bulk (RFC 7644 §3.7)', () => {
  it('P-BULK-01/U-05/P-BULK-06/P-BULK-07/P-BULK-12: every operation is answered with method, bulkId, location, version and a string status', async () => {
    const { call } = server();
    const reply = await call(
      'POST',
      '/Bulk',
      bulk([
        {
          method: 'POST',
          path: '/Users',
          bulkId: 'qwerty',
          data: { schemas: [U], userName: 'alice' },
        },
      ]),
    );
    expect(reply.status).toBe(200);
    expect(reply.body.schemas).toEqual([BR]);
    const [created] = results(reply.body);
    expect(created).toMatchObject({ method: 'POST', bulkId: 'qwerty', status: '201' });
    expect(String(created?.location)).toMatch(new RegExp(`^${BASE}/Users/`));
    expect(String(created?.version)).toMatch(/^W\//);
    const id = String(created?.location).split('/').pop() as string;
    const more = await call(
      'POST',
      '/Bulk',
      bulk([
        {
          method: 'PUT',
          path: `/Users/${id}`,
          data: { schemas: [U], userName: 'alice', title: 'T' },
        },
        {
          method: 'PATCH',
          path: `/Users/${id}`,
          data: { schemas: [PO], Operations: [{ op: 'replace', path: 'nickName', value: 'Al' }] },
        },
        { method: 'DELETE', path: `/Users/${id}` },
      ]),
    );
    expect(results(more.body).map((r) => r.status)).toEqual(['200', '200', '204']);
    expect(results(more.body)[2]).toMatchObject({
      method: 'DELETE',
      location: `${BASE}/Users/${id}`,
    });
  });

  it('P-BULK-02: a request without the schema or Operations is invalidSyntax', async () => {
    const { call } = server();
    expectError(await call('POST', '/Bulk', { schemas: [BQ] }), 400, 'invalidSyntax');
    expectError(await call('POST', '/Bulk', { Operations: [] }), 400, 'invalidSyntax');
  });

  it('P-BULK-03/P-BULK-04/P-BULK-24: a malformed operation fails alone', async () => {
    const { call } = server();
    const reply = await call(
      'POST',
      '/Bulk',
      bulk([
        { method: 'MOVE', path: '/Users' },
        { method: 'PUT', path: '/Users', data: {} },
        { method: 'POST', path: '/Users', data: { schemas: [U], userName: 'x' } },
        { method: 'POST', path: '/Bulk', bulkId: 'n', data: {} },
        { method: 'POST', path: '/Users', bulkId: 'ok', data: { schemas: [U], userName: 'ok' } },
      ]),
    );
    expect(results(reply.body).map((r) => r.status)).toEqual(['400', '400', '400', '400', '201']);
  });

  it('P-BULK-05/P-BULK-08/P-BULK-09/P-BULK-11: processing continues past errors, which carry the error body', async () => {
    const { call } = server();
    await call('POST', '/Users', bj);
    const reply = await call(
      'POST',
      '/Bulk',
      bulk([
        { method: 'POST', path: '/Users', bulkId: 'a', data: { schemas: [U], userName: 'a' } },
        {
          method: 'POST',
          path: '/Users',
          bulkId: 'dup',
          data: { schemas: [U], userName: 'BJENSEN' },
        },
        { method: 'POST', path: '/Users', bulkId: 'c', data: { schemas: [U], userName: 'c' } },
      ]),
    );
    expect(reply.status).toBe(200);
    expect(results(reply.body).map((r) => r.status)).toEqual(['201', '409', '201']);
    expect(results(reply.body)[1]?.response).toMatchObject({
      status: '409',
      scimType: 'uniqueness',
    });
    expect(results(reply.body)[1]).not.toHaveProperty('location');
    expect(reply.body).not.toHaveProperty('failOnErrors');
  });

  it('P-BULK-10: failOnErrors stops after that many errors and applies nothing more', async () => {
    const { call } = server();
    const reply = await call(
      'POST',
      '/Bulk',
      bulk(
        [
          { method: 'POST', path: '/Users', bulkId: 'bad', data: { schemas: [U] } },
          {
            method: 'POST',
            path: '/Users',
            bulkId: 'good',
            data: { schemas: [U], userName: 'good' },
          },
        ],
        { failOnErrors: 1 },
      ),
    );
    expect(results(reply.body)).toHaveLength(1);
    expect((await call('GET', '/Users?filter=userName eq "good"')).body.totalResults).toBe(0);
  });

  it('P-BULK-13: bulkId references in data, extension values included, become the created ids', async () => {
    const { call } = server();
    // The RFC 7644 §3.7.2 example: Alice, then a group that lists her by bulkId.
    const reply = await call(
      'POST',
      '/Bulk',
      bulk([
        {
          method: 'POST',
          path: '/Users',
          bulkId: 'qwerty',
          data: { schemas: [U], userName: 'Alice' },
        },
        {
          method: 'POST',
          path: '/Users',
          bulkId: 'report',
          data: {
            schemas: [U, EU],
            userName: 'Bob',
            [EU]: { manager: { value: 'bulkId:qwerty' } },
          },
        },
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'ytrewq',
          data: {
            schemas: [G],
            displayName: 'Tour Guides',
            members: [{ type: 'User', value: 'bulkId:qwerty' }],
          },
        },
      ]),
    );
    const [alice, bob, group] = results(reply.body);
    const aliceId = String(alice?.location).split('/').pop();
    const groupBody = (
      await call('GET', `/Groups/${String(group?.location).split('/').pop() as string}`)
    ).body;
    expect((groupBody.members as Record<string, unknown>[])[0]?.value).toBe(aliceId);
    const bobBody = (
      await call('GET', `/Users/${String(bob?.location).split('/').pop() as string}`)
    ).body;
    expect((bobBody[EU] as Record<string, Record<string, unknown>>).manager?.value).toBe(aliceId);
  });

  it('P-BULK-14: a forward reference waits for the POST that defines it', async () => {
    const { call } = server();
    const reply = await call(
      'POST',
      '/Bulk',
      bulk([
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'g',
          data: { schemas: [G], displayName: 'G', members: [{ value: 'bulkId:u1' }] },
        },
        { method: 'POST', path: '/Users', bulkId: 'u1', data: { schemas: [U], userName: 'u1' } },
      ]),
    );
    expect(results(reply.body).map((r) => [r.bulkId, r.status])).toEqual([
      ['u1', '201'],
      ['g', '201'],
    ]);
  });

  it('P-BULK-15: circular references are answered 409', async () => {
    const { call } = server();
    const reply = await call(
      'POST',
      '/Bulk',
      bulk([
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'A',
          data: { schemas: [G], displayName: 'A', members: [{ value: 'bulkId:B' }] },
        },
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'B',
          data: { schemas: [G], displayName: 'B', members: [{ value: 'bulkId:A' }] },
        },
      ]),
    );
    expect(results(reply.body).map((r) => r.status)).toEqual(['409', '409']);
  });

  it('P-BULK-16/P-BULK-17: an undefined reference is 400, a reference to a failed POST 409, a reused bulkId 400', async () => {
    const { call } = server();
    const reply = await call(
      'POST',
      '/Bulk',
      bulk([
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'g1',
          data: { schemas: [G], displayName: 'G', members: [{ value: 'bulkId:nope' }] },
        },
        { method: 'POST', path: '/Users', bulkId: 'broken', data: { schemas: [U] } },
        {
          method: 'POST',
          path: '/Groups',
          bulkId: 'g2',
          data: { schemas: [G], displayName: 'G2', members: [{ value: 'bulkId:broken' }] },
        },
        { method: 'POST', path: '/Users', bulkId: 'twice', data: { schemas: [U], userName: 't1' } },
        { method: 'POST', path: '/Users', bulkId: 'twice', data: { schemas: [U], userName: 't2' } },
      ]),
    );
    const byId = Object.fromEntries(
      results(reply.body).map((r, i) => [`${String(r.bulkId)}#${i}`, r.status]),
    );
    expect(Object.values(byId).sort()).toEqual(['201', '400', '400', '400', '409'].sort());
    expect(results(reply.body).find((r) => r.bulkId === 'g2')?.status).toBe('409');
    expect(results(reply.body).find((r) => r.bulkId === 'g1')?.status).toBe('400');
  });

  it('P-BULK-18: an operation version acts as If-Match', async () => {
    const { call } = server();
    const user = await call('POST', '/Users', bj);
    const reply = await call(
      'POST',
      '/Bulk',
      bulk([
        {
          method: 'PUT',
          path: `/Users/${user.body.id as string}`,
          version: 'W/"stale"',
          data: { schemas: [U], userName: 'bjensen' },
        },
      ]),
    );
    expect(results(reply.body)[0]?.status).toBe('412');
  });

  it('P-BULK-19/P-BULK-20/P-BULK-21: the advertised limits are the enforced ones, answered 413', async () => {
    const { call } = server({ limits: { bulkMaxOperations: 2, bulkMaxPayloadSize: 2000 } });
    expect((await call('GET', '/ServiceProviderConfig')).body.bulk).toEqual({
      supported: true,
      maxOperations: 2,
      maxPayloadSize: 2000,
    });
    const three = Array.from({ length: 3 }, (_, i) => ({
      method: 'POST',
      path: '/Users',
      bulkId: `b${i}`,
      data: { schemas: [U], userName: `b${i}` },
    }));
    const tooMany = await call('POST', '/Bulk', bulk(three));
    expectError(tooMany, 413);
    expect(tooMany.body.detail).toContain('maxOperations');
    expectError(
      await call(
        'POST',
        '/Bulk',
        bulk([
          {
            method: 'POST',
            path: '/Users',
            bulkId: 'x',
            data: { schemas: [U], userName: 'x'.repeat(3000) },
          },
        ]),
      ),
      413,
    );
  });

  it('P-BULK-22/P-BULK-23: each operation is validated like the request alone', async () => {
    const { call } = server();
    const user = await call('POST', '/Users', bj);
    const reply = await call(
      'POST',
      '/Bulk',
      bulk([
        {
          method: 'PATCH',
          path: `/Users/${user.body.id as string}`,
          data: { schemas: [PO], Operations: [{ op: 'remove', path: 'userName' }] },
        },
      ]),
    );
    expect(results(reply.body)[0]).toMatchObject({
      status: '400',
      response: { scimType: 'mutability' },
    });
  });
});
