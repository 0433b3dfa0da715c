// The Node `IncomingMessage`/`ServerResponse` ⇄ Web `Request`/`Response` translation. It is the only
// place in the adapter that knows about sockets: when the handler answers, whether the client goes
// away, and how a connection ends while the client is still sending a body nobody will read.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ScimError } from '@scim/core';

/** What the bridge reads besides Node's `IncomingMessage`: Express's resolved URL parts and body. */
export interface BridgedRequest extends IncomingMessage {
  readonly originalUrl: string;
  readonly protocol: string;
  get(name: string): string | undefined;
  body?: unknown;
}

// A Web `Request` cannot carry these (Fetch standard, "forbidden method"), so `new Request()` throws
// for them; they still reach Express, and the handler must be able to answer them with a 405.
const FORBIDDEN_METHODS = new Set(['CONNECT', 'TRACE', 'TRACK']);

/**
 * Once a response is out and the request body is still arriving, the connection is closed; until
 * then the rest of the body is read and dropped. Closing a socket that still has unread input makes
 * the kernel send a reset, and a client still sending would lose the response it was about to read.
 * The wait is bounded, so a client cannot hold the connection open by sending slowly or forever.
 */
const LINGER_MS = 2_000;
const LINGER_MAX_BYTES = 64 * 1024 * 1024;

/** A Web `Request` for an Express request, and a way to stop reading its body. */
export interface Bridged {
  readonly request: Request;
  /** Stops feeding the body to the handler; what is left is drained by {@link send}. */
  readonly dropBody: () => void;
}

/**
 * Builds the Web `Request` for an Express request; its signal aborts only if the client goes away.
 * Throws a 400 `ScimError` when the Host header and path make no URL.
 */
export function toRequest(req: BridgedRequest, res: ServerResponse): Bridged {
  const url = `${req.protocol}://${req.get('host') ?? 'localhost'}${req.originalUrl}`;
  // A Request refuses a URL with credentials (`Host: user@host`), so those are refused here too.
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (parsed === undefined || parsed.username !== '' || parsed.password !== '')
    throw ScimError.badRequest('The Host header or the path is not valid');
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  const controller = new AbortController();
  // Not the request's own 'close': Node emits that as soon as the body has been read, long before
  // the answer. The response closes unfinished only when the connection is gone.
  res.once('close', () => {
    if (!res.writableFinished) controller.abort();
  });
  const method = (req.method ?? 'GET').toUpperCase();
  if (FORBIDDEN_METHODS.has(method)) {
    // Carried as a GET without a body that reports its real method, so the handler answers 405 with
    // the endpoint's `Allow` header (@hono/node-server does the same for TRACE).
    const request = new Request(url, { method: 'GET', headers, signal: controller.signal });
    Object.defineProperty(request, 'method', { value: method });
    return { request, dropBody: () => undefined };
  }
  const init: RequestInit & { duplex?: 'half' } = { method, headers, signal: controller.signal };
  let dropBody = () => undefined as void;
  if (method !== 'GET' && method !== 'HEAD') {
    const parsed = req.body;
    if (typeof parsed === 'string' || parsed instanceof Uint8Array) {
      // A body parser already read the stream; hand its bytes on.
      init.body = parsed as unknown as BodyInit;
    } else if (
      parsed !== undefined &&
      parsed !== null &&
      typeof parsed === 'object' &&
      Object.keys(parsed).length > 0
    ) {
      init.body = JSON.stringify(parsed);
    } else if (!req.readableEnded) {
      // Streamed: the handler enforces the payload limit while reading.
      const stream = bodyStream(req);
      init.body = stream.body;
      init.duplex = 'half';
      dropBody = stream.detach;
    }
  }
  return { request: new Request(url, init), dropBody };
}

/**
 * The request body as a Web stream that reads only as fast as the handler does. Cancelling it (the
 * handler refusing a body over the limit) stops reading without destroying the request: destroying
 * it would reset the socket before the 413 is written.
 */
function bodyStream(req: IncomingMessage): {
  body: ReadableStream<Uint8Array>;
  detach: () => void;
} {
  let detach = () => undefined as void;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const onData = (chunk: Buffer) => {
        controller.enqueue(chunk);
        if ((controller.desiredSize ?? 0) <= 0) req.pause();
      };
      const onEnd = () => {
        detach();
        controller.close();
      };
      const onClose = () => {
        detach();
        controller.error(new Error('The client closed the connection before sending the body'));
      };
      detach = () => {
        req.off('data', onData);
        req.off('end', onEnd);
        req.off('close', onClose);
        req.pause();
      };
      req.on('data', onData);
      req.pause();
      req.on('end', onEnd);
      req.on('close', onClose);
    },
    pull() {
      req.resume();
    },
    cancel() {
      detach();
    },
  });
  return { body, detach: () => detach() };
}

/**
 * Writes a Web `Response` to Node's response. A 413 always says `Connection: close`. If the client is
 * still sending a body the handler did not read (a 413, or an answer given before the body was
 * needed), the answer says `Connection: close` too and goes out at once; the connection ends once
 * the rest of the body has been drained, or after {@link LINGER_MS} or {@link LINGER_MAX_BYTES},
 * whichever comes first.
 */
export async function send(
  response: Response,
  req: IncomingMessage,
  res: ServerResponse,
  dropBody: () => void = () => undefined,
): Promise<void> {
  res.statusCode = response.status;
  response.headers.forEach((value, name) => res.setHeader(name, value));
  const body = response.body === null ? undefined : Buffer.from(await response.arrayBuffer());
  if (body !== undefined) res.setHeader('content-length', body.byteLength);
  // A client told its body is too large should not send the next one on this connection.
  if (response.status === 413) res.setHeader('connection', 'close');
  if (req.complete || res.destroyed) {
    res.end(body);
    return;
  }
  dropBody();
  res.setHeader('connection', 'close');
  res.writeHead(res.statusCode);
  if (body !== undefined) res.write(body);
  let drained = 0;
  let done = false;
  const finish = () => {
    if (done) return;
    done = true;
    clearTimeout(timer);
    req.off('data', onData);
    req.off('end', finish);
    req.off('close', finish);
    res.end();
  };
  const onData = (chunk: Buffer) => {
    drained += chunk.byteLength;
    if (drained > LINGER_MAX_BYTES) finish();
  };
  const timer = setTimeout(finish, LINGER_MS);
  timer.unref();
  req.on('data', onData);
  req.once('end', finish);
  req.once('close', finish);
  req.resume();
}
