// The SCIM handler for the route. It lives in a module of its own so that every request to the
// route shares one handler and one storage (storage.ts: a SQLite file by default, or the database
// SCIM_DATABASE_URL names). The database is opened once per process, at start-up by
// instrumentation.ts, never while `next build` loads the route.
import { createHash } from 'node:crypto';
import { ScimError } from '@scim/core';
import { toNextHandlers, type NextRouteHandler, type NextRouteHandlers } from '@scim/next';
import {
  bearerTokens,
  formatRequestLog,
  type Authentication,
  type ServerPresetName,
} from '@scim/server';
import { DEFAULT_DATABASE_URL, openStorage } from './storage.ts';

/**
 * The digests of the tokens accepted: SCIM_TOKEN_SHA256 (comma-separated, several during a
 * rotation), else SCIM_TOKEN's, which instrumentation.ts sets at start-up when it is missing.
 */
function acceptedTokens(): string[] {
  const digests = (process.env.SCIM_TOKEN_SHA256 ?? '')
    .split(',')
    .map((digest) => digest.trim())
    .filter((digest) => digest !== '');
  if (digests.length > 0) return digests;
  const token = process.env.SCIM_TOKEN ?? '';
  return token === '' ? [] : [`sha256:${createHash('sha256').update(token).digest('hex')}`];
}

const tokens = acceptedTokens();
// With no token configured, nothing is accepted: an endpoint is never open by accident.
const authenticate =
  tokens.length > 0
    ? bearerTokens({ tokens })
    : (): Authentication => {
        throw ScimError.unauthorized('No SCIM token is configured on this server');
      };

// The handler checks the name when it is made: an unknown one stops the start.
const compatibility = (process.env.SCIM_COMPATIBILITY ?? 'default') as ServerPresetName;
// Links name the public address, never the Host a request carries (nor the address Next listens
// on). The default is right on this machine only: set SCIM_BASE_URL anywhere else.
const host = process.env.HOST ?? '127.0.0.1';
const baseUrl =
  process.env.SCIM_BASE_URL ??
  `http://${host.includes(':') ? `[${host}]` : host}:${process.env.PORT ?? '8080'}/scim/v2`;

async function open(): Promise<NextRouteHandlers> {
  const { storage } = await openStorage(process.env.SCIM_DATABASE_URL || DEFAULT_DATABASE_URL);
  return toNextHandlers({
    // Stores, a transaction and the lifecycle outbox: every write and its events commit together.
    ...storage,
    authenticate,
    baseUrl,
    compatibility,
    // RFC 9865 cursors are signed: instances behind one load balancer need the same secret.
    pagination: {
      ...(process.env.SCIM_CURSOR_SECRET === undefined
        ? {}
        : { secret: process.env.SCIM_CURSOR_SECRET }),
      cursorRateLimit: { queries: 120, windowSeconds: 60 },
    },
    // A store call that hangs gets the client a 503 with Retry-After instead of no answer.
    requestTimeoutMs: 30_000,
    // One line per request, and the error's detail under every 4xx and 5xx; SCIM_DEBUG=1 adds bodies.
    log: (record) => console.log(formatRequestLog(record)),
    debug: process.env.SCIM_DEBUG === '1',
    // Deprovisioning: end the leaver's sessions here. Hooks are delivered from the outbox at least
    // once and retried until they succeed; `id` is the same on every attempt (docs/security.md).
    hooks: {
      onDeactivate: ({ resource }) => console.log(`deactivated ${String(resource.userName)}`),
    },
  });
}

// On globalThis, because Next.js loads this module once for instrumentation.ts and again for the
// route (and again on every edit in development): one database per process all the same.
const opened = globalThis as { scimExampleHandlers?: Promise<NextRouteHandlers> };

/** The route's handlers, opening the storage on first use; a failed opening is retried next time. */
export function scimHandlers(): Promise<NextRouteHandlers> {
  opened.scimExampleHandlers ??= open().catch((error: unknown) => {
    delete opened.scimExampleHandlers;
    throw error;
  });
  return opened.scimExampleHandlers;
}

const route =
  (method: keyof NextRouteHandlers): NextRouteHandler =>
  async (request) =>
    (await scimHandlers())[method](request);

export const handlers: NextRouteHandlers = {
  GET: route('GET'),
  POST: route('POST'),
  PUT: route('PUT'),
  PATCH: route('PATCH'),
  DELETE: route('DELETE'),
};
