// What an application gives the console, and the same options resolved once when it is made.
import type { OutboxEntry, TokenSummary } from '@scim/server';

/**
 * The outbox calls the console makes: `handler.outbox` of `@scim/server` fits.
 * @example `{ outbox: handler.outbox }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface ConsoleOutbox {
  list(filter?: {
    readonly state?: OutboxEntry['state'];
    readonly tenant?: string;
    readonly limit?: number;
  }): Promise<readonly OutboxEntry[]>;
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
  /** The lifecycle outbox to show and retry from: `handler.outbox`. */
  readonly outbox?: ConsoleOutbox;
  /** Tenants and their tokens, for the tenants view. */
  readonly tenants?: ConsoleTenants;
  /** The client dialect (compatibility preset) a request was served in, by its tenant. */
  readonly dialect?: string | ((tenant: string | undefined) => string | undefined);
  /** Plain HTTP is refused (403) except on loopback hosts, as for the SCIM endpoint (RFC 7644 §7.2). */
  readonly transport?: {
    readonly allowInsecureHttp?: boolean;
    readonly trustForwardedProto?: boolean;
  };
  /** The clock, in ms since the epoch (default `Date.now`), for tests. */
  readonly now?: () => number;
}

export interface ResolvedOptions {
  readonly basePath: string;
  readonly credential: string;
  readonly sessionSecret: string;
  readonly sessionTtlMs: number;
  readonly historySize: number;
  readonly outbox: ConsoleOutbox | undefined;
  readonly tenants: ConsoleTenants | undefined;
  readonly dialectOf: (tenant: string | undefined) => string | undefined;
  readonly allowInsecureHttp: boolean;
  readonly trustForwardedProto: boolean;
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
  const dialect = options.dialect;
  return {
    basePath,
    credential: options.credential,
    sessionSecret: options.sessionSecret ?? randomSecret(),
    sessionTtlMs: options.sessionTtlMs ?? 8 * 60 * 60 * 1000,
    historySize,
    outbox: options.outbox,
    tenants: options.tenants,
    dialectOf: typeof dialect === 'function' ? dialect : () => dialect,
    allowInsecureHttp: options.transport?.allowInsecureHttp ?? false,
    trustForwardedProto: options.transport?.trustForwardedProto ?? false,
    now: options.now ?? Date.now,
  };
}

function randomSecret(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
