// The per-request context every stage after routing works with: the handler's configuration, the
// caller, where the request came in, and the unit of work it is part of.
import type { ScimError } from '@scim/core';
import type { Engine } from './engine.js';
import type { Outcome } from './http.js';
import type { Authentication } from './options.js';
import type { LifecycleEvent } from './lifecycle/outbox.js';
import type { Exchange } from './observe.js';

/** What a scope holds besides its signal: see {@link Scope}. */
export interface ScopeFields {
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
  /**
   * The RFC 9967 `txn` the events of this request's writes share: an asynchronous request's
   * `Set-Txn` (`<Set-Txn>:<index>` in a bulk operation's scope); undefined lets each write name its
   * own change.
   */
  readonly txn: string | undefined;
  /** An asynchronous request's completion, which its unit of work records with the write. */
  readonly completion: Completion | undefined;
  /**
   * What the request's log record collects, such as the compatibility rules it relied on; shared
   * by a bulk request's operations. The work of an asynchronous request has one of its own, which
   * becomes the request's only when the request is answered with the work's outcome, and whose
   * rules its `asyncCompleted` record lists.
   */
  readonly exchange: Exchange | undefined;
  /**
   * In a bulk operation's scope, its index in the request's `Operations`: the rules it relies on
   * are noted at its place in the bulk request. Undefined in any other scope.
   */
  readonly bulkOperation: number | undefined;
}

/** One request's context; a bulk request's operations share their bulk request's. */
export interface Scope extends ScopeFields {
  /** Aborts when the client goes away or the deadline passes; made on first read, as it costs. */
  readonly signal: AbortSignal;
  /**
   * Throws what `signal` would abort with, without making the signal: the check before every
   * store write needs no signal, and most requests never read one.
   */
  throwIfAborted(): void;
}

/**
 * What a unit of work calls with the outcome of its work, inside the unit (before it commits): an
 * asynchronous request's completion event is recorded there, in the write's transaction.
 */
export interface Completion {
  record(unit: Scope, outcome: Outcome): Promise<void>;
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
  /**
   * Lets an asynchronous request answer when the time is up: `answer` is asked first, with the 503
   * the deadline would give, and returns true when it answered instead (202 Accepted), which keeps
   * the deadline from expiring; false lets it expire as usual.
   */
  intercept(answer: (reason: ScimError) => boolean): void;
}

/** A deadline: the AbortController behind its signal is made only if someone reads it. */
export class RequestDeadline implements Deadline {
  #controller: AbortController | undefined;
  #reason: ScimError | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #interceptor: ((reason: ScimError) => boolean) | undefined;

  get aborted(): boolean {
    return this.#reason !== undefined;
  }

  get reason(): ScimError | undefined {
    return this.#reason;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#reason !== undefined) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  /**
   * Expires with the error `expiry` makes after `milliseconds`, unless released first or the
   * interceptor answers instead.
   */
  arm(milliseconds: number, expiry: () => ScimError, onExpire?: (reason: ScimError) => void): void {
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      const reason = expiry();
      if (this.#interceptor?.(reason) === true) return;
      this.#reason = reason;
      this.#controller?.abort(reason);
      onExpire?.(reason);
    }, milliseconds);
  }

  intercept(answer: (reason: ScimError) => boolean): void {
    this.#interceptor = answer;
  }

  /** Stops the clock without expiring: the work it bounded is done. */
  release(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#interceptor = undefined;
  }
}

/** What the scopes of one request share: its signal and the check for it. */
type ScopeSignals = Pick<Scope, 'signal' | 'throwIfAborted'>;

/**
 * The request's signal and abort check, shared by all its scopes. The signal is made on first read:
 * AbortSignal.any costs more than most whole requests.
 */
class RequestSignal implements ScopeSignals {
  readonly #request: Request;
  readonly #deadline: Deadline | undefined;
  #signal: AbortSignal | undefined;

  constructor(request: Request, deadline: Deadline | undefined) {
    this.#request = request;
    this.#deadline = deadline;
  }

