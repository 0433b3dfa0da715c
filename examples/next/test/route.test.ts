// The route's handlers pass the shared conformance kit, dispatched by method as Next does.
import { describe, expect, it } from 'vitest';
import { conformanceCases } from '@scim/server/testing';

// The route reads its configuration when it loads, so set it first.
process.env.SCIM_TOKEN ??= 'next-token';
process.env.SCIM_BASE_URL = 'https://scim.example.com/scim/v2';
const route = await import('../app/scim/v2/[[...scim]]/route.ts');

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
});
