// @ts-check
// The admin route: issue, list, rotate and revoke the SCIM bearer tokens of each tenant, behind a
// credential of its own, SCIM_ADMIN_TOKEN, which no SCIM token can stand in for. The tokens live in
// the token store the SCIM endpoint reads on every request, so a revocation holds from the next
// request on. A token is shown once, in the answer that made it; nothing else here ever holds it.
//
//   one tenant:      /admin/tokens                       GET list, POST issue
//                    /admin/tokens/{id}                  DELETE revoke
//                    /admin/tokens/{id}/rotate           POST rotate
//   SCIM_TENANTS:    /admin/tenants/{tenant}/tokens…     the same, per tenant
import { createHash, timingSafeEqual } from 'node:crypto';
import express from 'express';
import { createTokenManager } from '@scim/server';
import { SINGLE_TENANT } from './tokens.mjs';

/** Where app.mjs mounts the router. */
export const ADMIN_PATH = '/admin';

/** As the SCIM endpoint decides (RFC 7644 §7.2): https, or plain http on this machine only. */
const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;
const BEARER = /^Bearer[ \t]+([A-Za-z0-9\-._~+/]+=*)[ \t]*$/i;
const CHALLENGE = 'Bearer realm="admin"';
const ISSUE_FIELDS = ['label', 'scopes', 'expiresAt'];
const ROTATE_FIELDS = ['label', 'expiresAt', 'overlapSeconds'];

/** An answer of the admin route other than success, as RFC 9457 problem details. */
class AdminError extends Error {
  /** @param {number} status @param {string} detail @param {Record<string, string>} [headers] */
  constructor(status, detail, headers = {}) {
    super(detail);
    this.status = status;
    this.headers = headers;
  }
}

/**
 * The admin route, to mount at {@link ADMIN_PATH}. `tenants`: the tenants of SCIM_TENANTS, each
 * under `/admin/tenants/{tenant}`; undefined for one tenant, under `/admin/tokens`. `baseUrl`: the
 * public address of `/scim/v2`, which decides, as for the SCIM endpoint, whether plain HTTP is
 * refused (403 unless it names this machine) and which Tenant URL an issued token goes with.
 * @param {{
 *   adminToken: string,
 *   tokenStore: import('@scim/server').TokenStore,
 *   baseUrl: string,
 *   tenants?: readonly string[] | undefined,
 *   log?: (line: string) => void,
 * }} options
 */
