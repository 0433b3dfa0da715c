// Routes a request under the console's base path: assets, login and logout, the page, and the JSON
// endpoints, behind the transport rule and the console's own credential.
import { readBodyBytes, type RequestLogRecord, type RequestLogText } from '@scim/server';
import { deliveriesOf, detailOf, ratesOf, summaryOf, tenantsOf } from './api.js';
import { outboxOf } from './lifecycle.js';
import { CONSOLE_CSS } from './assets/styles.js';
import { CONSOLE_JS } from './assets/script.js';
import { loginPage, consolePage } from './assets/page.js';
import {
  bearerOf,
  consoleOrigin,
  CredentialGuard,
  cookieOf,
  sameOrigin,
  secureCookies,
  Sessions,
  SESSION_COOKIE,
  transportAllowed,
} from './auth.js';
import { RequestHistory } from './history.js';
import { resourcesOf } from './resources.js';
import { decodeSegment, retryDelivery, retryOutboxEvent } from './retry.js';
import { json, problem, redirect, respond } from './http.js';
import { resolveOptions, type ResolvedOptions, type ScimConsoleOptions } from './options.js';

const MAX_FORM_BYTES = 4096;

/**
 * A provisioning console: a `fetch(request)` to route the console's path to, and `record`, the
 * SCIM handler's `log` option (with `debug: true`, so that bodies arrive, already redacted).
 * @example
 * ```ts
 * const console = createScimConsole({ basePath: '/console', credential, outbox: handler.outbox });
 * createScimHandler({ ...options, debug: true, log: console.record });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.12
 */
export interface ScimConsole {
  /** Answers a request under `basePath` (404 outside it). */
  readonly fetch: (request: Request) => Promise<Response>;
  /**
   * Keeps one answered SCIM request in the bounded history; pass it as the handler's `log`. A log
   * of your own that calls it should pass both arguments on: with the bodies' text (`text`) it
   * keeps them as they are, without it it serialises them again.
   */
  readonly record: (record: RequestLogRecord, text?: RequestLogText) => void;
  /** The base path, normalised: `/console`. */
  readonly basePath: string;
}

/**
 * Makes a console. It does nothing until an application routes requests to its `fetch` and SCIM
 * log records to its `record`, and it needs its own credential.
 * @example
 * ```ts
 * const scimConsole = createScimConsole({ basePath: '/console', credential: process.env.SCIM_CONSOLE_TOKEN!, outbox: handler.outbox });
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-7.2
 */
export function createScimConsole(options: ScimConsoleOptions): ScimConsole {
  const resolved = resolveOptions(options);
  const history = new RequestHistory(resolved.historySize, resolved);
  const sessions = new Sessions(resolved);
  const guard = new CredentialGuard(resolved.failedLoginsPerMinute, resolved.now);
  return {
    basePath: resolved.basePath,
    record: (record, text) => {
      // What the endpoint says it ran wins; the option names it for records that do not say.
      history.add(
        record,
        resolved.now(),
        record.dialect ?? resolved.dialectOf(record.tenant),
        text,
      );
    },
    fetch: async (request) => {
      try {
        return await route(resolved, history, { sessions, guard }, request);
      } catch {
        // Nothing about the failure reaches the page: it may quote data.
        return problem(500, 'The console could not answer this request');
      }
    },
  };
}

