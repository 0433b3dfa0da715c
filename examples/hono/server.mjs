// @ts-check
// Starts the Hono example on Node: PORT (default 8080), HOST (default 127.0.0.1), SCIM_TOKEN, SCIM_COMPATIBILITY,
// SCIM_CURSOR_SECRET, SCIM_TRUST_FORWARDED_PROTO=1 (behind a proxy that terminates TLS).
import { randomBytes } from 'node:crypto';
import { serve } from '@hono/node-server';
import { createApp } from './app.mjs';

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

const server = serve(
  {
    fetch: createApp({
      token,
      compatibility,
      cursorSecret: process.env.SCIM_CURSOR_SECRET,
      trustForwardedProto: process.env.SCIM_TRUST_FORWARDED_PROTO === '1',
    }).fetch,
    port,
    hostname,
  },
  (info) => {
    console.log(
      `SCIM 2.0 endpoint: http://${hostname}:${info.port}/scim/v2 (compatibility: ${compatibility})`,
    );
  },
);

for (const signal of /** @type {const} */ (['SIGTERM', 'SIGINT'])) {
  process.once(signal, () => {
    console.log(`${signal}: finishing open requests`);
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(1), 5000).unref();
  });
}
