// The request pipeline: route (route.ts), parse (parse.ts), execute (execute.ts), present (http.ts),
// with the request id, the deadline, the log record and the one error choke point (errors.ts) here.
import { ScimError } from '@scim/core';
import { authenticate, bindTenant, checkTransport } from './access.js';
import { acceptAsync } from './async/accept.js';
import { createScope, RequestDeadline, type Deadline } from './context.js';
import { createEngine, type Engine } from './engine.js';
import { clientError } from './errors.js';
import { execute } from './execute.js';
import { errorOutcome, readJsonBody, toResponse, type Outcome } from './http.js';
import { createExchange, logExchange, noteDialect, requestIdOf, type Exchange } from './observe.js';
import type { Authentication, ScimHandlerOptions } from './options.js';
import type { ScimOutbox } from './lifecycle/outbox.js';
import { inputOf, parseOperation } from './parse.js';
import { routeOf } from './route.js';

/**
 * What an adapter knows of a request besides its Web `Request`. Optional: a handler answers the
 * same without it.
 * @example `handler.fetch(request, { rawHeaders: incomingMessage.rawHeaders })`
 * @see https://www.rfc-editor.org/rfc/rfc9110#section-5
 */
export interface ScimFetchContext {
  /**
   * The request's headers as the HTTP server read them, names and values alternating, as Node's
   * `IncomingMessage.rawHeaders`: the same headers as the `Request`'s. Only the `debug` log record
   * reads them, for its `requestHeaders`. Listing `request.headers` instead makes a lightweight
   * `Headers` (`@hono/node-server`'s) build a full one first, which cost more than the rest of the
   * record. HTTP/2 pseudo-headers (`:path`), names that are no header name and entries that are no
   * string are left out. Give the list only when it is the one the `Request` was made from: a
   * request rebuilt with other headers, or headers changed by middleware, would be logged as
   * received (the `authorization`, `cookie` and `proxy-authorization` values redacted either way).
   */
  readonly rawHeaders?: readonly string[] | undefined;
}

/**
 * A SCIM endpoint as a function from a Web `Request` to a `Response`; adapters only translate.
 * @example `const response = await handler.fetch(new Request('https://app.example.com/scim/v2/Users'))`
 * @see https://www.rfc-editor.org/rfc/rfc7644
 */
export interface ScimHandler {
  fetch(this: void, request: Request): Promise<Response>;
  // A second overload rather than an optional parameter, so that `handler.fetch` still fits where a
  // runtime passes its own second argument (`serve({ fetch: handler.fetch })`, a Worker's `env`);
  // `this: void`, since it may be passed so: it uses no `this`.
  fetch(this: void, request: Request, context: ScimFetchContext | undefined): Promise<Response>;
  /**
   * The lifecycle outbox this handler records events in and delivers hooks from: inspect it
   * (`list({ state: 'dead' })`) or revive a dead event (`retry(id)`).
   */
  readonly outbox: ScimOutbox;
  /**
   * Delivers every due event now and resolves to how many it attempted. The handler polls by itself
   * (`delivery.pollMs`); call this where timers do not run between requests (serverless).
   */
  deliverDue(): Promise<number>;
  /**
   * For a clean shutdown: waits for the asynchronous requests already accepted (later ones are
   * answered synchronously), then stops polling the outbox and waits for deliveries in flight.
   */
  close(): Promise<void>;
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
  // Events a previous process recorded and never delivered (a crash after commit) go out now, or,
  // where the runtime refuses timers outside a request (edge workers), with the next request.
  startDelivery(engine);
  const run: Stages = (request, exchange, deadline, deliveries) =>
    pipeline(engine, request, exchange, deadline, deliveries);
  return {
    fetch: (request: Request, context?: ScimFetchContext) => {
      startDelivery(engine);
      return handle(engine, request, run, context);
    },
    outbox: engine.outbox,
    deliverDue: () => engine.deliverer.deliverDue(),
    close: async () => {
      // Accepted requests record their completions and deliver them: they go first.
      await engine.asyncRequests.inFlight.close();
      await engine.deliverer.close();
    },
  };
}

/** Starts polling the outbox unless it already runs; a runtime that refuses it now is asked again later. */
export function startDelivery(engine: Engine): void {
  try {
    engine.deliverer.start();
  } catch {
    // Tried again with the next request.
  }
}

/**
 * What a request goes through between its arrival and its outcome: {@link pipeline} for a handler,
 * tenant resolution and then the tenant's pipeline for a multi-tenant one.
 */
export type Stages = (
  request: Request,
  exchange: Exchange,
  deadline: Deadline | undefined,
  deliveries: Promise<void>[],
) => Promise<Outcome>;

/**
 * Answers a request through `stages`, with the request id, the deadline, the log record and the one
 * error path of `engine`.
 */
export async function handle(
  engine: Engine,
  request: Request,
  stages: Stages,
  context?: ScimFetchContext,
): Promise<Response> {
  const startedAt = performance.now();
  const exchange = createExchange(requestIdOf(request));
  // A runtime's own second argument (a Worker's env) may stand here: only a list is taken.
  const rawHeaders: unknown = context?.rawHeaders;
  if (Array.isArray(rawHeaders)) exchange.rawHeaders = rawHeaders as readonly unknown[];
  const response = await answer(engine, request, exchange, stages);
  if (engine.log !== undefined) logExchange(engine, request, response, exchange, startedAt);
  return response;
}

