// The suite both Node example servers pass as `npm start` runs them, in their own process over real
// sockets: the requests Node itself answers, a body far over the limit, and a graceful stop on SIGTERM.
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawExchange, rawRequest, sendLargeBody } from '../../../packages/express/test/raw-http.ts';
import { startExample, type ExampleProcess } from './example-process.ts';

const TOKEN = 'process-token';
const auth = `authorization: Bearer ${TOKEN}`;
const U = 'urn:ietf:params:scim:schemas:core:2.0:User';

/** Reads one response off a kept-alive socket: resolves once its whole body has arrived. */
function readResponse(socket: Socket): Promise<string> {
  return new Promise((resolve) => {
    let text = '';
    const onData = (data: Buffer) => {
      text += data.toString();
      const split = text.indexOf('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(text)?.[1];
      if (split >= 0 && length !== undefined && text.length >= split + 4 + Number(length)) {
        socket.off('data', onData);
        resolve(text);
      }
    };
    socket.on('data', onData);
  });
}

export function exampleProcessSuite(name: 'express' | 'hono'): void {
  describe(`examples/${name} as a process`, () => {
    let example: ExampleProcess;
    beforeAll(async () => {
      example = await startExample(name, TOKEN);
    }, 30_000);
    afterAll(() => {
      example.child.kill('SIGKILL');
    });

    it('P-CRUD-22: TRACE, TRACK and CONNECT answer 405 with an ERR body over real HTTP', async () => {
      const trace = await rawRequest(`${example.baseUrl}/Users`, 'TRACE', {
        authorization: `Bearer ${TOKEN}`,
      });
      expect(trace.status).toBe(405);
      expect(trace.headers.allow).toBe('GET, POST');
      expect(JSON.parse(trace.body)).toMatchObject({ status: '405' });
      for (const request of [
        `TRACK /scim/v2/Users HTTP/1.1\r\nhost: 127.0.0.1\r\n${auth}\r\n\r\n`,
        `CONNECT 127.0.0.1:443 HTTP/1.1\r\nhost: 127.0.0.1:443\r\n${auth}\r\n\r\n`,
      ]) {
        const reply = await rawExchange(example.port, request);
        expect(reply.status).toBe(405);
        expect(reply.headers['content-type']).toBe('application/scim+json');
        expect(JSON.parse(reply.body)).toMatchObject({ status: '405' });
      }
    });

    for (const chunked of [false, true]) {
      it(`P-SEC-13: 16 MiB against the 1 MiB limit (${chunked ? 'chunked' : 'Content-Length'}) gets the whole 413 with Connection: close, and the next connection works`, async () => {
        const reply = await sendLargeBody(
          example.port,
          `POST /scim/v2/Users HTTP/1.1\r\nhost: 127.0.0.1\r\n${auth}\r\ncontent-type: application/scim+json`,
          16 * 1024 * 1024,
          { chunked },
        );
        expect(reply.error).toBeUndefined();
        expect(reply.status).toBe(413);
        expect(reply.headers.connection?.toLowerCase()).toBe('close');
        expect(JSON.parse(reply.body)).toMatchObject({ status: '413' });
        const next = await fetch(`${example.baseUrl}/Users`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        expect(next.status).toBe(200);
        await next.text();
      });
    }
  });

  it(`examples/${name}: SIGTERM closes idle keep-alive connections, finishes the request in flight and exits 0 at once`, async () => {
    const example = await startExample(name, TOKEN);
    try {
      // An idle keep-alive connection, after one answered request.
      const idle = connect(example.port, '127.0.0.1');
      const idleClosed = new Promise<number>((resolve) =>
        idle.once('close', () => resolve(Date.now())),
      );
      idle.on('error', () => undefined);
      idle.write(`GET /scim/v2/ServiceProviderConfig HTTP/1.1\r\nhost: 127.0.0.1\r\n\r\n`);
      expect(await readResponse(idle)).toMatch(/^HTTP\/1\.1 200/);

      // A request in flight: its body is still on its way when the signal comes.
      const body = JSON.stringify({ schemas: [U], userName: `sigterm-${name}` });
      const busy = connect(example.port, '127.0.0.1');
      const answer = new Promise<string>((resolve) => {
        let text = '';
        busy.on('data', (data: Buffer) => (text += data.toString()));
        busy.once('close', () => resolve(text));
      });
      busy.write(
        `POST /scim/v2/Users HTTP/1.1\r\nhost: 127.0.0.1\r\n${auth}\r\ncontent-type: application/scim+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`,
      );
      await new Promise((resolve) => setTimeout(resolve, 200));

      const signalled = Date.now();
      example.child.kill('SIGTERM');
      expect((await idleClosed) - signalled).toBeLessThan(1_000);
      await new Promise((resolve) => setTimeout(resolve, 200));
      busy.write(body.slice(10));
      const reply = await answer;
      expect(reply).toMatch(/^HTTP\/1\.1 201/);
      expect(reply.toLowerCase()).toContain('connection: close');
      expect(await example.exited).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(3_000);
    } finally {
      example.child.kill('SIGKILL');
    }
  }, 30_000);
}
