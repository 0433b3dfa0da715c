// The reports CI reads: the JSON report keeps its documented shape (docs/cli.md), carries no secret,
// and the JUnit XML is well-formed, escaped, and counts what the JSON counts.
import { describe, expect, it } from 'vitest';
import { runCheck, toJUnitXml, type CheckCaseResult, type CheckReport } from '@scim/cli';
import { ALL_ON } from '../src/lib/check/advertised.js';
import { BROKEN_TOKEN, createBrokenServer } from './fixtures/broken-server.js';
import { parseXml } from './fixtures/xml.js';

const baseUrl = 'http://127.0.0.1/scim/v2';

function check(): Promise<CheckReport> {
  // Two bugs (one failure each), and bulk off (one skip).
  const server = createBrokenServer(['delete-200', 'password-echo'], { features: { bulk: false } });
  return runCheck({ baseUrl, token: BROKEN_TOKEN, fetch: server.fetch });
}

function result(overrides: Partial<CheckCaseResult>): CheckCaseResult {
  return {
    id: 'X',
    name: 'x',
    family: 'rfc',
    required: true,
    status: 'passed',
    durationMs: 1,
    rows: [],
    ...overrides,
  };
}

/** The report of a failed run of the rfc profile at http://x, every feature advertised. */
function runReport(overrides: Partial<CheckReport>): CheckReport {
  return {
    reportVersion: 1,
    tool: { name: '@scim/cli', version: '0' },
    baseUrl: 'http://x',
    profiles: ['rfc'],
    startedAt: new Date(0).toISOString(),
    durationMs: 1,
    advertised: { features: { ...ALL_ON } },
    summary: { total: 0, passed: 0, failed: 0, warnings: 0, skipped: 0, notRun: 0 },
    ok: false,
    interrupted: false,
    results: [],
    cleanup: { created: 0, deleted: 0, leftover: [], skipped: false },
    ...overrides,
  };
}

