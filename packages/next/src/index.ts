/**
 * `@scim/next`: serves a SCIM 2.0 endpoint from `@scim/server` in a Next.js App Router catch-all
 * route. Route handlers already take a Web `Request` and return a `Response`, so the adapter only
 * exports one function per method; it needs nothing from Next itself.
 *
 * @example
 * ```ts
 * // app/scim/v2/[[...scim]]/route.ts
 * import { toNextHandlers } from '@scim/next';
 * export const { GET, POST, PUT, PATCH, DELETE } = toNextHandlers({ stores, authenticate });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644
 * @packageDocumentation
 */
import { createScimHandler, type ScimHandler, type ScimHandlerOptions } from '@scim/server';

/**
 * An App Router route handler.
 * @example `export const GET: NextRouteHandler = handlers.GET`
 * @see https://nextjs.org/docs/app/building-your-application/routing/route-handlers
 */
export type NextRouteHandler = (request: Request) => Promise<Response>;

/**
 * The handlers a catch-all route exports.
 * @example `export const { GET, POST, PUT, PATCH, DELETE } = toNextHandlers(options)`
 * @see https://nextjs.org/docs/app/building-your-application/routing/route-handlers
 */
export interface NextRouteHandlers {
  readonly GET: NextRouteHandler;
  readonly POST: NextRouteHandler;
  readonly PUT: NextRouteHandler;
  readonly PATCH: NextRouteHandler;
  readonly DELETE: NextRouteHandler;
}

/**
 * Creates the route handlers for `app/scim/v2/[[...scim]]/route.ts` (the optional catch-all also
 * serves the base path, for queries across resource types).
 * @example `export const { GET, POST, PUT, PATCH, DELETE } = toNextHandlers({ stores, authenticate, compatibility: 'entra' })`
 * @see https://www.rfc-editor.org/rfc/rfc7644
 */
export function toNextHandlers(
  handlerOrOptions: ScimHandler | ScimHandlerOptions,
): NextRouteHandlers {
  const handler =
    'fetch' in handlerOrOptions ? handlerOrOptions : createScimHandler(handlerOrOptions);
  const route: NextRouteHandler = (request) => handler.fetch(request);
  return { GET: route, POST: route, PUT: route, PATCH: route, DELETE: route };
}
