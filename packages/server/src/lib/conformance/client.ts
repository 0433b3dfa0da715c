// A minimal SCIM client over a fetch function, and assertions that need no test framework.
import { ERROR_URN, SCIM_MEDIA_TYPE } from '@scim/core';

/**
 * The endpoint a conformance run talks to: any function from a Web `Request` to a `Response` (a
 * handler, an adapter's app, or a live server through `globalThis.fetch`).
 * @example `{ fetch: (request) => handler.fetch(request), baseUrl: 'http://localhost/scim/v2', headers: { authorization: 'Bearer t' } }`
 * @see https://www.rfc-editor.org/rfc/rfc7644
 */
export interface ConformanceTarget {
  readonly fetch: (request: Request) => Promise<Response>;
  /** The SCIM base URL, such as `https://app.example.com/scim/v2`. */
  readonly baseUrl: string;
  /** Sent with every request (authorization, tenant headers). */
  readonly headers?: Readonly<Record<string, string>>;
}

export interface Reply {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly body: Record<string, unknown>;
}

/**
 * One request. `headers` are sent as given, over the target's; a body is sent as
 * `application/scim+json` unless `headers` names another Content-Type (Microsoft's Postman
 * collection sends `application/json`, Okta adds `; charset=utf-8`).
 */
export type Call = (
  method: string,
  path: string,
  body?: unknown,
  headers?: Readonly<Record<string, string>>,
) => Promise<Reply>;

export function clientFor(target: ConformanceTarget): Call {
  return async (method, path, body, extra = {}) => {
    const headers = new Headers({ accept: SCIM_MEDIA_TYPE, ...target.headers });
    for (const [name, value] of Object.entries(extra)) headers.set(name, value);
    const init: RequestInit = { method, headers };
    if (body !== undefined) {
      if (!headers.has('content-type')) headers.set('content-type', SCIM_MEDIA_TYPE);
      init.body = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const response = await target.fetch(
      new Request(`${target.baseUrl.replace(/\/+$/, '')}${path}`, init),
    );
    const text = await response.text();
    let parsed: unknown = {};
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new Error(`${method} ${path}: the response is not JSON: ${text.slice(0, 200)}`);
      }
    }
    return {
      status: response.status,
      headers: response.headers,
      text,
      body: (parsed ?? {}) as Record<string, unknown>,
    };
  };
}

export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new Error(message);
}

export function checkStatus(
  reply: Reply,
  expected: number | readonly number[],
  what: string,
): void {
  const allowed = typeof expected === 'number' ? [expected] : expected;
  check(
    allowed.includes(reply.status),
    `${what}: expected HTTP ${allowed.join(' or ')}, got ${reply.status} ${reply.text.slice(0, 300)}`,
  );
  if (reply.text !== '') {
    check(
      reply.headers.get('content-type')?.startsWith(SCIM_MEDIA_TYPE) === true,
      `${what}: Content-Type must be ${SCIM_MEDIA_TYPE}`,
    );
  }
}

export function checkError(
  reply: Reply,
  status: number,
  scimType: string | undefined,
  what: string,
): void {
  checkStatus(reply, status, what);
  check(
    reply.body.status === String(status),
    `${what}: the error body's status must be the string "${status}"`,
  );
  check(
    Array.isArray(reply.body.schemas) && reply.body.schemas[0] === ERROR_URN,
    `${what}: the error body needs the Error schema`,
  );
  if (scimType !== undefined)
    check(
      reply.body.scimType === scimType,
      `${what}: expected scimType ${scimType}, got ${String(reply.body.scimType)}`,
    );
}

/** A name no earlier run used, so cases can run against a store that keeps data. */
export function unique(prefix: string): string {
  return `${prefix}-${crypto.randomUUID().slice(0, 8)}`;
}
