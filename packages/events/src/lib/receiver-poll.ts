// The receiver side of poll delivery (RFC 8936 §2): ask the transmitter for SETs, apply each, then
// acknowledge those applied or skipped (`ack`) and report those refused (`setErrs`) in an
// acknowledge-only request. A SET that failed for now is neither: its lease runs out and the
// transmitter hands it out again. Acknowledging only once a SET is applied is what RFC 9967 §5 asks
// ("persisted ... before acknowledging").
import { JSON_MEDIA_TYPE, isJsonObject } from '@scim/core';
import { decodeJwt } from 'jose';
import type { ReceiveResult } from './receiver.js';
import { checkNumberOption } from './replay.js';

/**
 * Where and how {@link EventReceiver.pollOnce} polls: the stream's poll endpoint, the
 * `Authorization` header value (or a function giving it for each request), other headers, the
 * `fetch` to use, the most SETs to take (`maxEvents`, default 100), whether the transmitter may hold
 * the request open until a SET is queued (`returnImmediately: false`, a long poll; default true),
 * and the time each request may take (`timeoutMs`, default 30,000, more than a long poll's wait).
 * @example `{ url: 'https://scim.example.com/events/poll/hr', authorization: `Bearer ${token}`, maxEvents: 50 }`
 * @see https://www.rfc-editor.org/rfc/rfc8936#section-2.2
 */
export interface PollOnceOptions {
  readonly url: string | URL;
  readonly authorization?:
    string | (() => string | undefined | Promise<string | undefined>) | undefined;
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly fetch?: ((request: Request) => Promise<Response>) | undefined;
  readonly maxEvents?: number | undefined;
  readonly returnImmediately?: boolean | undefined;
  readonly timeoutMs?: number | undefined;
  readonly signal?: AbortSignal | undefined;
}

/**
 * What one poll came to: the result of each SET by `jti`; those acknowledged, those reported as
 * errors, and those left to come again (`retry`: those that failed, and the SETs after one of them
 * of the same subject, which are not applied before it); whether the transmitter has more
 * (`moreAvailable`); and `ok` false with `error` when the poll or the acknowledgement failed (SETs
 * not acknowledged come again once their lease ends, and are then skipped as duplicates).
 * @example `do result = await receiver.pollOnce(options); while (result.ok && result.moreAvailable);`
 * @see https://www.rfc-editor.org/rfc/rfc8936#section-2.3
 */
export interface PollOnceResult {
  readonly ok: boolean;
  readonly error?: string;
  readonly results: Readonly<Record<string, ReceiveResult>>;
  readonly acknowledged: readonly string[];
  readonly reported: Readonly<
    Record<string, { readonly err: string; readonly description: string }>
  >;
  readonly retry: readonly string[];
  readonly moreAvailable: boolean;
}

type Receive = (
  token: string,
  context: { readonly signal?: AbortSignal | undefined },
) => Promise<ReceiveResult>;

/**
 * Polls once, applies each SET in the order given, and acknowledges what it may. Once a SET fails,
 * the later SETs of its subject in the batch are left for the transmitter to send again, after it.
 */
export async function pollSets(
  options: PollOnceOptions,
  receive: Receive,
): Promise<PollOnceResult> {
  const maxEvents = checkNumberOption('pollOnce', 'maxEvents', options.maxEvents, 100, {
    min: 0,
    integer: true,
  });
  const timeoutMs = checkNumberOption('pollOnce', 'timeoutMs', options.timeoutMs, 30_000, {
    min: 1,
    max: 2_147_483_647,
    integer: true,
  });
  const post = (body: unknown) => send(options, body, timeoutMs);
  const empty = { results: {}, acknowledged: [], reported: {}, retry: [], moreAvailable: false };
  const answer = await post({ maxEvents, returnImmediately: options.returnImmediately ?? true });
  if (typeof answer === 'string') return { ok: false, error: answer, ...empty };
  const sets = isJsonObject(answer) && isJsonObject(answer.sets) ? answer.sets : undefined;
  if (sets === undefined)
    return { ok: false, error: 'The poll answer has no sets (RFC 8936 §2.3)', ...empty };
  const moreAvailable = isJsonObject(answer) && answer.moreAvailable === true;

  // Keyed by jti, which the transmitter chooses: without a prototype, `__proto__` is a jti too.
  const results: Record<string, ReceiveResult> = Object.create(null) as Record<string, never>;
  const ack: string[] = [];
  const setErrs: Record<string, { err: string; description: string }> = Object.create(
    null,
  ) as Record<string, never>;
  const retry: string[] = [];
  /** Subjects with a SET that failed: their later SETs wait for its retry, in order. */
  const held = new Set<string>();
  for (const [jti, token] of Object.entries(sets)) {
    if (typeof token !== 'string') {
      setErrs[jti] = { err: 'invalid_request', description: 'A SET is a compact JWS string' };
      continue;
    }
    const subject = subjectOf(token);
    if (subject !== undefined && held.has(subject)) {
      // Applied now, it would make the earlier change stale by the time its retry comes.
      results[jti] = {
        status: 'failed',
        description: 'An earlier SET of its subject failed: this one comes again after it',
        jti,
      };
      retry.push(jti);
      continue;
    }
    const result = await receive(token, { signal: options.signal });
    results[jti] = result;
    if (result.status === 'applied' || result.status === 'skipped') ack.push(jti);
    else if (result.status === 'refused')
      setErrs[jti] = { err: result.err, description: result.description };
    else {
      retry.push(jti);
      if (subject !== undefined) held.add(subject);
    }
  }
  const done = { results, reported: setErrs, retry, moreAvailable };
  if (ack.length === 0 && Object.keys(setErrs).length === 0)
    return { ok: true, acknowledged: [], ...done };
  // RFC 8936 §2.4: an acknowledge-only request takes no SETs (maxEvents 0) and waits for none.
  const receipt = await post({ ack, setErrs, maxEvents: 0, returnImmediately: true });
  if (typeof receipt === 'string')
    return { ok: false, error: `Acknowledging failed: ${receipt}`, acknowledged: [], ...done };
  return { ok: true, acknowledged: ack, ...done };
}

/**
 * The subject a SET names, by issuer and `sub_id.uri`, read before it is verified: it only orders
 * the batch, and a SET that is not what it says is refused by `receive`.
 */
function subjectOf(token: string): string | undefined {
  try {
    const claims = decodeJwt(token);
    const subject = claims.sub_id;
    if (!isJsonObject(subject) || typeof subject.uri !== 'string') return undefined;
    return JSON.stringify([claims.iss ?? null, subject.uri]);
  } catch {
    return undefined;
  }
}

/** POSTs a poll request; the parsed answer, or a string saying why there is none. */
async function send(options: PollOnceOptions, body: unknown, timeoutMs: number): Promise<unknown> {
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal =
    options.signal === undefined ? timeout : AbortSignal.any([options.signal, timeout]);
  try {
    const headers = new Headers({
      'content-type': JSON_MEDIA_TYPE,
      accept: JSON_MEDIA_TYPE,
      ...options.headers,
    });
    const authorization =
      typeof options.authorization === 'function'
        ? await options.authorization()
        : options.authorization;
    if (authorization !== undefined) headers.set('authorization', authorization);
    const request = new Request(new URL(options.url), {
      method: 'POST',
      headers,
      body: JSON.stringify(body),
      signal,
    });
    const response = await (options.fetch ?? ((input: Request) => fetch(input)))(request);
    const text = await response.text();
    if (response.status !== 200) return `The transmitter answered ${response.status}`;
    return JSON.parse(text) as unknown;
  } catch (error) {
    return `The poll failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}
