// The `asyncRequests` and `securityEvents` options, resolved once per handler, and the work behind
// the 202s the handler has given, which `close()` waits for.
import { MISC_ASYNCRESP_EVENT_URI } from '@scim/core';
import type { AsyncRequestOptions, ScimHandlerOptions } from '../options.js';

/** `asyncRequests`, checked and with its defaults. */
export interface AsyncSettings {
  readonly mode: AsyncRequestOptions['mode'];
  /** `long`: how long a write runs before it is answered 202, capped by `requestTimeoutMs`. */
  readonly afterMs: number;
  /** The longest `wait` honoured, capped by `requestTimeoutMs`. */
  readonly maxWaitMs: number;
  /** How many requests answered 202 may run at once. */
  readonly maxInFlight: number;
  /** How long the work behind a 202 may run before it is abandoned, its completion saying 503. */
  readonly timeoutMs: number;
  /** The requests answered 202 and not yet done. */
  readonly inFlight: InFlight;
}

/** `securityEvents` of `/ServiceProviderConfig` (RFC 9967 §4), as advertised. */
export interface AdvertisedSecurityEvents {
  readonly asyncRequest: AsyncRequestOptions['mode'];
  readonly eventUris: readonly string[];
}

const MODES: ReadonlySet<string> = new Set(['none', 'request', 'long']);

/**
 * Ten minutes: a bulk request of the default 1,000 operations fits, and a store call that never
 * returns still frees its `maxInFlight` slot, records its completion and lets `close()` resolve.
 */
const DEFAULT_TIMEOUT_MS = 600_000;

export function resolveAsyncSettings(options: ScimHandlerOptions): AsyncSettings {
  const given = options.asyncRequests ?? { mode: 'none' };
  if (!MODES.has(given.mode))
    throw new TypeError(
      `asyncRequests.mode must be 'none', 'request' or 'long', got ${JSON.stringify(given.mode)}`,
    );
  const ceiling = options.requestTimeoutMs ?? Infinity;
  const maxInFlight = given.maxInFlight ?? 100;
  if (!Number.isInteger(maxInFlight) || maxInFlight < 1)
    throw new TypeError('asyncRequests.maxInFlight must be a whole number of at least 1');
  const timeoutMs = given.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0)
    throw new TypeError('asyncRequests.timeoutMs must be a positive number of milliseconds');
  return {
    mode: given.mode,
    afterMs: Math.min(milliseconds('afterMs', given.afterMs ?? 5_000), ceiling),
    maxWaitMs: Math.min(milliseconds('maxWaitMs', given.maxWaitMs ?? 30_000), ceiling),
    maxInFlight,
    timeoutMs,
    inFlight: new InFlight(),
  };
}

/**
 * What the configuration advertises: nothing without `securityEvents` (its absence says events are
 * unsupported), else its event URIs with `misc:asyncresp` when asynchronous requests are on, and
 * the mode as `asyncRequest`, whatever the option held: the handler's own setting is the truth.
 */
export function advertisedSecurityEvents(
  options: ScimHandlerOptions,
  mode: AsyncRequestOptions['mode'],
): AdvertisedSecurityEvents | undefined {
  const given = options.securityEvents;
  if (given === undefined) return undefined;
  if (!Array.isArray(given.eventUris) || !given.eventUris.every((uri) => typeof uri === 'string'))
    throw new TypeError('securityEvents.eventUris must be a list of event URIs');
  const eventUris = [...new Set(given.eventUris)];
  if (mode !== 'none' && !eventUris.includes(MISC_ASYNCRESP_EVENT_URI))
    eventUris.push(MISC_ASYNCRESP_EVENT_URI);
  return { asyncRequest: mode, eventUris };
}

function milliseconds(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0)
    throw new TypeError(`asyncRequests.${name} must be a number of milliseconds, 0 or more`);
  return value;
}

/**
 * The requests answered 202 and still running. Once closed it takes no more: the handler answers
 * later requests synchronously, so `close()` waits for a set that only shrinks, each member of it
 * for no longer than `timeoutMs` and the recording of its completion.
 */
export class InFlight {
  readonly #running = new Set<Promise<unknown>>();
  #closed = false;

  get size(): number {
    return this.#running.size;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Tracks `work` until it settles. */
  track(work: Promise<unknown>): void {
    this.#running.add(work);
    const done = (): void => {
      this.#running.delete(work);
    };
    work.then(done, done);
  }

  /** Takes no more work and resolves once the work already accepted has settled. */
  async close(): Promise<void> {
    this.#closed = true;
    while (this.#running.size > 0) await Promise.allSettled([...this.#running]);
  }
}
