// The per-request context every stage after routing works with: the handler's configuration, the
// caller, where the request came in, and the unit of work it is part of.
import type { Engine } from './engine.js';
import type { Authentication } from './options.js';
import type { LifecycleEvent } from './lifecycle/outbox.js';

/** One request's context; a bulk request's operations share their bulk request's. */
export interface Scope {
  /** The handler's resolved configuration. */
  readonly engine: Engine;
  readonly request: Request;
  /** Names the request in logs and in the detail of a 500; shared by a bulk request's operations. */
  readonly requestId: string;
  readonly url: URL;
  /** The absolute base URL resources are located under, without a trailing slash. */
  readonly baseUrl: string;
  readonly principal: unknown;
  readonly tenant: string | undefined;
  /** What `authenticate` said the caller may see; cursors are bound to it. */
  readonly grants: string | undefined;
  /** The handle `options.transaction` gave this request's work, passed to every store call. */
  readonly transaction: unknown;
  /**
   * Set inside a unit of work (a write, or a whole bulk request): the lifecycle events it recorded,
   * delivered once it has committed.
   */
  readonly events: LifecycleEvent[] | undefined;
  /**
   * The first delivery attempts of the events this request committed: the handler waits for them
   * (up to `delivery.responseWaitMs`) after the request's deadline, never inside it.
   */
  readonly deliveries: Promise<void>[];
  /** Aborts when the client goes away or the deadline passes; made on first read, as it costs. */
  readonly signal: AbortSignal;
  /**
   * Throws what `signal` would abort with, without making the signal: the check before every
   * store write needs no signal, and most requests never read one.
   */
  throwIfAborted(): void;
}

/**
 * The request's deadline as the scope sees it: whether it has passed, and a signal made only when
 * someone asks for one.
 */
export interface Deadline {
  readonly aborted: boolean;
  /** The 503 the client was answered with, once the deadline passed. */
  readonly reason: Error | undefined;
  readonly signal: AbortSignal;
}

/** The context of a request that passed routing and authentication. */
export function createScope(
  engine: Engine,
  request: Request,
  url: URL,
  requestId: string,
  caller: Authentication | undefined,
  deadline: Deadline | undefined,
  deliveries: Promise<void>[] = [],
): Scope {
  let signal: AbortSignal | undefined;
  return {
    engine,
    request,
    requestId,
    url,
    baseUrl: engine.baseUrl ?? `${url.origin}${engine.basePath}`,
    principal: caller?.principal,
    tenant: caller?.tenant,
    grants: caller?.grants,
    transaction: undefined,
    events: undefined,
    deliveries,
    // Read on demand: AbortSignal.any costs more than most whole requests.
    get signal() {
      signal ??=
        deadline === undefined
          ? request.signal
          : AbortSignal.any([request.signal, deadline.signal]);
      return signal;
    },
    throwIfAborted() {
      if (signal !== undefined) return signal.throwIfAborted();
      request.signal.throwIfAborted();
      const reason = deadline?.reason;
      if (reason !== undefined) throw reason;
    },
  };
}
