// `scim check` runs only what the server advertises: a check that needs a feature
// /ServiceProviderConfig (or /ResourceTypes) does not advertise is skipped with the reason, and the
// run still passes when everything it did run passed (RFC 7643 §5: the configuration tells the truth).
import { describe, expect, it } from 'vitest';
import { runCheck, type CheckReport } from '@scim/cli';
import { UserResourceType } from '@scim/core';
import { BROKEN_TOKEN, createBrokenServer } from './fixtures/broken-server.js';

const baseUrl = 'http://127.0.0.1/scim/v2';

function check(
  options: Parameters<typeof createBrokenServer>[1],
  profiles: ('rfc' | 'entra' | 'okta' | 'all')[] = ['rfc'],
): Promise<CheckReport> {
  return runCheck({
    baseUrl,
    token: BROKEN_TOKEN,
    profiles,
    fetch: createBrokenServer([], options).fetch,
  });
}

function reasonOf(report: CheckReport, id: string): string | undefined {
  const result = report.results.find((r) => r.id === id);
  expect(result?.status, id).toBe('skipped');
  return result?.skipReason;
}

describe('scim check skips what the server does not advertise', { timeout: 30_000 }, () => {
  it('P-DISC-05: patch, bulk and cursors off: their checks are skipped, naming the member of /ServiceProviderConfig', async () => {
    const report = await check({
      features: { patch: false, bulk: false },
      pagination: { cursor: false },
    });
    expect(report.advertised.features).toMatchObject({ patch: false, bulk: false, cursor: false });
    expect(reasonOf(report, 'P-PATCH-16')).toBe(
      'the server does not advertise PATCH (ServiceProviderConfig patch.supported is not true)',
    );
    expect(reasonOf(report, 'P-BULK-13')).toMatch(/bulk\.supported is not true/);
    expect(reasonOf(report, 'C-CUR-06')).toMatch(/pagination\.cursor is not true, RFC 9865 §4/);
    expect(report.results.find((r) => r.id === 'P-CRUD-10')?.status).toBe('passed');
    expect(report.summary.failed).toBe(0);
    expect(report.ok).toBe(true);
  });

  it('filter off skips every check that queries with a filter, in the Entra and Okta sequences too', async () => {
    const report = await check({ features: { filter: false } }, ['all']);
    for (const id of ['X-ENTRA-09', 'P-FILTER-08', 'E3', 'SV-3', 'O9', '3.2-2'])
      expect(reasonOf(report, id)).toMatch(/filter\.supported is not true/);
    expect(report.results.filter((r) => r.status === 'failed')).toEqual([]);
  });

  it('etag off: the If-Match checks are skipped, and the create check does not fail for lack of an ETag', async () => {
    const report = await check({ features: { etag: false } });
    expect(reasonOf(report, 'P-ETAG-06')).toMatch(/etag\.supported is not true/);
    // RFC 7644 §3.14: no ETag header and no meta.version agree, so the create check passes.
    expect(report.results.find((r) => r.id === 'P-CRUD-01')?.status).toBe('passed');
    expect(report.ok).toBe(true);
  });

  it('no Group resource type: the group checks are skipped, saying /ResourceTypes lists no Group', async () => {
    const report = await check({ resourceTypes: [UserResourceType] });
    expect(report.advertised.features.groups).toBe(false);
    expect(reasonOf(report, 'P-PATCH-35')).toMatch(/\/ResourceTypes lists no Group/);
    // The kit's discovery row asks for Group all the same: a server without groups fails it.
    expect(report.results.find((r) => r.id === 'P-DISC-08')?.status).toBe('failed');
  });

  it('an unreadable /ServiceProviderConfig runs every check and says why', async () => {
    const server = createBrokenServer([]);
    const report = await runCheck({
      baseUrl,
      token: BROKEN_TOKEN,
      fetch: (request) =>
        new URL(request.url).pathname.endsWith('/ServiceProviderConfig')
          ? Promise.resolve(new Response('no', { status: 404 }))
          : server.fetch(request),
    });
    expect(report.advertised.problem).toBe(
      'GET /ServiceProviderConfig answered 404 without a JSON object, so every check runs',
    );
    expect(report.summary.skipped).toBe(0);
    expect(report.results.find((r) => r.id === 'P-DISC-01')?.status).toBe('failed');
  });
});
