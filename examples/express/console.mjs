// @ts-check
// The provisioning console (@scim/console) at /console, on only when SCIM_CONSOLE_TOKEN is set: the
// live requests with their bodies (passwords redacted), the change each write made, the lifecycle
// outbox with a retry for dead events, the users and groups searched with a SCIM filter (one tenant),
// and with SCIM_TENANTS each tenant's tokens (never a secret).
// Open http://127.0.0.1:8080/console and type the token, or send it as a bearer token.
import { Readable } from 'node:stream';
import { createScimConsole } from '@scim/console';
import { createScimHandler, createTokenManager } from '@scim/server';

export const CONSOLE_PATH = '/console';
/** The console's token is typed into a login form: 32 characters, as for the example's other tokens. */
const MIN_CONSOLE_TOKEN_LENGTH = 32;

/**
 * SCIM_CONSOLE_TOKEN, or undefined (no console) when it is unset or empty.
 * @param {Readonly<Record<string, string | undefined>>} env
 */
export function consoleTokenFromEnv(env) {
  const value = env.SCIM_CONSOLE_TOKEN ?? '';
  if (value === '') return undefined;
  if (value.length < MIN_CONSOLE_TOKEN_LENGTH || !/^[\x21-\x7e]+$/.test(value))
    throw new Error(
      `SCIM_CONSOLE_TOKEN must be ${MIN_CONSOLE_TOKEN_LENGTH} printable characters or more; make one with openssl rand -hex 32`,
    );
  if (value === env.SCIM_TOKEN || value === env.SCIM_ADMIN_TOKEN)
    throw new Error(
      'SCIM_CONSOLE_TOKEN must differ from the SCIM and admin tokens: make one of its own',
    );
  return value;
}

/**
 * The console and its Express middleware. `outbox` is read when the page asks, so the console can be
 * made before the SCIM handler whose `log` feeds it.
 * @param {{
 *   token: string,
 *   outbox: () => import('@scim/server').ScimOutbox,
 *   compatibility: string,
 *   tenants?: Readonly<Record<string, { compatibility: string }>> | undefined,
 *   tokenStore?: import('@scim/server').TokenStore | undefined,
 *   stores?: import('@scim/server').ScimHandlerOptions['stores'] | undefined,
 *   baseUrl?: string | undefined,
 * }} options `stores` and `baseUrl`: the SCIM endpoint's, for the resources view (one tenant only).
 */
export function createConsole({
  token,
  outbox,
  compatibility,
  tenants,
  tokenStore,
  stores,
  baseUrl,
}) {
  const manager = tokenStore === undefined ? undefined : createTokenManager({ store: tokenStore });
  const resources =
    stores === undefined || baseUrl === undefined || tenants !== undefined
      ? undefined
      : readResources(stores, baseUrl, compatibility);
  const scimConsole = createScimConsole({
    basePath: CONSOLE_PATH,
    credential: token,
    outbox: { list: (filter) => outbox().list(filter), retry: (id) => outbox().retry(id) },
    dialect: (tenant) => (tenant === undefined ? compatibility : tenants?.[tenant]?.compatibility),
    ...(resources === undefined ? {} : { resources }),
    ...(tenants === undefined
      ? {}
      : {
          tenants: {
            names: () => Object.keys(tenants),
            settings: (tenant) => tenants[tenant],
            ...(manager === undefined ? {} : { tokens: (tenant) => manager.list(tenant) }),
          },
        }),
  });
  /**
   * @param {import('express').Request} req
   * @param {import('express').Response} res
   * @param {import('express').NextFunction} next
   */
  const middleware = (req, res, next) => {
    const method = req.method.toUpperCase();
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers))
      for (const one of [value ?? []].flat()) headers.append(name, one);
    // req.originalUrl keeps the mount path; req.protocol honours Express's `trust proxy`.
    /** @type {Request} */
    let request;
    try {
      request = new Request(
        `${req.protocol}://${req.get('host') ?? 'localhost'}${req.originalUrl}`,
        {
          method,
          headers,
          ...(method === 'GET' || method === 'HEAD'
            ? {}
            : { body: /** @type {ReadableStream} */ (Readable.toWeb(req)), duplex: 'half' }),
        },
      );
    } catch {
      // A Host that makes no URL (`a b`, `x@y`, `[::1`): the client's mistake, answered without
      // the parser's message or a stack, and before any credential is asked for.
      failed(res, 400, "The request's Host header or URL is malformed");
      return;
    }
    scimConsole
      .fetch(request)
      .then(async (response) => {
        res.status(response.status);
        response.headers.forEach((value, name) => {
          if (name !== 'set-cookie') res.setHeader(name, value);
        });
        const cookies = response.headers.getSetCookie();
        if (cookies.length > 0) res.setHeader('set-cookie', cookies);
        res.end(Buffer.from(await response.arrayBuffer()));
      })
      .catch((/** @type {unknown} */ error) => {
        if (res.headersSent) next(error);
        else failed(res, 500, 'The console could not answer this request');
      });
  };
  return { scimConsole, middleware };
}

/**
 * Answers with the console's JSON problem shape, and nothing of the failure itself.
 * @param {import('express').Response} res
 * @param {number} status
 * @param {string} detail
 */
function failed(res, status, detail) {
  res
    .status(status)
    .set({ 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' })
    .end(JSON.stringify({ status, detail }));
}

/**
 * The resources view's search: a second SCIM handler over the same stores, never routed to, so it
 * needs no credential of its own and nothing outside the process can call it; read-only by its
 * scope, without hooks or log. Filters are parsed and refused as the endpoint itself does.
 * @param {import('@scim/server').ScimHandlerOptions['stores']} stores
 * @param {string} baseUrl
 * @param {string} compatibility
 * @returns {import('@scim/console').ConsoleResources}
 */
function readResources(stores, baseUrl, compatibility) {
  const reader = createScimHandler({
    stores,
    baseUrl,
    compatibility: /** @type {'rfc' | 'default' | 'entra' | 'okta'} */ (compatibility),
    authenticate: () => ({ principal: 'console', scopes: ['scim:read'] }),
  });
  return {
    search: (type, { filter, startIndex, count }) => {
      const query = new URLSearchParams({
        startIndex: String(startIndex),
        count: String(count),
        ...(filter === undefined ? {} : { filter }),
      });
      return reader.fetch(new Request(`${baseUrl}/${type}s?${query}`));
    },
  };
}
