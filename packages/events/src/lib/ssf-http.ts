// HTTP plumbing of the Shared Signals stream management endpoints: the one error every refusal
// becomes, JSON answers, and a bounded, strict reading of request bodies. SSF 1.0 signals errors by
// status code alone (the error tables of §8.1.1 to §8.1.4, and "an error response uses the applicable
// HTTP status code value" in §7.2.3); the body `{ "error", "description" }` adds why, so a receiver's
// logs can say what to fix. Nothing here ever puts a stack or an internal message in a response.
import { readJsonBody } from './json-body.js';

/**
 * Why an SSF management request was refused, each with its HTTP status (see `SSF_ERROR_STATUS`).
 * @example `throw new SsfError('invalid_request', '"status" must be enabled, paused or disabled')`
 * @see https://openid.net/specs/openid-sharedsignals-framework-1_0.html#management-api
 */
export type SsfErrorCode =
  | 'invalid_request'
  | 'authentication_failed'
  | 'access_denied'
  | 'not_found'
  | 'method_not_allowed'
  | 'too_many_requests'
  | 'server_error';

/** One table from code to status, so a code never answers two ways. */
const SSF_ERROR_STATUS: Readonly<Record<SsfErrorCode, number>> = {
  invalid_request: 400,
  authentication_failed: 401,
  access_denied: 403,
  not_found: 404,
  method_not_allowed: 405,
  too_many_requests: 429,
  server_error: 500,
};

/**
 * A refusal that renders itself: `{ "error": code, "description": … }` with the code's status and
 * `Cache-Control: no-store`, plus any headers the refusal needs (`Allow`, `Retry-After`).
 * @example `return new SsfError('not_found', 'There is no stream "f67e39a0"').toResponse()`
 * @see https://openid.net/specs/openid-sharedsignals-framework-1_0.html#management-api
 */
export class SsfError extends Error {
  readonly code: SsfErrorCode;
  readonly headers: Readonly<Record<string, string>>;

  constructor(code: SsfErrorCode, description: string, headers: Record<string, string> = {}) {
    super(description);
    this.name = 'SsfError';
    this.code = code;
    this.headers = headers;
  }

  get status(): number {
    return SSF_ERROR_STATUS[this.code];
  }

  toResponse(): Response {
    return json({ error: this.code, description: this.message }, this.status, this.headers);
  }
}

/**
 * A JSON answer. Management answers are never cached (`no-store`, as the SSF examples show), unless
 * `headers` says otherwise.
 * @example `return json(config, 201)`
 * @see https://openid.net/specs/openid-sharedsignals-framework-1_0.html#management-api
 */
export function json(body: unknown, status = 200, headers: Record<string, string> = {}): Response {
  return Response.json(body, {
    status,
    headers: { 'cache-control': 'no-store', ...headers },
  });
}

/**
 * An empty answer (200 for an added subject, 204 for a deletion, a removed subject, a verification
 * request), never cached.
 * @example `return empty(204)`
 * @see https://openid.net/specs/openid-sharedsignals-framework-1_0.html#management-api
 */
export function empty(status: 200 | 204): Response {
  return new Response(null, { status, headers: { 'cache-control': 'no-store' } });
}

/** How deep a management body may nest: the deepest one (a subject in a request) has 2 levels. */
const MAX_BODY_DEPTH = 8;

/**
 * Reads a request body as one JSON object, refusing with a 400 what is not one: another media type,
 * more than `maxBytes` bytes, invalid UTF-8 or JSON, not an object, nested deeper than any
 * management request needs, or holding a `__proto__` member anywhere (a prototype-pollution probe
 * that no SSF member is named).
 * @example `const body = await readJsonObject(request, 65_536); // Record<string, unknown>`
 * @see https://openid.net/specs/openid-sharedsignals-framework-1_0.html#management-api
 */
export async function readJsonObject(
  request: Request,
  maxBytes: number,
): Promise<Record<string, unknown>> {
  checkMediaType(request.headers.get('content-type'));
  const parsed = await readJsonBody(request, maxBytes, {
    tooLarge: () => invalid(`The request body is larger than ${maxBytes} bytes`),
    notUtf8: () => invalid('The request body is not valid UTF-8'),
    notJson: () => invalid('The request body is not valid JSON'),
  });
  if (parsed === undefined) throw invalid('The request body is empty; a JSON object is expected');
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw invalid('The request body must be a JSON object');
  checkShape(parsed);
  return parsed as Record<string, unknown>;
}

/** Shorthand for the most common refusal. */
export function invalid(description: string): SsfError {
  return new SsfError('invalid_request', description);
}

/** No Content-Type is accepted (the SSF examples send none); a declared one must be JSON. */
function checkMediaType(contentType: string | null): void {
  if (contentType === null) return;
  const mediaType = contentType.split(';')[0]?.trim().toLowerCase() ?? '';
  if (mediaType !== 'application/json' && !/^application\/[\w.-]+\+json$/.test(mediaType))
    throw invalid(`The request body must be application/json, not "${mediaType}"`);
}

/** Walks with its own stack, so a hostile body cannot overflow the call stack here. */
function checkShape(value: object): void {
  const stack: [unknown, number][] = [[value, 1]];
  for (let item = stack.pop(); item !== undefined; item = stack.pop()) {
    const [node, depth] = item;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > MAX_BODY_DEPTH)
      throw invalid(`The request body is nested deeper than ${MAX_BODY_DEPTH} levels`);
    if (!Array.isArray(node) && Object.hasOwn(node, '__proto__'))
      throw invalid('The request body has a "__proto__" member, which no SSF request has');
    for (const child of Array.isArray(node) ? node : Object.values(node))
      if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
}
