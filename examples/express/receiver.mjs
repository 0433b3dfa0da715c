// @ts-check
// Starts the replica: a second server that receives the security events of a transmitter (this
// example's server.mjs with SCIM_EVENTS_PUSH_URL=http://<this host>:<PORT>/events) and serves a
// read-only copy of its users and groups. Variables: SCIM_RECEIVER_ISSUER (required: the
// transmitter's origin), SCIM_RECEIVER_AUDIENCE (default this server's origin),
// SCIM_RECEIVER_PUSH_TOKEN (the transmitter's SCIM_EVENTS_PUSH_TOKEN), SCIM_RECEIVER_SOURCE_TOKEN
// and SCIM_RECEIVER_SOURCE_URL (a token of the transmitter's SCIM API, and its base URL: default
// the issuer's /scim/v2), SCIM_RECEIVER_DATABASE_URL (default sqlite:./data/replica.db); and as
// server.mjs reads them: PORT (default 8081), HOST, SCIM_BASE_URL, SCIM_TOKEN_SHA256 or SCIM_TOKEN
// (for the read API), SCIM_CURSOR_SECRET, SCIM_DEBUG=1.
import { serveApp } from './node-server.mjs';
import { createReceiverApp } from './receiver-app.mjs';
import { createReplication, replicationSettingsFromEnv } from './replication.mjs';
import { openStorage } from './storage.mjs';
import { acceptedTokens } from './tokens.mjs';

/** Not the transmitter's file: two servers started in one folder must not share their tables. */
const DEFAULT_REPLICA_URL = 'sqlite:./data/replica.db';

/** @type {import('./replication.mjs').ReplicationSettings} */
let settings;
try {
  settings = replicationSettingsFromEnv(process.env);
} catch (error) {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
}
const tokens = await acceptedTokens(process.env);
// Tables of their own too, for a SCIM_RECEIVER_DATABASE_URL naming the transmitter's database.
const { storage, close } = await openStorage(
  process.env.SCIM_RECEIVER_DATABASE_URL || DEFAULT_REPLICA_URL,
  { tablePrefix: 'replica_', variable: 'SCIM_RECEIVER_DATABASE_URL' },
);

serveApp({
  env: process.env,
  defaultPort: 8081,
  close,
  // Until the transmitter's keys are found, a push is answered 503 and comes again (RFC 8935 §2.4).
  start,
});

/** @param {string} baseUrl */
async function start(baseUrl) {
  const replication = await createReplication({
    settings,
    stores: storage.stores,
    baseUrl,
    audience: settings.audience ?? new URL(baseUrl).origin,
  });
  const app = createReceiverApp({
    storage,
    tokens,
    baseUrl,
    replication,
    cursorSecret: process.env.SCIM_CURSOR_SECRET,
    debug: process.env.SCIM_DEBUG === '1',
  });
  for (const line of replication.summary) console.log(line);
  const startup = performance.now().toFixed(0);
  console.log(`SCIM 2.0 replica (read-only): ${baseUrl} (ready in ${startup} ms)`);
  return app;
}
