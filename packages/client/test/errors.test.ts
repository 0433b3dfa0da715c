// Error answers read defensively (RFC 7644 §3.12): SCIM bodies, other JSON, HTML from a proxy,
// nothing at all; and 2xx answers that are not what SCIM sends.
import { describe, expect, it } from 'vitest';
import { isScimError } from '@scim/core';
import { createScimClient, ScimClientError, ScimTransportError } from '../src/index.js';
import { BASE, scripted, type Scripted } from './helpers.js';

const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

async function failure(reply: Scripted): Promise<unknown> {
  const { fetch } = scripted([reply]);
  const client = createScimClient({ baseUrl: BASE, fetch, retry: false });
  return client.users.get('42').catch((caught: unknown) => caught);
}

describe('error answers', () => {
  it("P-ERR-01: a SCIM error body gives the server's status, scimType and detail", async () => {
    const error = await failure({
      status: 400,
      body: { schemas: [ERROR], status: '400', scimType: 'invalidFilter', detail: 'bad filter' },
    });
    expect(error).toBeInstanceOf(ScimClientError);
    expect(isScimError(error)).toBe(true);
    expect(error).toMatchObject({
      status: 400,
      scimType: 'invalidFilter',
      detail: 'bad filter',
      method: 'GET',
      url: `${BASE}/Users/42`,
    });
    expect((error as Error).message).toBe(
      `GET ${BASE}/Users/42 answered 400 invalidFilter: bad filter`,
    );
  });

  it('a client error names itself, so logs and stack traces tell it from a server-side ScimError', async () => {
    const error = await failure({ status: 404, body: { schemas: [ERROR], status: '404' } });
    expect((error as Error).name).toBe('ScimClientError');
    expect(String((error as Error).stack)).toMatch(/^ScimClientError: /);
  });

  it('the HTTP status wins over a body status that disagrees, and a scimType off its usual status is kept', async () => {
    const error = await failure({
      status: 400,
      body: { schemas: [ERROR], status: '409', scimType: 'uniqueness', detail: 'dup' },
    });
    expect(error).toMatchObject({ status: 400, scimType: 'uniqueness' });
  });

  it('P-ERR-15: an unregistered scimType is kept only in rawScimType', async () => {
    const error = await failure({
      status: 400,
      body: { schemas: [ERROR], status: '400', scimType: 'weirdType', detail: 'x' },
    });
    expect(error).toMatchObject({ scimType: undefined, rawScimType: 'weirdType', detail: 'x' });
  });

  it("an HTML page from a proxy becomes a detail naming the page's title", async () => {
    const error = await failure({
      status: 502,
      text: '<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><h1>nginx</h1></body></html>',
      headers: { 'content-type': 'text/html' },
    });
    expect(error).toMatchObject({
      status: 502,
      scimType: undefined,
      detail: 'The server answered 502 with an HTML page: 502 Bad Gateway',
    });
  });

  it('plain text is the detail, cut to a readable length', async () => {
    const error = (await failure({
      status: 500,
      text: `oops ${'x'.repeat(2_000)}`,
    })) as ScimClientError;
    expect(error.status).toBe(500);
    expect(error.detail?.startsWith('oops')).toBe(true);
    expect(error.detail?.length).toBeLessThanOrEqual(501);
  });

  it('an empty error body leaves the status to speak', async () => {
    expect(await failure({ status: 404 })).toMatchObject({ status: 404, detail: undefined });
  });

  it('non-SCIM JSON gives its message or error_description as the detail', async () => {
    expect(await failure({ status: 403, body: { message: 'Forbidden by policy' } })).toMatchObject({
      status: 403,
      detail: 'Forbidden by policy',
    });
  });

  it('a 2xx answer that is not JSON is a ScimTransportError invalidResponse', async () => {
    const error = await failure({ status: 200, text: '<html>login</html>' });
    expect(error).toBeInstanceOf(ScimTransportError);
    expect(error).toMatchObject({ code: 'invalidResponse' });
  });

  it('a 2xx list answer that is not a ListResponse is a ScimTransportError invalidResponse', async () => {
    const { fetch } = scripted([{ status: 200, body: { Resources: 'nope' } }]);
    const client = createScimClient({ baseUrl: BASE, fetch });
    await expect(client.users.list({ paging: 'index' }).toArray()).rejects.toMatchObject({
      code: 'invalidResponse',
    });
  });
});
