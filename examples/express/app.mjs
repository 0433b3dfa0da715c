// @ts-check
// The SCIM endpoint as an Express app. Copy this file, then replace createMemoryStore() with a store
// over your database (see docs/storage.md).
import { createHash, timingSafeEqual } from 'node:crypto';
import express from 'express';
import { ScimError } from '@scim/core';
import { scimErrorHandler, scimMiddleware } from '@scim/express';
import { createMemoryStore } from '@scim/server/memory';

/**
 * @param {{ token: string, compatibility?: 'rfc' | 'default' | 'entra' | 'okta', cursorSecret?: string | undefined, log?: (line: string) => void }} options
 */
export function createApp({ token, compatibility = 'default', cursorSecret, log = console.log }) {
  // Compare digests, so the comparison takes the same time whatever the caller sent.
  const expected = createHash('sha256').update(`Bearer ${token}`).digest();
  /** @param {Request} request */
  const authenticate = (request) => {
    const given = createHash('sha256')
      .update(request.headers.get('authorization') ?? '')
      .digest();
    if (!timingSafeEqual(given, expected))
      throw ScimError.unauthorized('A valid bearer token is required');
    return { principal: 'scim-client' };
  };

  const app = express();
  app.disable('x-powered-by');
  // A tunnel or proxy on this machine (ngrok, a local nginx) terminates TLS: believe its
  // X-Forwarded-Proto, so the endpoint sees https and serves it (plain HTTP is refused otherwise).
  app.set('trust proxy', 'loopback');
  app.use((req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      log(`${req.method} ${req.originalUrl} ${res.statusCode} ${ms.toFixed(1)} ms`);
    });
    next();
  });
  app.use(
    '/scim/v2',
    scimMiddleware({
      stores: { User: createMemoryStore(), Group: createMemoryStore() },
      authenticate,
      compatibility,
      // RFC 9865 cursors are signed: instances behind one load balancer need the same secret.
      pagination: {
        ...(cursorSecret === undefined ? {} : { secret: cursorSecret }),
        cursorRateLimit: { queries: 120, windowSeconds: 60 },
      },
      hooks: {
        // Deprovisioning: end the leaver's sessions here.
        onDeactivate: ({ resource }) => log(`deactivated ${String(resource.userName)}`),
        afterDelete: ({ resource }) =>
          log(`deleted ${String(resource.userName ?? resource.displayName)}`),
      },
    }),
    scimErrorHandler(),
  );
  return app;
}
