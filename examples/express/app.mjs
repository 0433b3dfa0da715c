// @ts-check
// The SCIM endpoint as an Express app. Copy this file, then replace createMemoryStorage() with a
// storage over your database (see docs/storage.md).
import express from 'express';
import { scimErrorHandler, scimMiddleware } from '@scim/express';
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
  const app = express();
  app.disable('x-powered-by');
  app.use(
    '/scim/v2',
    scimMiddleware({
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
        afterDelete: ({ resource }) =>
          log(`deleted ${String(resource.userName ?? resource.displayName)}`),
      },
    }),
    scimErrorHandler(),
  );
  return app;
}
