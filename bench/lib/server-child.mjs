// One server of bench/http.mjs, in its own process so that the load generator does not share its
// event loop: `node bench/lib/server-child.mjs <express|hono|bare> <sha256:digest>`, forked with an
// IPC channel. It listens on 127.0.0.1 on a free port, sends `{ port }`, answers `'usage'` with its
// CPU time and memory, and stops on SIGTERM. The examples are started the way their server.mjs
// starts them, with request logging off (writing a line per request to a pipe would be measured too).
import { createServer } from 'node:http';

const [kind, digest] = process.argv.slice(2);
const silent = () => {};

async function startExpress() {
  const { createApp } = await import('../../examples/express/app.mjs');
  const { refuseUnservedMethods, stopOnSignals } =
    await import('../../examples/express/node-server.mjs');
  const server = createServer();
  refuseUnservedMethods(server);
  stopOnSignals(server, { log: silent });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      const baseUrl = `http://127.0.0.1:${port}/scim/v2`;
      server.on('request', createApp({ tokens: [digest], baseUrl, log: silent }));
      resolve(port);
    });
  });
}

async function startHono() {
  const { serve } = await import('@hono/node-server');
  const { createApp } = await import('../../examples/hono/app.mjs');
  const { closeAfterUnreadBody, refuseUnservedMethods, stopOnSignals } =
    await import('../../examples/hono/node-server.mjs');
  let app;
  const fetchScim = closeAfterUnreadBody((request, env) =>
    app === undefined ? new Response(null, { status: 503 }) : app.fetch(request, env),
  );
  return new Promise((resolve) => {
    const server = serve({ fetch: fetchScim, port: 0, hostname: '127.0.0.1' }, (info) => {
      app = createApp({
        tokens: [digest],
        baseUrl: `http://127.0.0.1:${info.port}/scim/v2`,
        log: silent,
      });
      resolve(info.port);
    });
    refuseUnservedMethods(server);
    stopOnSignals(server, { log: silent });
  });
}

async function startBare() {
  const { startBareServer } = await import('./bare-server.mjs');
  const { server, port } = await startBareServer({ digest });
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
  return port;
}

const start = { express: startExpress, hono: startHono, bare: startBare }[kind];
if (start === undefined) {
  console.error(`server-child: unknown server ${kind}`);
  process.exit(2);
}
const port = await start();
process.on('message', (message) => {
  if (message === 'usage') process.send({ cpu: process.cpuUsage(), memory: process.memoryUsage() });
});
// The parent going away (a crash, Ctrl-C) must not leave this server running.
process.on('disconnect', () => process.exit(0));
process.send({ port });
