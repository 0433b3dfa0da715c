// @ts-check
// What the operator configures for several tenants and for the admin route, read once at start-up:
// SCIM_TENANTS (JSON: each tenant's token and client dialect) and SCIM_ADMIN_TOKEN. Every mistake is
// an Error whose message says what to change, and never repeats a token: server.mjs prints it and
// exits 1 before the port opens.
import { createHash } from 'node:crypto';
import { SERVER_PRESETS } from '@scim/server';

/**
 * The shortest token taken for a tenant or the admin route: 32 characters, such as the 43 of
 * `openssl rand -base64 32` or the 64 of `openssl rand -hex 32`, so a guess never finds one.
 */
export const MIN_TOKEN_LENGTH = 32;

/** RFC 6750 §2.1 token68: the only characters a bearer token can be sent with. */
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*$/;
/**
 * A tenant is one path segment, `/scim/v2/{tenant}`: lower-case letters, digits and inner `-`, as a
 * DNS label, so it needs no percent-encoding, reads the same in every log, and Okta (which refuses
 * `_` in a base URL) takes it.
 */
const TENANT_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const FIELDS = new Set(['token', 'compatibility']);
const PRESETS = /** @type {readonly import('@scim/server').ServerPresetName[]} */ (
  Object.keys(SERVER_PRESETS)
);
const EXAMPLE = `{"acme":{"token":"…","compatibility":"entra"},"globex":{"token":"…","compatibility":"okta"}}`;

/**
 * @typedef {object} TenantSetting One tenant of SCIM_TENANTS, checked.
 * @property {string} name served at `/scim/v2/{name}`
 * @property {string} token its bearer token, as configured (stored in the token store as a digest)
 * @property {import('@scim/server').ServerPresetName} compatibility its client dialect
 */

/**
 * The tenants SCIM_TENANTS configures, in the order it names them; undefined when it is unset or
 * empty (one tenant, as before). A tenant without `compatibility` gets SCIM_COMPATIBILITY's, else
 * `default`. SCIM_TENANTS leaves no room for the variables of one tenant: SCIM_TOKEN and
 * SCIM_TOKEN_SHA256 (each tenant's token is in it) and SCIM_EVENTS_PUSH_URL (the example pushes one
 * stream, which names no tenant) are refused beside it.
 * @param {Readonly<Record<string, string | undefined>>} env
 * @returns {TenantSetting[] | undefined}
 */
export function tenantsFromEnv(env) {
  const text = env.SCIM_TENANTS?.trim() ?? '';
  if (text === '') return undefined;
  /** @type {unknown} */
  let parsed;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not the parser's message: it quotes the text around the mistake, which may be a token.
    throw new Error(`SCIM_TENANTS is not valid JSON; write it as ${EXAMPLE}`);
  }
  if (!isObject(parsed))
    throw new Error(`SCIM_TENANTS must be a JSON object of tenants, such as ${EXAMPLE}`);
  const names = Object.keys(parsed);
  if (names.length === 0) throw new Error(`SCIM_TENANTS names no tenant; write it as ${EXAMPLE}`);
  for (const variable of ['SCIM_TOKEN', 'SCIM_TOKEN_SHA256', 'SCIM_EVENTS_PUSH_URL'])
    if ((env[variable] ?? '') !== '')
      throw new Error(
        variable === 'SCIM_EVENTS_PUSH_URL'
          ? 'SCIM_EVENTS_PUSH_URL is for one tenant: the example pushes one stream of events, which names no tenant. Unset it or SCIM_TENANTS'
          : `${variable} is for one tenant: with SCIM_TENANTS each tenant's token is in it. Unset ${variable}`,
      );
  const fallback = readPreset(env.SCIM_COMPATIBILITY ?? 'default', 'SCIM_COMPATIBILITY');
  /** @type {Map<string, string>} token → the tenant that has it */
  const owners = new Map();
  return names.map((name) => {
    const where = `SCIM_TENANTS[${JSON.stringify(name)}]`;
    if (!TENANT_NAME.test(name))
      throw new Error(
        `SCIM_TENANTS: the tenant name ${JSON.stringify(name)} is not URL-safe; use 1 to 63 lower-case letters, digits and "-" (not first or last), such as "acme-corp"`,
      );
    const tenant = parsed[name];
    if (!isObject(tenant))
      throw new Error(`${where} must be an object such as {"token":"…","compatibility":"entra"}`);
    for (const field of Object.keys(tenant))
      if (!FIELDS.has(field))
        throw new Error(
          `${where} has an unknown field "${field}"; the fields are token and compatibility`,
        );
    if (tenant.token === undefined)
      throw new Error(`${where} has no token: give each tenant the bearer token its client sends`);
    const token = readToken(tenant.token, `${where}.token`);
    const other = owners.get(token);
    if (other !== undefined)
      throw new Error(
        `${where}.token is the token of tenant "${other}" too; give each tenant its own`,
      );
    owners.set(token, name);
    const compatibility =
      tenant.compatibility === undefined
        ? fallback
        : readPreset(tenant.compatibility, `${where}.compatibility`);
    return { name, token, compatibility };
  });
}

/**
 * The tenants as `createApp` takes them: each one's dialect, by name.
 * @param {readonly TenantSetting[]} tenants
 * @returns {Record<string, { compatibility: import('@scim/server').ServerPresetName }>}
 */
export function tenantConfigs(tenants) {
  return Object.fromEntries(tenants.map(({ name, compatibility }) => [name, { compatibility }]));
}

/**
 * SCIM_ADMIN_TOKEN, the bearer token of the admin route; undefined (no admin route) when it is
 * unset or empty. It must differ from every SCIM token, so no SCIM client can issue tokens.
 * @param {Readonly<Record<string, string | undefined>>} env
 * @param {readonly TenantSetting[] | undefined} tenants
 */
export function adminTokenFromEnv(env, tenants) {
  const value = env.SCIM_ADMIN_TOKEN ?? '';
  if (value === '') return undefined;
  const token = readToken(value, 'SCIM_ADMIN_TOKEN');
  const digest = `sha256:${createHash('sha256').update(token).digest('hex')}`;
  const configured = env.SCIM_TOKEN_SHA256?.split(',').map((entry) => entry.trim().toLowerCase());
  const scimTokens = tenants?.map((tenant) => tenant.token) ?? [env.SCIM_TOKEN ?? ''];
  if (scimTokens.includes(token) || configured?.includes(digest) === true)
    throw new Error('SCIM_ADMIN_TOKEN must differ from every SCIM token: make one of its own');
  return token;
}

/** @param {unknown} value @param {string} where */
function readToken(value, where) {
  if (typeof value !== 'string' || !TOKEN68.test(value))
    throw new Error(
      `${where} must be a string of A-Z a-z 0-9 - . _ ~ + / (and = at the end), as a bearer token is sent (RFC 6750 §2.1)`,
    );
  if (value.length < MIN_TOKEN_LENGTH)
    throw new Error(
      `${where} is too short: a token needs at least ${MIN_TOKEN_LENGTH} characters; make one with openssl rand -hex 32`,
    );
  return value;
}

/**
 * @param {unknown} value @param {string} where
 * @returns {import('@scim/server').ServerPresetName}
 */
function readPreset(value, where) {
  const preset = PRESETS.find(
    (name) => typeof value === 'string' && name === value.trim().toLowerCase(),
  );
  if (preset === undefined)
    throw new Error(
      `${where} is ${JSON.stringify(value)}, which is no preset; use one of ${PRESETS.join(', ')}`,
    );
  return preset;
}

/**
 * @param {unknown} value
 * @returns {value is Record<string, unknown>}
 */
function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
