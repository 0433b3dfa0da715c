// What a failed request becomes: a ScimClientError when the server answered (its status, scimType
// and detail, read defensively from whatever body came back), a ScimTransportError when it did not.
import { isScimType, ScimError, type ScimType } from '@scim/core';

const CLIENT_ERROR_BRAND = Symbol.for('@scim/client/ScimClientError');

/** The longest piece of a non-SCIM error body kept as the detail (an HTML proxy page, say). */
const MAX_DETAIL_CHARS = 500;

/**
 * What {@link ScimClientError} is made of.
 * @example `new ScimClientError({ status: 409, scimType: 'uniqueness', detail: 'taken', method: 'POST', url })`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.12
 */
export interface ScimClientErrorOptions {
  readonly status: number;
  readonly scimType?: ScimType | undefined;
  readonly detail?: string | undefined;
  readonly method: string;
  readonly url: string;
  /** The response headers, lower-cased names. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** How many attempts were made, retries included. */
  readonly attempts?: number | undefined;
  /** Set when the error was kept because the retry budget or limits allowed no further attempt. */
  readonly retriesExhausted?: boolean | undefined;
}

/**
 * A SCIM error answer (RFC 7644 §3.12) as the client saw it: a `ScimError` with the server's status,
 * scimType and detail, plus the request's method and URL. The status is the HTTP status even when
 * the body disagrees, and an unregistered scimType is kept in `rawScimType` only.
 * @example
 * ```ts
 * try { await client.users.create({ userName: 'bjensen' }); }
 * catch (error) { if (isScimClientError(error) && error.scimType === 'uniqueness') … }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.12
 */
export class ScimClientError extends ScimError {
  override readonly name: string = 'ScimClientError';
  override readonly status: number;
  override readonly scimType: ScimType | undefined;
  /** The scimType string exactly as the server sent it, registered or not. */
  readonly rawScimType: string | undefined;
  readonly method: string;
  readonly url: string;
  readonly attempts: number;
  readonly retriesExhausted: boolean;

  constructor(options: ScimClientErrorOptions, rawScimType?: string) {
    const status = isHttpError(options.status) ? options.status : 500;
    super({
      status,
      ...(options.detail === undefined ? {} : { detail: options.detail }),
      ...(options.headers === undefined ? {} : { headers: options.headers }),
    });
    // ScimError derives the status from the scimType; a server may pair them otherwise (a 400
    // `uniqueness`), and the client reports what it was told.
    this.status = status;
    this.scimType = options.scimType;
    this.rawScimType = rawScimType ?? options.scimType;
    this.method = options.method;
    this.url = options.url;
    this.attempts = options.attempts ?? 1;
    this.retriesExhausted = options.retriesExhausted ?? false;
    Object.defineProperty(this, CLIENT_ERROR_BRAND, { value: true });
    this.message = `${options.method} ${options.url} answered ${status}${
      options.scimType === undefined ? '' : ` ${options.scimType}`
    }${options.detail === undefined ? '' : `: ${options.detail}`}`;
  }
}

/**
 * Tells whether a value is a {@link ScimClientError}.
 * @example `if (isScimClientError(error) && error.status === 404) return undefined;`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.12
 */
export function isScimClientError(value: unknown): value is ScimClientError {
  // A registry symbol rather than instanceof, so that two installed copies recognise each other.
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { [CLIENT_ERROR_BRAND]?: unknown })[CLIENT_ERROR_BRAND] === true
  );
}

/**
 * Why a request got no usable answer: `timeout` (the client's `timeoutMs` passed), `aborted` (the
 * caller's signal), `network` (no response), `invalidResponse` (a 2xx body that is not what SCIM
 * answers), `pagingLoop` (a server whose pages never end or repeat), or `token` (no access token).
 * @example `if (error instanceof ScimTransportError && error.code === 'timeout') …`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.12
 */
export type ScimTransportErrorCode =
  'timeout' | 'aborted' | 'network' | 'invalidResponse' | 'pagingLoop' | 'token';

/**
 * A request that ended without a SCIM answer to report; see {@link ScimTransportErrorCode}.
 * @example
 * ```ts
 * try { await client.users.get(id, { signal }); }
 * catch (error) { if (error instanceof ScimTransportError) console.warn(error.code, error.url); }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.12
 */
