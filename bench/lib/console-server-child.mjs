// The servers of bench/console.mjs's "http" part, in a process of their own so that the client does
// not share their event loop: `node bench/lib/console-server-child.mjs <hono|express>
// <memory|sqlite> <variant>…`, forked with an IPC channel. Each variant's handler (console-kit.mjs's
// makeHandler, over a storage of its own: memory, or a SQLite file as `openBenchStorage` opens it)
// listens on 127.0.0.1 on a port of its own, served as an application serves it:
// `hono` through @hono/node-server (as examples/hono does), `express` through @scim/express in an
// Express app (as examples/express does). It sends `{ ports }`, answers `'usage'` with its CPU time
// in µs, and stops on SIGTERM.
import { once } from 'node:events';
import { createServer } from 'node:http';
import { serve } from '@hono/node-server';
import express from 'express';
import { Hono } from 'hono';
import { scimErrorHandler, scimMiddleware } from '../../packages/express/dist/index.js';
import { scimHandler } from '../../packages/hono/dist/index.js';
import { makeHandler, openBenchStorage } from './console-kit.mjs';

const [server, store, ...variants] = process.argv.slice(2);

/**
 * Keeps idle keep-alive connections open for the whole run. Node closes one after 5 s by default,
 * and one variant's connections idle longer than that while the others seed their users: a request
 * sent on one just as the server closes it fails with ECONNRESET, which stopped a run once.
 */
function keepingIdleConnections(served) {
  served.keepAliveTimeout = 0;
  return served;
}

async function listen(handler) {
  if (server === 'hono') {
    // A Hono app with @scim/hono's route, as examples/hono serves it: the adapter hands the handler
    // Node's raw header list from `c.env.incoming`.
    const app = new Hono();
    const scim = scimHandler(handler);
    app.all('/scim/v2', scim);
    app.all('/scim/v2/*', scim);
    const served = keepingIdleConnections(
      serve({
        fetch: app.fetch,
        port: 0,
        hostname: '127.0.0.1',
      }),
    );
    await once(served, 'listening');
    return { port: served.address().port, close: () => served.close() };
  }
  if (server === 'express') {
    const app = express();
    app.use('/scim/v2', scimMiddleware(handler), scimErrorHandler());
    const served = keepingIdleConnections(createServer(app)).listen(0, '127.0.0.1');
    await once(served, 'listening');
    return { port: served.address().port, close: () => served.close() };
  }
  throw new Error(`console-server-child: no server "${server}" (hono or express)`);
}

const ports = {};
const servers = [];
const handlers = [];
const storages = [];
for (const variant of variants) {
  const opened = await openBenchStorage(store);
  storages.push(opened);
  const handler = makeHandler(variant, opened.storage);
  handlers.push(handler);
  const listening = await listen(handler);
  ports[variant] = listening.port;
  servers.push(listening);
}
process.on('message', (message) => {
  if (message !== 'usage') return;
  const { user, system } = process.cpuUsage();
  process.send({ cpuUs: user + system });
});
process.once('SIGTERM', async () => {
  for (const listening of servers) listening.close();
  // The handlers first: their outbox delivery reads the storage until it stops. Then a SQLite
  // storage's file goes.
  for (const handler of handlers) await handler.close();
  for (const opened of storages) await opened.close();
  process.exit(0);
});
// The parent going away (a crash, Ctrl-C) must not leave these servers running: one did, after the
// run that stopped on ECONNRESET.
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
process.send({ ports });
