// The shapes `runCheck` takes and returns. The report is also what `scim check --json` writes, so
// its fields are a stable contract: new fields may be added, none renamed or removed while
// `reportVersion` stays 1.

/**
 * A set of checks `scim check` runs: `rfc` (the checklist's RFC rows, always included), `entra`
 * (the request sequences Microsoft Entra ID sends), `okta` (those Okta sends), or `all`.
 * @example `['rfc', 'entra']`
 * @see https://www.rfc-editor.org/rfc/rfc7644
 */
export type CheckProfile = 'rfc' | 'entra' | 'okta' | 'all';

/**
 * An optional feature a server advertises: the `supported` flags of `/ServiceProviderConfig`
 * (RFC 7643 §5), `pagination.cursor` (RFC 9865 §4), and `groups` when `/ResourceTypes` lists Group.
 * @example `'patch'`
 * @see https://www.rfc-editor.org/rfc/rfc7643#section-5
 */
export type ScimFeature =
  'patch' | 'bulk' | 'filter' | 'sort' | 'etag' | 'changePassword' | 'cursor' | 'groups';

/**
 * What happened while a check ran, for a progress display: the run starts with the number of
 * checks, each check starts and ends, then the resources the run created are deleted.
 * @example `{ type: 'case-end', index: 3, total: 20, result }`
 * @see https://www.rfc-editor.org/rfc/rfc7644
 */
export type CheckProgress =
  | { readonly type: 'start'; readonly total: number }
  | {
      readonly type: 'case-start';
      readonly index: number;
      readonly total: number;
      readonly id: string;
      readonly name: string;
    }
  | {
      readonly type: 'case-end';
      readonly index: number;
      readonly total: number;
      readonly result: CheckCaseResult;
    }
  | { readonly type: 'cleanup-start'; readonly count: number }
  | { readonly type: 'cleanup-end'; readonly cleanup: CheckCleanup };

/**
 * Options of `runCheck`.
 * @example `{ baseUrl: 'http://127.0.0.1:8080/scim/v2', token: 'secret', profiles: ['rfc', 'okta'] }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface CheckOptions {
  /** The server's SCIM base URL, such as `https://app.example.com/scim/v2`. */
  readonly baseUrl: string;
  /** Sent as `Authorization: Bearer <token>`. */
  readonly token?: string | undefined;
  /** More request headers (a tenant header, another Authorization scheme). */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** Default `['rfc']`. */
  readonly profiles?: readonly CheckProfile[] | undefined;
  /** Runs only the checks with these IDs; a trailing `*` matches a prefix (`P-PATCH-*`). */
  readonly only?: readonly string[] | undefined;
  /** Per request; default 30 000 ms. */
  readonly timeoutMs?: number | undefined;
  /** Default true: delete the users and groups the run created, also after an abort. */
  readonly cleanup?: boolean | undefined;
  /** Aborting stops the run after the request in flight; cleanup still runs. */
  readonly signal?: AbortSignal | undefined;
  /** Default `globalThis.fetch`; pass an app's `fetch` to check it in process. */
  readonly fetch?: ((request: Request) => Promise<Response>) | undefined;
  readonly onProgress?: ((event: CheckProgress) => void) | undefined;
}

/**
 * One HTTP exchange a check made, as sent and received, with the `Authorization` value and
 * password values replaced by `[redacted]`.
 * @example `{ request: { method: 'GET', url: '…/Users/1', headers: {} }, response: { status: 404, statusText: 'Not Found', headers: {}, body: '…' }, durationMs: 3 }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3
 */
export interface RecordedExchange {
  readonly request: {
    readonly method: string;
    readonly url: string;
    readonly headers: Readonly<Record<string, string>>;
    readonly body?: string;
  };
  /** Absent when no response came (`error` says why). */
  readonly response?: {
    readonly status: number;
    readonly statusText: string;
    readonly headers: Readonly<Record<string, string>>;
    readonly body?: string;
  };
  readonly error?: string;
  readonly durationMs: number;
}

/**
 * A checklist row a check cites: its ID, RFC reference, level and requirement.
 * @example `{ id: 'P-CRUD-13', ref: '7644 §3.6', level: 'MUST', requirement: 'A successful DELETE → 204 with an empty body.' }`
 * @see https://www.rfc-editor.org/rfc/rfc7644
 */
export interface CitedRow {
  readonly id: string;
  readonly ref: string;
  readonly level: string;
  readonly requirement: string;
}

/**
 * The result of one check. `failed` counts against the run; `warning` is a failed check that is not
 * required (requests only the `entra` compatibility preset accepts, because the RFC forbids them);
 * `not-run` means the run was interrupted first.
 * @example `{ id: 'P-CRUD-13', name: 'DELETE answers 204, then the resource is gone', status: 'failed', … }`
 * @see https://www.rfc-editor.org/rfc/rfc7644
 */
export interface CheckCaseResult {
  readonly id: string;
  readonly name: string;
  /** Which profile the check belongs to. */
  readonly family: 'rfc' | 'entra' | 'okta';
  readonly required: boolean;
  readonly status: 'passed' | 'failed' | 'warning' | 'skipped' | 'not-run';
  readonly durationMs: number;
  /** Why it failed, as the check said it. */
  readonly message?: string;
  /** Why it did not run. */
  readonly skipReason?: string;
  /** The RFC section the check enforces (for a failure, the one it breaks). */
  readonly rfc?: { readonly section: string; readonly url: string };
  readonly rows: readonly CitedRow[];
  /** For a failure: the usual fix. */
  readonly hint?: string;
  /** For a failure or warning: every exchange the check made, in order. */
  readonly exchanges?: readonly RecordedExchange[];
}

/**
 * What the run created and deleted again. `leftover` lists what could not be deleted.
 * @example `{ created: 24, deleted: 24, leftover: [], skipped: false }`
 * @see https://www.rfc-editor.org/rfc/rfc7644#section-3.6
 */
export interface CheckCleanup {
  readonly created: number;
  readonly deleted: number;
  readonly leftover: readonly { readonly url: string; readonly problem: string }[];
  /** True when cleanup was switched off. */
  readonly skipped: boolean;
}

/**
 * The report of a `scim check` run, which `--json` writes as is.
 * @example `const report = await runCheck({ baseUrl, token }); if (!report.ok) process.exitCode = 1;`
 * @see https://www.rfc-editor.org/rfc/rfc7644
 */
export interface CheckReport {
  readonly reportVersion: 1;
  readonly tool: { readonly name: '@scim/cli'; readonly version: string };
  readonly baseUrl: string;
  readonly profiles: readonly CheckProfile[];
  readonly startedAt: string;
  readonly durationMs: number;
  /** What the server advertised, read before the checks ran. */
  readonly advertised: {
    readonly features: Readonly<Record<ScimFeature, boolean>>;
    /** Why the advertisement could not be read (then every check runs), when it could not. */
    readonly problem?: string;
  };
  readonly summary: {
    readonly total: number;
    readonly passed: number;
    readonly failed: number;
    readonly warnings: number;
    readonly skipped: number;
    readonly notRun: number;
  };
  /** True when no required check failed and the run was neither interrupted nor stopped. */
  readonly ok: boolean;
  readonly interrupted: boolean;
  /** Why no check could run (the server could not be reached, or refused the credentials). */
  readonly fatal?: string;
  readonly results: readonly CheckCaseResult[];
  readonly cleanup: CheckCleanup;
}
