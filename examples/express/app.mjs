// @ts-check
// The SCIM endpoint as an Express app, over the storage server.mjs opens (storage.mjs: a SQLite file
// by default, or the database SCIM_DATABASE_URL names), and, when events.mjs is given, the security
// events it pushes. Copy this file, storage.mjs and events.mjs.
import express from 'express';
import { scimErrorHandler, scimMiddleware } from '@scim/express';
import { bearerTokens, createScimHandler, formatRequestLog } from '@scim/server';
import { createMemoryStorage } from '@scim/server/memory';
import { JWKS_PATH, PUBLIC_CACHE_CONTROL, SSF_CONFIGURATION_PATH } from './events.mjs';

/**
 * @param {{
 *   storage?: Pick<import('@scim/server').ScimHandlerOptions, 'stores' | 'outbox' | 'transaction'>,
 *   tokens: readonly string[],
 *   baseUrl: string,
 *   compatibility?: 'rfc' | 'default' | 'entra' | 'okta',
 *   cursorSecret?: string | undefined,
 *   debug?: boolean,
 *   log?: (line: string) => void,
 *   events?: import('./events.mjs').SecurityEvents | undefined,
 * }} options `storage`: where users and groups are kept (`openStorage` in storage.mjs; memory,
 *   which keeps nothing, when it is left out).
 *   `tokens`: the SHA-256 digests (`sha256:…`) of the bearer tokens accepted, several during a
 *   rotation. `baseUrl`: the public address of `/scim/v2`, which links use whatever Host a request
 *   names. `debug`: log request and response bodies, secrets redacted.
 *   `events`: `createSecurityEvents` in events.mjs; every change is then pushed as signed SETs,
 *   and the app serves the SSF configuration and JWKS on its origin. Without it those answer 404.
 *   The app's `close()` stops hook delivery once the hooks in flight are done, then lets the SET
 *   deliveries in flight finish (within a bound): call it on shutdown, before closing the database.
 */
export function createApp({
  storage = createMemoryStorage(),
  tokens,
  baseUrl,
  compatibility = 'default',
  cursorSecret,
  debug = false,
  log = console.log,
  events,
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
      // Every change, after the hook of its kind, also becomes RFC 9967 SETs for the receiver.
      ...(events === undefined ? {} : { onEvent: events.onEvent }),
    },
  });
  const app = express();
  app.disable('x-powered-by');
  if (events !== undefined) {
    // Public documents, outside /scim/v2 and its bearer tokens: receivers fetch them to verify SETs.
    const publish = (/** @type {() => unknown} */ document) =>
      /** @type {import('express').RequestHandler} */ (
        (_request, response) => {
          response.set('cache-control', PUBLIC_CACHE_CONTROL).json(document());
        }
      );
    app.get(SSF_CONFIGURATION_PATH, publish(events.configuration));
    app.get(JWKS_PATH, publish(events.jwks));
    events.start();
  }
  app.use('/scim/v2', scimMiddleware(scim), scimErrorHandler());
  return Object.assign(app, {
    // The hooks in flight hand their last records to the publisher before its SETs are drained.
    close: () => scim.close().then(() => events?.close()),
  });
}
