import { ERROR_URN, SCIM_MEDIA_TYPE } from './constants.js';
import { formatIssuePath, type ScimIssue } from './issues.js';

/**
 * The registered SCIM error types: RFC 7644 Table 9 plus the cursor errors of RFC 9865.
 * @example `const t: ScimType = 'invalidFilter'`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.12
 */
export type ScimType =
  | 'invalidFilter'
  | 'tooMany'
  | 'uniqueness'
  | 'mutability'
  | 'invalidSyntax'
  | 'invalidPath'
  | 'noTarget'
  | 'invalidValue'
  | 'invalidVers'
  | 'sensitive'
  | 'invalidCursor'
  | 'expiredCursor'
  | 'invalidCount';

/**
 * The one table from scimType to HTTP status: 400, except `uniqueness` (409, RFC 7644 §3.3) and
 * `sensitive` (403, RFC 7644 §7.5.2).
 * @example `SCIM_TYPE_STATUS.uniqueness // 409`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.12
 */
export const SCIM_TYPE_STATUS: Readonly<Record<ScimType, number>> = Object.freeze({
  invalidFilter: 400,
  tooMany: 400,
  uniqueness: 409,
  mutability: 400,
  invalidSyntax: 400,
  invalidPath: 400,
  noTarget: 400,
  invalidValue: 400,
  invalidVers: 400,
  sensitive: 403,
  invalidCursor: 400,
  expiredCursor: 400,
  invalidCount: 400,
});

/**
 * Tells whether a string is a registered scimType.
 * @example `isScimType('noTarget') // true`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.12
 */
export function isScimType(value: unknown): value is ScimType {
  return typeof value === 'string' && Object.hasOwn(SCIM_TYPE_STATUS, value);
}

/**
 * The JSON body of a SCIM error response.
 * @example `{ schemas: [ERROR_URN], status: '404', detail: 'User 42 not found' }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.12
 */
export interface ScimErrorBody {
  readonly schemas: readonly [typeof ERROR_URN];
  /** The HTTP status code as a string, equal to the response status. */
  readonly status: string;
  readonly scimType?: ScimType;
  readonly detail?: string;
}

/**
 * What a {@link ScimError} is made of. Give `scimType` (the status follows from the table) or `status`.
 * @example `new ScimError({ scimType: 'invalidValue', detail: 'userName is required' })`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.12
 */
export interface ScimErrorOptions {
  readonly scimType?: ScimType;
  /** Required without a scimType; with one, it must equal the table's status. */
  readonly status?: number;
  readonly detail?: string;
  /** Extra response headers, such as `Allow` on a 405 or `WWW-Authenticate` on a 401. */
  readonly headers?: Readonly<Record<string, string>>;
  /** The original throwable; kept for logs and never rendered. */
  readonly cause?: unknown;
}

const SCIM_ERROR_BRAND = Symbol.for('@scim/core/ScimError');
const INTERNAL_ERROR_DETAIL = 'The service provider could not complete the request.';

/**
 * The one error type of the SDK: an HTTP status, an optional scimType and a detail, rendered as the
 * RFC 7644 §3.12 error body.
 * @example
 * ```ts
 * throw ScimError.notFound('User 2819c223 not found');
 * const res = ScimError.uniqueness('userName is taken').toResponse(); // 409
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.12
 */
export class ScimError extends Error {
  override readonly name: string = 'ScimError';
  readonly status: number;
  readonly scimType: ScimType | undefined;
  readonly detail: string | undefined;
  readonly headers: Readonly<Record<string, string>>;