describe('the JSON report', { timeout: 30_000 }, () => {
  it('has the documented shape: reportVersion 1, tool, target, advertised features, summary, results, cleanup', async () => {
    const report = await check();
    expect(Object.keys(report)).toEqual([
      'reportVersion',
      'tool',
      'baseUrl',
      'profiles',
      'startedAt',
      'durationMs',
      'advertised',
      'summary',
      'ok',
      'interrupted',
      'results',
      'cleanup',
    ]);
    expect(report).toMatchObject({
      reportVersion: 1,
      tool: { name: '@scim/cli' },
      baseUrl,
      profiles: ['rfc'],
      summary: { total: 20, passed: 17, failed: 2, warnings: 0, skipped: 1, notRun: 0 },
      ok: false,
      interrupted: false,
      cleanup: { leftover: [], skipped: false },
    });
    expect(new Date(report.startedAt).toISOString()).toBe(report.startedAt);
    const failure = report.results.find((r) => r.id === 'P-CRUD-13');
    expect(Object.keys(failure ?? {})).toEqual([
      'id',
      'name',
      'family',
      'required',
      'status',
      'durationMs',
      'message',
      'exchanges',
      'rfc',
      'rows',
      'hint',
    ]);
    expect(failure?.exchanges?.[0]).toMatchObject({
      request: { method: 'POST', url: `${baseUrl}/Users` },
      response: { status: 201 },
    });
    // A passing check carries its citation but no exchanges.
    const passed = report.results.find((r) => r.status === 'passed');
    expect(passed?.exchanges).toBeUndefined();
    expect(passed?.rfc?.section).toMatch(/^RFC/);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it('never holds the bearer token or a password: both are [redacted] in requests and responses', async () => {
    const report = await check();
    const text = JSON.stringify(report);
    expect(text).not.toContain(BROKEN_TOKEN);
    expect(text).not.toContain('not-returned-1');
    const create = report.results.find((r) => r.id === 'P-CRUD-01')?.exchanges?.[0];
    expect(create?.request.headers.authorization).toBe('[redacted]');
    expect(JSON.parse(create?.request.body ?? '{}')).toMatchObject({ password: '[redacted]' });
    expect(JSON.parse(create?.response?.body ?? '{}')).toMatchObject({ password: '[redacted]' });
  });
});

describe('the JUnit report', { timeout: 30_000 }, () => {
  it('is well-formed XML with one testsuite per profile, one testcase per check, failures and skips counted', async () => {
    const report = await check();
    const elements = parseXml(toJUnitXml(report));
    const root = elements[0];
    expect(root?.name).toBe('testsuites');
    expect(root?.attributes).toMatchObject({
      tests: '20',
      failures: '2',
      errors: '0',
      skipped: '1',
    });
    expect(elements.filter((e) => e.name === 'testsuite').map((e) => e.attributes.name)).toEqual([
      'scim check rfc',
    ]);
    expect(elements.filter((e) => e.name === 'testcase')).toHaveLength(20);
    const failures = elements.filter((e) => e.name === 'failure');
    expect(failures.map((e) => e.attributes.type).sort()).toEqual(['RFC 7643 §7', 'RFC 7644 §3.6']);
    const deleted = failures.find((e) => e.attributes.type === 'RFC 7644 §3.6');
    expect(deleted?.attributes.message).toBe('DELETE: expected HTTP 204, got 200 {"deleted":true}');
    expect(deleted?.text).toContain('Breaks: RFC 7644 §3.6 (P-CRUD-13, MUST)');
    expect(deleted?.text).toContain('Fix: Answer a successful DELETE with 204');
    expect(deleted?.text).toMatch(/Request: DELETE http:\/\/127\.0\.0\.1\/scim\/v2\/Users\//);
    expect(elements.find((e) => e.name === 'skipped')?.attributes.message).toMatch(
      /bulk\.supported/,
    );
    expect(
      elements.find((e) => e.name === 'property' && e.attributes.name === 'advertised.bulk')
        ?.attributes.value,
    ).toBe('false');
  });

  it('escapes markup and drops the characters XML forbids, in attributes and in text', () => {
    const nasty = `a <b> & "c" 'd' \u0001\u001f end`;
    const report = runReport({
      baseUrl: 'http://x/?a=1&b=<2>',
      profiles: ['rfc', 'entra'],
      durationMs: 5,
      summary: { total: 4, passed: 1, failed: 1, warnings: 1, skipped: 1, notRun: 0 },
      results: [
        result({ id: 'A<1>', name: nasty }),
        result({ id: 'B', status: 'failed', message: nasty, hint: nasty }),
        result({ id: 'E1', family: 'entra', required: false, status: 'warning', message: nasty }),
        result({ id: 'C', status: 'skipped', skipReason: nasty }),
      ],
    });
    const xml = toJUnitXml(report);
    const elements = parseXml(xml);
    expect(elements.find((e) => e.name === 'failure')?.attributes.message).toBe(
      `a <b> & "c" 'd' \uFFFD\uFFFD end`,
    );
    expect(elements.find((e) => e.name === 'testcase')?.attributes.name).toBe(
      `A<1>: a <b> & "c" 'd' \uFFFD\uFFFD end`,
    );
    expect(elements.find((e) => e.name === 'system-out')?.text).toMatch(
      /^Warning \(not required\): a <b> &/,
    );
    expect(elements.filter((e) => e.name === 'testsuite').map((e) => e.attributes.name)).toEqual([
      'scim check rfc',
      'scim check entra',
    ]);
    expect(xml).not.toContain('\u0001');
  });

  it('a run that could not start is one error, so CI shows why', () => {
    const report = runReport({ fatal: 'could not reach http://x' });
    const elements = parseXml(toJUnitXml(report));
    expect(elements[0]?.attributes).toMatchObject({ tests: '1', errors: '1' });
    expect(elements.find((e) => e.name === 'error')?.attributes.message).toBe(
      'could not reach http://x',
    );
  });
});
