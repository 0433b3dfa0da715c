/**
 * `@scim/hono`: mounts a SCIM 2.0 endpoint from `@scim/server` on Hono. The handler already speaks
 * Web `Request` and `Response`, so the adapter passes `c.req.raw` through; it imports nothing
 * Node-only and runs wherever Hono runs (Node, Bun, Deno, Cloudflare Workers).
 *
 * @example
 * ```ts
 * import { Hono } from 'hono';
 * import { scimHandler } from '@scim/hono';
 * const app = new Hono();
 * const scim = scimHandler({ stores, authenticate });
 * app.all('/scim/v2', scim);
 * app.all('/scim/v2/*', scim);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644
 * @packageDocumentation
 */
import { createScimHandler, type ScimHandler, type ScimHandlerOptions } from '@scim/server';

/**
 * The part of Hono's context the adapter uses: the raw Web request.
 * @example `(c: HonoLikeContext) => c.req.raw.url`
 * @see https://hono.dev/docs/api/request#raw
 */
export interface HonoLikeContext {
  readonly req: { readonly raw: Request };
}

/**
 * A Hono route handler for a SCIM endpoint. Register the same handler with `app.all` on the base
 * path and on everything below it (not with `app.mount`, which strips the prefix `meta.location`
 * needs).
 * @example `const scim = scimHandler({ stores, authenticate }); app.all('/scim/v2', scim); app.all('/scim/v2/*', scim);`
 * @see https://www.rfc-editor.org/rfc/rfc7644
 */
export function scimHandler(
  handlerOrOptions: ScimHandler | ScimHandlerOptions,
): (c: HonoLikeContext) => Promise<Response> {
  const handler =
    'fetch' in handlerOrOptions ? handlerOrOptions : createScimHandler(handlerOrOptions);
  return (c) => handler.fetch(c.req.raw);
}
