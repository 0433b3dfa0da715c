// A request's detail is found by its place in the history (`seq`), not by its request id: that comes
// from the client's X-Request-Id, and an identity provider retrying a request sends the same one
// again. Each write's detail shows the changes it made, not those of another with the same id.
import { describe, expect, it } from 'vitest';
import { CONSOLE_TOKEN, createFixture, PATCH_SCHEMA, SCIM_TOKEN, USER_SCHEMA } from './fixture.ts';

const bearer = { authorization: `Bearer ${CONSOLE_TOKEN}` };

interface Detail {
  seq: number;
  id: string;
  method: string;
  status: number;
  error: { scimType?: string } | null;
  changes: { type: string }[];
}

describe('console request detail', () => {
  it('RFC 7644 §3.12 (each answer its own error): requests sharing one X-Request-Id each open to their own status, error and changes', async () => {
    const fixture = await createFixture();
    const send = (method: string, path: string, body: unknown) =>
      fixture.handler.fetch(
        new Request(`https://scim.example.com/scim/v2${path}`, {
          method,
          headers: {
            authorization: `Bearer ${SCIM_TOKEN}`,
            'content-type': 'application/scim+json',
            'x-request-id': 'idp-op-42',
          },
          body: JSON.stringify(body),
        }),
      );
    // A refused create, its retry under the same id, then a PATCH under it again.
    expect(
      (await send('POST', '/Users', { schemas: [USER_SCHEMA], displayName: 'x' })).status,
    ).toBe(400);
    const created = await send('POST', '/Users', { schemas: [USER_SCHEMA], userName: 'carol' });
    expect(created.status).toBe(201);
    const { id } = (await created.json()) as { id: string };
    const patched = await send('PATCH', `/Users/${id}`, {
      schemas: [PATCH_SCHEMA],
      Operations: [{ op: 'replace', path: 'displayName', value: 'Carol' }],
    });
    expect(patched.status).toBe(200);

    const list = (await (await fixture.page('/api/requests', { headers: bearer })).json()) as {
      requests: { seq: number; id: string }[];
    };
    expect(list.requests.map((request) => request.id)).toEqual([
      'idp-op-42',
      'idp-op-42',
      'idp-op-42',
    ]);
    const details: Detail[] = [];
    for (const { seq } of list.requests)
      details.push(
        (await (await fixture.page(`/api/requests/${seq}`, { headers: bearer })).json()) as Detail,
      );
    expect(
      details.map(({ method, status, error, changes }) => ({
        method,
        status,
        scimType: error?.scimType ?? null,
        changes: changes.map((change) => change.type),
      })),
    ).toEqual([
      { method: 'PATCH', status: 200, scimType: null, changes: ['updated'] },
      { method: 'POST', status: 201, scimType: null, changes: ['created'] },
      { method: 'POST', status: 400, scimType: 'invalidValue', changes: [] },
    ]);
  });

  it('a sequence number the history no longer holds, or that is not a number, is 404', async () => {
    const fixture = await createFixture({ historySize: 2 });
    for (let i = 0; i < 3; i++) await fixture.scim('GET', '/Users');
    for (const path of ['/api/requests/1', '/api/requests/4', '/api/requests/abc'])
      expect((await fixture.page(path, { headers: bearer })).status, path).toBe(404);
    expect((await fixture.page('/api/requests/3', { headers: bearer })).status).toBe(200);
  });
});
