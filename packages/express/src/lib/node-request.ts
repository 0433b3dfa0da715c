// A Web `Request` over a Node request that costs almost nothing until it is used. Building a real
// undici `Request` per call (it parses the URL again, copies the headers and follows the abort
// signal with one of its own) costs more than answering a small SCIM request, and the handler reads
// only `url`, `method`, `headers`, `signal` and `body`. Those are served here, each made on first
// use; anything else (`clone()`, `json()`, `cache`, …) is answered by a real `Request` made then,
// over the same headers, signal and body stream. The same idea as @hono/node-server's request.
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Where the body comes from: none, bytes a body parser already read, or the socket. */
export type BodySource =
  | { readonly kind: 'none' }
  | { readonly kind: 'bytes'; readonly bytes: string | Uint8Array }
  | { readonly kind: 'stream' };

/** What the bridge knows before the handler runs; nothing here is built eagerly. */
export interface NodeRequestParts {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  /** Already in the form `new URL(url).href` gives, so that it reads the same as a `Request`'s. */
  readonly url: string;
  readonly method: string;
  /** A method a Web `Request` refuses (TRACE): a real one is made as a GET and reports this method. */
  readonly forbidden: boolean;
  readonly body: BodySource;
}

// The members this class serves itself; every other member of `Request.prototype` is forwarded to
// the real request.
const OWN = new Set(['constructor', 'url', 'method', 'headers', 'signal', 'body']);

class NodeRequest {
  readonly #parts: NodeRequestParts;
  #headers: Headers | undefined;
  #controller: AbortController | undefined;
  #body: ReadableStream<Uint8Array> | null | undefined;
  #detach: (() => void) | undefined;
  #real: Request | undefined;

  constructor(parts: NodeRequestParts) {
    this.#parts = parts;
  }

  get url(): string {
    return this.#parts.url;
  }

  get method(): string {
    return this.#parts.method;
  }

