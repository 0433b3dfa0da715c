// The route's handlers pass the shared conformance kit, dispatched by method as Next does, over a
// SQLite file as the example keeps by default.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { conformanceCases } from '@scim/server/testing';
import { openDatabase } from '@scim/sql';

// The route reads its configuration when it loads, so set it first.
const folder = mkdtempSync(join(tmpdir(), 'scim-next-'));
const file = join(folder, 'scim.db');
process.env.SCIM_TOKEN ??= 'next-token';
process.env.SCIM_BASE_URL = 'https://scim.example.com/scim/v2';
process.env.SCIM_DATABASE_URL = `sqlite:${file}`;
const route = await import('../app/scim/v2/[[...scim]]/route.ts');
afterAll(() => rmSync(folder, { recursive: true, force: true }));

const methods: Record<string, (request: Request) => Promise<Response>> = {
  GET: route.GET,
  POST: route.POST,
  PUT: route.PUT,
  PATCH: route.PATCH,
  DELETE: route.DELETE,
};

describe('examples/next route', () => {
  const target = {
    fetch: (request: Request) =>
      methods[request.method]?.(request) ?? Promise.resolve(new Response(null, { status: 405 })),
    baseUrl: 'http://127.0.0.1:8080/scim/v2',
    headers: { authorization: `Bearer ${process.env.SCIM_TOKEN ?? ''}` },
  };
  for (const conformance of conformanceCases(target))
    it(`${conformance.id}: ${conformance.name}`, conformance.run);

  it('links use SCIM_BASE_URL, not the address Next listens on (issue 11)', async () => {
    const response = await route.POST(
      new Request('http://localhost:8080/scim/v2/Users', {
        method: 'POST',
        headers: {
          authorization: `Bearer ${process.env.SCIM_TOKEN ?? ''}`,
          'content-type': 'application/scim+json',
        },
        body: JSON.stringify({
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName: 'next-base-url',
        }),
      }),
    );
    expect(response.status).toBe(201);
    expect(response.headers.get('location')).toMatch(
      /^https:\/\/scim\.example\.com\/scim\/v2\/Users\//,
    );
  });

  it('users are written to the SQLite file SCIM_DATABASE_URL names', async () => {
    const response = await route.POST(
      new Request('http://127.0.0.1:8080/scim/v2/Users', {
        method: 'POST',
        headers: {
          authorization: `Bearer ${process.env.SCIM_TOKEN ?? ''}`,
          'content-type': 'application/scim+json',
        },
        body: JSON.stringify({
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
          userName: 'next-on-disk',
        }),
      }),
    );
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };
    // A second connection to the file, as the next process would open it.
    const other = await openDatabase(`sqlite:${file}`);
    const rows = await sql<{
      id: string;
    }>`SELECT id FROM scim_resources WHERE user_name = ${'next-on-disk'}`.execute(other.db);
    await other.close();
    expect(rows.rows.map((row) => row.id)).toEqual([id]);
  });
});
