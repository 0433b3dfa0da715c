/**
 * `@scim/express`: mounts a SCIM 2.0 endpoint from `@scim/server` on Express 4 or 5. It only
 * translates between Express's request and response and the Web `Request` and `Response` the
 * handler speaks.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { scimMiddleware } from '@scim/express';
 * const app = express();
 * app.use('/scim/v2', scimMiddleware({ stores: { User: users, Group: groups }, authenticate }));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644
 * @packageDocumentation
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ScimError, toScimError } from '@scim/core';
import { createScimHandler, type ScimHandler, type ScimHandlerOptions } from '@scim/server';
import { send, toRequest, type OriginCache } from './lib/node-bridge.js';

/**
 * What the middleware reads besides Node's `IncomingMessage`; Express 4 and 5 both provide it.
 * @example `(req: ExpressLikeRequest) => req.originalUrl`
 * @see https://expressjs.com/en/api.html#req
 */
export interface ExpressRequestParts {
  readonly originalUrl: string;
  /** `http` or `https`, with Express's `trust proxy` setting applied. */
  readonly protocol: string;
  get(name: string): string | undefined;
  /** Set when a body parser ran before this middleware. */
  body?: unknown;
}

/**
 * An Express request as the middleware sees it.
 * @example `(req: ExpressLikeRequest) => req.get('host')`
 * @see https://expressjs.com/en/api.html#req
 */
export type ExpressLikeRequest = IncomingMessage & ExpressRequestParts;

/**
 * An Express middleware: `(req, res, next)`.
 * @example `app.use('/scim/v2', middleware)`
 * @see https://expressjs.com/en/guide/using-middleware.html
 */
export type ScimMiddleware = (
  request: ExpressLikeRequest,
  response: ServerResponse,
  next: (error?: unknown) => void,
) => void;

/**
 * Creates the middleware from handler options, or wraps an existing handler. Mount it where the
 * handler's `basePath` says (default `/scim/v2`); the request URL is rebuilt from `req.originalUrl`
 * so that `meta.location` keeps the mount path.
 * @example
 * ```ts
 * app.use('/scim/v2', scimMiddleware({ stores, authenticate, compatibility: 'entra' }));
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644
 */
export function scimMiddleware(handlerOrOptions: ScimHandler | ScimHandlerOptions): ScimMiddleware {
  const handler =
    'fetch' in handlerOrOptions ? handlerOrOptions : createScimHandler(handlerOrOptions);
  const origins: OriginCache = new Map();
  return (req, res, next) => {
    const bridged = toRequest(req, res, origins);
    // The raw list spares the debug log record a walk of `request.headers`, and shows the headers
    // as the client sent them, before any middleware changed `req.headers`.
    handler
      .fetch(bridged.request, { rawHeaders: req.rawHeaders })
      .then((response) => send(response, req, res, bridged.dropBody))
      .catch(next);
  };
}

/**
 * An Express error handler for the SCIM mount: errors raised before the SCIM middleware ran (a
 * global `express.json()` refusing malformed or oversized JSON) become SCIM error responses
 * instead of Express's HTML page.
 * @example `app.use('/scim/v2', scimMiddleware(options), scimErrorHandler())`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.12
 */
export function scimErrorHandler(): (
  error: unknown,
  request: ExpressLikeRequest,
  response: ServerResponse,
  next: (error?: unknown) => void,
) => void {
  return (error, request, response, next) => {
    if (response.headersSent) {
      next(error);
      return;
    }
    const type =
      typeof error === 'object' && error !== null ? (error as { type?: unknown }).type : undefined;
    const scimError =
      type === 'entity.parse.failed'
        ? ScimError.invalidSyntax('The request body is not valid JSON')
        : type === 'entity.too.large'
          ? ScimError.payloadTooLarge('The request body is too large')
          : toScimError(error);
    send(scimError.toResponse(), request, response).catch(next);
  };
}
