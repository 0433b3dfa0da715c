// The shared conformance kit, run against the handler itself in each dialect.
import { describe, it } from 'vitest';
import { conformanceCases } from '@scim/server/testing';
import { BASE, server } from './helpers.js';

for (const [label, compatibility, dialects] of [
  ['default preset', 'default', {}],
  ['entra preset', 'entra', { entra: true }],
  ['okta preset', 'okta', { okta: true }],
] as const) {
  describe(`conformance kit, ${label}`, () => {
    const { handler } = server({ compatibility });
    const cases = conformanceCases(
      {
        fetch: (request) => handler.fetch(request),
        baseUrl: BASE,
        headers: { authorization: 'Bearer secret' },
      },
      dialects,
    );
    for (const conformance of cases) it(`${conformance.id}: ${conformance.name}`, conformance.run);
  });
}
