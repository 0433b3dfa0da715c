// A push receiver for the example's tests (RFC 8935): a loopback node:http server that records every
// request and answers 202, or holds the answer until the test releases it (a delivery in flight).
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface TestReceiver {
  /** The push URL: `http://127.0.0.1:<port>/events`. */
  readonly url: string;
  readonly received: readonly ReceivedRequest[];
  /** Resolves once `count` requests have arrived, whole. */
  waitFor(count: number): Promise<void>;
  /** Answers 202 to every request held so far (and later ones, from then on). */
  release(): void;
  close(): Promise<void>;
}

/** `hold`: keep each answer until `release()`; otherwise 202 at once. */
export async function startReceiver({ hold = false } = {}): Promise<TestReceiver> {
  const received: ReceivedRequest[] = [];
  const held: ServerResponse[] = [];
  let holding = hold;
  const waiters = new Set<{ count: number; resolve: () => void }>();
  const server = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk: string) => (body += chunk));
    request.on('end', () => {
      received.push({
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body,
      });
      for (const waiter of waiters)
        if (received.length >= waiter.count) {
          waiters.delete(waiter);
          waiter.resolve();
        }
      if (holding) held.push(response);
      else response.writeHead(202).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/events`,
    received,
    waitFor: (count) =>
      received.length >= count
        ? Promise.resolve()
        : new Promise((resolve) => waiters.add({ count, resolve })),
    release() {
      holding = false;
      for (const response of held.splice(0)) response.writeHead(202).end();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
