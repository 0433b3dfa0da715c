// One POST to an address `checkReceiverUrl` vetted moments before (see receiver-url.ts), as a push,
// a webhook and a client-credentials token request all send it, and the answer read back, capped.
//
// The connection goes over a fresh socket (`agent: false`): a pooled socket could have been opened to
// an address that was vetted under an earlier answer. Redirects are never followed, as a redirect
// could point anywhere, including inside the network. Failures come back in words fit for a delivery
// log, never with a stack trace.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { toHostname, toVettedLookup, type VettedAddress } from './receiver-url.js';

/** The most of a receiver's answer that is read: an error body is small, a huge one is hostile. */
const MAX_ANSWER_BYTES = 64 * 1024;

/** Receiver-written text kept in results (and so in delivery logs) is cut to this length. */
const MAX_DESCRIPTION_CHARS = 500;

/**
 * A POST to a vetted URL (the `ok` result of `checkReceiverUrl`). `signal` ends the exchange; it
 * counts as a timeout unless `callerSignal` (the caller's own, part of `signal`) is what aborted.
 * @example `{ headers: { 'content-type': SECEVENT_JWT_MEDIA_TYPE }, body: token, signal, timeoutMs: 10_000 }`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2.1
 */
export interface VettedRequest {
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly signal: AbortSignal;
  readonly callerSignal?: AbortSignal | undefined;
  readonly timeoutMs: number;
  readonly ca?: string | readonly string[] | undefined;
}

/**
 * The status, headers and (at most 64 KiB of) body of an answer.
 * @example `{ ok: true, status: 202, headers: {}, body: '' }`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2.2
 */
export interface VettedAnswer {
  readonly ok: true;
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/**
 * An answer, or why none came, in words fit for a delivery log.
 * @example `{ ok: false, reason: 'no answer within 10000 ms (timeout)' }`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2
 */
export type VettedExchange = VettedAnswer | { readonly ok: false; readonly reason: string };

/**
 * The signal an exchange runs under, and `dispose`, which ends its timer and its listener on the
 * caller's signal. Call `dispose` when the exchange is over.
 * @example `const deadline = startDeadline(10_000, options.signal); try { … } finally { deadline.dispose(); }`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2
 */
export interface Deadline {
  readonly signal: AbortSignal;
  readonly dispose: () => void;
}

/**
 * Starts a deadline: its signal aborts after `timeoutMs` (a checked whole number of ms) or when the
 * caller's signal aborts, whichever comes first. A listener of ours, removed by `dispose`, follows the
 * caller's signal: `AbortSignal.any` would keep every delivery's signal alive as long as a
 * long-lived caller signal lives (Node 20), a leak of each delivery.
 * @example `const deadline = startDeadline(10_000, undefined); await checkReceiverUrl(url, { signal: deadline.signal });`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2
 */
export function startDeadline(timeoutMs: number, callerSignal: AbortSignal | undefined): Deadline {
  const controller = new AbortController();
  const onCallerAbort = (): void => controller.abort(callerSignal?.reason);
  const timer = setTimeout(
    () => controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError')),
    timeoutMs,
  );
  if (callerSignal?.aborted === true) onCallerAbort();
  else callerSignal?.addEventListener('abort', onCallerAbort, { once: true });
  return {
    signal: controller.signal,
    dispose: () => {
      clearTimeout(timer);
      callerSignal?.removeEventListener('abort', onCallerAbort);
    },
  };
}

/**
 * Sends one POST to the vetted address of `target`, keeping its host name for `Host` and TLS (SNI
 * and certificate checks), and reads at most 64 KiB of the answer.
 * @example
 * ```ts
 * const check = await checkReceiverUrl(url);
 * const deadline = startDeadline(5_000, undefined);
 * if (check.ok) await sendVetted(check, { headers, body, signal: deadline.signal, timeoutMs: 5_000 });
 * deadline.dispose();
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2.1
 */
export function sendVetted(
  target: { readonly url: URL; readonly addresses: readonly VettedAddress[] },
  request: VettedRequest,
): Promise<VettedExchange> {
  return new Promise((settle) => {
    const { url } = target;
    const { signal } = request;
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    let outgoing: ReturnType<typeof send> | undefined;
    // Set once the status line arrived: from then on, that status is the receiver's answer even if
    // the body is cut short or never ends.
    let answer: (() => void) | undefined;
    let settled = false;
    const finish = (exchange: VettedExchange): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', onAbort);
      settle(exchange);
    };
    const onAbort = (): void => {
      if (answer !== undefined) answer();
      else
        finish({
          ok: false,
          reason:
            request.callerSignal?.aborted === true
              ? 'the delivery was cancelled'
              : `no answer within ${request.timeoutMs} ms (timeout)`,
        });
      outgoing?.destroy();
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });

    try {
      outgoing = send({
        protocol: url.protocol,
        hostname: toHostname(url),
        port: url.port === '' ? undefined : Number(url.port),
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers: { ...request.headers, 'content-length': String(Buffer.byteLength(request.body)) },
        agent: false,
        lookup: toVettedLookup(target.addresses),
        ...(request.ca === undefined ? {} : { ca: [request.ca].flat() }),
      });
    } catch (error) {
      // Node refuses a header value with a line break before anything is sent.
      return finish({ ok: false, reason: networkReason(error) });
    }
    outgoing.on('error', (error) => finish({ ok: false, reason: networkReason(error) }));
    outgoing.on('response', (incoming) => {
      const chunks: Buffer[] = [];
      let size = 0;
      answer = () =>
        finish({
          ok: true,
          status: incoming.statusCode ?? 0,
          headers: incoming.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
      incoming.on('data', (chunk: Buffer) => {
        const room = MAX_ANSWER_BYTES - size;
        chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
        size += Math.min(chunk.length, room);
        if (size >= MAX_ANSWER_BYTES) {
          answer?.();
          incoming.destroy();
        }
      });
      incoming.on('end', answer);
      incoming.on('error', answer);
      incoming.on('close', answer);
    });
    outgoing.end(request.body);
  });
}

const NETWORK_WORDS: Readonly<Record<string, string>> = {
  ECONNRESET: 'the connection was closed before an answer',
  ECONNREFUSED: 'the connection was refused',
  EHOSTUNREACH: 'the host is unreachable',
  ENETUNREACH: 'the network is unreachable',
  ETIMEDOUT: 'the connection timed out',
  EPIPE: 'the connection was closed while sending',
  ENOTFOUND: 'no address to connect to',
};

/** A network failure in words, with Node's error code; never the stack. */
function networkReason(error: unknown): string {
  const { code, message } = (error ?? {}) as {
    readonly code?: unknown;
    readonly message?: unknown;
  };
  const name = typeof code === 'string' ? code : undefined;
  const words = name === undefined ? undefined : NETWORK_WORDS[name];
  if (words !== undefined) return `${words} (${name})`;
  const detail = typeof message === 'string' ? toLogText(message) : 'unknown failure';
  return name === undefined ? `network error: ${detail}` : `network error (${name}): ${detail}`;
}

/**
 * Text a receiver or an error supplied, made safe for a delivery log: one line, at most 500 characters.
 * @example `toLogText('bad\r\naudience') // 'bad audience'`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2.3
 */
export function toLogText(text: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what is being removed
  const line = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return line.length > MAX_DESCRIPTION_CHARS ? `${line.slice(0, MAX_DESCRIPTION_CHARS)}…` : line;
}
