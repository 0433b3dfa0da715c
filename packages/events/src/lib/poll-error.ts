// The poll endpoint's refusals: an expected one renders itself as RFC 8936-style JSON, and
// `toPollError` is the one place anything else becomes a response.
import { JSON_MEDIA_TYPE } from '@scim/core';
import type { SetErrorCode } from './verify.js';

/** The headers of every poll response: JSON, never stored by a cache. */
export const RESPONSE_HEADERS = { 'content-type': JSON_MEDIA_TYPE, 'cache-control': 'no-store' };

/**
 * An expected refusal, rendering itself as RFC 8936-style JSON: `{ "err", "description" }` with the
 * error codes of RFC 8935 §2.4. Unexpected failures become a 500 with no `err` in `toPollError`.
 */
export class PollError extends Error {
  override readonly name = 'PollError';
  constructor(
    readonly status: number,
    readonly err: SetErrorCode | undefined,
    readonly description: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(description);
  }

  toResponse(): Response {
    const body =
      this.err === undefined
        ? { description: this.description }
        : { err: this.err, description: this.description };
    return new Response(JSON.stringify(body), {
      status: this.status,
      headers: { ...this.headers, ...RESPONSE_HEADERS },
    });
  }
}

/** The one place an unknown throwable becomes a response: a 500 that echoes nothing of it. */
export function toPollError(error: unknown): PollError {
  if (error instanceof PollError) return error;
  return new PollError(500, undefined, 'The poll could not be answered; try again later');
}

/** A 400 `invalid_request`: the request itself is wrong, and changing it would help. */
export function invalid(description: string): PollError {
  return new PollError(400, 'invalid_request', description);
}
