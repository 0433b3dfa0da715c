// What an application gives the console, and the same options resolved once when it is made.
import type { OutboxEntry, OutboxListFilter, TokenSummary } from '@scim/server';

/**
 * The outbox calls the console makes: `handler.outbox` of `@scim/server` fits.
 * @example `{ outbox: handler.outbox }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface ConsoleOutbox {
  /**
   * Reads events as `ScimOutbox.list` does. The console asks for the newest first, for one
   * request's events by `requestId` and for one event by `id`; an outbox that ignores any of these
   * is still filtered and sorted.
   */
  list(filter?: OutboxListFilter): Promise<readonly OutboxEntry[]>;
  /** Makes a dead event pending again; false when it is not dead (the page then says why). */
  retry(id: string): Promise<boolean>;
}

/**
 * What the tenants and tokens view reads: each tenant's name and settings, and its tokens as
 * `createTokenManager(…).list` describes them (never a secret).
 * @example `{ names: () => ['acme'], settings: (t) => ({ compatibility: 'entra' }), tokens: (t) => manager.list(t) }`
 * @see https://www.rfc-editor.org/rfc/rfc6750#section-2.1
 */
export interface ConsoleTenants {
  names(): readonly string[] | Promise<readonly string[]>;
  settings?(tenant: string): Readonly<Record<string, unknown>> | undefined;
  tokens?(tenant: string): Promise<readonly TokenSummary[]>;
}

/**
 * What the resources view asks for: users or groups matching a SCIM filter, one page at a time.
 * @example `{ filter: 'userName eq "bjensen"', startIndex: 1, count: 25 }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2
 */
export interface ConsoleResourceQuery {
  /** The SCIM filter typed into the page, as typed; absent for every resource. */
  readonly filter?: string;
  /** The 1-based index of the first result (RFC 7644 §3.4.2.4). */
  readonly startIndex: number;
  /** How many results at most (1 to 100). */
  readonly count: number;
}

/**
 * How the resources view reads users and groups: through the SCIM handler, so the filter is parsed,
 * checked and answered as an identity provider's would be. `search` answers with the handler's
 * `Response` to `GET /{Users|Groups}?filter=…&startIndex=…&count=…`; a refused filter's
 * 400 `invalidFilter` is shown on the page.
 * @example
 * ```ts
 * const reader = createScimHandler({ stores: storage.stores, authenticate: () => ({ principal: 'console', scopes: ['scim:read'] }) });
 * const resources = {
 *   search: (type, { filter, startIndex, count }) => {
 *     const query = new URLSearchParams({ startIndex: String(startIndex), count: String(count), ...(filter ? { filter } : {}) });
 *     return reader.fetch(new Request(`https://scim.internal/scim/v2/${type}s?${query}`));
 *   },
 * };
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.4.2
 */
export interface ConsoleResources {
  search(type: 'User' | 'Group', query: ConsoleResourceQuery): Promise<Response>;
}

/**
 * One SET delivery of an event stream as the lifecycle view lists it: a `QueuedSet` of
 * `@scim/events` fits (the console reads these fields only, never the payload).
 * @example `{ streamId: 'okta', jti: '4d3559ec', state: 'dead', attempts: 8, lastError: 'HTTP 503' }`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2
 */
export interface ConsoleDelivery {
  readonly streamId: string;
  readonly jti: string;
  readonly subject?: string;
  readonly eventUris?: readonly string[];
  readonly state: string;
  readonly attempts: number;
  readonly queuedAt?: string;
  readonly nextAttemptAt?: string;
  readonly deliveredAt?: string;
  readonly lastError?: string;
}

/**
 * Event-stream deliveries for the lifecycle view, without the console depending on `@scim/events`:
 * `list` gives the latest deliveries of every stream and `retry` makes a dead one pending again
 * (`queue.retry(streamId, jti)` of a `SetQueue`). When `retry` answers false for a SET that `list`
 * still shows dead, the page says the replay was refused as out of order, as a `SetQueue` refuses
 * one only when a newer SET of its subject was delivered already.
 * @example `{ list: async () => (await Promise.all(ids.map((id) => queue.list(id)))).flat(), retry: (s, j) => queue.retry(s, j) }`
 * @see https://www.rfc-editor.org/rfc/rfc8935#section-2
 */
export interface ConsoleDeliveries {
  list(): Promise<readonly ConsoleDelivery[]>;
  retry(streamId: string, jti: string): Promise<boolean>;
}

/**
 * How the console is set up. It is off unless an application makes one; it needs its own credential.
 * @example
 * ```ts
 * createScimConsole({ basePath: '/console', credential: process.env.SCIM_CONSOLE_TOKEN!, outbox: handler.outbox })
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-7.2
 */