export function createAdminRouter({ adminToken, tokenStore, baseUrl, tenants, log = console.log }) {
  const tokens = createTokenManager({ store: tokenStore });
  const expected = sha256(adminToken);
  const publicUrl = new URL(baseUrl);
  const secure = publicUrl.protocol === 'https:' || LOOPBACK.test(publicUrl.hostname);
  const served = tenants === undefined ? undefined : new Set(tenants);

  /** @param {import('express').Request} request */
  const tenantOf = (request) => {
    if (served === undefined) return SINGLE_TENANT;
    const tenant = String(request.params.tenant);
    // After the credential: only an administrator learns which tenants exist.
    if (!served.has(tenant)) throw new AdminError(404, `No tenant ${JSON.stringify(tenant)}`);
    return tenant;
  };
  /** @param {string} tenant */
  const tenantUrl = (tenant) =>
    tenant === SINGLE_TENANT ? baseUrl : `${baseUrl}/${encodeURIComponent(tenant)}`;
  /** @param {string} tenant */
  const of = (tenant) => (tenant === SINGLE_TENANT ? '' : ` of ${tenant}`);

  const router = express.Router();
  router.use((request, _response, next) => {
    if (!secure)
      throw new AdminError(
        403,
        'The admin route requires HTTPS; SCIM_BASE_URL names a plain-HTTP address that is not this machine',
      );
    const presented = BEARER.exec(request.get('authorization') ?? '')?.[1];
    if (presented === undefined)
      throw new AdminError(401, 'The admin route needs Authorization: Bearer <SCIM_ADMIN_TOKEN>', {
        'www-authenticate': CHALLENGE,
      });
    // Digests of equal length, compared in constant time: the time says nothing about the token.
    if (!timingSafeEqual(sha256(presented), expected))
      throw new AdminError(401, 'The admin token is not valid', {
        'www-authenticate': `${CHALLENGE}, error="invalid_token"`,
      });
    next();
  });
  // Any content type: `curl -d '{…}'` sends its JSON as a form.
  router.use(express.json({ limit: '16kb', type: () => true }));

  const base = served === undefined ? '' : '/tenants/:tenant';
  router
    .route(`${base}/tokens`)
    .get(async (request, response) => {
      const tenant = tenantOf(request);
      const list = await tokens.list(tenant);
      send(response, 200, {
        ...(tenant === SINGLE_TENANT ? {} : { tenant }),
        tenantUrl: tenantUrl(tenant),
        tokens: list.map(present),
      });
    })
    .post(async (request, response) => {
      const tenant = tenantOf(request);
      const body = readBody(request.body, ISSUE_FIELDS);
      const { token, record } = await manage(() =>
        tokens.issue({
          tenant,
          label: body.label === undefined ? 'admin' : readLabel(body.label),
          ...(body.scopes === undefined ? {} : { scopes: /** @type {string[]} */ (body.scopes) }),
          ...readExpiry(body.expiresAt),
        }),
      );
      log(`admin: issued token ${record.id} (${printable(record.label)})${of(tenant)}`);
      send(response, 201, { token, tenantUrl: tenantUrl(tenant), ...present(record) });
    })
    .all(notAllowed('GET, POST'));
  router
    .route(`${base}/tokens/:id`)
    .delete(async (request, response) => {
      const tenant = tenantOf(request);
      const revoked = await tokens.revoke(String(request.params.id), { tenant });
      if (revoked === undefined) throw new AdminError(404, 'No token with this id');
      log(`admin: revoked token ${revoked.id} (${printable(revoked.label)})${of(tenant)}`);
      send(response, 200, present(revoked));
    })
    .all(notAllowed('DELETE'));
  router
    .route(`${base}/tokens/:id/rotate`)
    .post(async (request, response) => {
      const tenant = tenantOf(request);
      const body = readBody(request.body, ROTATE_FIELDS);
      const overlap = body.overlapSeconds;
      if (overlap !== undefined && (typeof overlap !== 'number' || !(overlap >= 0)))
        throw new AdminError(400, 'overlapSeconds must be a number of seconds, 0 or more');
      const id = String(request.params.id);
      const rotated = await manage(() =>
        tokens.rotate(id, {
          tenant,
          ...(overlap === undefined ? {} : { overlapMs: overlap * 1000 }),
          ...(body.label === undefined ? {} : { label: readLabel(body.label) }),
          ...readExpiry(body.expiresAt),
        }),
      );
      if (rotated === undefined) throw new AdminError(404, 'No live token with this id');
      const { token, record } = rotated;
      log(`admin: rotated token ${id} into ${record.id} (${printable(record.label)})${of(tenant)}`);
      send(response, 201, { token, tenantUrl: tenantUrl(tenant), ...present(record) });
    })
    .all(notAllowed('POST'));
  router.use(() => {
    throw new AdminError(404, 'No admin route here');
  });
  /**
   * @param {unknown} error @param {import('express').Request} _request
   * @param {import('express').Response} response @param {import('express').NextFunction} _next
   */
  const answerError = (error, _request, response, _next) => {
    const known = toAdminError(error);
    if (known.status === 500) log(`admin: ${String(error)}`);
    response
      .status(known.status)
      .set({ 'cache-control': 'no-store', ...known.headers })
      .type('application/problem+json')
      .send(JSON.stringify({ status: known.status, detail: known.message }));
  };
  router.use(answerError);
  return router;
}

