// @ts-check
// Starts the example: PORT (default 8080; 0 picks a free port), HOST (default 127.0.0.1), SCIM_TOKEN,
// SCIM_COMPATIBILITY, SCIM_CURSOR_SECRET.
import { randomBytes } from 'node:crypto';
import { createApp } from './app.mjs';
import { refuseUnservedMethods, stopOnSignals } from './node-server.mjs';

const port = Number(process.env.PORT ?? 8080);
const host = process.env.HOST ?? '127.0.0.1';
let token = process.env.SCIM_TOKEN ?? '';
if (token === '') {
  // Never a fixed default: a token for this run only, shown once.
  token = randomBytes(24).toString('base64url');
  console.log(`SCIM_TOKEN is not set; this run accepts the bearer token:\n  ${token}`);
}
const compatibility = /** @type {'rfc' | 'default' | 'entra' | 'okta'} */ (
  process.env.SCIM_COMPATIBILITY ?? 'default'
);

const server = createApp({
  token,
  compatibility,
  cursorSecret: process.env.SCIM_CURSOR_SECRET,
}).listen(port, host, () => {
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  const shown = host.includes(':') ? `[${host}]` : host;
  console.log(
    `SCIM 2.0 endpoint: http://${shown}:${address.port}/scim/v2 (compatibility: ${compatibility})`,
  );
});
refuseUnservedMethods(server);
stopOnSignals(server);
