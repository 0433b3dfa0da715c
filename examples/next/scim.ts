// The SCIM handler for the route. It lives in a module of its own so that every request to the
// route shares one handler and one store. Replace createMemoryStore() with a store over your
// database (docs/storage.md).
import { createHash, timingSafeEqual } from 'node:crypto';
import { ScimError } from '@scim/core';
import { toNextHandlers } from '@scim/next';
import { createMemoryStore } from '@scim/server/memory';

// instrumentation.ts sets SCIM_TOKEN at start-up when it is missing; should it still be empty, no
// token is accepted.
const token = process.env.SCIM_TOKEN ?? '';
const expected = createHash('sha256').update(`Bearer ${token}`).digest();

type Preset = 'rfc' | 'default' | 'entra' | 'okta';
const compatibility = (process.env.SCIM_COMPATIBILITY ?? 'default') as Preset;

export const handlers = toNextHandlers({
  stores: { User: createMemoryStore(), Group: createMemoryStore() },
  compatibility,
  // Plain HTTP is refused except on loopback; behind a TLS proxy, believe its X-Forwarded-Proto.
  transport: { trustForwardedProto: process.env.SCIM_TRUST_FORWARDED_PROTO === '1' },
  // RFC 9865 cursors are signed: instances behind one load balancer need the same secret.
  pagination: {
    ...(process.env.SCIM_CURSOR_SECRET === undefined
      ? {}
      : { secret: process.env.SCIM_CURSOR_SECRET }),
    cursorRateLimit: { queries: 120, windowSeconds: 60 },
  },
  authenticate: (request) => {
    // Compare digests, so the comparison takes the same time whatever the caller sent.
    const given = createHash('sha256')
      .update(request.headers.get('authorization') ?? '')
      .digest();
    if (token === '' || !timingSafeEqual(given, expected)) {
      throw ScimError.unauthorized('A valid bearer token is required');
    }
    return { principal: 'scim-client' };
  },
  hooks: {
    // Deprovisioning: end the leaver's sessions here.
    onDeactivate: ({ resource }) => console.log(`deactivated ${String(resource.userName)}`),
  },
});
