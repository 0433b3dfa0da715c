// `scim check` against a server with planted bugs: each bug is reported by the check that covers
// it, with the RFC section it breaks, the checklist row, the usual fix, and the exchange that shows
// it; the same server without bugs passes, so every failure comes from a bug.
import { describe, expect, it } from 'vitest';
import { runCheck, type CheckReport } from '@scim/cli';
import { formatReport } from '../src/lib/report/text.js';
import { BROKEN_TOKEN, BUGS, createBrokenServer, type Bug } from './fixtures/broken-server.js';

const baseUrl = 'http://127.0.0.1/scim/v2';

function check(bugs: readonly Bug[] | 'all'): Promise<CheckReport> {
  return runCheck({ baseUrl, token: BROKEN_TOKEN, fetch: createBrokenServer(bugs).fetch });
}

describe('scim check against the broken server', { timeout: 30_000 }, () => {
  it('the server without planted bugs passes every check (the failures below come from the bugs)', async () => {
    const report = await check([]);
    expect(report.results.filter((r) => r.status !== 'passed')).toEqual([]);
    expect(report.ok).toBe(true);
  });

  for (const [bug, planted] of Object.entries(BUGS) as [Bug, (typeof BUGS)[Bug]][]) {
    it(`a server that ${planted.does} fails ${planted.caught}, citing ${planted.section} (${planted.row})`, async () => {
      const report = await check([bug]);
      const failure = report.results.find((r) => r.id === planted.caught);
      expect(failure?.status).toBe('failed');
      expect(failure?.rfc?.section).toBe(planted.section);
      expect(failure?.rows[0]?.id).toBe(planted.row);
      expect(failure?.hint).toMatch(/\w/);
      expect(failure?.exchanges?.length).toBeGreaterThan(0);
      expect(report.ok).toBe(false);
      expect(report.summary.failed).toBeGreaterThan(0);
    });
  }

  it('with every bug planted at once, each is still reported by its check with its section and row', async () => {
    // The wrong Content-Type fails every check first, so it is planted alone (above).
    const bugs = (Object.keys(BUGS) as Bug[]).filter((bug) => bug !== 'content-type');
    const report = await check(bugs);
    for (const bug of bugs) {
      const planted = BUGS[bug];
      const failure = report.results.find((r) => r.id === planted.caught);
      expect(failure?.status, bug).toBe('failed');
      expect(
        failure?.rows.map((row) => row.id),
        bug,
      ).toContain(planted.row);
    }
    expect(report.cleanup.leftover).toEqual([]);
  });

  it('the text report shows each failure with the request sent, the response received, the rule and the fix', async () => {
    const report = await check(['delete-200']);
    const text = formatReport(report);
    expect(text).toContain('FAIL P-CRUD-13  DELETE answers 204, then the resource is gone');
    expect(text).toContain('What:     DELETE: expected HTTP 204, got 200');
    expect(text).toContain('Breaks:   RFC 7644 §3.6 (P-CRUD-13, MUST)');
    expect(text).toContain('https://www.rfc-editor.org/rfc/rfc7644#section-3.6');
    expect(text).toMatch(/Fix: {6}Answer a successful DELETE with 204 and no body/);
    expect(text).toMatch(/Request: {2}DELETE http:\/\/127\.0\.0\.1\/scim\/v2\/Users\/[\w-]+/);
    expect(text).toMatch(
      /Response: 200\n *content-type: application\/scim\+json\n *\{\n *"deleted": true/,
    );
    expect(text).toContain('Result:  1 required check failed');
  });

  it('a PATCH answered 200 without effect shows the PATCH and the read-back that exposes it', async () => {
    const report = await check(['patch-ignored']);
    const text = formatReport(report);
    const failure = text.slice(text.indexOf('FAIL P-PATCH-16'));
    expect(failure).toContain('a deactivated user must still be readable, with active false');
    expect(failure).toMatch(/Request: {2}PATCH .*\/Users\//);
    expect(failure).toMatch(/Request: {2}GET .*\/Users\//);
    expect(failure.indexOf('Request:  PATCH')).toBeLessThan(failure.indexOf('Request:  GET'));
  });
});
