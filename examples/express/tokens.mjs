// @ts-check
// The bearer tokens a server of this example accepts, from its variables: server.mjs (the SCIM
// endpoint) and receiver.mjs (the read-only replica) read them alike. With several tenants, or with
// the admin route on, tokens live in a token store (memory, or the `tokens` table of the database),
// where the configured ones are stored by their digest beside those the admin route issues.
import { randomBytes } from 'node:crypto';
import { createTokenManager, hashBearerToken } from '@scim/server';

/**
 * The tenant a single-tenant server's tokens are kept under in the token store. A tenant of
 * SCIM_TENANTS can never be named so (`_` is not allowed in one), so the tokens of a multi-tenant
 * run on the same database never open the single-tenant endpoint.
 */
export const SINGLE_TENANT = '_single';

/** How the ids of the configured tokens' records start; the digest's first 32 hex digits follow. */
const CONFIGURED_ID = 'configured-';
const DIGEST = /^sha256:[0-9a-f]{64}$/;
/** The digest of the empty string: an unset variable, never a token. */
const EMPTY_DIGEST = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

/**
 * The digests of the tokens configured: SCIM_TOKEN_SHA256 (comma-separated), else SCIM_TOKEN's;
 * undefined when neither is set.
 * @param {Readonly<Record<string, string | undefined>>} env
 * @returns {Promise<string[] | undefined>}
 */
export async function configuredTokens(env) {
  const digests = env.SCIM_TOKEN_SHA256?.split(',').map((digest) => digest.trim());
  if (digests !== undefined && digests.some((digest) => digest !== '')) return digests;
  const token = env.SCIM_TOKEN ?? '';
  return token === '' ? undefined : [await hashBearerToken(token)];
}

/**
 * The digests of the tokens accepted: SCIM_TOKEN_SHA256 (comma-separated), else SCIM_TOKEN's. With
 * neither, a random token for this run only, printed once: never a fixed default.
 * @param {Readonly<Record<string, string | undefined>>} env
 * @param {(line: string) => void} [log]
 */
export async function acceptedTokens(env, log = console.log) {
  const configured = await configuredTokens(env);
  if (configured !== undefined) return configured;
  const token = randomBytes(24).toString('base64url');
  log(`SCIM_TOKEN is not set; this run accepts the bearer token:\n  ${token}`);
  return [await hashBearerToken(token)];
}

/**
 * Puts the configured tokens (their digests) of one tenant in the token store, so it finds them by
 * digest like the tokens the admin route issues; run at every start, and by several servers at
 * once, it stores each once. A configured token is stored as it was left: revoked through the admin
 * route, it stays revoked in a database (a warning says so). A token configured at an earlier
 * start and no longer is revoked, so changing the configuration retires the old token. Answers
 * the warnings to print; a token stored for another tenant stops the start.
 * @param {import('@scim/server').TokenStore} store
 * @param {{ tenant: string, digests: readonly string[], label: string, name: string, now?: Date }} options
 *   `label`: the variable the tokens come from, kept as their label. `name`: the tenant as the
 *   warnings name it.
 */
export async function storeConfiguredTokens(
  store,
  { tenant, digests, label, name, now = new Date() },
) {
  /** @type {string[]} */
  const warnings = [];
  /** @type {Set<string>} */
  const configured = new Set();
  for (const [index, digest] of digests.entries()) {
    const sha256 = digest.toLowerCase();
    // As bearerTokens checks them; never the value, which may be a token pasted by mistake.
    if (!DIGEST.test(sha256) || sha256 === EMPTY_DIGEST)
      throw new Error(
        `${label}: entry ${index + 1} is not the SHA-256 digest of a token: expected 'sha256:' and 64 hex digits, as \`printf %s "$TOKEN" | sha256sum\` gives`,
      );
    let record = await store.findByHash(sha256);
    if (record === undefined) {
      const id = `${CONFIGURED_ID}${sha256.slice('sha256:'.length, 'sha256:'.length + 32)}`;
      try {
        await store.insert({ id, tenant, label, sha256, createdAt: now });
        configured.add(id);
        continue;
      } catch (error) {
        // Another server on the same database stored it first.
        record = await store.findByHash(sha256);
        if (record === undefined) throw error;
      }
    }
    if (record.tenant !== tenant)
      throw new Error(
        `${label}: the token of ${name} is another tenant's in the token store; give ${name} a token of its own`,
      );
    configured.add(record.id);
    const state = stateOf(record, now);
    if (state !== 'live')
      warnings.push(
        `${name}: the token ${label} names was ${state} in the token store and is refused; put a new one in ${label}`,
      );
  }
  for (const record of await store.list(tenant))
    if (
      record.id.startsWith(CONFIGURED_ID) &&
      !configured.has(record.id) &&
      stateOf(record, now) === 'live'
    ) {
      await store.revoke(record.id, now);
      warnings.push(`${name}: the token ${label} named before is revoked`);
    }
  return warnings;
}

