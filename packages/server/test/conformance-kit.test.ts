// The conformance kit itself: which cases each dialect selects, the headers each client's
// requests carry, and that a case fails an endpoint that answers the way the client cannot use.
import { describe, expect, it } from 'vitest';
import { conformanceCases, type ConformanceOptions } from '@scim/server/testing';
import { BASE, server } from './helpers.js';

const TOKEN = { authorization: 'Bearer secret' };

function idsFor(options: ConformanceOptions, headers: Record<string, string> = TOKEN): string[] {
  const { handler } = server();
  return conformanceCases({ fetch: (r) => handler.fetch(r), baseUrl: BASE, headers }, options).map(
    (c) => c.id,
  );
}

/** A target that records every request it forwards to a fresh handler. */
function recorded(
  wrap?: (request: Request, forward: () => Promise<Response>) => Promise<Response>,
) {
  const { handler } = server();
  const requests: Request[] = [];
  const target = {
    baseUrl: BASE,
    headers: TOKEN,
    fetch: (request: Request) => {
      requests.push(request.clone());
      const forward = () => handler.fetch(request);
      return wrap === undefined ? forward() : wrap(request, forward);
    },
  };
  return { target, requests };
}

function runCase(
  target: Parameters<typeof conformanceCases>[0],
  id: string,
  options: ConformanceOptions = {},
) {
  const found = conformanceCases(target, options).find((c) => c.id === id);
  if (found === undefined) throw new Error(`no case ${id}`);
  return found.run();
}

describe('conformance kit: dialects', () => {
  const entraOnly = ['E13', 'P20', 'P21', '3.1-7 replace', '2a-1'];

  it('default runs the RFC rows and the Entra and Okta sequences, not the entra-preset-only requests', () => {
    const ids = idsFor({});
    for (const id of ['P-DISC-01', 'E1', 'E11', '3.1-3', 'SV-8', 'LA-16', 'P13', 'O1', '3.2-7'])
      expect(ids).toContain(id);
    for (const id of entraOnly) expect(ids).not.toContain(id);
    expect(idsFor({ dialect: 'default' })).toEqual(ids);
    expect(idsFor({ dialect: 'okta' })).toEqual(ids);
  });

  it('entra adds the requests only the entra preset accepts (bare-word filters, upsert through replace)', () => {
    const ids = idsFor({ dialect: 'entra' });
    for (const id of entraOnly) expect(ids).toContain(id);
    expect(ids).toEqual(expect.arrayContaining(idsFor({})));
  });

  it('rfc runs the RFC rows alone', () => {
    const ids = idsFor({ dialect: 'rfc' });
    expect(ids).toContain('P-PATCH-10');
    expect(ids.filter((id) => /^(E|P|O|SV|LA)\d|^[23]\.|^2[ab]-/.test(id))).toEqual([]);
  });

  it('the older flags still select: entra: true is dialect entra, okta: true is dialect okta', () => {
    expect(idsFor({ entra: true })).toEqual(idsFor({ dialect: 'entra' }));
    expect(idsFor({ okta: true })).toEqual(idsFor({ dialect: 'okta' }));
    expect(idsFor({ entra: false, okta: false })).toEqual(idsFor({}));
  });

  it('a dialect is read in any case; an unknown one is a TypeError naming the valid ones', () => {
    expect(idsFor({ dialect: 'Entra' as 'entra' })).toEqual(idsFor({ dialect: 'entra' }));
    expect(() => idsFor({ dialect: 'azure' as 'entra' })).toThrow(
      /unknown dialect "azure"; use one of rfc, default, entra, okta/,
    );
  });

  it('case ids are unique within each dialect', () => {
    for (const dialect of ['rfc', 'default', 'entra', 'okta'] as const) {
      const ids = idsFor({ dialect });
      expect(new Set(ids).size).toBe(ids.length);
    }
  });

  it('O11 (a bad token is 401) runs only when the target sends an Authorization header', () => {
    expect(idsFor({})).toContain('O11');
    expect(idsFor({}, { Authorization: 'Bearer secret' })).toContain('O11');
    expect(idsFor({}, {})).not.toContain('O11');
  });
});