/**
 * A token as the route shows it: never the token or its digest. `scopes` null is a token without
 * restrictions; the dates are ISO 8601, null when there is none.
 * @param {import('@scim/server').TokenSummary} summary
 */
function present(summary) {
  const iso = (/** @type {Date | undefined} */ date) => date?.toISOString() ?? null;
  return {
    id: summary.id,
    label: summary.label,
    state: summary.state,
    scopes: summary.scopes ?? null,
    createdAt: summary.createdAt.toISOString(),
    expiresAt: iso(summary.expiresAt),
    lastUsedAt: iso(summary.lastUsedAt),
    revokedAt: iso(summary.revokedAt),
    rotatedFrom: summary.rotatedFrom ?? null,
  };
}

/**
 * Runs a token manager call; the input it refuses (a TypeError: an unknown scope, an expiry in
 * the past) is the client's mistake, 400.
 * @template T @param {() => Promise<T>} call @returns {Promise<T>}
 */
async function manage(call) {
  try {
    return await call();
  } catch (error) {
    if (error instanceof TypeError)
      throw new AdminError(400, error.message.replace(/^createTokenManager: /, ''));
    throw error;
  }
}

/** @param {unknown} body @param {readonly string[]} fields @returns {Record<string, unknown>} */
function readBody(body, fields) {
  if (body === undefined) return {};
  if (typeof body !== 'object' || body === null || Array.isArray(body))
    throw new AdminError(400, `The body must be a JSON object with ${fields.join(', ')}`);
  const unknown = Object.keys(body).find((field) => !fields.includes(field));
  if (unknown !== undefined)
    throw new AdminError(400, `Unknown field "${unknown}"; the fields are ${fields.join(', ')}`);
  return /** @type {Record<string, unknown>} */ (body);
}

// Control characters and line breaks: a label is written to the log, where one could forge lines
// (CWE-117). The token manager refuses them too; the log escapes them all the same.
// eslint-disable-next-line no-control-regex -- finding them is the point
const CONTROLS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g;

/** A label as the log shows it: on its own line, whatever it holds. @param {string} label */
function printable(label) {
  return label.replace(CONTROLS, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** @param {unknown} value */
function readLabel(value) {
  if (typeof value !== 'string' || value.trim() === '')
    throw new AdminError(400, 'label must be a non-empty string');
  if (value.search(CONTROLS) !== -1)
    throw new AdminError(400, 'label must not contain control characters or line breaks');
  return value;
}

/** @param {unknown} value @returns {{ expiresAt?: Date }} */
function readExpiry(value) {
  if (value === undefined) return {};
  const date = typeof value === 'string' ? new Date(value) : undefined;
  if (date === undefined || Number.isNaN(date.getTime()))
    throw new AdminError(400, 'expiresAt must be a date and time, such as 2027-01-31T00:00:00Z');
  return { expiresAt: date };
}

/** @param {string} allow @returns {import('express').RequestHandler} */
function notAllowed(allow) {
  return () => {
    throw new AdminError(405, `Use ${allow} here`, { allow });
  };
}

/** @param {unknown} error */
function toAdminError(error) {
  if (error instanceof AdminError) return error;
  const type = /** @type {{ type?: unknown }} */ (error)?.type;
  if (type === 'entity.parse.failed') return new AdminError(400, 'The body is not valid JSON');
  if (type === 'entity.too.large') return new AdminError(413, 'The body is too large');
  return new AdminError(500, 'The admin route failed; the server log says why');
}

/** @param {import('express').Response} response @param {number} status @param {unknown} body */
function send(response, status, body) {
  // Issued tokens travel in these answers: no cache may keep one.
  response.status(status).set('cache-control', 'no-store').json(body);
}

/** @param {string} text */
function sha256(text) {
  return createHash('sha256').update(text).digest();
}