export class ScimTransportError extends Error {
  override readonly name = 'ScimTransportError';
  readonly code: ScimTransportErrorCode;
  readonly method: string;
  readonly url: string;
  readonly attempts: number;

  constructor(
    code: ScimTransportErrorCode,
    message: string,
    request: { readonly method: string; readonly url: string; readonly attempts?: number },
    cause?: unknown,
  ) {
    super(
      `${request.method} ${request.url}: ${message}`,
      cause === undefined ? undefined : { cause },
    );
    this.code = code;
    this.method = request.method;
    this.url = request.url;
    this.attempts = request.attempts ?? 1;
  }
}

function isHttpError(status: number): boolean {
  return Number.isInteger(status) && status >= 400 && status <= 599;
}

/** Reads an error response: a SCIM error body when there is one, else a short piece of the text. */
export async function readErrorResponse(
  response: Response,
  request: { readonly method: string; readonly url: string; readonly attempts?: number },
  extra: { readonly retriesExhausted?: boolean } = {},
): Promise<ScimClientError> {
  let text = '';
  try {
    text = await response.text();
  } catch {
    // A body that cannot be read leaves the status to speak.
  }
  return errorFromAnswer(response.status, response.headers, text, request, extra);
}

/** The error for an answer whose body was read already. */
export function errorFromAnswer(
  status: number,
  responseHeaders: Headers,
  text: string,
  request: { readonly method: string; readonly url: string; readonly attempts?: number },
  extra: { readonly retriesExhausted?: boolean } = {},
): ScimClientError {
  const headers: Record<string, string> = {};
  responseHeaders.forEach((value, key) => {
    headers[key] = value;
  });
  const { scimType, rawScimType, detail } = parseErrorBody(text, status);
  return new ScimClientError(
    {
      status,
      scimType,
      detail,
      method: request.method,
      url: request.url,
      headers,
      attempts: request.attempts,
      retriesExhausted: extra.retriesExhausted,
    },
    rawScimType,
  );
}

/** The scimType and detail of an error body, whatever it holds: SCIM JSON, other JSON, HTML, nothing. */
export function parseErrorBody(
  text: string,
  status: number,
): { scimType: ScimType | undefined; rawScimType: string | undefined; detail: string | undefined } {
  const trimmed = text.trim();
  if (trimmed === '') return { scimType: undefined, rawScimType: undefined, detail: undefined };
  let body: unknown;
  try {
    body = JSON.parse(trimmed);
  } catch {
    return { scimType: undefined, rawScimType: undefined, detail: describeText(trimmed, status) };
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    return { scimType: undefined, rawScimType: undefined, detail: clip(trimmed) };
  }
  const record = body as Record<string, unknown>;
  const rawType = stringField(record, 'scimType');
  // SCIM's detail, else what OAuth endpoints (error_description) and other APIs (message) send.
  const detail =
    stringField(record, 'detail') ??
    stringField(record, 'error_description') ??
    stringField(record, 'message') ??
    stringField(record, 'error');
  return {
    scimType: isScimType(rawType) ? rawType : undefined,
    rawScimType: rawType,
    detail: detail === undefined ? undefined : clip(detail),
  };
}

function stringField(record: Record<string, unknown>, name: string): string | undefined {
  const key = Object.keys(record).find(
    (candidate) => candidate.toLowerCase() === name.toLowerCase(),
  );
  const value = key === undefined ? undefined : record[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

// An HTML page (a proxy's 502, a login page) says the most in its <title>; tags are noise.
function describeText(text: string, status: number): string {
  if (/^<(!doctype|html|\?xml|head|body)/i.test(text)) {
    const title = /<title[^>]*>([^<]*)<\/title>/i.exec(text)?.[1]?.trim();
    return `The server answered ${status} with an HTML page${title ? `: ${clip(title)}` : ''}`;
  }
  return clip(text.replace(/\s+/g, ' '));
}

function clip(text: string): string {
  return text.length <= MAX_DETAIL_CHARS ? text : `${text.slice(0, MAX_DETAIL_CHARS)}…`;
}
