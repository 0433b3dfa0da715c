// @ts-check
// What a Node HTTP server needs around the app besides `listen`: SCIM answers for the requests Node
// answers by itself before any app sees them, a shutdown that finishes the requests in flight and
// closes idle keep-alive connections, and the start-up both entries (server.mjs, receiver.mjs) share.
// Nothing here depends on Express.
import { createServer } from 'node:http';

const ERROR_URN = 'urn:ietf:params:scim:api:messages:2.0:Error';

/**
 * CONNECT never reaches the app (Node emits 'connect' and, with no listener, drops the socket), and
 * Node's parser refuses a method it does not know (TRACK) with a bare 400. Answer both as the
 * endpoint answers any method it does not serve: 405 with a SCIM error.
 * @param {import('node:http').Server} server
 */
export function refuseUnservedMethods(server) {
  /** Responses in progress per socket: nothing may be written in between their bytes. */
  const busy = new WeakMap();
  server.on('request', ({ socket }, response) => {
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    response.once('close', () => busy.set(socket, busy.get(socket) - 1));
  });
  /** @param {import('node:stream').Duplex} socket @param {string} status @param {string} [body] */
  const answer = (socket, status, body = '') =>
    socket.end(
      `HTTP/1.1 ${status}\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(body)}\r\n` +
        `${body === '' ? '' : 'content-type: application/scim+json\r\n'}\r\n${body}`,
    );
  /** @param {import('node:stream').Duplex} socket */
  const refuse = (socket) =>
    answer(
      socket,
      '405 Method Not Allowed',
      JSON.stringify({ schemas: [ERROR_URN], status: '405', detail: 'Method not allowed' }),
    );
  server.on('connect', (_request, socket) => refuse(socket));
  // With a listener, every client error is ours: the others get the answers Node gives by itself.
  server.on('clientError', (/** @type {NodeJS.ErrnoException} */ error, socket) => {
    if (!socket.writable || busy.get(socket) > 0) socket.destroy(error);
    else if (error.code === 'HPE_INVALID_METHOD') refuse(socket);
    else if (error.code === 'HPE_HEADER_OVERFLOW')
      answer(socket, '431 Request Header Fields Too Large');
    else if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') answer(socket, '408 Request Timeout');
    else answer(socket, '400 Bad Request');
  });
}

/**
 * On SIGTERM or SIGINT: stop accepting connections, close the idle keep-alive ones at once, let the
 * requests in flight finish (each answer then closes its connection), run `onStop` (finish the hooks
 * in flight, close the database), and exit 0. Whatever is still running after `graceMs` is cut off,
 * and the exit code is 1.
 * @param {import('node:http').Server} server
 * @param {{ graceMs?: number, log?: (line: string) => void, onStop?: () => Promise<void> }} [options]
 */
export function stopOnSignals(
  server,
  { graceMs = 10_000, log = console.log, onStop = () => Promise.resolve() } = {},
) {
  /** @type {Set<import('node:http').ServerResponse>} */
  const inFlight = new Set();
  let stopping = false;
  server.on('request', (_request, response) => {
    inFlight.add(response);
    response.once('close', () => inFlight.delete(response));
    // A response written keep-alive would leave its connection open (and close() waiting) after it.
    response.once('finish', () => {
      if (stopping) setImmediate(() => server.closeIdleConnections());
    });
    if (stopping) response.setHeader('connection', 'close');
  });
  for (const signal of /** @type {const} */ (['SIGTERM', 'SIGINT'])) {
    process.once(signal, () => {
      stopping = true;
      log(`${signal}: finishing ${inFlight.size} open request(s)`);
      for (const response of inFlight)
        if (!response.headersSent) response.setHeader('connection', 'close');
      // close() also closes the connections that are idle right now.
      server.close((error) =>
        onStop().then(
          () => process.exit(error === undefined ? 0 : 1),
          (/** @type {unknown} */ failure) => {
            log(`${signal}: ${String(failure)}`);
            process.exit(1);
          },
        ),
      );
      setTimeout(() => {
        log(`${signal}: requests still open after ${graceMs} ms; exiting`);
        process.exit(1);
      }, graceMs).unref();
    });
  }
}

/**
 * @typedef {import('node:http').RequestListener & { close(): Promise<unknown> }} ServedApp An app
 *   with a `close()` that finishes its hooks and deliveries in flight.
 */

/**
 * Starts an entry's server: on HOST (default 127.0.0.1) and PORT (default `defaultPort`; 0 picks a
 * free port). It listens first, so the base URL (and what derives from it) can name the port
 * picked: SCIM_BASE_URL, else `http://<HOST>:<port>/scim/v2`. Then `start(baseUrl)` makes the app;
 * until it has, requests are answered 503 with Retry-After. If it fails, its message is printed,
 * `close` runs, and the process exits 1. On SIGTERM or SIGINT, the requests in flight finish, then
 * the app's `close()`, then `close` (the database).
 * @param {{
 *   env: Readonly<Record<string, string | undefined>>,
 *   defaultPort: number,
 *   start: (baseUrl: string) => Promise<ServedApp>,
 *   close: () => Promise<void>,
 * }} options
 */
export function serveApp({ env, defaultPort, start, close }) {
  const port = Number(env.PORT ?? defaultPort);
  const host = env.HOST ?? '127.0.0.1';
  /** @type {ServedApp | undefined} */
  let app;
  const server = createServer();
  refuseUnservedMethods(server);
  stopOnSignals(server, { onStop: () => (app?.close() ?? Promise.resolve()).then(close) });
  server.on('request', (request, response) => {
    if (app !== undefined) return void app(request, response);
    // Between listening and the app being made: ask the client to come back.
    response.writeHead(503, { 'retry-after': '1' }).end();
  });
  server.listen(port, host, () => {
    const address = /** @type {import('node:net').AddressInfo} */ (server.address());
    const shown = host.includes(':') ? `[${host}]` : host;
    const baseUrl = env.SCIM_BASE_URL ?? `http://${shown}:${address.port}/scim/v2`;
    start(baseUrl).then(
      // In the same microtask run as start's last line: no request is read in between.
      (made) => void (app = made),
      (/** @type {unknown} */ error) => {
        console.error(error instanceof Error ? error.message : error);
        void close().finally(() => process.exit(1));
      },
    );
  });
  return server;
}