async function route(
  options: ResolvedOptions,
  history: RequestHistory,
  { sessions, guard }: { readonly sessions: Sessions; readonly guard: CredentialGuard },
  request: Request,
): Promise<Response> {
  const url = new URL(request.url);
  const base = options.basePath;
  if (url.pathname !== base && !url.pathname.startsWith(`${base}/`))
    return problem(404, 'Not found');
  if (!transportAllowed(options, request, url))
    return problem(403, 'The console requires HTTPS; this request came over plain HTTP');
  const origin = consoleOrigin(options, request, url);
  const path = url.pathname.slice(base.length) || '/';
  const method = request.method.toUpperCase();
  const read = method === 'GET' || method === 'HEAD';

  if (path === '/console.js' || path === '/console.css') {
    if (!read) return problem(405, 'Method not allowed', { allow: 'GET, HEAD' });
    return path === '/console.js'
      ? respond(CONSOLE_JS, 200, 'text/javascript; charset=utf-8')
      : respond(CONSOLE_CSS, 200, 'text/css; charset=utf-8');
  }
  const cookie = (value: string, maxAge: number) =>
    `${SESSION_COOKIE}=${value}; Path=${base}; HttpOnly; SameSite=Strict; Max-Age=${maxAge}${secureCookies(url) ? '; Secure' : ''}`;
  if (path === '/login') {
    if (read) return respond(loginPage(base, false), 200, 'text/html; charset=utf-8');
    if (method !== 'POST') return problem(405, 'Method not allowed', { allow: 'GET, HEAD, POST' });
    if (!sameOrigin(request, origin))
      return problem(403, 'The login form must be posted from the console');
    const presented = await formField(request, 'credential');
    const checked =
      presented === undefined
        ? { matches: false, waitMs: 0 }
        : await guard.check(sessions, presented);
    if (checked.waitMs > 0) return tooManyFailures(checked.waitMs);
    if (!checked.matches) return respond(loginPage(base, true), 401, 'text/html; charset=utf-8');
    return redirect(`${base}/`, {
      'set-cookie': cookie(await sessions.issue(), Math.floor(options.sessionTtlMs / 1000)),
    });
  }
  if (path === '/logout') {
    if (method !== 'POST') return problem(405, 'Method not allowed', { allow: 'POST' });
    if (!sameOrigin(request, origin)) return problem(403, 'Log out from the console page');
    // The cookie alone is stateless: its session is revoked here, so a copy of it no longer works.
    await sessions.revoke(cookieOf(request, SESSION_COOKIE));
    return redirect(`${base}/login`, { 'set-cookie': cookie('', 0) });
  }

  const bearer = bearerOf(request);
  const checked = bearer === undefined ? undefined : await guard.check(sessions, bearer);
  if (checked !== undefined && checked.waitMs > 0) return tooManyFailures(checked.waitMs);
  const byBearer = checked?.matches === true;
  const bySession = !byBearer && (await sessions.valid(cookieOf(request, SESSION_COOKIE)));
  if (!byBearer && !bySession) {
    if (read && (path === '/' || path === '')) return redirect(`${base}/login`);
    return problem(401, 'The console needs its credential', {
      'www-authenticate': `Bearer realm="console"${bearer === undefined ? '' : ', error="invalid_token"'}`,
    });
  }
  // A cookie travels by itself: a state-changing request made with one must come from the page.
  if (!read && bySession && !sameOrigin(request, origin))
    return problem(403, 'This request must come from the console page');

  if (path === '/') {
    if (!read) return problem(405, 'Method not allowed', { allow: 'GET, HEAD' });
    return respond(consolePage(base), 200, 'text/html; charset=utf-8');
  }
  return api(options, history, method, path, url);
}

async function api(
  options: ResolvedOptions,
  history: RequestHistory,
  method: string,
  path: string,
  url: URL,
): Promise<Response> {
  const retry = /^\/api\/outbox\/([^/]{1,200})\/retry$/.exec(path);
  if (retry !== null) {
    if (method !== 'POST') return problem(405, 'Method not allowed', { allow: 'POST' });
    const id = decodeSegment(retry[1]);
    if (id === undefined) return problem(400, 'The event id in the path is not well encoded');
    return retryOutboxEvent(options, id);
  }
  const redeliver = /^\/api\/deliveries\/([^/]{1,200})\/([^/]{1,200})\/retry$/.exec(path);
  if (redeliver !== null) {
    if (method !== 'POST') return problem(405, 'Method not allowed', { allow: 'POST' });
    const streamId = decodeSegment(redeliver[1]);
    const jti = decodeSegment(redeliver[2]);
    if (streamId === undefined || jti === undefined)
      return problem(400, 'The stream or SET id in the path is not well encoded');
    return retryDelivery(options, streamId, jti);
  }
  if (method !== 'GET' && method !== 'HEAD')
    return problem(405, 'Method not allowed', { allow: 'GET, HEAD' });
  if (path === '/api/requests') {
    const after = Number(url.searchParams.get('after') ?? '0');
    const entries = history.list(Number.isSafeInteger(after) && after > 0 ? after : 0);
    return json({ size: history.size, requests: entries.map(summaryOf) });
  }
  // By the history's sequence number: request ids come from clients, and repeat.
  const one = /^\/api\/requests\/([0-9]{1,15})$/.exec(path);
  if (one !== null) {
    const entry = history.get(Number(one[1]));
    return entry === undefined
      ? problem(404, 'This request is no longer in the history')
      : json(await detailOf(options, history, entry));
  }
  if (path === '/api/outbox') return json(await outboxOf(options));
  if (path === '/api/deliveries') return json(await deliveriesOf(options));
  if (path === '/api/tenants') return json(await tenantsOf(options, history));
  if (path === '/api/rates') return json(await ratesOf(options, history));
  if (path === '/api/resources') return resourcesOf(options, url);
  return problem(404, 'Not found');
}

/** One field of a small urlencoded form; undefined when the body is not one or is too large. */
async function formField(request: Request, name: string): Promise<string | undefined> {
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/x-www-form-urlencoded\b/i.test(type)) return undefined;
  if (Number(request.headers.get('content-length') ?? '0') > MAX_FORM_BYTES) return undefined;
  // Read no more than the bound, whatever the client keeps sending without a Content-Length.
  const bytes = await readBodyBytes(request, MAX_FORM_BYTES);
  if (bytes === undefined) return undefined;
  return new URLSearchParams(new TextDecoder().decode(bytes)).get(name) ?? undefined;
}

/** 429 while credential checks are held back (RFC 6585 §4), with when to try again. */
function tooManyFailures(waitMs: number): Response {
  return problem(
    429,
    'Too many failed logins: the credential is not checked until this minute ends',
    {
      'retry-after': String(Math.max(1, Math.ceil(waitMs / 1000))),
    },
  );
}
