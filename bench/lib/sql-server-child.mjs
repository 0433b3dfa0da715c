// One server of bench/sql-http.mjs, in its own process so that the load generator does not share
// its event loop: `node bench/lib/sql-server-child.mjs <kind> <sha256:digest>`, kind one of
// express-sqlite, express-memory (the same app over the memory storage, for comparison) and bare;
// forked with an IPC channel. It listens on 127.0.0.1 on a free port, sends `{ port, file }`,
// answers `'usage'` with its CPU time and memory, and stops on SIGTERM (the SQLite file's folder is
// removed then).
//
// express-sqlite is examples/express as its server.mjs starts it, on a SQLite file in a fresh
// temporary folder: the storage comes from the example's own storage.mjs (`openStorage`, which opens
// the database from its URL and migrates it), request logging off. express-memory is the same with
// SCIM_DATABASE_URL=memory:.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [kind, digest] = process.argv.slice(2);
const silent = () => {};

async function startExpress(url) {
  const { createApp } = await import('../../examples/express/app.mjs');
  const { openStorage } = await import('../../examples/express/storage.mjs');
  const { refuseUnservedMethods, stopOnSignals } =
    await import('../../examples/express/node-server.mjs');
  const folder = mkdtempSync(join(tmpdir(), 'scim-bench-http-'));
  const file = url === 'memory:' ? undefined : join(folder, 'scim.db');
  const { storage, close } = await openStorage(file === undefined ? url : `sqlite:${file}`, {
    log: silent,
  });
  let app;
  const server = createServer();
  refuseUnservedMethods(server);
  stopOnSignals(server, {
    log: silent,
    onStop: async () => {
      await app?.close?.();
      await close();
      rmSync(folder, { recursive: true, force: true });
    },
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      const baseUrl = `http://127.0.0.1:${port}/scim/v2`;
      app = createApp({ storage, tokens: [digest], baseUrl, log: silent });
      server.on('request', app);
      resolve({ port, file });
    });
  });
}

async function startBare() {
  const { startBareServer } = await import('./bare-server.mjs');
  const { server, port } = await startBareServer({ digest });
  process.once('SIGTERM', () => server.close(() => process.exit(0)));
  return { port, file: undefined };
}

const start = {
  'express-sqlite': () => startExpress('sqlite:'),
  'express-memory': () => startExpress('memory:'),
  bare: startBare,
}[kind];
if (start === undefined) {
  console.error(`sql-server-child: unknown server ${kind}`);
  process.exit(2);
}
const started = await start();
process.on('message', (message) => {
  if (message === 'usage') process.send({ cpu: process.cpuUsage(), memory: process.memoryUsage() });
});
// The parent going away (a crash, Ctrl-C) must not leave this server running.
process.on('disconnect', () => process.kill(process.pid, 'SIGTERM'));
process.send(started);