  get headers(): Headers {
    return (this.#headers ??= headersOf(this.#parts.req));
  }

  /** Aborts only if the client goes away before the answer is written. */
  get signal(): AbortSignal {
    return (this.#controller ??= watchClient(this.#parts.res)).signal;
  }

  get body(): ReadableStream<Uint8Array> | null {
    // Once a real request exists it owns the stream (its clone() tees it): read through it.
    if (this.#real !== undefined && !this.#parts.forbidden) return this.#real.body;
    if (this.#body !== undefined) return this.#body;
    const source = this.#parts.body;
    if (source.kind === 'none') this.#body = null;
    else if (source.kind === 'bytes') this.#body = new Response(bytesBody(source.bytes)).body;
    else {
      const stream = bodyStream(this.#parts.req);
      this.#detach = stream.detach;
      this.#body = stream.body;
    }
    return this.#body;
  }

  /** Stops feeding the body to the handler; the bridge drains what is left. */
  detachBody(): void {
    this.#detach?.();
  }

  /** The real `Request`, made once, over the same headers, signal and body. */
  materialise(): Request {
    if (this.#real !== undefined) return this.#real;
    const { url, method, forbidden } = this.#parts;
    const body = this.body;
    const init: RequestInit & { duplex?: 'half' } = {
      method: forbidden ? 'GET' : method,
      headers: this.headers,
      signal: this.signal,
    };
    // A body the handler already holds (it read it) cannot be handed over: the real request gets
    // one it has used up itself, so it answers `bodyUsed`, `clone()` and `text()` as a read one.
    const held = body !== null && body.locked;
    if (held) init.body = '';
    else if (body !== null) {
      init.body = body;
      init.duplex = 'half';
    }
    const real = new Request(url, init);
    if (held) real.arrayBuffer().catch(() => undefined);
    // Carried as a GET without a body that reports its real method, so the handler answers 405
    // with the endpoint's `Allow` header (@hono/node-server does the same for TRACE).
    if (forbidden) Object.defineProperty(real, 'method', { value: method });
    this.#real = real;
    return real;
  }
}

// Every other getter and method of `Request.prototype` goes to the real request: undici's own
// members check that `this` is one of its requests, so they cannot run on this object.
for (const [name, descriptor] of Object.entries(
  Object.getOwnPropertyDescriptors(Request.prototype),
)) {
  if (OWN.has(name)) continue;
  if (descriptor.get !== undefined) {
    Object.defineProperty(NodeRequest.prototype, name, {
      configurable: true,
      get(this: NodeRequest) {
        return Reflect.get(this.materialise(), name) as unknown;
      },
    });
  } else if (typeof descriptor.value === 'function') {
    Object.defineProperty(NodeRequest.prototype, name, {
      configurable: true,
      writable: true,
      value(this: NodeRequest, ...args: unknown[]) {
        const real = this.materialise();
        return (Reflect.get(real, name) as (...a: unknown[]) => unknown).apply(real, args);
      },
    });
  }
}
// undici (Node 20 and 22) keeps a request's state under symbols and `new Request(request)` reads
// them from its argument; forwarded too, so that the request can be copied or passed to `fetch()`.
for (const key of Object.getOwnPropertySymbols(new Request('http://localhost/'))) {
  Object.defineProperty(NodeRequest.prototype, key, {
    configurable: true,
    get(this: NodeRequest) {
      return Reflect.get(this.materialise(), key) as unknown;
    },
  });
}
// `instanceof Request` holds, as it must for code that checks what it was given.
Object.setPrototypeOf(NodeRequest.prototype, Request.prototype);

/**
 * Whether `new Request(light)` (and so `fetch(light)`) works in this runtime. A runtime whose
 * `Request` keeps its state in private fields cannot copy any object but its own, and there the
 * bridge hands the handler real requests instead, with only the signal made on demand.
 */
function lightRequestsCopy(): boolean {
  try {
    const probe = new NodeRequest({
      req: { headers: { accept: '*/*' } } as unknown as IncomingMessage,
      res: { destroyed: false, once: () => undefined } as unknown as ServerResponse,
      url: 'http://localhost/',
      method: 'GET',
      forbidden: false,
      body: { kind: 'none' },
    }) as unknown as Request;
    const copy = new Request(probe);
    return copy.url === probe.url && copy.headers.get('accept') === '*/*';
  } catch {
    return false;
  }
}

/** Decided once: the same for every request in this runtime. */
const LIGHT = lightRequestsCopy();

/** The bridge's handle on the request it gives the handler. */
export interface BridgedRequestHandle {
  readonly request: Request;
  readonly detachBody: () => void;
}

/**
 * The `Request` the handler gets for a Node request: a lightweight one (see the top of this file)
 * where the runtime can copy it as a `Request`, else a real one whose signal is made on demand.
 * `light` is for tests of the second kind.
 */
export function toWebRequest(parts: NodeRequestParts, light = LIGHT): BridgedRequestHandle {
  if (light) {
    const request = new NodeRequest(parts);
    return { request: request as unknown as Request, detachBody: () => request.detachBody() };
  }
  const { req, res, url, method, forbidden, body } = parts;
  const init: RequestInit & { duplex?: 'half' } = {
    method: forbidden ? 'GET' : method,
    headers: headersOf(req),
  };
  let detach: (() => void) | undefined;
  if (body.kind === 'bytes') init.body = bytesBody(body.bytes);
  else if (body.kind === 'stream') {
    const stream = bodyStream(req);
    init.body = stream.body;
    init.duplex = 'half';
    detach = stream.detach;
  }
  const request = new Request(url, init);
  // Following a signal given to the constructor costs more than the rest of the request.
  let controller: AbortController | undefined;
  Object.defineProperty(request, 'signal', {
    get: () => (controller ??= watchClient(res)).signal,
  });
  if (forbidden) Object.defineProperty(request, 'method', { value: method });
  return { request, detachBody: () => detach?.() };
}

/** An abort controller that aborts if the response closes before it was sent: the client left. */
function watchClient(res: ServerResponse): AbortController {
  const controller = new AbortController();
  // Not the request's own 'close': Node emits that as soon as the body has been read, long before
  // the answer. The response closes unfinished only when the connection is gone.
  if (res.destroyed) {
    if (!res.writableFinished) controller.abort();
  } else
    res.once('close', () => {
      if (!res.writableFinished) controller.abort();
    });
  return controller;
}

/**
 * A Buffer a body parser left is a Uint8Array over a pooled ArrayBuffer: a valid body at run time,
 * which TypeScript's DOM types do not accept.
 */
function bytesBody(bytes: string | Uint8Array): BodyInit {
  return bytes as unknown as BodyInit;
}

/** The request's headers as Node parsed them (and as middleware that ran before may have changed them). */
function headersOf(req: IncomingMessage): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined) continue;
    if (typeof value === 'string') headers.append(name, value);
    else for (const item of value) headers.append(name, item);
  }
  return headers;
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
