import { ScimError, toScimError } from '@scim/core';
import { createEngine, type Engine, type Scope } from './engine.js';
import { createExchange, logExchange, requestIdOf, type Exchange } from './observe.js';
import type { ScimHandlerOptions } from './options.js';
import { route } from './route.js';

/**
 * A SCIM endpoint as a function from a Web `Request` to a `Response`; adapters only translate.
 * @example `const response = await handler.fetch(new Request('https://app.example.com/scim/v2/Users'))`
 * @see https://www.rfc-editor.org/rfc/rfc7644
 */
export interface ScimHandler {
  fetch(request: Request): Promise<Response>;
}

/**
 * Creates a SCIM 2.0 endpoint (RFC 7644) over the given stores. It has no global state: every handler
 * keeps its own schemas, stores, base path and options. Options are checked here, so a mistake
 * (no `authenticate`, an unknown preset) stops the application at start-up, not at the first request.
 * @example
 * ```ts
 * import { bearerTokens, createScimHandler } from '@scim/server';
 * import { createMemoryStore } from '@scim/server/memory';
 * const handler = createScimHandler({
 *   stores: { User: createMemoryStore(), Group: createMemoryStore() },
 *   authenticate: bearerTokens({ tokens: [process.env.SCIM_TOKEN_SHA256 ?? ''] }),
 * });
 * const response = await handler.fetch(request);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644
 */
export function createScimHandler(options: ScimHandlerOptions): ScimHandler {
  const engine = createEngine(options);
  return { fetch: (request) => handle(engine, request) };
}

async function handle(engine: Engine, request: Request): Promise<Response> {
  const startedAt = performance.now();
  const exchange = createExchange(requestIdOf(request));
  const response = await answer(engine, request, undefined, exchange);
  response.headers.set('x-request-id', exchange.requestId);
  if (engine.log !== undefined) await logExchange(engine, request, response, exchange, startedAt);
  return response;
}

/**
 * Routes a request and turns whatever it throws into a SCIM error response. `parent` is the bulk
 * request an operation belongs to: the operation joins its transaction and its deadline.
 */
async function answer(
  engine: Engine,
  request: Request,
  parent: Scope | undefined,
  exchange: Exchange,
): Promise<Response> {
  const dispatch = (inner: Request, within: Scope): Promise<Response> =>
    answer(engine, inner, within, createExchange(exchange.requestId));
  try {
    const timeout = engine.requestTimeoutMs;
    if (parent !== undefined || timeout === undefined)
      return await route(engine, request, { parent, exchange, deadline: undefined, dispatch });
    return await withinDeadline(timeout, (deadline) =>
      route(engine, request, { parent, exchange, deadline, dispatch }),
    );
  } catch (error) {
    return errorResponse(engine, error, request, exchange);
  }
}

/** The one place an unexpected throwable becomes a 500; its details go to onError, never to the client. */
function errorResponse(
  engine: Engine,
  error: unknown,
  request: Request,
  exchange: Exchange,
): Response {
  let scimError = toScimError(error);
  // 501 is a deliberate answer (a feature switched off); everything else from 500 up is worth a
  // look, except a store giving up because the client went away: nobody is waiting for that answer.
  if (scimError.status >= 500 && scimError.status !== 501) {
    if (!request.signal.aborted) engine.onError(error, request, { requestId: exchange.requestId });
    // The id in the detail lets the client's log (Entra's, Okta's) be matched to the server's.
    scimError = new ScimError({
      status: scimError.status,
      ...(scimError.scimType === undefined ? {} : { scimType: scimError.scimType }),
      detail: `${scimError.detail ?? ''} Request id: ${exchange.requestId}.`.trim(),
      headers: scimError.headers,
    });
  }
  exchange.error = scimError;
  return scimError.toResponse();
}

/**
 * Runs `work` with a signal that aborts at the deadline, and answers 503 with `Retry-After` then,
 * even if the work never settles (a store call that hangs must not hold the request forever).
 */
async function withinDeadline<T>(
  milliseconds: number,
  work: (deadline: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const error = new ScimError({
        status: 503,
        detail: `The request took longer than ${milliseconds} ms and was abandoned; retry it`,
        headers: { 'retry-after': String(Math.max(1, Math.ceil(milliseconds / 1000))) },
      });
      controller.abort(error);
      reject(error);
    }, milliseconds);
  });
  const running = work(controller.signal);
  // The work may still fail after the deadline answered; that failure has no one left to tell.
  running.catch(() => undefined);
  try {
    return await Promise.race([running, expired]);
  } finally {
    clearTimeout(timer);
  }
}
