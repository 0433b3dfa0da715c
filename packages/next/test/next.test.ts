// The shared conformance kit against the exported route handlers, dispatched by method as Next does.
import { describe, it } from 'vitest';
import { ScimError } from '@scim/core';
import { toNextHandlers, type NextRouteHandlers } from '@scim/next';
import { createMemoryStore } from '@scim/server/memory';
import { conformanceCases } from '@scim/server/testing';

const TOKEN = 'Bearer next';
const handlers: NextRouteHandlers = toNextHandlers({
  stores: { User: createMemoryStore(), Group: createMemoryStore() },
  hashPassword: (password) => Promise.resolve(`test:${password.length}`),
  authenticate: (request) => {
    if (request.headers.get('authorization') !== TOKEN)
      throw ScimError.unauthorized('A valid bearer token is required');
    return { principal: 'test' };
  },
});

// Next calls the export named after the method; other methods get a 405 from Next itself.
function route(request: Request): Promise<Response> {
  const method = request.method.toUpperCase() as keyof NextRouteHandlers;
  const handler = handlers[method];
  return handler === undefined
    ? Promise.resolve(new Response(null, { status: 405 }))
    : handler(request);
}

describe('Next.js route handlers', () => {
  const target = {
    fetch: route,
    baseUrl: 'https://next.test/scim/v2',
    headers: { authorization: TOKEN },
  };
  for (const conformance of conformanceCases(target, {}))
    it(`${conformance.id}: ${conformance.name}`, conformance.run);
});