describe('conformance kit: each client sends its own headers', () => {
  it("Entra's bodies are application/scim+json; charset=utf-8, its GETs carry no Content-Type", async () => {
    const { target, requests } = recorded();
    await runCase(target, 'E6');
    const [create] = requests;
    expect(create?.method).toBe('POST');
    expect(create?.headers.get('content-type')).toBe('application/scim+json; charset=utf-8');
    expect(create?.headers.get('authorization')).toBe('Bearer secret');
    const get = requests.find((request) => request.method === 'GET');
    expect(get?.headers.get('content-type')).toBeNull();
  });

  it("Microsoft's Postman collection sends application/json with Accept */*", async () => {
    const { target, requests } = recorded();
    await runCase(target, 'P9');
    const bodies = requests.filter((request) => request.method !== 'GET');
    expect(bodies.length).toBeGreaterThan(0);
    for (const request of bodies) {
      expect(request.headers.get('content-type')).toBe('application/json');
      expect(request.headers.get('accept')).toBe('*/*');
    }
  });

  it("Okta's SPEC test and provisioning requests carry their User-Agent and charset", async () => {
    const spec = recorded();
    await runCase(spec.target, 'O6');
    expect(spec.requests[0]?.headers.get('user-agent')).toBe('OKTA SCIM Integration');
    expect(spec.requests[0]?.headers.get('content-type')).toBe(
      'application/scim+json; charset=utf-8',
    );
    const provisioning = recorded();
    await runCase(provisioning.target, '3.2-4');
    expect(provisioning.requests[0]?.url).toMatch(
      /\/Users\?filter=userName%20eq%20%22[^&]+%22&startIndex=1&count=100$/,
    );
    for (const request of provisioning.requests)
      expect(request.headers.get('user-agent')).toBe('Okta SCIM Client 1.0.0');
  });

  it('O11 replaces the target’s token with a wrong one', async () => {
    const { target, requests } = recorded();
    await runCase(target, 'O11');
    expect(requests[0]?.headers.get('authorization')).toMatch(/^Bearer (?!secret$)/);
  });
});

describe('conformance kit: a case fails the endpoint Entra or Okta could not use', () => {
  it('3.1-16 (Test Connection) fails an endpoint that answers an unmatched filter with 404', async () => {
    const { target } = recorded(async (request, forward) =>
      new URL(request.url).searchParams.has('filter')
        ? new Response(JSON.stringify({ detail: 'User not found', status: 404 }), {
            status: 404,
            headers: { 'content-type': 'application/scim+json' },
          })
        : forward(),
    );
    await expect(runCase(target, '3.1-16')).rejects.toThrow(/expected HTTP 200, got 404/);
  });

  it('SV-11 fails an endpoint whose user PATCH answers 204, which the SCIM Validator rejects; E5 accepts it', async () => {
    const { target } = recorded(async (request, forward) => {
      const response = await forward();
      return request.method === 'PATCH' && response.ok
        ? new Response(null, { status: 204 })
        : response;
    });
    await expect(runCase(target, 'SV-11')).rejects.toThrow(/expected HTTP 200, got 204/);
    await expect(runCase(target, 'E5')).resolves.toBeUndefined();
  });

  it('O9 fails an endpoint whose userName filter is case-sensitive', async () => {
    const { target } = recorded((request, forward) => {
      const url = new URL(request.url);
      const filter = url.searchParams.get('filter');
      if (filter === null || filter === filter.toLowerCase()) return forward();
      // A case-sensitive store finds nobody under a capitalised name.
      return Promise.resolve(
        new Response(
          JSON.stringify({
            schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
            totalResults: 0,
            startIndex: 1,
            itemsPerPage: 0,
            Resources: [],
          }),
          { headers: { 'content-type': 'application/scim+json' } },
        ),
      );
    });
    await expect(runCase(target, 'O9')).rejects.toThrow(/the capitalised query/);
  });
});

describe('P-CRUD-01 and servers without ETags (RFC 7644 §3.14)', () => {
  it('passes a server that sends neither an ETag nor meta.version', async () => {
    const { handler } = server({ features: { etag: false } });
    const target = { fetch: (r: Request) => handler.fetch(r), baseUrl: BASE, headers: TOKEN };
    await expect(runCase(target, 'P-CRUD-01')).resolves.toBeUndefined();
  });

  it('fails a server that sends meta.version without the ETag header', async () => {
    const { target } = recorded(async (_request, forward) => {
      const response = await forward();
      if (response.status !== 201) return response;
      const headers = new Headers(response.headers);
      headers.delete('etag');
      return new Response(await response.text(), { status: 201, headers });
    });
    await expect(runCase(target, 'P-CRUD-01')).rejects.toThrow(/ETag must equal meta.version/);
  });
});
