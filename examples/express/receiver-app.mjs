// @ts-check
// The replica as an Express app: POST /events takes the SETs the transmitter pushes (RFC 8935) and
// applies them to the storage (replication.mjs), and /scim/v2 serves that storage read-only. Copy
// this file with replication.mjs and storage.mjs.
import express from 'express';
import { ScimError } from '@scim/core';
import { scimErrorHandler, scimMiddleware } from '@scim/express';
import { bearerTokens, createScimHandler, formatRequestLog } from '@scim/server';
import { createMemoryStorage } from '@scim/server/memory';
import { describeSet, EVENTS_PATH } from './replication.mjs';

/** The largest SET taken, as the receiver's own limit (`maxBodyBytes`, 1 MiB by default). */
const MAX_SET_BYTES = 1_048_576;

/**
 * @param {{
 *   storage?: Pick<import('@scim/server').ScimHandlerOptions, 'stores' | 'outbox' | 'transaction'>,
 *   tokens: readonly string[],
 *   baseUrl: string,
 *   replication: Awaited<ReturnType<typeof import('./replication.mjs').createReplication>>,
 *   cursorSecret?: string | undefined,
 *   debug?: boolean,
 *   log?: (line: string) => void,
 * }} options `storage`: the same storage `replication` writes to. `tokens`: the SHA-256
 *   digests of the bearer tokens the read API accepts. `baseUrl`: the public address of the
 *   replica's `/scim/v2`. The app's `close()` lets the hooks in flight finish.
 */
export function createReceiverApp({
  storage = createMemoryStorage(),
  tokens,
  baseUrl,
  replication,
  cursorSecret,
  debug = false,
  log = console.log,
}) {
  const scim = createScimHandler({
    ...storage,
    authenticate: readOnly(bearerTokens({ tokens }), replication.issuer),
    baseUrl,
    // The configuration a client reads says what the replica does: no PATCH, no bulk.
    features: { patch: false, bulk: false },
    pagination: {
      ...(cursorSecret === undefined ? {} : { secret: cursorSecret }),
      cursorRateLimit: { queries: 120, windowSeconds: 60 },
    },
    requestTimeoutMs: 30_000,
    log: (record) => log(formatRequestLog(record)),
    debug,
  });
  const origin = new URL(baseUrl).origin;
  const app = express();
  app.disable('x-powered-by');
  // Any method: the receiver answers those other than POST with 405 and `Allow: POST`.
  app.all(
    EVENTS_PATH,
    express.raw({ type: () => true, limit: MAX_SET_BYTES }),
    pushEndpoint(replication.handlePush, origin, log),
    unreadableSet,
  );
  app.use('/scim/v2', scimMiddleware(scim), scimErrorHandler());
  return Object.assign(app, { close: () => scim.close() });
}

/**
 * The receiver's push endpoint on Express: the body the raw parser read and the two headers it
 * looks at go in as a Web `Request`, its `Response` goes out, and one line is logged per push: what
 * the SET says it is about, and the answer, with the reason of a refusal.
 * @param {(request: Request) => Promise<Response>} handlePush
 * @param {string} origin the replica's public origin: the request's URL, whatever Host it names
 * @param {(line: string) => void} log
 * @returns {import('express').RequestHandler}
 */
function pushEndpoint(handlePush, origin, log) {
  return (request, response, next) => {
    /** @type {Buffer | undefined} */
    const token = Buffer.isBuffer(request.body) ? request.body : undefined;
    const aborted = new AbortController();
    response.once('close', () => {
      if (!response.writableFinished) aborted.abort();
    });
    const headers = new Headers();
    for (const name of ['authorization', 'content-type']) {
      const value = request.get(name);
      if (value !== undefined) headers.set(name, value);
    }
    const init = { method: request.method, headers, signal: aborted.signal };
    handlePush(
      new Request(
        `${origin}${EVENTS_PATH}`,
        token === undefined ? init : { ...init, body: Uint8Array.from(token) },
      ),
    )
      .then(async (answer) => {
        const body = Buffer.from(await answer.arrayBuffer());
        response.status(answer.status);
        answer.headers.forEach((value, name) => response.setHeader(name, value));
        response.end(body);
        const about = token === undefined ? undefined : describeSet(token.toString('utf8'));
        const reason = answer.status === 400 ? ` ${body.toString('utf8')}` : '';
        log(
          `events: ${request.method} ${answer.status}${about === undefined ? '' : ` ${about}`}${reason}`,
        );
      })
      .catch(next);
  };
}

/**
 * The raw parser's errors carry a `type`: a body over the limit, cut off, or in an unknown encoding.
 * RFC 8935 §2.3 refuses such a SET with 400 and an error code, as the receiver would.
 * @type {import('express').ErrorRequestHandler}
 */
function unreadableSet(error, _request, response, next) {
  if (typeof error?.type !== 'string') return next(error);
  response.status(400).json({
    err: 'invalid_request',
    description: `The SET could not be read, or is larger than ${MAX_SET_BYTES} bytes`,
  });
}

/**
 * Lets the callers `authenticate` accepts read, and nothing else: the copy is written by the
 * transmitter's events alone. A write here would be overwritten by the next change of the resource
 * there, or, for a resource the transmitter does not have, never be seen there: the change belongs
 * on the transmitter. A refusal is the caller's lack of permission, hence 403 (RFC 7644 §3.12), after
 * the token was checked (401 first). POST `.search` is a read (RFC 7644 §3.4.3).
 * @param {(request: Request) => Promise<import('@scim/server').Authentication>} authenticate
 * @param {string} issuer
 */
function readOnly(authenticate, issuer) {
  return async (/** @type {Request} */ request) => {
    const caller = await authenticate(request);
    const { method } = request;
    if (method === 'GET' || method === 'HEAD') return caller;
    if (method === 'POST' && new URL(request.url).pathname.endsWith('/.search')) return caller;
    throw ScimError.forbidden(
      `This server is a read-only replica of ${issuer}, written by the security events it sends: make the change there`,
    );
  };
}