export interface ScimConsoleOptions {
  /** The path the console is served at, such as `/console`; requests outside it are 404. */
  readonly basePath: string;
  /** The console's own credential: a bearer token, or typed into the login form. 16 characters or more. */
  readonly credential: string;
  /**
   * The key that signs session cookies (default: random per console, so a restart logs everyone out;
   * give one shared by every instance behind a load balancer).
   */
  readonly sessionSecret?: string;
  /** How long a login lasts, in ms (default 8 hours). */
  readonly sessionTtlMs?: number;
  /** How many requests the history keeps, newest first (default 500). */
  readonly historySize?: number;
  /**
   * The largest request or response body the history keeps, in UTF-8 bytes of JSON text (default
   * 262,144); a larger one is kept as `{ "[truncated]": "1048576 bytes" }`. Exact for the records
   * the SCIM handler makes; a record made elsewhere is sized roughly.
   */
  readonly maxBodyBytes?: number;
  /**
   * The bodies of the whole history, in UTF-8 bytes of JSON text (default 16 MiB): past it, the
   * oldest requests lose their bodies first (their other fields stay). They are kept as the
   * server's JSON text, JavaScript strings, which take at most twice their UTF-8 size in memory.
   */
  readonly historyBodyBytes?: number;
  /** The lifecycle outbox to show and retry from: `handler.outbox`. */
  readonly outbox?: ConsoleOutbox;
  /** Tenants and their tokens, for the tenants view. */
  readonly tenants?: ConsoleTenants;
  /** Event-stream (SET) deliveries with their attempts and a retry, for the lifecycle view. */
  readonly deliveries?: ConsoleDeliveries;
  /** Users and groups, searched through the SCIM handler, for the resources view. */
  readonly resources?: ConsoleResources;
  /**
   * The client dialect (compatibility preset) a request was served in, by its tenant: only for
   * log records that carry no `dialect` of their own (@scim/server's always do).
   */
  readonly dialect?: string | ((tenant: string | undefined) => string | undefined);
  /** Plain HTTP is refused (403) except on loopback hosts, as for the SCIM endpoint (RFC 7644 §7.2). */
  readonly transport?: {
    readonly allowInsecureHttp?: boolean;
    readonly trustForwardedProto?: boolean;
  };
  /**
   * How many credential checks, of the login form and of bearer tokens, may fail each minute
   * (default 10; `Infinity` for no limit). Past it the console answers 429 with `Retry-After` and
   * checks no credential until the minute ends; signed-in sessions keep working.
   */
  readonly failedLoginsPerMinute?: number;
  /** The clock, in ms since the epoch (default `Date.now`), for tests. */
  readonly now?: () => number;
}

export interface ResolvedOptions {
  readonly basePath: string;
  readonly credential: string;
  readonly sessionSecret: string;
  readonly sessionTtlMs: number;
  readonly historySize: number;
  readonly maxBodyBytes: number;
  readonly historyBodyBytes: number;
  readonly outbox: ConsoleOutbox | undefined;
  readonly tenants: ConsoleTenants | undefined;
  readonly resources: ConsoleResources | undefined;
  readonly deliveries: ConsoleDeliveries | undefined;
  readonly dialectOf: (tenant: string | undefined) => string | undefined;
  readonly allowInsecureHttp: boolean;
  readonly trustForwardedProto: boolean;
  readonly failedLoginsPerMinute: number;
  readonly now: () => number;
}

export const MIN_CREDENTIAL_LENGTH = 16;

/** Checks and fills in the options once; a mistake stops the application at start-up. */
export function resolveOptions(options: ScimConsoleOptions): ResolvedOptions {
  const basePath = `/${options.basePath.replace(/^\/+|\/+$/g, '')}`;
  if (basePath === '/' || !/^(\/[A-Za-z0-9._~-]+)+$/.test(basePath))
    throw new TypeError(
      `createScimConsole: basePath must be a path such as /console, not ${options.basePath}`,
    );
  if (typeof options.credential !== 'string' || options.credential.length < MIN_CREDENTIAL_LENGTH)
    throw new TypeError(
      `createScimConsole: the credential must be a string of ${MIN_CREDENTIAL_LENGTH} characters or more`,
    );
  const historySize = options.historySize ?? 500;
  if (!Number.isInteger(historySize) || historySize < 1)
    throw new TypeError('createScimConsole: historySize must be a positive integer');
  const maxBodyBytes = options.maxBodyBytes ?? 256 * 1024;
  const historyBodyBytes = options.historyBodyBytes ?? 16 * 1024 * 1024;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 0)
    throw new TypeError('createScimConsole: maxBodyBytes must be an integer of 0 or more');
  if (!Number.isSafeInteger(historyBodyBytes) || historyBodyBytes < 0)
    throw new TypeError('createScimConsole: historyBodyBytes must be an integer of 0 or more');
  const failedLoginsPerMinute = options.failedLoginsPerMinute ?? 10;
  if (
    failedLoginsPerMinute !== Number.POSITIVE_INFINITY &&
    (!Number.isSafeInteger(failedLoginsPerMinute) || failedLoginsPerMinute < 1)
  )
    throw new TypeError(
      'createScimConsole: failedLoginsPerMinute must be a positive integer, or Infinity',
    );
  const dialect = options.dialect;
  return {
    basePath,
    credential: options.credential,
    sessionSecret: options.sessionSecret ?? randomSecret(),
    sessionTtlMs: options.sessionTtlMs ?? 8 * 60 * 60 * 1000,
    historySize,
    maxBodyBytes,
    historyBodyBytes,
    outbox: options.outbox,
    tenants: options.tenants,
    resources: options.resources,
    deliveries: options.deliveries,
    dialectOf: typeof dialect === 'function' ? dialect : () => dialect,
    allowInsecureHttp: options.transport?.allowInsecureHttp ?? false,
    trustForwardedProto: options.transport?.trustForwardedProto ?? false,
    failedLoginsPerMinute,
    now: options.now ?? Date.now,
  };
}

function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
