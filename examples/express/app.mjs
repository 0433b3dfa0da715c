// @ts-check
// The SCIM endpoint as an Express app, over the storage server.mjs opens (storage.mjs: a SQLite file
// by default, or the database SCIM_DATABASE_URL names), and, when events.mjs is given, the security
// events it pushes. With `tenants`, one endpoint serves each tenant at /scim/v2/{tenant} with its own
// tokens and dialect; with `admin`, admin.mjs's token routes are mounted at /admin. Copy this file,
// storage.mjs and events.mjs (and admin.mjs and tokens.mjs for the token routes).
import express from 'express';
import { ScimError } from '@scim/core';
import { scimErrorHandler, scimMiddleware } from '@scim/express';
import {
  bearerTokens,
  createMultiTenantHandler,
  createScimHandler,
  formatRequestLog,
  tokenAuthenticator,
} from '@scim/server';
import { createMemoryStorage } from '@scim/server/memory';
import { ADMIN_PATH, createAdminRouter } from './admin.mjs';
import { CONSOLE_PATH, createConsole } from './console.mjs';
import { JWKS_PATH, PUBLIC_CACHE_CONTROL, SSF_CONFIGURATION_PATH } from './events.mjs';
import { SINGLE_TENANT } from './tokens.mjs';

/** @typedef {'rfc' | 'default' | 'entra' | 'okta'} Compatibility */

/** @param {string | undefined} tenant how a log line names the tenant: not at all with one */
const of = (tenant) => (tenant === undefined ? '' : `${tenant}/`);

/**
 * @param {{
 *   storage?: Pick<import('@scim/server').ScimHandlerOptions, 'stores' | 'outbox' | 'transaction'>,
 *   tokens?: readonly string[],
 *   tokenStore?: import('@scim/server').TokenStore,
 *   tenants?: Readonly<Record<string, { compatibility: Compatibility }>>,
 *   adminToken?: string | undefined,
 *   consoleToken?: string | undefined,
 *   baseUrl: string,
 *   compatibility?: Compatibility,
 *   cursorSecret?: string | undefined,
 *   debug?: boolean,
 *   log?: (line: string) => void,
 *   events?: import('./events.mjs').SecurityEvents | undefined,
 * }} options `storage`: where users and groups are kept (`openStorage` in storage.mjs; memory,
 *   which keeps nothing, when it is left out).
 *   `tokens`: the SHA-256 digests (`sha256:…`) of the bearer tokens accepted, several during a
 *   rotation. `tokenStore`: instead, the token store whose live tokens are accepted, read on every
 *   request (`tokens.mjs` puts the configured ones in it); with one tenant, those kept under
 *   `SINGLE_TENANT`. `tenants`: serve each tenant at `<baseUrl>/{tenant}` in its own dialect, for
 *   the tokens of `tokenStore` issued to it; a token of another tenant, or an unknown tenant, is
 *   404. `adminToken`: the bearer token of the admin routes (admin.mjs) over `tokenStore`; no admin
 *   routes without it. `consoleToken`: the credential of the provisioning console (console.mjs) at
 *   /console; no console without it. `baseUrl`: the public address of `/scim/v2`, which links use whatever Host
 *   a request names. `debug`: log request and response bodies, secrets redacted.
 *   `events`: `createSecurityEvents` in events.mjs; every change is then pushed as signed SETs,
 *   and the app serves the SSF configuration and JWKS on its origin. Without it those answer 404.
 *   The app's `close()` stops hook delivery once the hooks in flight are done, then lets the SET
 *   deliveries in flight finish (within a bound): call it on shutdown, before closing the database.
 */
