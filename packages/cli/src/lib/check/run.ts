// `runCheck`: reads what the server advertises, runs the conformance kit's cases one at a time
// through the recording fetch, skips what is not advertised, deletes what the run created, and
// returns the report.
import { conformanceCases, type ConformanceCase } from '@scim/server/testing';
import type {
  CheckCaseResult,
  CheckCleanup,
  CheckOptions,
  CheckProfile,
  CheckReport,
  RecordedExchange,
} from '../types.js';
import { VERSION } from '../version.js';
import { NOT_ADVERTISED, readAdvertised } from './advertised.js';
import { citationOf, familyOf, featuresOf, FEATURE_FAILURES } from './catalog.js';
import { deleteCreated } from './cleanup.js';
import { createRecorder, Interrupted } from './recorder.js';

const PROFILES: readonly CheckProfile[] = ['rfc', 'entra', 'okta', 'all'];
const DEFAULT_TIMEOUT_MS = 30_000;

function families(profiles: readonly CheckProfile[]): Set<string> {
  const all = profiles.includes('all');
  return new Set([
    'rfc',
    ...(all || profiles.includes('entra') ? ['entra'] : []),
    ...(all || profiles.includes('okta') ? ['okta'] : []),
  ]);
}

function matches(id: string, patterns: readonly string[] | undefined): boolean {
  if (patterns === undefined || patterns.length === 0) return true;
  return patterns.some((pattern) =>
    pattern.endsWith('*') ? id.startsWith(pattern.slice(0, -1)) : id === pattern,
  );
}

/** The cases the profiles select, and which of them are not required. */
function selectCases(
  target: Parameters<typeof conformanceCases>[0],
  options: CheckOptions,
  profiles: readonly CheckProfile[],
): { cases: ConformanceCase[]; optional: Set<string> } {
  const wanted = families(profiles);
  const dialect = wanted.has('entra') ? 'entra' : wanted.has('okta') ? 'okta' : 'rfc';
  const cases = conformanceCases(target, { dialect });
  // What the entra dialect adds to the default one are requests the RFC forbids and only the entra
  // preset accepts (bare-word filter values, upsert through replace): reported, never required.
  const optional = new Set<string>();
  if (dialect === 'entra') {
    const standard = new Set(conformanceCases(target, { dialect: 'default' }).map((c) => c.id));
    for (const c of cases) if (!standard.has(c.id)) optional.add(c.id);
  }
  return {
    cases: cases.filter((c) => wanted.has(familyOf(c.id)) && matches(c.id, options.only)),
    optional,
  };
}

