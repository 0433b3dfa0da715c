// @ts-check
// The SCIM endpoint as a Hono app. Hono runs on Node, Bun, Deno and Workers; only server.mjs is
// Node-specific. Replace createMemoryStorage() with a storage over your database (docs/storage.md).
import { Hono } from 'hono';
import { scimHandler } from '@scim/hono';
import { bearerTokens, formatRequestLog } from '@scim/server';
import { createMemoryStorage } from '@scim/server/memory';

/**
 * @param {{
 *   tokens: readonly string[],
 *   baseUrl: string,
 *   compatibility?: 'rfc' | 'default' | 'entra' | 'okta',
 *   cursorSecret?: string | undefined,
 *   debug?: boolean,
 *   log?: (line: string) => void,
 * }} options `tokens`: the SHA-256 digests (`sha256:…`) of the bearer tokens accepted, several
 *   during a rotation. `baseUrl`: the public address of `/scim/v2`, which links use whatever Host a
 *   request names. `debug`: log request and response bodies, secrets redacted.
 */
export function createApp({
  tokens,
  baseUrl,
  compatibility = 'default',
  cursorSecret,
  debug = false,
  log = console.log,
}) {
  const app = new Hono();
  const scim = scimHandler({
    // Stores, a transaction and the lifecycle outbox: every write and its events commit together.
    ...createMemoryStorage(),
    authenticate: bearerTokens({ tokens }),
    baseUrl,
    compatibility,
    // RFC 9865 cursors are signed: instances behind one load balancer need the same secret.
    pagination: {
      ...(cursorSecret === undefined ? {} : { secret: cursorSecret }),
      cursorRateLimit: { queries: 120, windowSeconds: 60 },
    },
    // A store call that hangs gets the client a 503 with Retry-After instead of no answer.
    requestTimeoutMs: 30_000,
    // One line per request, and the error's detail under every 4xx and 5xx.
    log: (record) => log(formatRequestLog(record)),
    debug,
    // Deprovisioning: end the leaver's sessions here. Hooks are delivered from the outbox at least
    // once and retried until they succeed; `id` is the same on every attempt (docs/security.md).
    hooks: {
      onDeactivate: ({ resource }) => log(`deactivated ${String(resource.userName)}`),
    },
  });
  app.all('/scim/v2', scim);
  app.all('/scim/v2/*', scim);
  return app;
}