/** Answers a request through the pipeline's stages, or with the SCIM error it ran into. */
async function answer(
  engine: Engine,
  request: Request,
  exchange: Exchange,
  stages: Stages,
): Promise<Response> {
  const deliveries: Promise<void>[] = [];
  let response: Response;
  try {
    const timeout = engine.requestTimeoutMs;
    const outcome =
      timeout === undefined
        ? await stages(request, exchange, undefined, deliveries)
        : await withinDeadline(timeout, (deadline) =>
            stages(request, exchange, deadline, deliveries),
          );
    // Inside the try: a body that cannot be serialised is a 500 like any other failure.
    response = toResponse(outcome, exchange.requestId);
    if (engine.debug) exchange.responseBody = outcome.body;
  } catch (error) {
    const scimError = clientError(engine, error, request, exchange.requestId);
    exchange.error = scimError;
    const failure = errorOutcome(scimError);
    response = toResponse(failure, exchange.requestId);
    if (engine.debug) exchange.responseBody = failure.body;
  }
  const { responseWait } = engine;
  // deliverNow never rejects; the catch also takes the expiry of a wait that ran out of time.
  if (deliveries.length > 0 && responseWait !== undefined)
    await responseWait.within(Promise.all(deliveries), waitOver).catch(noop);
  return response;
}

function noop(): void {}

/** The end of a response's wait for its hooks: not an error anyone sees, the hooks go on. */
function waitOver(): Error {
  return new Error('The response stopped waiting for its hooks');
}

/**
 * What a multi-tenant handler settled before it handed a request to its tenant's pipeline: the
 * parsed URL (transport already checked) and, when the tenant came from the credential, the caller.
 */
export interface Admission {
  readonly url: URL;
  readonly caller: Authentication | undefined;
}

/** Route, then parse, then execute; the handler presents the outcome. */
export async function pipeline(
  engine: Engine,
  request: Request,
  exchange: Exchange,
  deadline: Deadline | undefined,
  deliveries: Promise<void>[],
  admission?: Admission,
): Promise<Outcome> {
  let url = admission?.url;
  if (url === undefined) {
    url = new URL(request.url);
    exchange.url = url;
    checkTransport(engine, request, url);
  }
  const path = url.pathname;
  exchange.path = path;
  const method = request.method.toUpperCase();
  exchange.method = method;
  const match = routeOf(engine, path);
  const caller = bindTenant(
    engine,
    await authenticate(engine, request, match, admission?.caller),
    path,
  );
  exchange.principal = caller?.principal;
  exchange.tenant = engine.tenant ?? caller?.tenant;
  if (engine.rateLimit !== undefined) {
    // After authentication (the tenant is known), before the body is read: a refusal costs little.
    const verdict = await engine.rateLimit(request, caller, engine.now().getTime());
    if (verdict.refusal !== undefined) throw verdict.refusal;
    // The limiter failed and lets the request through (fail open): someone should hear of it.
    if (verdict.failure !== undefined)
      engine.onError(verdict.failure, request, { requestId: exchange.requestId });
  }
  noteDialect(engine, exchange);
  const scope = createScope(
    engine,
    request,
    url,
    exchange.requestId,
    caller,
    deadline,
    deliveries,
    exchange,
  );
  const body = async (maxBytes = engine.maxPayloadBytes): Promise<unknown> => {
    if (!engine.debug) return readJsonBody(request, maxBytes);
    const parsed = await readJsonBody(request, maxBytes, (text, bytes) => {
      exchange.requestText = text;
      exchange.requestBytes = bytes;
    });
    exchange.requestBody = parsed;
    return parsed;
  };
  const operation = await parseOperation(scope, match, inputOf(request, method, url, body), caller);
  return acceptAsync(scope, operation, caller, deadline) ?? execute(scope, operation);
}

/**
 * Runs `work` with a deadline that aborts when the time is up, and answers 503 with `Retry-After`
 * then, even if the work never settles (a store call that hangs must not hold the request forever).
 * One timer and one promise per request: this runs on every request. An asynchronous request
 * still undecided when the time is up answers 202 in the 503's stead (`Deadline.intercept`).
 */
function withinDeadline<T>(
  milliseconds: number,
  work: (deadline: Deadline) => Promise<T>,
): Promise<T> {
  const deadline = new RequestDeadline();
  return new Promise<T>((resolve, reject) => {
    deadline.arm(
      milliseconds,
      () =>
        new ScimError({
          status: 503,
          detail: `The request took longer than ${milliseconds} ms and was abandoned; retry it`,
          headers: { 'retry-after': String(Math.max(1, Math.ceil(milliseconds / 1000))) },
        }),
      reject,
    );
    // The work may still fail after the deadline answered; that failure has no one left to tell,
    // and settling an already settled promise does nothing.
    work(deadline).then(
      (value) => {
        deadline.release();
        resolve(value);
      },
      (error: unknown) => {
        deadline.release();
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- passed on as thrown, as awaiting the work would
        reject(error);
      },
    );
  });
}
