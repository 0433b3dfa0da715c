// The Node `IncomingMessage`/`ServerResponse` ⇄ Web `Request`/`Response` translation. It is the only
// place in the adapter that knows about sockets: when the handler answers, whether the client goes
// away, and how a connection ends while the client is still sending a body nobody will read.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ScimError } from '@scim/core';
import { responseText } from '@scim/server';
import { toWebRequest, type BodySource } from './node-request.js';

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
 * The origins (`protocol://Host`) a middleware has seen, each as a parsed URL spells it, or `null`
 * when only parsing the whole URL can say what it means. A client names the same Host on every
 * request, so it is parsed once, not per request. One per middleware, not per process.
 */
export type OriginCache = Map<string, string | null>;

/** Enough for every name a deployment answers to; a client sending random Hosts cannot grow it. */
const MAX_ORIGINS = 64;

/** A path and query a URL parser leaves as they are: no dot segments, nothing it would encode. */
const PLAIN_TARGET = /^\/[\w\-.~!$&()*+,;=:@/?%[\]]*$/;
const DOT_SEGMENT = /\/(?:\.|%2e){1,2}(?:[/?]|$)/i;

/**
 * Builds the Web `Request` for an Express request; its signal aborts only if the client goes away.
 * Throws a 400 `ScimError` when the Host header and path make no URL.
 */
export function toRequest(req: BridgedRequest, res: ServerResponse, origins: OriginCache): Bridged {
  const url = urlOf(req, origins);
  const method = (req.method ?? 'GET').toUpperCase();
  const forbidden = FORBIDDEN_METHODS.has(method);
  let body: BodySource = { kind: 'none' };
  if (!forbidden && method !== 'GET' && method !== 'HEAD') {
    const parsed = req.body;
    if (typeof parsed === 'string' || parsed instanceof Uint8Array) {
      // A body parser already read the stream; hand its bytes on.
      body = { kind: 'bytes', bytes: parsed };
    } else if (
      parsed !== undefined &&
      parsed !== null &&
      typeof parsed === 'object' &&
      Object.keys(parsed).length > 0
    ) {
      body = { kind: 'bytes', bytes: JSON.stringify(parsed) };
    } else if (!req.readableEnded) {
      // Streamed: the handler enforces the payload limit while reading.
      body = { kind: 'stream' };
    }
  }
  const { request, detachBody } = toWebRequest({ req, res, url, method, forbidden, body });
  return { request, dropBody: detachBody };
}

/** The request's URL as `new URL(…).href` spells it, parsing as little as the request allows. */
function urlOf(req: BridgedRequest, origins: OriginCache): string {
  const target = req.originalUrl;
  const key = `${req.protocol}://${req.get('host') ?? 'localhost'}`;
  let origin = origins.get(key);
  if (origin === undefined) {
    origin = plainOrigin(key);
    if (origins.size < MAX_ORIGINS) origins.set(key, origin);
  }
  if (origin !== null && PLAIN_TARGET.test(target) && !DOT_SEGMENT.test(target))
    return `${origin}${target}`;
  const url = `${key}${target}`;
  // A Request refuses a URL with credentials (`Host: user@host`), so those are refused here too.
  const parsed = URL.canParse(url) ? new URL(url) : undefined;
  if (parsed === undefined || parsed.username !== '' || parsed.password !== '')
    throw ScimError.badRequest('The Host header or the path is not valid');
  return parsed.href;
}

/** The origin as a parsed URL spells it; null unless it is only a scheme, a host and a port. */
function plainOrigin(key: string): string | null {
  const parsed = URL.canParse(`${key}/`) ? new URL(`${key}/`) : undefined;
  if (
    parsed === undefined ||
    parsed.username !== '' ||
    parsed.password !== '' ||
    parsed.pathname !== '/' ||
    parsed.search !== '' ||
    parsed.hash !== ''
  )
    return null;
  return `${parsed.protocol}//${parsed.host}`;
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
  // The handler's own responses give their text at once; reading a Web stream costs more than
  // writing a small SCIM response. A string body also goes out in one write with the head.
  const body: string | Buffer | undefined =
    responseText(response) ??
    (response.body === null ? undefined : Buffer.from(await response.arrayBuffer()));
  const lingering = !req.complete && !res.destroyed;
  // A client told its body is too large should not send the next one on this connection.
  const closing = lingering || response.status === 413;
  // Name, value, name, value: one `writeHead` call for the whole head.
  const headers: string[] = [];
  let repeated = false;
  response.headers.forEach((value, name) => {
    if (name === 'content-length' || (closing && name === 'connection')) return;
    // Headers iterate sorted, so a repeated name (Set-Cookie) follows itself.
    repeated ||= headers[headers.length - 2] === name;
    headers.push(name, value);
  });
  if (body !== undefined)
    headers.push(
      'content-length',
      String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength),
    );
  if (closing) headers.push('connection', 'close');
  // Once anything called `setHeader` (Express's X-Powered-By), Node's `writeHead` sets the listed
  // headers one by one and keeps only the last value of a repeated name.
  if (repeated) {
    for (let index = 0; index < headers.length; index += 2)
      res.removeHeader(headers[index] as string);
    for (let index = 0; index < headers.length; index += 2)
      res.appendHeader(headers[index] as string, headers[index + 1] as string);
    headers.length = 0;
  }
  if (!lingering) {
    res.writeHead(response.status, headers);
    res.end(body);
    return;
  }
  dropBody();
  res.writeHead(response.status, headers);
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
