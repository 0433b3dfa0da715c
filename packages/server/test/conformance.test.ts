// The shared conformance kit, run against the handler itself in each preset it is meant for.
import { describe, it } from 'vitest';
import { conformanceCases } from '@scim/server/testing';
import { BASE, server } from './helpers.js';

for (const compatibility of ['default', 'entra', 'okta', 'rfc'] as const) {
  describe(`conformance kit, ${compatibility} preset`, () => {
    const { handler } = server({ compatibility });
    const cases = conformanceCases(
      {
        fetch: (request) => handler.fetch(request),
        baseUrl: BASE,
        headers: { authorization: 'Bearer secret' },
      },
      { dialect: compatibility },
    );
    for (const conformance of cases) it(`${conformance.id}: ${conformance.name}`, conformance.run);
  });
}
