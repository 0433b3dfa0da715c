// @ts-check
// The SCIM endpoint as an Express app, over the storage server.mjs opens (storage.mjs: a SQLite file
// by default, or the database SCIM_DATABASE_URL names). Copy this file and storage.mjs.
import express from 'express';
import { scimErrorHandler, scimMiddleware } from '@scim/express';
import { bearerTokens, createScimHandler, formatRequestLog } from '@scim/server';
import { createMemoryStorage } from '@scim/server/memory';

/**
 * @param {{
 *   storage?: Pick<import('@scim/server').ScimHandlerOptions, 'stores' | 'outbox' | 'transaction'>,
 *   tokens: readonly string[],
 *   baseUrl: string,
 *   compatibility?: 'rfc' | 'default' | 'entra' | 'okta',
 *   cursorSecret?: string | undefined,
 *   debug?: boolean,
 *   log?: (line: string) => void,
 * }} options `storage`: where users and groups are kept (`openStorage` in storage.mjs; memory,
 *   which keeps nothing, when it is left out).
 *   `tokens`: the SHA-256 digests (`sha256:…`) of the bearer tokens accepted, several during a
 *   rotation. `baseUrl`: the public address of `/scim/v2`, which links use whatever Host a request
 *   names. `debug`: log request and response bodies, secrets redacted.
 *   The app's `close()` stops hook delivery once the hooks in flight are done: call it on shutdown,
 *   before closing the database.
 */
export function createApp({
  storage = createMemoryStorage(),
  tokens,
  baseUrl,
  compatibility = 'default',
  cursorSecret,
  debug = false,
  log = console.log,
}) {
  const scim = createScimHandler({
    // Stores, a transaction and the lifecycle outbox: every write and its events commit together.
    ...storage,
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
  });
  const app = express();
  app.disable('x-powered-by');
  app.use('/scim/v2', scimMiddleware(scim), scimErrorHandler());
  return Object.assign(app, { close: () => scim.close() });
}