  get signal(): AbortSignal {
    this.#signal ??=
      this.#deadline === undefined
        ? this.#request.signal
        : AbortSignal.any([this.#request.signal, this.#deadline.signal]);
    return this.#signal;
  }

  throwIfAborted(): void {
    if (this.#signal !== undefined) return this.#signal.throwIfAborted();
    this.#request.signal.throwIfAborted();
    const reason = this.#deadline?.reason;
    if (reason !== undefined) throw reason;
  }
}

/**
 * A scope as a class: its `signal` getter and `throwIfAborted` live on the prototype. An object
 * literal with a getter is built as a dictionary, which costs about a microsecond to make and makes
 * every read of it slow, and the server makes several scopes per request.
 */
// The fields are declared once, by ScopeFields, and set by the constructor: merging the interface
// into the class is what says so to TypeScript.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging, @typescript-eslint/no-empty-object-type
interface RequestScope extends ScopeFields {}
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging
class RequestScope implements Scope {
  readonly #signals: ScopeSignals;

  constructor(fields: ScopeFields, signals: ScopeSignals) {
    Object.assign(this, fields);
    this.#signals = signals;
  }

  get signal(): AbortSignal {
    return this.#signals.signal;
  }

  throwIfAborted(): void {
    this.#signals.throwIfAborted();
  }

  /** What {@link withSignalOf} links a context to: the request's signal, and nothing else of it. */
  get signals(): ScopeSignals {
    return this.#signals;
  }

  /** This request's scope with some fields changed; the signal stays the request's. */
  with(changes: ScopeChanges): RequestScope {
    return new RequestScope(changedFields(this, changes), this.#signals);
  }
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
  exchange?: Exchange,
): Scope {
  return new RequestScope(
    {
      engine,
      request,
      requestId,
      url,
      baseUrl: engine.baseUrl ?? `${url.origin}${engine.basePath}`,
      principal: caller?.principal,
      // A tenant's handler serves its tenant even to callers it does not authenticate (public
      // discovery, anonymous access): no store call of it ever runs without the tenant.
      tenant: engine.tenant ?? caller?.tenant,
      grants: caller?.grants,
      transaction: undefined,
      events: undefined,
      txn: undefined,
      completion: undefined,
      deliveries,
      exchange,
      bulkOperation: undefined,
    },
    new RequestSignal(request, deadline),
  );
}

const SIGNAL_SOURCE = Symbol('scim.signalSource');

interface SignalLinked {
  readonly [SIGNAL_SOURCE]: Pick<Scope, 'signal'>;
}

function readLinkedSignal(this: SignalLinked): AbortSignal {
  return this[SIGNAL_SOURCE].signal;
}

/** One getter for every context: an accessor pair of its own per object would give each a map of its own. */
const LINKED_SIGNAL: PropertyDescriptor = {
  get: readLinkedSignal,
  enumerable: true,
  configurable: true,
};

/**
 * Gives `target` an own, enumerable `signal` getter that reads the scope's signal when first read,
 * as store and transaction contexts have: a spread of the context still copies it. Made by
 * `defineProperty` with one shared getter, the context stays a fast object with a shared shape;
 * linked to the request's signal alone, logging a context shows nothing else of the request.
 */
export function withSignalOf<T extends object>(
  target: T,
  scope: Scope,
): T & { readonly signal: AbortSignal } {
  const source = scope instanceof RequestScope ? scope.signals : scope;
  Object.defineProperty(target, SIGNAL_SOURCE, { value: source });
  return Object.defineProperty(target, 'signal', LINKED_SIGNAL) as T & {
    readonly signal: AbortSignal;
  };
}

/** What {@link rescope} may change of a scope. */
export type ScopeChanges = Partial<
  Pick<Scope, 'transaction' | 'events' | 'txn' | 'completion' | 'bulkOperation'>
>;

/**
 * The same request's scope with some fields changed: a unit of work's (its transaction and
 * events), or a bulk operation's (its index, txn and completion). The signal stays the request's.
 */
export function rescope(scope: Scope, changes: ScopeChanges): Scope {
  if (!(scope instanceof RequestScope)) throw new TypeError('Scopes are made by createScope');
  return scope.with(changes);
}

/** The fields of `scope`, with `changes` in place. */
function changedFields(scope: RequestScope, changes: ScopeChanges): ScopeFields {
  return {
    engine: scope.engine,
    request: scope.request,
    requestId: scope.requestId,
    url: scope.url,
    baseUrl: scope.baseUrl,
    principal: scope.principal,
    tenant: scope.tenant,
    grants: scope.grants,
    transaction: 'transaction' in changes ? changes.transaction : scope.transaction,
    events: 'events' in changes ? changes.events : scope.events,
    txn: 'txn' in changes ? changes.txn : scope.txn,
    completion: 'completion' in changes ? changes.completion : scope.completion,
    deliveries: scope.deliveries,
    exchange: scope.exchange,
    bulkOperation: 'bulkOperation' in changes ? changes.bulkOperation : scope.bulkOperation,
  };
}
