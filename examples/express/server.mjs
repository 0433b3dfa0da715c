// @ts-check
// Starts the example. Variables: SCIM_DATABASE_URL (default sqlite:./data/scim.db; memory: keeps
// nothing), PORT (default 8080; 0 picks a free port), HOST (default 127.0.0.1), SCIM_BASE_URL (the
// public URL of /scim/v2), SCIM_TOKEN_SHA256 or SCIM_TOKEN, SCIM_COMPATIBILITY,
// SCIM_CURSOR_SECRET, SCIM_DEBUG=1.
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { hashBearerToken } from '@scim/server';
import { createApp } from './app.mjs';
import { refuseUnservedMethods, stopOnSignals } from './node-server.mjs';
import { DEFAULT_DATABASE_URL, openStorage } from './storage.mjs';

/** The digests of the tokens accepted: SCIM_TOKEN_SHA256 (comma-separated), else SCIM_TOKEN's. */
async function acceptedTokens() {
  const digests = process.env.SCIM_TOKEN_SHA256?.split(',').map((digest) => digest.trim());
  if (digests !== undefined && digests.some((digest) => digest !== '')) return digests;
  let token = process.env.SCIM_TOKEN ?? '';
  if (token === '') {
    // Never a fixed default: a token for this run only, shown once.
    token = randomBytes(24).toString('base64url');
    console.log(`SCIM_TOKEN is not set; this run accepts the bearer token:\n  ${token}`);
  }
  return [await hashBearerToken(token)];
}

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '127.0.0.1';
const compatibility = /** @type {'rfc' | 'default' | 'entra' | 'okta'} */ (
  process.env.SCIM_COMPATIBILITY ?? 'default'
);
const tokens = await acceptedTokens();
const { storage, close } = await openStorage(process.env.SCIM_DATABASE_URL || DEFAULT_DATABASE_URL);

/** @type {ReturnType<typeof createApp> | undefined} */
let app;
const server = createServer();
refuseUnservedMethods(server);
// On SIGTERM: the requests in flight finish, then the hooks in flight, then the database closes.
stopOnSignals(server, { onStop: () => (app?.close() ?? Promise.resolve()).then(close) });
// Listen first, so the base URL can name the port that PORT=0 picked.
server.listen(port, host, () => {
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  const shown = host.includes(':') ? `[${host}]` : host;
  const baseUrl = process.env.SCIM_BASE_URL ?? `http://${shown}:${address.port}/scim/v2`;
  app = createApp({
    storage,
    tokens,
    baseUrl,
    compatibility,
    cursorSecret: process.env.SCIM_CURSOR_SECRET,
    debug: process.env.SCIM_DEBUG === '1',
  });
  server.on('request', app);
  // performance.now() counts from the process's start.
  const startup = performance.now().toFixed(0);
  console.log(
    `SCIM 2.0 endpoint: ${baseUrl} (compatibility: ${compatibility}; ready in ${startup} ms)`,
  );
});