export function createApp({
  storage = createMemoryStorage(),
  tokens,
  tokenStore,
  tenants,
  adminToken,
  consoleToken,
  baseUrl,
  compatibility = 'default',
  cursorSecret,
  debug = false,
  log = console.log,
  events,
}) {
  if ((tokens === undefined) === (tokenStore === undefined))
    throw new TypeError('createApp: give either tokens or tokenStore');
  if ((tenants !== undefined || adminToken !== undefined) && tokenStore === undefined)
    throw new TypeError('createApp: tenants and adminToken need a tokenStore');
  // The console (console.mjs), only with its token: it keeps the latest requests, bodies redacted.
  const provisioningConsole =
    consoleToken === undefined
      ? undefined
      : createConsole({
          token: consoleToken,
          outbox: () => scim.outbox,
          compatibility,
          tenants,
          tokenStore,
          stores: storage.stores,
          baseUrl,
        });
  /** @type {Omit<import('@scim/server').ScimHandlerOptions, 'authenticate'>} */
  const options = {
    // Stores, a transaction and the lifecycle outbox: every write and its events commit together.
    ...storage,
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
    log:
      provisioningConsole === undefined
        ? (record) => log(formatRequestLog(record))
        : (record, text) => {
            // The console needs the bodies; the terminal shows them only with `debug`. The bodies'
            // text goes on too, so that the console keeps it rather than serialising them again.
            log(formatRequestLog(record, { bodies: debug }));
            provisioningConsole.scimConsole.record(record, text);
          },
    debug: debug || provisioningConsole !== undefined,
    // Deprovisioning: end the leaver's sessions here. Hooks are delivered from the outbox at least
    // once and retried until they succeed; `id` is the same on every attempt (docs/security.md).
    hooks: {
      onDeactivate: ({ resource, tenant }) =>
        log(`deactivated ${of(tenant)}${String(resource.userName)}`),
      afterDelete: ({ resource, tenant }) =>
        log(`deleted ${of(tenant)}${String(resource.userName ?? resource.displayName)}`),
      // Every change, after the hook of its kind, also becomes RFC 9967 SETs for the receiver.
      ...(events === undefined ? {} : { onEvent: events.onEvent }),
    },
  };
  const scim =
    tenants !== undefined && tokenStore !== undefined
      ? createMultiTenantHandler({
          ...options,
          // The path names the tenant and the token must be one of its own: a token of another
          // tenant gets the 404 of a tenant that does not exist, so it learns nothing.
          tenantFrom: 'both',
          authenticate: tokenAuthenticator({ store: tokenStore }),
          baseUrl: `${baseUrl}/{tenant}`,
          tenants,
        })
      : createScimHandler({
          ...options,
          authenticate:
            tokenStore === undefined
              ? bearerTokens({ tokens: tokens ?? [] })
              : singleTenant(tokenAuthenticator({ store: tokenStore })),
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
  if (adminToken !== undefined && tokenStore !== undefined)
    app.use(
      ADMIN_PATH,
      createAdminRouter({
        adminToken,
        tokenStore,
        baseUrl,
        tenants: tenants === undefined ? undefined : Object.keys(tenants),
        log,
      }),
    );
  if (provisioningConsole !== undefined) app.use(CONSOLE_PATH, provisioningConsole.middleware);
  app.use('/scim/v2', scimMiddleware(scim), scimErrorHandler());
  return Object.assign(app, {
    // The hooks in flight hand their last records to the publisher before its SETs are drained.
    close: () => scim.close().then(() => events?.close()),
  });
}

/**
 * A store's tokens for the one tenant of a single-tenant endpoint: those kept under
 * `SINGLE_TENANT`, and the caller without a tenant, so the data is that of `tokens` (one store
 * partition, whichever way the server is started). A token of a multi-tenant run on the same
 * database is refused like an unknown one.
 * @param {(request: Request) => Promise<import('@scim/server').TokenAuthentication>} accepted
 * @returns {(request: Request) => Promise<import('@scim/server').Authentication>}
 */
function singleTenant(accepted) {
  return async (request) => {
    const { tenant, ...caller } = await accepted(request);
    if (tenant !== SINGLE_TENANT)
      throw ScimError.unauthorized('The bearer token is not valid', 'Bearer error="invalid_token"');
    return caller;
  };
}
