// The route's handlers pass the shared conformance kit, dispatched by method as Next does.
import { describe, it } from 'vitest';
import { conformanceCases } from '@scim/server/testing';

// The route reads SCIM_TOKEN when it loads, so set it first.
process.env.SCIM_TOKEN ??= 'next-token';
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
});