/**
 * The first token of a tenant that was given none: issued when the store holds no live token of
 * the tenant (always, on memory), and answered this once; otherwise how many live tokens it has.
 * @param {import('@scim/server').TokenManager} manager
 * @param {string} tenant
 * @returns {Promise<{ token: string | undefined, live: number }>}
 */
export async function firstToken(manager, tenant) {
  const live = (await manager.list(tenant)).filter((token) => token.state === 'live').length;
  if (live > 0) return { token: undefined, live };
  const { token } = await manager.issue({ tenant, label: 'first' });
  return { token, live: 1 };
}

/**
 * As the token manager says it: revoked once revoked, expired from `expiresAt` on, else live.
 * @param {import('@scim/server').TokenRecord} record
 * @param {Date} at
 */
function stateOf(record, at) {
  if (record.revokedAt !== undefined) return 'revoked';
  return record.expiresAt === undefined || record.expiresAt.getTime() > at.getTime()
    ? 'live'
    : 'expired';
}

/**
 * The token store as server.mjs prepares it, with several tenants or the admin route on: each
 * tenant's token from SCIM_TENANTS, or the one tenant's SCIM_TOKEN_SHA256 or SCIM_TOKEN, stored by
 * digest (`storeConfiguredTokens`); for one tenant given none, a first token (`firstToken`).
 * Answers the start-up lines: each Tenant URL, and never a secret but the first token, shown this
 * once. `adminUrl`: the admin route's public address, undefined when it is off.
 * @param {{
 *   store: import('@scim/server').TokenStore,
 *   tenants: readonly import('./tenants.mjs').TenantSetting[] | undefined,
 *   env: Readonly<Record<string, string | undefined>>,
 *   baseUrl: string,
 *   adminUrl: string | undefined,
 *   warn?: (line: string) => void,
 * }} options
 */
export async function storeTokens({ store, tenants, env, baseUrl, adminUrl, warn = console.warn }) {
  const manager = createTokenManager({ store });
  /** @type {string[]} */
  const lines = [];
  /** @param {string} tenant */
  const live = async (tenant) => {
    const count = (await manager.list(tenant)).filter(({ state }) => state === 'live').length;
    return `${count} live token${count === 1 ? '' : 's'}`;
  };
  if (tenants !== undefined) {
    for (const { name, token, compatibility } of tenants) {
      const warnings = await storeConfiguredTokens(store, {
        tenant: name,
        digests: [await hashBearerToken(token)],
        label: 'SCIM_TENANTS',
        name: `tenant ${name}`,
      });
      for (const warning of warnings) warn(warning);
      lines.push(
        `tenant ${name} (${compatibility}): ${baseUrl}/${name} (${await live(name)}; token from SCIM_TENANTS)`,
      );
    }
    if (adminUrl !== undefined)
      lines.push(
        `admin: ${adminUrl}/tenants/{tenant}/tokens (Authorization: Bearer SCIM_ADMIN_TOKEN)`,
      );
    return lines;
  }
  const digests = await configuredTokens(env);
  const label = env.SCIM_TOKEN_SHA256?.split(',').some((digest) => digest.trim() !== '')
    ? 'SCIM_TOKEN_SHA256'
    : 'SCIM_TOKEN';
  const warnings = await storeConfiguredTokens(store, {
    tenant: SINGLE_TENANT,
    digests: digests ?? [],
    label,
    name: 'this server',
  });
  for (const warning of warnings) warn(warning);
  if (digests === undefined) {
    const first = await firstToken(manager, SINGLE_TENANT);
    lines.push(
      first.token === undefined
        ? `SCIM_TOKEN is not set; the token store holds ${await live(SINGLE_TENANT)} (GET ${adminUrl ?? ''}/tokens lists them)`
        : `SCIM_TOKEN is not set; a first token is issued, shown this once (GET ${adminUrl ?? ''}/tokens lists it without the secret):\n` +
            `  Tenant URL:   ${baseUrl}\n  Secret Token: ${first.token}`,
    );
  }
  if (adminUrl !== undefined)
    lines.push(`admin: ${adminUrl}/tokens (Authorization: Bearer SCIM_ADMIN_TOKEN)`);
  return lines;
}
