// HTTP clients for what fetch() hides: a raw socket that keeps sending a body while the answer
// arrives, requests Node's own client will not write, and methods fetch() refuses.
import { connect } from 'node:net';
import { request as httpRequest } from 'node:http';

export interface RawReply {
  /** Everything the server sent, as text. */
  readonly text: string;
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** The socket error the client saw, if any (ECONNRESET, EPIPE). */
  readonly error: NodeJS.ErrnoException | undefined;
  /** How many body bytes the client managed to send. */
  readonly sent: number;
}

function parse(received: Buffer[], error: RawReply['error'], sent: number): RawReply {
  const text = Buffer.concat(received).toString('utf8');
  const split = text.indexOf('\r\n\r\n');
  const [statusLine = '', ...lines] = text.slice(0, split < 0 ? text.length : split).split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  const status = Number(statusLine.split(' ')[1] ?? 0);
  return { text, status, headers, body: split < 0 ? '' : text.slice(split + 4), error, sent };
}

/**
 * Sends `head` (request line and headers, without the framing header) and then `bodyBytes` of body
 * in 64 KiB chunks as fast as the socket takes them, stopping only when everything is sent or the
 * server ends the connection; resolves with everything the server sent once the socket closes.
 * `chunked` sends the body with `Transfer-Encoding: chunked` instead of a `Content-Length`.
 */
export function sendLargeBody(
  port: number,
  head: string,
  bodyBytes: number,
  options: { chunked?: boolean } = {},
): Promise<RawReply> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    const received: Buffer[] = [];
    let error: NodeJS.ErrnoException | undefined;
    let sent = 0;
    let stopped = false;
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    const write = () => {
      while (!stopped && sent < bodyBytes) {
        const size = Math.min(chunk.byteLength, bodyBytes - sent);
        const piece = chunk.subarray(0, size);
        sent += size;
        const framed = options.chunked
          ? Buffer.concat([Buffer.from(`${size.toString(16)}\r\n`), piece, Buffer.from('\r\n')])
          : piece;
        if (!socket.write(framed)) {
          socket.once('drain', write);
          return;
        }
      }
      if (!stopped && options.chunked) socket.write('0\r\n\r\n');
    };
    socket.on('connect', () => {
      const framing = options.chunked
        ? 'transfer-encoding: chunked'
        : `content-length: ${bodyBytes}`;
      socket.write(`${head.trimEnd()}\r\n${framing}\r\n\r\n`);
      write();
    });
    socket.on('data', (data: Buffer) => received.push(data));
    // The server said it is done (FIN): a client stops sending there.
    socket.on('end', () => {
      stopped = true;
    });
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error = e;
    });
    socket.on('close', () => {
      stopped = true;
      resolve(parse(received, error, sent));
    });
  });
}

/** Sends `text` exactly as given and resolves with what the server sent once it closes. */
export function rawExchange(port: number, text: string): Promise<RawReply> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(text));
    const received: Buffer[] = [];
    let error: NodeJS.ErrnoException | undefined;
    socket.on('data', (data: Buffer) => received.push(data));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error = e;
    });
    socket.on('close', () => resolve(parse(received, error, 0)));
  });
}

/** One request with any method Node's client sends (TRACE included), answered as text. */
export function rawRequest(
  url: string,
  method: string,
  headers: Record<string, string> = {},
): Promise<{
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    httpRequest(
      { host: target.hostname, port: target.port, path: target.pathname, method, headers },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (data: Buffer) => chunks.push(data));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks).toString('utf8'),
          }),
        );
      },
    )
      .on('error', reject)
      .end();
  });
}
