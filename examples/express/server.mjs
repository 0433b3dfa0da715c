// @ts-check
// Starts the example. Variables: SCIM_DATABASE_URL (default sqlite:./data/scim.db; memory: keeps
// nothing), PORT (default 8080; 0 picks a free port), HOST (default 127.0.0.1), SCIM_BASE_URL (the
// public URL of /scim/v2), SCIM_TOKEN_SHA256 or SCIM_TOKEN, SCIM_COMPATIBILITY,
// SCIM_CURSOR_SECRET, SCIM_DEBUG=1; for security events (events.mjs), SCIM_EVENTS_PUSH_URL,
// SCIM_EVENTS_PUSH_TOKEN, SCIM_EVENTS_AUDIENCE, SCIM_EVENTS_SIGNING_KEY; for several tenants
// (tenants.mjs), SCIM_TENANTS; for the token routes (admin.mjs), SCIM_ADMIN_TOKEN; for the
// provisioning console at /console (console.mjs), SCIM_CONSOLE_TOKEN.
import { createApp } from './app.mjs';
import { ADMIN_PATH } from './admin.mjs';
import { CONSOLE_PATH, consoleTokenFromEnv } from './console.mjs';
import { createSecurityEvents, eventsSettingsFromEnv } from './events.mjs';
import { serveApp } from './node-server.mjs';
import { DEFAULT_DATABASE_URL, openStorage } from './storage.mjs';
import { adminTokenFromEnv, tenantConfigs, tenantsFromEnv } from './tenants.mjs';
import { acceptedTokens, storeTokens } from './tokens.mjs';

const env = process.env;
/** A setting that cannot work stops the start with the reason, before the port opens. */
const refuse = (/** @type {unknown} */ error) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
};
/** @type {import('./tenants.mjs').TenantSetting[] | undefined} */
let tenants;
/** @type {string | undefined} */
let adminToken;
/** @type {string | undefined} */
let consoleToken;
try {
  tenants = tenantsFromEnv(env);
  adminToken = adminTokenFromEnv(env, tenants);
  consoleToken = consoleTokenFromEnv(env);
} catch (error) {
  refuse(error);
}
const compatibility = /** @type {'rfc' | 'default' | 'entra' | 'okta'} */ (
  env.SCIM_COMPATIBILITY ?? 'default'
);
// One tenant without the admin route: the configured digests, or a token for this run, as ever.
// Otherwise tokens live in the token store, which opens with the storage.
const tokens =
  tenants === undefined && adminToken === undefined ? await acceptedTokens(env) : undefined;
const eventsSettings = await eventsSettingsFromEnv(env).catch(refuse);
const { storage, tokenStore, close } = await openStorage(
  env.SCIM_DATABASE_URL || DEFAULT_DATABASE_URL,
);

// On SIGTERM: the requests in flight finish, then the hooks in flight, then the SET deliveries in
// flight (events.mjs bounds them), then the database closes.
serveApp({
  env,
  defaultPort: 8080,
  close,
  start: async (baseUrl) => {
    const events =
      eventsSettings === undefined
        ? undefined
        : await createSecurityEvents({ ...eventsSettings, issuer: baseUrl });
    const lines =
      tokens === undefined
        ? await storeTokens({
            store: tokenStore,
            tenants,
            env,
            baseUrl,
            adminUrl:
              adminToken === undefined
                ? undefined
                : `${baseUrl.replace(/\/scim\/v2\/?$/, '')}${ADMIN_PATH}`,
          })
        : [];
    const app = createApp({
      storage,
      ...(tokens === undefined ? { tokenStore } : { tokens }),
      ...(tenants === undefined ? {} : { tenants: tenantConfigs(tenants) }),
      adminToken,
      consoleToken,
      baseUrl,
      compatibility,
      cursorSecret: env.SCIM_CURSOR_SECRET,
      debug: env.SCIM_DEBUG === '1',
      events,
    });
    if (events !== undefined) console.log(events.summary);
    for (const line of lines) console.log(line);
    if (consoleToken !== undefined)
      console.log(
        `Provisioning console: ${baseUrl.replace(/\/scim\/v2\/?$/, '')}${CONSOLE_PATH} (log in with SCIM_CONSOLE_TOKEN)`,
      );
    // performance.now() counts from the process's start.
    const startup = performance.now().toFixed(0);
    console.log(
      tenants === undefined
        ? `SCIM 2.0 endpoint: ${baseUrl} (compatibility: ${compatibility}; ready in ${startup} ms)`
        : `SCIM 2.0 endpoint: ${baseUrl}/{tenant} (${tenants.length} tenant${tenants.length === 1 ? '' : 's'}; ready in ${startup} ms)`,
    );
    return app;
  },
});