  constructor(options: ScimErrorOptions) {
    super(
      options.detail ?? 'SCIM error',
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    const { scimType, status } = options;
    if (scimType !== undefined) {
      if (!isScimType(scimType)) throw new TypeError(`Unknown scimType '${String(scimType)}'`);
      const expected = SCIM_TYPE_STATUS[scimType];
      if (status !== undefined && status !== expected) {
        throw new TypeError(`scimType '${scimType}' goes with status ${expected}, not ${status}`);
      }
      this.status = expected;
    } else {
      if (status === undefined || !Number.isInteger(status) || status < 400 || status > 599) {
        throw new TypeError('A ScimError needs a scimType or an HTTP error status (400-599)');
      }
      this.status = status;
    }
    this.scimType = scimType;
    this.detail = options.detail;
    this.headers = Object.freeze({ ...options.headers });
    // A registry symbol rather than instanceof, so that two installed copies recognise each other.
    Object.defineProperty(this, SCIM_ERROR_BRAND, { value: true });
  }

  /** The RFC 7644 §3.12 body; `status` is a string equal to the HTTP status. */
  toJSON(): ScimErrorBody {
    return {
      schemas: [ERROR_URN],
      status: String(this.status),
      ...(this.scimType === undefined ? {} : { scimType: this.scimType }),
      ...(this.detail === undefined ? {} : { detail: this.detail }),
    };
  }

  /** A Web `Response` with the error body, `application/scim+json`, and any extra headers. */
  toResponse(): Response {
    const headers = new Headers(this.headers);
    headers.set('content-type', SCIM_MEDIA_TYPE);
    return new Response(JSON.stringify(this.toJSON()), { status: this.status, headers });
  }

  /** One error for a list of validation issues: the first issue's scimType, every message in the detail. */
  static fromIssues(issues: readonly ScimIssue[]): ScimError {
    const first = issues[0];
    if (first === undefined) return ScimError.invalidValue('The request is invalid.');
    const detail = issues
      .map((issue) =>
        issue.path.length > 0 ? `${formatIssuePath(issue.path)}: ${issue.message}` : issue.message,
      )
      .join('; ');
    return new ScimError({ scimType: first.scimType, detail });
  }

  /** 400 with no scimType. */
  static badRequest(detail: string): ScimError {
    return new ScimError({ status: 400, detail });
  }
  /** 401, with the `WWW-Authenticate` challenge RFC 7644 §2 asks for. */
  static unauthorized(detail: string, challenge = 'Bearer'): ScimError {
    return new ScimError({ status: 401, detail, headers: { 'www-authenticate': challenge } });
  }
  /** 403 with no scimType. */
  static forbidden(detail: string): ScimError {
    return new ScimError({ status: 403, detail });
  }
  /** 404. */
  static notFound(detail: string): ScimError {
    return new ScimError({ status: 404, detail });
  }
  /** 405 with the `Allow` header listing the methods that are supported. */
  static methodNotAllowed(allowed: readonly string[], detail?: string): ScimError {
    return new ScimError({
      status: 405,
      detail: detail ?? `Method not allowed; use ${allowed.join(', ')}`,
      headers: { allow: allowed.join(', ') },
    });
  }
  /** 412: an `If-Match` precondition failed (RFC 7644 §3.14). */
  static preconditionFailed(detail: string): ScimError {
    return new ScimError({ status: 412, detail });
  }
  /** 413: the payload exceeds the advertised limit. */
  static payloadTooLarge(detail: string): ScimError {
    return new ScimError({ status: 413, detail });
  }
  /** 429 (RFC 6585 §4) with `Retry-After` in seconds, for rate limits such as cursor issuance (RFC 9865 §5.3). */
  static tooManyRequests(detail: string, retryAfterSeconds: number): ScimError {
    return new ScimError({
      status: 429,
      detail,
      headers: { 'retry-after': String(Math.max(Math.ceil(retryAfterSeconds), 1)) },
    });
  }
  /** 415: the request body is not JSON. */
  static unsupportedMediaType(detail: string): ScimError {
    return new ScimError({ status: 415, detail });
  }
  /** 501: the operation is not supported (RFC 7644 §3.12). */
  static notImplemented(detail: string): ScimError {
    return new ScimError({ status: 501, detail });
  }
  /** 400 invalidFilter. */
  static invalidFilter(detail: string): ScimError {
    return new ScimError({ scimType: 'invalidFilter', detail });
  }
  /** 400 tooMany. */
  static tooMany(detail: string): ScimError {
    return new ScimError({ scimType: 'tooMany', detail });
  }
  /** 409 uniqueness. */
  static uniqueness(detail: string): ScimError {
    return new ScimError({ scimType: 'uniqueness', detail });
  }
  /** 400 mutability. */
  static mutability(detail: string): ScimError {
    return new ScimError({ scimType: 'mutability', detail });
  }
  /** 400 invalidSyntax. */
  static invalidSyntax(detail: string): ScimError {
    return new ScimError({ scimType: 'invalidSyntax', detail });
  }
  /** 400 invalidPath. */
  static invalidPath(detail: string): ScimError {
    return new ScimError({ scimType: 'invalidPath', detail });
  }
  /** 400 noTarget. */
  static noTarget(detail: string): ScimError {
    return new ScimError({ scimType: 'noTarget', detail });
  }
  /** 400 invalidValue. */
  static invalidValue(detail: string): ScimError {
    return new ScimError({ scimType: 'invalidValue', detail });
  }
  /** 400 invalidVers. */
  static invalidVers(detail: string): ScimError {
    return new ScimError({ scimType: 'invalidVers', detail });
  }
  /** 403 sensitive. */
  static sensitive(detail: string): ScimError {
    return new ScimError({ scimType: 'sensitive', detail });
  }
  /** 400 invalidCursor (RFC 9865). */
  static invalidCursor(detail: string): ScimError {
    return new ScimError({ scimType: 'invalidCursor', detail });
  }
  /** 400 expiredCursor (RFC 9865). */
  static expiredCursor(detail: string): ScimError {
    return new ScimError({ scimType: 'expiredCursor', detail });
  }
  /** 400 invalidCount (RFC 9865). */
  static invalidCount(detail: string): ScimError {
    return new ScimError({ scimType: 'invalidCount', detail });
  }
}

/**
 * Tells whether a value is a {@link ScimError}, also one made by another installed copy of this package.
 * @example `if (isScimError(err)) return err.toResponse();`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.12
 */
export function isScimError(value: unknown): value is ScimError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as { [SCIM_ERROR_BRAND]?: unknown })[SCIM_ERROR_BRAND] === true
  );
}

/**
 * The one place where an unknown throwable becomes a SCIM error: a ScimError passes through, anything
 * else becomes a 500 whose detail echoes nothing of the original (kept as `cause` for logs).
 * @example
 * ```ts
 * try { return await handle(request); } catch (err) { return toScimError(err).toResponse(); }
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.12
 */
export function toScimError(value: unknown): ScimError {
  if (isScimError(value)) return value;
  return new ScimError({ status: 500, detail: INTERNAL_ERROR_DETAIL, cause: value });
}
