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
 * The part of Hono's context the adapter uses: the raw Web request, and the environment, where
 * `@hono/node-server` puts Node's `incoming` message.
 * @example `(c: HonoLikeContext) => c.req.raw.url`
 * @see https://hono.dev/docs/api/request#raw
 */
export interface HonoLikeContext {
  readonly req: { readonly raw: Request };
  readonly env?: unknown;
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
  return (c) => {
    const rawHeaders = rawHeadersOf(c.env);
    return rawHeaders === undefined
      ? handler.fetch(c.req.raw)
      : handler.fetch(c.req.raw, { rawHeaders });
  };
}

/**
 * Node's raw header list, on `@hono/node-server` (`c.env.incoming.rawHeaders`): the handler's debug
 * log record copies the headers from it, since listing its light `Headers` would build them in full.
 * Elsewhere (Bun, Deno, Workers) there is none, and the record lists the request's `Headers`. The
 * handler checks the list's entries itself.
 */
function rawHeadersOf(env: unknown): readonly string[] | undefined {
  if (typeof env !== 'object' || env === null) return undefined;
  const incoming: unknown = (env as { readonly incoming?: unknown }).incoming;
  if (typeof incoming !== 'object' || incoming === null) return undefined;
  const raw: unknown = (incoming as { readonly rawHeaders?: unknown }).rawHeaders;
  return Array.isArray(raw) ? (raw as readonly string[]) : undefined;
}
