// @scim/hono behind @hono/node-server over real HTTP: the abort signal a store sees is the one
// @hono/node-server gives the request, which aborts only when the client goes away.
import { connect } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scimHandler } from '@scim/hono';
import type { ScimHandlerOptions } from '@scim/server';
import { createMemoryStore } from '@scim/server/memory';
import {
  driverLikeStore,
  holdingStore,
  writeWithBodies,
} from '../../../packages/express/test/signal-store.ts';

const TOKEN = 'Bearer hono-node';

describe('@scim/hono on @hono/node-server', () => {
  const users = driverLikeStore();
  const groups = driverLikeStore();
  let holding: { started: () => void; seen: (aborted: boolean) => void } | undefined;
  const app = new Hono();
  const options = (stores: ScimHandlerOptions['stores'], basePath: string): ScimHandlerOptions => ({
    stores,
    basePath,
    hashPassword: (password) => Promise.resolve(`test:${password.length}`),
    authenticate: () => ({ principal: 'test' }),
    // The abandoned request ends in the store's abort error, which no client is left to see.
    onError: () => undefined,
  });
  const scim = scimHandler(options({ User: users.store, Group: groups.store }, '/scim/v2'));
  const held = scimHandler(
    options(
      {
        User: holdingStore({
          started: () => holding?.started(),
          seen: (aborted) => holding?.seen(aborted),
        }),
        Group: createMemoryStore(),
      },
      '/held/scim/v2',
    ),
  );
  app.all('/scim/v2/*', scim);
  app.all('/held/scim/v2/*', held);
  let server: ReturnType<typeof serve>;
  let port = 0;
  beforeAll(async () => {
    await new Promise<void>((resolve) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => {
        port = info.port;
        resolve();
      });
    });
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('context.signal stays unaborted for POST, PUT, PATCH and Bulk', async () => {
    await writeWithBodies(
      (path, method, body) =>
        fetch(`http://127.0.0.1:${port}/scim/v2${path}`, {
          method,
          headers: { authorization: TOKEN, 'content-type': 'application/scim+json' },
          body: JSON.stringify(body),
        }),
      'hono-node',
    );
    expect([...users.aborted, ...groups.aborted]).toEqual([]);
  });

  it('context.signal aborts when the client goes away before the answer', async () => {
    const body = JSON.stringify({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      userName: 'gone',
    });
    const started = Date.now();
    const aborted = await new Promise<boolean>((resolve, reject) => {
      const socket = connect(port, '127.0.0.1');
      holding = { started: () => socket.destroy(), seen: resolve };
      socket.on('error', reject);
      socket.write(
        `POST /held/scim/v2/Users HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/scim+json\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    });
    expect(aborted).toBe(true);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
