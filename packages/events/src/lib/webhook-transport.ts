// Delivery of one webhook: the same vetted connection as a push (receiver-url.ts, push-transport.ts),
// with a JSON body and an HMAC signature header instead of a SET. A webhook receiver has no RFC 8935
// error vocabulary, so every answer but a 2xx is a failure that may pass: a receiver whose secret
// was out of date accepts the retry once it is fixed.
import { JSON_MEDIA_TYPE } from '@scim/core';
import {
  checkTimeoutMs,
  parseRetryAfter,
  postToReceiver,
  type PushResult,
} from './push-transport.js';
import type { ReceiverUrlResolver } from './receiver-url.js';
import { signWebhook } from './webhook.js';

/**
 * The header a webhook's signature travels in (`t=<seconds>,v1=<hex>`, see `signWebhook`); read it
 * on the receiving side and pass it to `verifyWebhook` with the raw body.
 * @example `await verifyWebhook(request.headers.get(WEBHOOK_SIGNATURE_HEADER), await request.text(), [secret])`
 * @see https://www.rfc-editor.org/rfc/rfc2104
 */
export const WEBHOOK_SIGNATURE_HEADER = 'scim-signature';

/**
 * Options of {@link postWebhook}: the signing secrets (each adds a `v1` signature, so receivers
 * holding the old or the new secret both verify during a rotation), the clock of the signed
 * timestamp, and `pushSet`'s network options.
 * @example `{ secrets: [process.env.WEBHOOK_SECRET!], timeoutMs: 5_000 }`
 * @see https://www.rfc-editor.org/rfc/rfc2104
 */
export interface PostWebhookOptions {
  readonly secrets: string | readonly string[];
  readonly now?: (() => Date) | undefined;
  readonly timeoutMs?: number | undefined;
  readonly allowLoopback?: boolean | undefined;
  readonly allowPrivate?: boolean | undefined;
  readonly allowHttp?: boolean | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly resolve?: ReceiverUrlResolver | undefined;
  readonly ca?: string | readonly string[] | undefined;
}

/**
 * POSTs a JSON body to a webhook receiver with its signature in {@link WEBHOOK_SIGNATURE_HEADER},
 * after the same server-side request forgery check as `pushSet`. The result reads like a push's:
 * `delivered` on a 2xx, `refused-url`, or `retry` (with the receiver's Retry-After) for anything
 * else; never `rejected`, and never a throw.
 * @example
 * ```ts
 * const result = await postWebhook(JSON.stringify(body), 'https://hooks.example.com/scim', { secrets: [secret] });
 * if (result.outcome === 'retry') schedule(result.retryAfterMs ?? 60_000);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc2104
 */
export async function postWebhook(
  body: string,
  endpoint: string | URL,
  options: PostWebhookOptions,
): Promise<PushResult> {
  let timeoutMs: number;
  let signature: string;
  try {
    timeoutMs = checkTimeoutMs('postWebhook', options.timeoutMs);
    signature = await signWebhook(body, options.secrets, (options.now ?? (() => new Date()))());
  } catch (error) {
    return { outcome: 'retry', reason: `invalid options: ${(error as Error).message}` };
  }
  return postToReceiver(
    endpoint,
    {
      vetting: {
        allowLoopback: options.allowLoopback,
        allowPrivate: options.allowPrivate,
        allowHttp: options.allowHttp,
        resolve: options.resolve,
      },
      headers: () =>
        Promise.resolve({
          ok: true,
          value: { 'content-type': JSON_MEDIA_TYPE, [WEBHOOK_SIGNATURE_HEADER]: signature },
        }),
      body,
      timeoutMs,
      signal: options.signal,
      ca: options.ca,
    },
    ({ status, headers }) => {
      if (status >= 200 && status < 300) return { outcome: 'delivered', status };
      const wait = parseRetryAfter(headers['retry-after']);
      return {
        outcome: 'retry',
        reason: `the receiver answered ${status}`,
        status,
        ...(wait === undefined ? {} : { retryAfterMs: wait }),
      };
    },
  );
}
