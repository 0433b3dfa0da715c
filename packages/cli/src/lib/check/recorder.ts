// The fetch the conformance kit is given: it sends each request with a timeout, records the
// exchange for the case running (secrets redacted), and notes every resource a request created, so
// that the run can delete them again. A request in flight when the run is interrupted is allowed to
// finish, so that a user it created is known and deleted; the case then stops at its next request.
import { REDACTED, redactJson, redactSecrets, SECRET_HEADER } from '../redact.js';
import type { RecordedExchange } from '../types.js';

/** Thrown into a case when the run was interrupted. */
export class Interrupted extends Error {
  constructor() {
    super('interrupted');
  }
}

export interface RecorderOptions {
  readonly fetch: (request: Request) => Promise<Response>;
  readonly baseUrl: string;
  readonly timeoutMs: number;
  readonly signal: AbortSignal;
  /** Values to redact wherever they appear (the token, the values of secret headers). */
  readonly secrets: readonly string[];
}

export interface Recorder {
  readonly fetch: (request: Request) => Promise<Response>;
  /** Starts a new list of exchanges, the current case's, and returns it. */
  begin(): RecordedExchange[];
  /** The URLs of the resources created and not deleted since, oldest first. */
  created(): string[];
  /** How many resources were created in all. */
  createdCount(): number;
}

const MAX_BODY = 64 * 1024;
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

export function redactBody(text: string, secrets: readonly string[]): string {
  let out = text;
  try {
    const parsed: unknown = JSON.parse(text);
    out = JSON.stringify(redactJson(parsed));
  } catch {
    // Not JSON: only the known secrets are replaced.
  }
  out = redactSecrets(out, secrets);
  return out.length > MAX_BODY ? `${out.slice(0, MAX_BODY)}… (${out.length} characters)` : out;
}

export function redactHeaders(
  headers: Headers,
  secrets: readonly string[],
): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name] =
      SECRET_HEADER.test(name) || secrets.some((secret) => secret !== '' && value.includes(secret))
        ? REDACTED
        : value;
  });
  return out;
}

function whenAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    const fail = () =>
      reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    if (signal.aborted) fail();
    else signal.addEventListener('abort', fail, { once: true });
  });
}

/** An error's message with its cause's code or message: `fetch failed (ECONNREFUSED)`. */
export function describeError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  if (error.name === 'TimeoutError') return error.message;
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const detail =
    typeof cause?.code === 'string'
      ? cause.code
      : typeof cause?.message === 'string' && cause.message !== ''
        ? cause.message
        : undefined;
  return detail === undefined ? error.message : `${error.message} (${detail})`;
}

export function createRecorder(options: RecorderOptions): Recorder {
  const base = new URL(options.baseUrl.replace(/\/+$/, ''));
  const basePath = base.pathname.replace(/\/+$/, '');
  const created = new Map<string, true>();
  let count = 0;
  let current: RecordedExchange[] = [];

  /** The canonical URL of a resource under the base URL: `<base>/<Type>/<id>`. */
  const resourceUrl = (type: string, id: string) =>
    `${base.origin}${basePath}/${type}/${encodeURIComponent(id)}`;

  function noteCreated(url: URL, method: string, status: number, text: string): void {
    const relative = url.pathname.slice(basePath.length).replace(/^\/+|\/+$/g, '');
    if (method === 'DELETE' && status >= 200 && status < 300) {
      created.delete(`${base.origin}${url.pathname}`);
      return;
    }
    if (method !== 'POST' || text === '') return;
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return;
    }
    if (status === 201 && /^[^/]+$/.test(relative) && typeof body.id === 'string') {
      created.set(resourceUrl(relative, body.id), true);
      count += 1;
    } else if (relative.toLowerCase() === 'bulk' && Array.isArray(body.Operations)) {
      for (const operation of body.Operations as Record<string, unknown>[]) {
        if (String(operation.status) !== '201' || typeof operation.location !== 'string') continue;
        const [type, id] = new URL(operation.location, base).pathname.split('/').slice(-2);
        if (type === undefined || id === undefined) continue;
        created.set(resourceUrl(type, decodeURIComponent(id)), true);
        count += 1;
      }
    }
  }

  async function recordingFetch(request: Request): Promise<Response> {
    const exchanges = current;
    const method = request.method.toUpperCase();
    const body = method === 'GET' || method === 'HEAD' ? '' : await request.text();
    const url = new URL(request.url);
    const started = performance.now();
    const sent: RecordedExchange['request'] = {
      method,
      url: request.url,
      headers: redactHeaders(request.headers, options.secrets),
      ...(body === '' ? {} : { body: redactBody(body, options.secrets) }),
    };
    const timeout = AbortSignal.timeout(options.timeoutMs);
    const outgoing = new Request(request.url, {
      method,
      headers: request.headers,
      ...(body === '' ? {} : { body }),
      signal: timeout,
      redirect: 'manual',
    });
    let response: Response;
    let text: string;
    try {
      response = await Promise.race([options.fetch(outgoing), whenAborted(timeout)]);
      text = await Promise.race([response.text(), whenAborted(timeout)]);
    } catch (error) {
      const reason = timeout.aborted
        ? `timed out after ${options.timeoutMs / 1000} s`
        : describeError(error);
      exchanges.push({ request: sent, error: reason, durationMs: elapsed(started) });
      if (options.signal.aborted) throw new Interrupted();
      throw new Error(`no response: ${method} ${url.pathname}${url.search}: ${reason}`, {
        cause: error,
      });
    }
    noteCreated(url, method, response.status, text);
    exchanges.push({
      request: sent,
      response: {
        status: response.status,
        statusText: response.statusText,
        headers: redactHeaders(response.headers, options.secrets),
        ...(text === '' ? {} : { body: redactBody(text, options.secrets) }),
      },
      durationMs: elapsed(started),
    });
    // The exchange is complete and what it created is known: now the run may stop.
    if (options.signal.aborted) throw new Interrupted();
    return new Response(NULL_BODY.has(response.status) ? null : text, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  }

  return {
    fetch: recordingFetch,
    begin() {
      current = [];
      return current;
    },
    created: () => [...created.keys()],
    createdCount: () => count,
  };
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
