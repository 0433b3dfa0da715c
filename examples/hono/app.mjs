// @ts-check
// The SCIM endpoint as a Hono app. Hono runs on Node, Bun, Deno and Workers; only server.mjs is
// Node-specific. Replace createMemoryStore() with a store over your database (docs/storage.md).
import { Hono } from 'hono';
import { ScimError } from '@scim/core';
import { scimHandler } from '@scim/hono';
import { createMemoryStore } from '@scim/server/memory';

const encoder = new TextEncoder();

/** Equal-time comparison of two SHA-256 digests, with Web Crypto only. */
async function sameSecret(/** @type {string} */ given, /** @type {string} */ expected) {
  const [a, b] = await Promise.all(
    [given, expected].map((text) => crypto.subtle.digest('SHA-256', encoder.encode(text))),
  );
  const x = new Uint8Array(/** @type {ArrayBuffer} */ (a));
  const y = new Uint8Array(/** @type {ArrayBuffer} */ (b));
  let difference = 0;
  for (let i = 0; i < x.length; i++) difference |= (x[i] ?? 0) ^ (y[i] ?? 0);
  return difference === 0;
}

/**
 * @param {{ token: string, compatibility?: 'rfc' | 'default' | 'entra' | 'okta', cursorSecret?: string | undefined, trustForwardedProto?: boolean, log?: (line: string) => void }} options
 */
export function createApp({
  token,
  compatibility = 'default',
  cursorSecret,
  trustForwardedProto = false,
  log = console.log,
}) {
  const app = new Hono();
  app.use(async (c, next) => {
    const started = performance.now();
    await next();
    log(
      `${c.req.method} ${new URL(c.req.url).pathname} ${c.res.status} ${(performance.now() - started).toFixed(1)} ms`,
    );
  });
  const scim = scimHandler({
    stores: { User: createMemoryStore(), Group: createMemoryStore() },
    compatibility,
    // Plain HTTP is refused except on loopback; behind a TLS proxy, believe its X-Forwarded-Proto.
    transport: { trustForwardedProto },
    // RFC 9865 cursors are signed: instances behind one load balancer need the same secret.
    pagination: {
      ...(cursorSecret === undefined ? {} : { secret: cursorSecret }),
      cursorRateLimit: { queries: 120, windowSeconds: 60 },
    },
    authenticate: async (request) => {
      if (!(await sameSecret(request.headers.get('authorization') ?? '', `Bearer ${token}`))) {
        throw ScimError.unauthorized('A valid bearer token is required');
      }
      return { principal: 'scim-client' };
    },
    hooks: {
      // Deprovisioning: end the leaver's sessions here.
      onDeactivate: ({ resource }) => log(`deactivated ${String(resource.userName)}`),
    },
  });
  app.all('/scim/v2', scim);
  app.all('/scim/v2/*', scim);
  return app;
}
