// @ts-check
// Starts the Hono example on Node: PORT (default 8080; 0 picks a free port), HOST (default
// 127.0.0.1), SCIM_TOKEN, SCIM_COMPATIBILITY, SCIM_CURSOR_SECRET, SCIM_TRUST_FORWARDED_PROTO=1
// (behind a proxy that terminates TLS).
import { randomBytes } from 'node:crypto';
import { serve } from '@hono/node-server';
import { createApp } from './app.mjs';
import { closeAfterUnreadBody, refuseUnservedMethods, stopOnSignals } from './node-server.mjs';

const port = Number(process.env.PORT ?? 8080);
const hostname = process.env.HOST ?? '127.0.0.1';
let token = process.env.SCIM_TOKEN ?? '';
if (token === '') {
  token = randomBytes(24).toString('base64url');
  console.log(`SCIM_TOKEN is not set; this run accepts the bearer token:\n  ${token}`);
}
const compatibility = /** @type {'rfc' | 'default' | 'entra' | 'okta'} */ (
  process.env.SCIM_COMPATIBILITY ?? 'default'
);

const app = createApp({
  token,
  compatibility,
  cursorSecret: process.env.SCIM_CURSOR_SECRET,
  trustForwardedProto: process.env.SCIM_TRUST_FORWARDED_PROTO === '1',
});
const server = serve({ fetch: closeAfterUnreadBody(app.fetch), port, hostname }, (info) => {
  const shown = hostname.includes(':') ? `[${hostname}]` : hostname;
  console.log(
    `SCIM 2.0 endpoint: http://${shown}:${info.port}/scim/v2 (compatibility: ${compatibility})`,
  );
});
const httpServer = /** @type {import('node:http').Server} */ (server);
refuseUnservedMethods(httpServer);
stopOnSignals(httpServer);
