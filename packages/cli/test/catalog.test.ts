// The catalog (src/lib/check/catalog.ts) held to the conformance kit it describes: every case is
// listed, each lists at least the features its requests use (so a server that does not advertise
// one skips it), and each cites a checklist row with an RFC section.
import { describe, expect, it } from 'vitest';
import { ScimError } from '@scim/core';
import { createScimHandler } from '@scim/server';
import { createMemoryStorage } from '@scim/server/memory';
import { conformanceCases } from '@scim/server/testing';
import type { ScimFeature } from '@scim/cli';
import { CASES, citationOf, familyOf, featuresOf } from '../src/lib/check/catalog.js';

const baseUrl = 'http://127.0.0.1/scim/v2';
const headers = { authorization: 'Bearer t' };

/** Features a case needs that its requests do not show: P3 reads patch.supported and wants true. */
const NOT_IN_REQUESTS: Readonly<Record<string, readonly ScimFeature[]>> = { P3: ['patch'] };

function handler() {
  return createScimHandler({
    ...createMemoryStorage(),
    compatibility: 'entra',
    hashPassword: (password) => Promise.resolve(`hash:${password.length}`),
    authenticate: (request) => {
      if (request.headers.get('authorization') !== 'Bearer t') throw ScimError.unauthorized('no');
      return { principal: 'catalog-test' };
    },
  });
}

function hasPassword(value: unknown): boolean {
  if (Array.isArray(value)) return value.some(hasPassword);
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(value).some(
    ([key, inner]) =>
      /^password$/i.test(key) ||
      (key === 'path' && typeof inner === 'string' && /password/i.test(inner)) ||
      hasPassword(inner),
  );
}

/** The features a request uses. */
async function featuresUsed(request: Request): Promise<ScimFeature[]> {
  const url = new URL(request.url);
  const used: ScimFeature[] = [];
  if (request.method === 'PATCH') used.push('patch');
  if (url.pathname.endsWith('/Bulk')) used.push('bulk');
  if (url.searchParams.has('filter')) used.push('filter');
  if (url.searchParams.has('sortBy')) used.push('sort');
  if (url.searchParams.has('cursor')) used.push('cursor');
  if (request.headers.has('if-match') || request.headers.has('if-none-match')) used.push('etag');
  if (/\/Groups(\/|$)/.test(url.pathname)) used.push('groups');
  if (request.method === 'PATCH' || request.method === 'PUT') {
    const body: unknown = JSON.parse((await request.clone().text()) || '{}');
    if (hasPassword(body)) used.push('changePassword');
  }
  return used;
}

describe('the catalog of conformance cases', { timeout: 30_000 }, () => {
  it('lists every case of the kit, in every dialect, and no case the kit lacks', () => {
    const ids = new Set(
      (['rfc', 'default', 'entra', 'okta'] as const).flatMap((dialect) =>
        conformanceCases(
          { fetch: () => Promise.reject(new Error('unused')), baseUrl, headers },
          { dialect },
        ).map((c) => c.id),
      ),
    );
    expect([...ids].filter((id) => CASES[id] === undefined)).toEqual([]);
    expect(Object.keys(CASES).filter((id) => !ids.has(id))).toEqual([]);
  });

  it('names, for each case, every feature its requests use against the reference handler, and no other', async () => {
    const scim = handler();
    const used = new Map<string, Set<ScimFeature>>();
    let current = '';
    const cases = conformanceCases(
      {
        baseUrl,
        headers,
        fetch: async (request) => {
          const set = used.get(current) ?? new Set();
          for (const feature of await featuresUsed(request)) set.add(feature);
          used.set(current, set);
          return scim.fetch(request);
        },
      },
      { dialect: 'entra' },
    );
    for (const c of cases) {
      current = c.id;
      await c.run();
    }
    for (const c of cases) {
      const derived = [...(used.get(c.id) ?? [])].sort();
      const listed = featuresOf(c.id).filter((f) => !NOT_IN_REQUESTS[c.id]?.includes(f));
      expect([...listed].sort(), c.id).toEqual(derived);
    }
  });

  it('cites for every case a checklist row with an RFC section and a hint', () => {
    for (const id of Object.keys(CASES)) {
      const citation = citationOf(id);
      expect(citation.rows.length, id).toBeGreaterThan(0);
      expect(citation.rfc?.section, id).toMatch(/^RFC (7643|7644|9865) §\d/);
      expect(citation.rfc?.url, id).toMatch(
        /^https:\/\/www\.rfc-editor\.org\/rfc\/rfc\d{4}#section-/,
      );
      expect(citation.hint.length, id).toBeGreaterThan(20);
    }
  });

  it('a case that is a checklist row cites its own row first; an interop case cites the RFC rule first', () => {
    expect(citationOf('P-CRUD-13').rows[0]?.id).toBe('P-CRUD-13');
    const probe = citationOf('X-ENTRA-09');
    expect(probe.rows.map((row) => row.id)).toEqual(['P-CRUD-09', 'X-ENTRA-09']);
    expect(probe.rfc?.section).toBe('RFC 7644 §3.4.2');
  });

  it('a failure message that names a rule, "(P-CRUD-04)", cites that rule and its fix first', () => {
    const citation = citationOf('P-CRUD-01', 'ETag must equal meta.version (P-CRUD-04)');
    expect(citation.rows[0]?.id).toBe('P-CRUD-04');
    expect(citation.rfc).toEqual({
      section: 'RFC 7644 §3.14',
      url: 'https://www.rfc-editor.org/rfc/rfc7644#section-3.14',
    });
    expect(citation.hint).toMatch(/ETag header/);
  });

  it('P-HTTP-01: a wrong Content-Type in any case cites RFC 7644 §3.8, whatever the case is about', () => {
    const citation = citationOf(
      'P-PATCH-35',
      'POST /Users: Content-Type must be application/scim+json',
    );
    expect(citation.rows[0]?.id).toBe('P-HTTP-01');
    expect(citation.rfc?.section).toBe('RFC 7644 §3.8');
  });

  it('sorts cases into profiles by id: Entra (E, P, SV, LA, 3.1, 2a), Okta (O, 2b, 3.2), the rest RFC', () => {
    expect(['E13', 'P20', 'SV-8', 'LA-16 batch', '3.1-7 replace', '2a-5'].map(familyOf)).toEqual(
      Array(6).fill('entra'),
    );
    expect(['O1', 'O-CRUD', '2b-4', '3.2-7'].map(familyOf)).toEqual(Array(4).fill('okta'));
    expect(['P-PATCH-10', 'X-ENTRA-09', 'C-CUR-06'].map(familyOf)).toEqual(Array(3).fill('rfc'));
  });
});
