// @ts-check
// Starts the example. Variables: SCIM_DATABASE_URL (default sqlite:./data/scim.db; memory: keeps
// nothing), PORT (default 8080; 0 picks a free port), HOST (default 127.0.0.1), SCIM_BASE_URL (the
// public URL of /scim/v2), SCIM_TOKEN_SHA256 or SCIM_TOKEN, SCIM_COMPATIBILITY,
// SCIM_CURSOR_SECRET, SCIM_DEBUG=1; for security events (events.mjs), SCIM_EVENTS_PUSH_URL,
// SCIM_EVENTS_PUSH_TOKEN, SCIM_EVENTS_AUDIENCE, SCIM_EVENTS_SIGNING_KEY.
import { createServer } from 'node:http';
import { createApp } from './app.mjs';
import { createSecurityEvents, eventsSettingsFromEnv } from './events.mjs';
import { refuseUnservedMethods, stopOnSignals } from './node-server.mjs';
import { DEFAULT_DATABASE_URL, openStorage } from './storage.mjs';
import { acceptedTokens } from './tokens.mjs';

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '127.0.0.1';
const compatibility = /** @type {'rfc' | 'default' | 'entra' | 'okta'} */ (
  process.env.SCIM_COMPATIBILITY ?? 'default'
);
const tokens = await acceptedTokens(process.env);
// Before the port opens, so a push URL or signing key that cannot work stops the start.
const eventsSettings = await eventsSettingsFromEnv(process.env).catch(
  (/** @type {Error} */ error) => {
    console.error(error.message);
    process.exit(1);
  },
);
const { storage, close } = await openStorage(process.env.SCIM_DATABASE_URL || DEFAULT_DATABASE_URL);

/** @type {ReturnType<typeof createApp> | undefined} */
let app;
const server = createServer();
refuseUnservedMethods(server);
// On SIGTERM: the requests in flight finish, then the hooks in flight, then the SET deliveries in
// flight (events.mjs bounds them), then the database closes.
stopOnSignals(server, { onStop: () => (app?.close() ?? Promise.resolve()).then(close) });
server.on('request', (request, response) => {
  if (app !== undefined) return void app(request, response);
  // Between listening and the app being made (a few ms): ask the client to come back.
  response.writeHead(503, { 'retry-after': '1' }).end();
});
// Listen first, so the base URL (and the events' issuer, its origin) can name the port PORT=0 picked.
server.listen(port, host, () => {
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  const shown = host.includes(':') ? `[${host}]` : host;
  const baseUrl = process.env.SCIM_BASE_URL ?? `http://${shown}:${address.port}/scim/v2`;
  start(baseUrl).catch((/** @type {unknown} */ error) => {
    console.error(error);
    process.exit(1);
  });
});

/** @param {string} baseUrl */
async function start(baseUrl) {
  const events =
    eventsSettings === undefined
      ? undefined
      : await createSecurityEvents({ ...eventsSettings, issuer: baseUrl });
  app = createApp({
    storage,
    tokens,
    baseUrl,
    compatibility,
    cursorSecret: process.env.SCIM_CURSOR_SECRET,
    debug: process.env.SCIM_DEBUG === '1',
    events,
  });
  if (events !== undefined) console.log(events.summary);
  // performance.now() counts from the process's start.
  const startup = performance.now().toFixed(0);
  console.log(
    `SCIM 2.0 endpoint: ${baseUrl} (compatibility: ${compatibility}; ready in ${startup} ms)`,
  );
}