function validate(options: CheckOptions): readonly CheckProfile[] {
  let url: URL;
  try {
    url = new URL(options.baseUrl);
  } catch {
    throw new TypeError(`runCheck: baseUrl ${JSON.stringify(options.baseUrl)} is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new TypeError(`runCheck: baseUrl must be http:// or https://, got ${url.protocol}`);
  const profiles = options.profiles ?? ['rfc'];
  const unknown = profiles.filter((profile) => !PROFILES.includes(profile));
  if (unknown.length > 0)
    throw new TypeError(
      `runCheck: unknown profile ${unknown.join(', ')}; use ${PROFILES.join(', ')}`,
    );
  if (options.timeoutMs !== undefined && !(options.timeoutMs > 0))
    throw new TypeError('runCheck: timeoutMs must be a positive number');
  return profiles;
}

function result(
  c: ConformanceCase,
  required: boolean,
  fields: Pick<CheckCaseResult, 'status' | 'durationMs'> & {
    message?: string;
    skipReason?: string;
    exchanges?: readonly RecordedExchange[];
  },
): CheckCaseResult {
  const failed = fields.status === 'failed' || fields.status === 'warning';
  const { rows, rfc, hint } = citationOf(c.id, failed ? fields.message : undefined);
  return {
    id: c.id,
    name: c.name,
    family: familyOf(c.id),
    required,
    ...fields,
    ...(rfc === undefined ? {} : { rfc }),
    rows,
    ...(failed ? { hint } : {}),
  };
}

/**
 * Runs the conformance checks against a SCIM server and returns the report; see `CheckOptions`.
 * @example
 * ```ts
 * import { runCheck } from '@scim/cli';
 * const report = await runCheck({ baseUrl: 'http://127.0.0.1:8080/scim/v2', token: process.env.SCIM_TOKEN });
 * for (const failure of report.results.filter((r) => r.status === 'failed'))
 *   console.log(failure.id, failure.rfc?.section, failure.message);
 * ```
 * @see https://www.rfc-editor.org/rfc/rfc7644
 */
export async function runCheck(options: CheckOptions): Promise<CheckReport> {
  const profiles = validate(options);
  const startedAt = new Date();
  const started = performance.now();
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const fetch = options.fetch ?? ((request: Request) => globalThis.fetch(request));
  const signal = options.signal ?? new AbortController().signal;
  const headers: Record<string, string> = {
    ...(options.token === undefined || options.token === ''
      ? {}
      : { authorization: `Bearer ${options.token}` }),
    ...options.headers,
  };
  const secrets = [
    ...(options.token === undefined ? [] : [options.token]),
    ...Object.entries(options.headers ?? {})
      .filter(([name]) => /auth|token|secret|key|cookie/i.test(name))
      .map(([, value]) => value),
  ];
  const emit = options.onProgress ?? (() => {});
  const advertised = await readAdvertised(fetch, baseUrl, headers, timeoutMs);
  const recorder = createRecorder({ fetch, baseUrl, timeoutMs, signal, secrets });
  const { cases, optional } = advertised.fatal
    ? { cases: [], optional: new Set<string>() }
    : selectCases({ fetch: recorder.fetch, baseUrl, headers }, options, profiles);

  const results: CheckCaseResult[] = [];
  if (advertised.fatal === undefined) emit({ type: 'start', total: cases.length });
  for (const [index, c] of cases.entries()) {
    const required = !optional.has(c.id);
    if (signal.aborted) {
      results.push(
        result(c, required, { status: 'not-run', durationMs: 0, skipReason: 'interrupted' }),
      );
      continue;
    }
    const missing = featuresOf(c.id).filter((feature) => !advertised.features[feature]);
    if (missing.length > 0) {
      const skipReason = `the server does not advertise ${missing.map((f) => NOT_ADVERTISED[f]).join(' or ')}`;
      const skipped = result(c, required, { status: 'skipped', durationMs: 0, skipReason });
      results.push(skipped);
      emit({ type: 'case-end', index, total: cases.length, result: skipped });
      continue;
    }
    emit({ type: 'case-start', index, total: cases.length, id: c.id, name: c.name });
    const exchanges = recorder.begin();
    const caseStarted = performance.now();
    let outcome: CheckCaseResult;
    try {
      await c.run();
      outcome = result(c, required, { status: 'passed', durationMs: elapsed(caseStarted) });
    } catch (error) {
      const durationMs = elapsed(caseStarted);
      const message = error instanceof Error ? error.message : String(error);
      const lacking = FEATURE_FAILURES.find(
        ([pattern, feature]) => pattern.test(message) && !advertised.features[feature],
      );
      if (error instanceof Interrupted || signal.aborted)
        outcome = result(c, required, { status: 'not-run', durationMs, skipReason: 'interrupted' });
      else if (lacking !== undefined)
        outcome = result(c, required, {
          status: 'skipped',
          durationMs,
          skipReason: `it checks ${NOT_ADVERTISED[lacking[1]]}, which the server does not advertise (${message})`,
        });
      else
        outcome = result(c, required, {
          status: required ? 'failed' : 'warning',
          durationMs,
          message,
          exchanges,
        });
    }
    results.push(outcome);
    emit({ type: 'case-end', index, total: cases.length, result: outcome });
  }

  let cleanup: CheckCleanup = {
    created: recorder.createdCount(),
    deleted: 0,
    leftover: [],
    skipped: options.cleanup === false,
  };
  if (options.cleanup !== false && recorder.created().length > 0) {
    emit({ type: 'cleanup-start', count: recorder.created().length });
    const done = await deleteCreated(
      recorder.created(),
      fetch,
      headers,
      Math.min(timeoutMs, 10_000),
    );
    cleanup = { ...cleanup, deleted: done.deleted, leftover: done.leftover };
    emit({ type: 'cleanup-end', cleanup });
  } else if (options.cleanup === false) {
    cleanup = {
      ...cleanup,
      leftover: recorder.created().map((url) => ({ url, problem: 'kept (--keep)' })),
    };
  }

  const count = (status: CheckCaseResult['status']) =>
    results.filter((r) => r.status === status).length;
  const summary = {
    total: results.length,
    passed: count('passed'),
    failed: count('failed'),
    warnings: count('warning'),
    skipped: count('skipped'),
    notRun: count('not-run'),
  };
  const interrupted = signal.aborted;
  return {
    reportVersion: 1,
    tool: { name: '@scim/cli', version: VERSION },
    baseUrl,
    profiles,
    startedAt: startedAt.toISOString(),
    durationMs: elapsed(started),
    advertised: {
      features: advertised.features,
      ...(advertised.problem === undefined ? {} : { problem: advertised.problem }),
    },
    summary,
    ok: summary.failed === 0 && !interrupted && advertised.fatal === undefined,
    interrupted,
    ...(advertised.fatal === undefined ? {} : { fatal: advertised.fatal }),
    results,
    cleanup,
  };
}

function elapsed(started: number): number {
  return Math.round(performance.now() - started);
}
